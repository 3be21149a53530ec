/**
 * The one zone clock: wall-clock ↔ instant arithmetic in an IANA zone, fast enough for hot loops,
 * used by the engine, the impact model, the reports and the feeds (whose VTIMEZONE is written from
 * `annualClockChanges`), so all of them agree on every clock change.
 *
 * Instants are epoch milliseconds (UTC). A "wall" value is the local date-time of a zone encoded as
 * if it were UTC epoch milliseconds (so `new Date(wall).getUTCHours()` is the local hour). Offsets
 * are looked up in a per-year table of transitions computed once per zone with luxon; after that no
 * luxon call happens on the hot path. The clock's caches memoise pure functions of (zone, day or
 * month), so sharing one clock per zone is safe.
 *
 * RFC 5545 §3.3.5: an ambiguous local time (autumn fold) means the FIRST occurrence; a nonexistent
 * local time (spring gap) is read with the offset from before the gap (01:30 on 27 Mar 2022 in
 * Europe/London → 01:30Z = 02:30 BST) and reported as `gap` so a recurrence can skip it.
 *
 * @example
 * const clock = zoneClock('Europe/London')
 * clock.fromWall(Date.UTC(2021, 9, 31, 1, 30)) // { ms: Date.UTC(2021, 9, 31, 0, 30), status: 'ambiguous' }
 * clock.monthAt(Date.parse('2021-10-31T12:00:00Z')).minutes // 44_700 (25-hour day on 31 Oct)
 * realMinutesInMonth(2021, 10, 'Europe/London') // 44_700
 */
import { DateTime } from 'luxon'
import { DAY_MS, dayKey, HOUR_MS, MINUTE_MS, monthIndexOfDay, monthKeyOf, tryMonthIndexOf } from './civil-time.ts'

export {
  DAY_MS,
  dayIndexOf,
  dayKey,
  dayMonthLabel,
  HOUR_MS,
  isHhMm,
  isIsoDate,
  MINUTE_MS,
  monthIndexOf,
  monthIndexOfDay,
  monthKeyOf,
  monthLabel,
  parseHhMm,
  weekdayOf,
} from './civil-time.ts'

/** Great Britain's time zone: the default zone of windows, reports, feeds and impact. */
export const LONDON_ZONE = 'Europe/London'

export type WallStatus = 'exact' | 'ambiguous' | 'gap'

export interface WallResult {
  /** The instant, epoch ms. */
  ms: number
  status: WallStatus
}

export interface Transition {
  /** First instant (epoch ms) at which `offsetAfter` applies. */
  at: number
  offsetBefore: number
  offsetAfter: number
}

interface YearInfo {
  from: number
  to: number
  startOffset: number
  transitions: Transition[]
}

/** Facts about one local day. */
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

/** One local calendar month. */
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

/** The part [start, end) of an interval that lies in one local month. */
export interface MonthPiece {
  month: MonthSpan
  start: number
  end: number
}

/**
 * A clock change that recurs every year on a weekday of a month ("the last Sunday of March at 01:00"),
 * in the shape of an RFC 5545 VTIMEZONE observance.
 */
export interface AnnualClockChange {
  /** True for the change into the larger offset (DAYLIGHT in a VTIMEZONE), false for STANDARD. */
  daylight: boolean
  /** UTC offsets in minutes before and after the change. */
  offsetFrom: number
  offsetTo: number
  /** The zone's short name after the change (en-GB: 'BST', 'GMT', 'CEST'; 'GMT+10:30' where it has none). */
  name: string
  /** 1–12 */
  month: number
  /** 0 = Sunday … 6 = Saturday */
  weekday: number
  /** 1–4 for the nth such weekday of the month, -1 for the last. */
  week: number
  /** Wall-clock minutes after midnight, in the offset before the change. */
  minuteOfDay: number
}

/** An unknown zone; a RangeError, since a zone name is an argument out of range. */
export class InvalidZoneError extends RangeError {
  readonly code = 'invalid-zone'
  constructor(readonly zone: string) {
    super(`unknown or unsupported IANA time zone '${zone}'`)
    this.name = 'InvalidZoneError'
  }
}

/** True when luxon (ICU) knows the zone. */
export function isValidZone(zone: string): boolean {
  return typeof zone === 'string' && zone.length > 0 && DateTime.fromMillis(0, { zone }).isValid
}

/** How far ahead offsetSpan looks for the next clock change (a walk asks again after it). */
const SPAN_HORIZON_MS = 7 * DAY_MS

/**
 * Offsets, wall-clock conversions, local days and local months for one zone. Get one with
 * `zoneClock(zone)` (cached per zone).
 * @example zoneClock('Europe/London').offsetAt(Date.UTC(2021, 6, 1)) // 60
 */
export class ZoneClock {
  readonly zone: string
  private readonly years = new Map<number, YearInfo>()
  private cur: YearInfo
  private readonly monthStarts = new Map<number, number>()
  private readonly days = new Map<number, DayInfo>()
  private readonly months = new Map<number, MonthSpan>()

  constructor(zone: string) {
    if (!isValidZone(zone)) throw new InvalidZoneError(zone)
    this.zone = zone
    this.cur = this.year(2021)
  }

  private luxonOffset(ms: number): number {
    return DateTime.fromMillis(ms, { zone: this.zone }).offset
  }

  private year(y: number): YearInfo {
    const cached = this.years.get(y)
    if (cached) return cached
    const from = Date.UTC(y, 0, 1)
    const to = Date.UTC(y + 1, 0, 1)
    const startOffset = this.luxonOffset(from)
    const transitions: Transition[] = []
    let prev = startOffset
    // Sample every 6 hours, then bisect to the minute: zones change at most a few times a year.
    const step = 6 * HOUR_MS
    for (let t = from + step; t <= to; t += step) {
      const o = this.luxonOffset(t)
      if (o !== prev) {
        let lo = t - step // offset prev here
        let hi = t // offset o here
        while (hi - lo > MINUTE_MS) {
          const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS
          if (mid === lo) break
          if (this.luxonOffset(mid) === prev) lo = mid
          else hi = mid
        }
        if (hi < to) transitions.push({ at: hi, offsetBefore: prev, offsetAfter: o })
        prev = o
      }
    }
    const info = { from, to, startOffset, transitions }
    this.years.set(y, info)
    return info
  }

  private prev: YearInfo | null = null

  private infoFor(ms: number): YearInfo {
    const c = this.cur
    if (ms >= c.from && ms < c.to) return c
    // Plans often straddle a year end: keep the previous year too, so alternating lookups stay cheap.
    const p = this.prev
    if (p !== null && ms >= p.from && ms < p.to) {
      this.prev = c
      this.cur = p
      return p
    }
    const info = this.year(new Date(ms).getUTCFullYear())
    this.prev = c
    this.cur = info
    return info
  }

  /** UTC offset in minutes at an instant. */
  offsetAt(ms: number): number {
    const info = this.infoFor(ms)
    let o = info.startOffset
    for (const tr of info.transitions) {
      if (ms >= tr.at) o = tr.offsetAfter
      else break
    }
    return o
  }

  /** Local wall-clock time of an instant, as UTC-encoded epoch ms. */
  toWall(ms: number): number {
    return ms + this.offsetAt(ms) * MINUTE_MS
  }

  /**
   * The instant of a wall-clock time (RFC 5545: ambiguous → first, gap → offset before the gap).
   * @example zoneClock('Europe/London').fromWall(Date.UTC(2022, 2, 27, 1, 30)) // { ms: Date.UTC(2022,2,27,1,30), status: 'gap' }
   */
  fromWall(wall: number): WallResult {
    const before = this.offsetAt(wall - DAY_MS)
    const after = this.offsetAt(wall + DAY_MS)
    let first: number | null = null
    let valid = 0
    for (const o of before === after ? [before] : [before, after]) {
      const inst = wall - o * MINUTE_MS
      if (this.offsetAt(inst) !== o) continue
      valid++
      if (first === null || inst < first) first = inst
    }
    if (first === null) return { ms: wall - before * MINUTE_MS, status: 'gap' }
    return { ms: first, status: valid > 1 ? 'ambiguous' : 'exact' }
  }

  /** Local days since 1970-01-01 of an instant. */
  dayIndex(ms: number): number {
    return Math.floor(this.toWall(ms) / DAY_MS)
  }

  /** Local ISO date (YYYY-MM-DD) of an instant. */
  localDate(ms: number): string {
    return dayKey(this.dayIndex(ms))
  }

  /** Local 'YYYY-MM-DDTHH:MM' of an instant. */
  localDateTime(ms: number): string {
    return new Date(this.toWall(ms)).toISOString().slice(0, 16)
  }

  /** Local 'HH:MM' of an instant. */
  localTime(ms: number): string {
    return new Date(this.toWall(ms)).toISOString().slice(11, 16)
  }

  /** Instant of local 00:00 of a local day index (a midnight in a gap moves forward). */
  startOfDay(dayIdx: number): number {
    return this.fromWall(dayIdx * DAY_MS).ms
  }

  /** Instant of local 00:00 on the 1st of a month (month 1–12; overflow allowed). */
  startOfMonth(year: number, month: number): number {
    const k = year * 12 + (month - 1)
    let v = this.monthStarts.get(k)
    if (v === undefined) {
      v = this.fromWall(Date.UTC(Math.floor(k / 12), k % 12, 1)).ms
      this.monthStarts.set(k, v)
    }
    return v
  }

  /** Month index (year*12 + month-1) of an instant, in local time. */
  monthIndex(ms: number): number {
    return monthIndexOfDay(Math.floor(this.toWall(ms) / DAY_MS))
  }

  /** Instant at which a month index starts. */
  startOfMonthIndex(mi: number): number {
    return this.startOfMonth(Math.floor(mi / 12), (mi % 12) + 1)
  }

  /** Clock changes with from ≤ at < to. */
  transitionsBetween(from: number, to: number): Transition[] {
    const out: Transition[] = []
    if (!(to > from)) return out
    const y0 = new Date(from).getUTCFullYear()
    const y1 = new Date(to).getUTCFullYear()
    for (let y = y0; y <= y1; y++) {
      for (const tr of this.year(y).transitions) if (tr.at >= from && tr.at < to) out.push(tr)
    }
    return out
  }

  /** The first clock change with from ≤ at < to, or null (allocation-free transitionsBetween()[0]). */
  firstTransitionBetween(from: number, to: number): Transition | null {
    if (!(to > from)) return null
    let info = this.infoFor(from)
    for (;;) {
      for (const tr of info.transitions) if (tr.at >= from && tr.at < to) return tr
      if (info.to >= to) return null
      info = this.year(new Date(info.to).getUTCFullYear())
    }
  }

  /**
   * The offset in force at `ms`, in milliseconds, and an instant up to which it certainly stays in
   * force (the next clock change, or a week on); lets callers walk a long interval with few lookups.
   * @example zoneClock('Europe/London').offsetSpan(Date.parse('2021-10-30T12:00:00Z')) // { offset: 3_600_000, until: Date.parse('2021-10-31T01:00:00Z') }
   */
  offsetSpan(ms: number): { offset: number; until: number } {
    const next = this.firstTransitionBetween(ms + 1, ms + SPAN_HORIZON_MS)
    return { offset: this.offsetAt(ms) * MINUTE_MS, until: next ? next.at : ms + SPAN_HORIZON_MS }
  }

  /**
   * True when the wall-clock time of instant `ms` occurs twice (the hour repeated when the clocks go
   * back), which RFC 5545 reads as the first occurrence and some clients as the second.
   * @example zoneClock('Europe/London').isAmbiguousWall(Date.parse('2021-10-31T01:30:00Z')) // true
   */
  isAmbiguousWall(ms: number): boolean {
    const own = this.offsetAt(ms)
    const wall = ms + own * MINUTE_MS
    // A fold is shorter than a day, so the other reading uses the offset a day before or after.
    const before = this.offsetAt(ms - DAY_MS)
    if (before !== own && this.offsetAt(wall - before * MINUTE_MS) === before) return true
    const after = this.offsetAt(ms + DAY_MS)
    return after !== own && this.offsetAt(wall - after * MINUTE_MS) === after
  }

  /** Facts about the local day with index `dayIdx` (days since 1970-01-01 of the wall clock). */
  dayInfo(dayIdx: number): DayInfo {
    let info = this.days.get(dayIdx)
    if (info) return info
    const dt = new Date(dayIdx * DAY_MS)
    info = {
      date: dayKey(dayIdx),
      year: dt.getUTCFullYear(),
      month: dt.getUTCMonth() + 1,
      day: dt.getUTCDate(),
      weekday: (dt.getUTCDay() + 6) % 7,
    }
    this.days.set(dayIdx, info)
    return info
  }

  /**
   * The local calendar month `month` (1–12) of `year`.
   * @example zoneClock('Europe/London').monthSpan(2022, 3).minutes // 44_580 (a 23-hour day)
   */
  monthSpan(year: number, month: number): MonthSpan {
    return this.monthSpanOfIndex(year * 12 + month - 1)
  }

  /** The local month with index `mi` (year*12 + month-1). */
  monthSpanOfIndex(mi: number): MonthSpan {
    let span = this.months.get(mi)
    if (span) return span
    const start = this.startOfMonthIndex(mi)
    const end = this.startOfMonthIndex(mi + 1)
    span = { key: monthKeyOf(mi), start, end, minutes: (end - start) / MINUTE_MS }
    this.months.set(mi, span)
    return span
  }

  /** The local month containing instant `ms`. */
  monthAt(ms: number): MonthSpan {
    return this.monthSpanOfIndex(this.monthIndex(ms))
  }

  /**
   * Splits [start, end) at local month boundaries.
   * @example zoneClock('Europe/London').splitByMonth(Date.parse('2021-10-31T23:00:00Z'), Date.parse('2021-11-01T01:00:00Z')).length // 2
   */
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

  /**
   * The clock changes of `year` read as yearly weekday rules (from the transition table), in order;
   * empty for a zone that keeps one offset all year. Throws when a change does not fall on a nth or
   * last weekday of its month's pattern (a VTIMEZONE RRULE could not describe it).
   * @example zoneClock('Europe/London').annualClockChanges(2022)[0] // { daylight: true, offsetFrom: 0, offsetTo: 60, name: 'BST', month: 3, weekday: 0, week: -1, minuteOfDay: 60 }
   */
  annualClockChanges(year: number): AnnualClockChange[] {
    return this.year(year).transitions.map((tr) => {
      const wall = new Date(tr.at + tr.offsetBefore * MINUTE_MS)
      const month = wall.getUTCMonth() + 1
      const day = wall.getUTCDate()
      const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
      return {
        daylight: tr.offsetAfter > tr.offsetBefore,
        offsetFrom: tr.offsetBefore,
        offsetTo: tr.offsetAfter,
        name: DateTime.fromMillis(tr.at, { zone: this.zone, locale: 'en-GB' }).offsetNameShort ?? '',
        month,
        weekday: wall.getUTCDay(),
        week: day + 7 > daysInMonth ? -1 : Math.ceil(day / 7),
        minuteOfDay: wall.getUTCHours() * 60 + wall.getUTCMinutes(),
      }
    })
  }
}

const clocks = new Map<string, ZoneClock>()

/** A cached ZoneClock for a zone; throws InvalidZoneError for an unknown zone. */
export function zoneClock(zone: string): ZoneClock {
  let c = clocks.get(zone)
  if (!c) {
    c = new ZoneClock(zone)
    clocks.set(zone, c)
  }
  return c
}

/**
 * The local months ('YYYY-MM' in `zone`) an interval [start, end) touches, in order.
 * @example monthsTouched(new Date('2021-11-30T23:00:00Z'), new Date('2021-12-01T05:00:00Z'), 'Europe/London') // ['2021-11', '2021-12']
 */
export function monthsTouched(start: Date, end: Date, zone: string): string[] {
  const clock = zoneClock(zone)
  const out: string[] = []
  const e = end.getTime()
  const first = clock.monthIndex(start.getTime())
  out.push(monthKeyOf(first))
  for (let mi = first + 1; clock.startOfMonthIndex(mi) < e; mi++) out.push(monthKeyOf(mi))
  return out
}

/**
 * The instant of a local wall-clock time in a zone (RFC 5545 rules, see module doc).
 * @example wallToInstant(2021, 10, 31, 1, 30, 'Europe/London').toISOString() // '2021-10-31T00:30:00.000Z'
 */
export function wallToInstant(y: number, mo: number, d: number, h: number, mi: number, zone: string): Date {
  return new Date(zoneClock(zone).fromWall(Date.UTC(y, mo - 1, d, h, mi)).ms)
}

/** Like wallToInstant, but says whether the local time was exact, ambiguous or in a gap. */
export function resolveWall(y: number, mo: number, d: number, h: number, mi: number, zone: string): WallResult {
  return zoneClock(zone).fromWall(Date.UTC(y, mo - 1, d, h, mi))
}

/**
 * Real elapsed minutes of a local calendar month.
 * @example realMinutesInMonth(2021, 10, 'Europe/London') // 44_700; (2022, 3) → 44_580
 */
export function realMinutesInMonth(year: number, month: number, zone: string): number {
  const c = zoneClock(zone)
  return (c.startOfMonth(year, month + 1) - c.startOfMonth(year, month)) / MINUTE_MS
}

/**
 * The local span of a 'YYYY-MM' month key in `zone`, or undefined when the key is malformed.
 * @example parseMonthKey('2021-10', 'Europe/London')?.minutes // 44_700
 */
export function parseMonthKey(key: string, zone: string): MonthSpan | undefined {
  const mi = tryMonthIndexOf(key)
  return mi === undefined ? undefined : zoneClock(zone).monthSpanOfIndex(mi)
}

/** Clock changes in a zone with from ≤ at < to (instants). */
export function clockChanges(from: Date, to: Date, zone: string): Transition[] {
  return zoneClock(zone).transitionsBetween(from.getTime(), to.getTime())
}
