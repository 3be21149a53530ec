/**
 * Local-time views the impact model needs (offsets in ms, local days, local months and month
 * pieces), built on the domain's zone clock (`../time.ts`): its per-year transition table is the one
 * source of offsets, so the engine, the impact model and the reports agree on every clock change.
 * The caches here are memoisation of pure functions of (zone, day or month), shared per zone.
 *
 * @example
 * const clock = zoneClock('Europe/London')
 * clock.monthAt(Date.parse('2021-10-31T12:00:00Z')).minutes // 44_700 (25-hour day on 31 Oct)
 */
import { DAY_MS, HOUR_MS, InvalidZoneError, MINUTE_MS, type ZoneClock as DomainClock, zoneClock as domainClock } from '../time.ts'

export { DAY_MS, HOUR_MS, MINUTE_MS }

export interface DayInfo {
  /** Local date YYYY-MM-DD. */
  date: string
  year: number
  /** 1–12 */
  month: number
  /** 1–31 */
  day: number
  /** 0 = Monday … 6 = Sunday */
  weekday: number
}

export interface MonthSpan {
  /** YYYY-MM */
  key: string
  /** Epoch ms of local midnight on the 1st. */
  start: number
  /** Epoch ms of local midnight on the 1st of the next month. */
  end: number
  /** Real minutes in the month (44,700 for Oct 2021 in Europe/London). */
  minutes: number
}

export interface MonthPiece {
  month: MonthSpan
  start: number
  end: number
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n))

/** How far ahead offsetSpan looks for the next clock change (a walk asks again after it). */
const SPAN_HORIZON_MS = 7 * DAY_MS

export class ZoneClock {
  readonly zone: string
  private readonly clock: DomainClock
  private readonly days = new Map<number, DayInfo>()
  private readonly months = new Map<number, MonthSpan>()

  constructor(zone: string) {
    try {
      this.clock = domainClock(zone)
    } catch (e) {
      if (e instanceof InvalidZoneError) throw new RangeError(`unknown time zone: ${zone}`)
      throw e
    }
    this.zone = zone
  }

  /**
   * The offset (ms) in force at `ms` and an instant up to which it certainly stays in force (the
   * next clock change, or a week on); lets callers walk a long interval with few lookups.
   * @example zoneClock('Europe/London').offsetSpan(Date.parse('2021-10-30T12:00:00Z')) // { offset: 3_600_000, until: Date.parse('2021-10-31T01:00:00Z') }
   */
  offsetSpan(ms: number): { offset: number; until: number } {
    const next = this.clock.firstTransitionBetween(ms + 1, ms + SPAN_HORIZON_MS)
    return { offset: this.clock.offsetAt(ms) * MINUTE_MS, until: next ? next.at : ms + SPAN_HORIZON_MS }
  }

  /** Offset (ms) in force at instant `ms`. */
  offsetAt(ms: number): number {
    return this.clock.offsetAt(ms) * MINUTE_MS
  }

  /** Facts about the local day with index `d` (= floor(localMs / DAY_MS), local ms = ms + offset). */
  dayInfo(d: number): DayInfo {
    let info = this.days.get(d)
    if (info) return info
    const dt = new Date(d * DAY_MS)
    const year = dt.getUTCFullYear()
    const month = dt.getUTCMonth() + 1
    const day = dt.getUTCDate()
    info = {
      date: `${year}-${pad2(month)}-${pad2(day)}`,
      year,
      month,
      day,
      weekday: (dt.getUTCDay() + 6) % 7,
    }
    this.days.set(d, info)
    return info
  }

  /** The local calendar month `month` (1–12) of `year`. */
  monthSpan(year: number, month: number): MonthSpan {
    const k = year * 12 + month - 1
    let span = this.months.get(k)
    if (span) return span
    const start = this.clock.startOfMonth(year, month)
    const end = this.clock.startOfMonth(year, month + 1)
    span = { key: `${year}-${pad2(month)}`, start, end, minutes: (end - start) / MINUTE_MS }
    this.months.set(k, span)
    return span
  }

  /** The local month containing instant `ms`. */
  monthAt(ms: number): MonthSpan {
    const info = this.dayInfo(Math.floor((ms + this.offsetAt(ms)) / DAY_MS))
    return this.monthSpan(info.year, info.month)
  }

  /** Splits [start, end) at local month boundaries. */
  splitByMonth(start: number, end: number): MonthPiece[] {
    const out: MonthPiece[] = []
    let t = start
    while (t < end) {
      const month = this.monthAt(t)
      const pieceEnd = Math.min(end, month.end)
      out.push({ month, start: t, end: pieceEnd })
      t = pieceEnd
    }
    return out
  }
}

const clocks = new Map<string, ZoneClock>()

/**
 * The shared clock for `zone` (throws RangeError for an unknown zone).
 * @example zoneClock('Europe/London').offsetAt(Date.parse('2021-07-01T00:00:00Z')) // 3_600_000
 */
export function zoneClock(zone: string): ZoneClock {
  let c = clocks.get(zone)
  if (!c) {
    c = new ZoneClock(zone)
    clocks.set(zone, c)
  }
  return c
}

/**
 * Parses a YYYY-MM month key into its local span, or undefined when malformed.
 * @example parseMonthKey('2021-10', 'Europe/London')?.minutes // 44_700
 */
export function parseMonthKey(key: string, zone: string): MonthSpan | undefined {
  const m = /^(\d{4})-(\d{2})$/.exec(key)
  if (!m) return undefined
  const month = Number(m[2])
  if (month < 1 || month > 12) return undefined
  return zoneClock(zone).monthSpan(Number(m[1]), month)
}
