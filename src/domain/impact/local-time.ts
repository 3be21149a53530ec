/**
 * Epoch-millisecond local-time arithmetic for one IANA zone, fast enough for the impact hot path.
 *
 * luxon is asked for the zone offset twice per UTC day (per hour on a day with a transition) and once per
 * local month for the month's bounds; everything after that is integer arithmetic on epoch ms. An hour whose offset changes
 * inside it (a zone with a non-hour transition instant) records the exact transition instant, so
 * the arithmetic stays exact for every zone, not only Europe/London (whose changes fall at 01:00 UTC).
 *
 * The caches are memoisation of pure functions of (zone, instant), shared per zone. They grow with
 * the span of time asked about (one entry per UTC day, per local day, per local month).
 *
 * @example
 * const clock = zoneClock('Europe/London')
 * clock.monthAt(Date.parse('2021-10-31T12:00:00Z')).minutes // 44_700 (25-hour day on 31 Oct)
 */
import { DateTime } from 'luxon'

export const MINUTE_MS = 60_000
export const HOUR_MS = 3_600_000
export const DAY_MS = 86_400_000

export interface HourEntry {
  /** Offset (ms, local − UTC) at the start of the UTC hour. */
  offset: number
  /** Instant inside the hour when the offset changes; NaN when it does not. */
  changeAt: number
  /** Offset from `changeAt` to the end of the hour. */
  offsetAfter: number
}

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

export class ZoneClock {
  readonly zone: string
  private readonly utcDays = new Map<number, HourEntry | HourEntry[]>()
  private readonly days = new Map<number, DayInfo>()
  private readonly months = new Map<number, MonthSpan>()

  constructor(zone: string) {
    if (!DateTime.fromMillis(0, { zone }).isValid) throw new RangeError(`unknown time zone: ${zone}`)
    this.zone = zone
  }

  private luxonOffset(ms: number): number {
    return DateTime.fromMillis(ms, { zone: this.zone }).offset * MINUTE_MS
  }

  /**
   * Offset facts for the UTC day with index `d`: one shared entry when the offset is the same at both
   * ends of the day (tz rules change at most once a day), else one entry per hour.
   */
  private dayEntries(d: number): HourEntry | HourEntry[] {
    let e = this.utcDays.get(d)
    if (e) return e
    const start = d * DAY_MS
    const first = this.luxonOffset(start)
    if (this.luxonOffset(start + DAY_MS - 1) === first) {
      e = { offset: first, changeAt: Number.NaN, offsetAfter: first }
    } else {
      e = []
      for (let h = 0; h < 24; h++) e.push(this.computeHour(d * 24 + h))
    }
    this.utcDays.set(d, e)
    return e
  }

  private computeHour(h: number): HourEntry {
    const start = h * HOUR_MS
    const offset = this.luxonOffset(start)
    const last = this.luxonOffset(start + HOUR_MS - 1)
    let changeAt = Number.NaN
    if (last !== offset) {
      // Binary search over whole minutes: tz transitions fall on minute boundaries.
      let lo = 0
      let hi = 59
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (this.luxonOffset(start + (mid + 1) * MINUTE_MS) === offset) lo = mid + 1
        else hi = mid
      }
      changeAt = start + (lo + 1) * MINUTE_MS
    }
    return { offset, changeAt, offsetAfter: last }
  }

  /** Offset facts for the UTC hour with index `h` (= floor(ms / HOUR_MS)). */
  hourEntry(h: number): HourEntry {
    const d = Math.floor(h / 24)
    const e = this.dayEntries(d)
    return Array.isArray(e) ? (e[h - d * 24] as HourEntry) : e
  }

  /**
   * The offset in force at `ms` and the instant up to which it certainly stays in force (the end of
   * the UTC hour or day, or the transition); lets callers walk a long interval with few lookups.
   */
  offsetSpan(ms: number): { offset: number; until: number } {
    const d = Math.floor(ms / DAY_MS)
    const e = this.dayEntries(d)
    if (!Array.isArray(e)) return { offset: e.offset, until: (d + 1) * DAY_MS }
    const h = Math.floor(ms / HOUR_MS)
    const he = e[h - d * 24] as HourEntry
    if (Number.isNaN(he.changeAt) || ms >= he.changeAt) return { offset: he.offsetAfter, until: (h + 1) * HOUR_MS }
    return { offset: he.offset, until: Math.min((h + 1) * HOUR_MS, he.changeAt) }
  }

  /** Offset (ms) in force at instant `ms`. */
  offsetAt(ms: number): number {
    const e = this.hourEntry(Math.floor(ms / HOUR_MS))
    return ms >= e.changeAt ? e.offsetAfter : e.offset
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
    const first = DateTime.fromObject({ year, month, day: 1 }, { zone: this.zone })
    const start = first.toMillis()
    const end = first.plus({ months: 1 }).toMillis()
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
