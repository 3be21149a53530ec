/**
 * RRULE expansion with wall-clock semantics. The rule is expanded FLOATING (rrule's `tzid` is never
 * used: it depends on the process TZ and is wrong at DST edges); each occurrence's local date gets
 * the same local start and end time, converted to instants in the zone:
 * - an ambiguous local start/end (autumn fold) means the first occurrence (RFC 5545 §3.3.5);
 * - an occurrence whose local START does not exist (spring gap) is skipped and listed
 *   (RFC 5545 §3.3.10); a nonexistent local END uses the offset before the gap.
 * Expansion is capped (default 1,000 occurrences and 10 years from DTSTART); hitting the cap is
 * reported, never silent.
 *
 * @example
 * expandRecurrence({ rrule: 'FREQ=WEEKLY;BYDAY=SU;COUNT=3', dtstart: '2021-10-24', startTime: '00:00',
 *   endTime: '06:00', zone: 'Europe/London' }).occurrences.map(o => o.end.getTime() - o.start.getTime())
 * // [6h, 7h (31 Oct 2021: BST ends), 6h] in ms
 */
import rrule from 'rrule'
import { DAY_MS, dayIndexOf, isIsoDate, MINUTE_MS, parseHhMm, zoneClock } from './time.ts'

const { RRule } = rrule

export class RecurrenceError extends Error {
  readonly code = 'invalid-recurrence'
  constructor(
    message: string,
    /** Field of the request the problem is in: 'rrule', 'dtstart', 'startTime', … */
    readonly field: string,
  ) {
    super(message)
    this.name = 'RecurrenceError'
  }
}

export interface RecurrenceSpec {
  /** RRULE value, with or without the 'RRULE:' prefix, e.g. 'FREQ=WEEKLY;BYDAY=SU;UNTIL=20220731'. */
  rrule: string
  /** Local date of the first occurrence (DTSTART's date), 'YYYY-MM-DD'. */
  dtstart: string
  /** Local start 'HH:MM'. */
  startTime: string
  /** Local end 'HH:MM'; at or before startTime means the next day. */
  endTime: string
  zone: string
  /** Local dates ('YYYY-MM-DD') or local date-times ('YYYY-MM-DDTHH:MM') to leave out. */
  exdates?: readonly string[]
  maxOccurrences?: number
  maxYears?: number
}

export interface Occurrence {
  start: Date
  end: Date
  /** Local date of the start. */
  localDate: string
}

export interface SkippedOccurrence {
  localStart: string
  reason: 'nonexistent-local-time'
}

export interface Expansion {
  occurrences: Occurrence[]
  skipped: SkippedOccurrence[]
  truncated: boolean
  /** Why expansion stopped early, e.g. 'more than 1000 occurrences'. */
  truncatedReason?: string
}

const DEFAULT_MAX_OCCURRENCES = 1000
const DEFAULT_MAX_YEARS = 10

/** Parses and checks an RRULE value; throws RecurrenceError. */
export function parseRRule(text: string): Record<string, unknown> {
  if (typeof text !== 'string' || text.trim() === '') throw new RecurrenceError('rrule is empty', 'rrule')
  if (text.length > 2000) throw new RecurrenceError('rrule is too long', 'rrule')
  const body = text.trim().replace(/^RRULE:/i, '')
  if (/[\r\n]/.test(body)) throw new RecurrenceError('rrule must be a single RRULE value (no DTSTART/EXDATE lines)', 'rrule')
  let opts: Record<string, unknown>
  try {
    opts = RRule.parseString(body) as unknown as Record<string, unknown>
  } catch (e) {
    throw new RecurrenceError(`invalid rrule: ${(e as Error).message}`, 'rrule')
  }
  if (opts.freq === undefined || opts.freq === null) throw new RecurrenceError('invalid rrule: FREQ is missing or unknown', 'rrule')
  // Windows and blackouts recur at most daily, at the start time given beside the rule: a sub-daily
  // rule (FREQ=SECONDLY with no end) would expand for ever, or into hundreds of overlapping windows.
  if ((opts.freq as number) > RRule.DAILY || /(^|;)\s*BY(HOUR|MINUTE|SECOND)\s*=/i.test(body))
    throw new RecurrenceError(
      'invalid rrule: FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY, without BYHOUR, BYMINUTE or BYSECOND (the time of day is startTime)',
      'rrule',
    )
  if (opts.tzid || /(^|;)\s*TZID\s*=/i.test(body)) throw new RecurrenceError('rrule must not carry TZID; give the zone separately', 'rrule')
  if (opts.dtstart || /(^|;)\s*DTSTART\s*=/i.test(body))
    throw new RecurrenceError('rrule must not carry DTSTART; give dtstart separately', 'rrule')
  for (const k of ['count', 'interval'] as const) {
    const v = opts[k]
    if (v !== undefined && v !== null && (!Number.isInteger(v) || (v as number) < 1)) {
      throw new RecurrenceError(`invalid rrule: ${k.toUpperCase()} must be a positive integer`, 'rrule')
    }
  }
  const ranges: Record<string, [number, number]> = {
    byhour: [0, 23],
    byminute: [0, 59],
    bysecond: [0, 60],
    bymonth: [1, 12],
    bymonthday: [-31, 31],
    byyearday: [-366, 366],
    byweekno: [-53, 53],
    bysetpos: [-366, 366],
  }
  for (const [k, [lo, hi]] of Object.entries(ranges)) {
    const v = opts[k]
    if (v === undefined || v === null) continue
    const list = Array.isArray(v) ? v : [v]
    if (list.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < lo || x > hi || (x === 0 && lo < 0))) {
      throw new RecurrenceError(`invalid rrule: ${k.toUpperCase()} out of range ${lo}..${hi}`, 'rrule')
    }
  }
  for (const [k, v] of Object.entries(opts)) {
    if (typeof v === 'number' && Number.isNaN(v)) throw new RecurrenceError(`invalid rrule: bad ${k.toUpperCase()}`, 'rrule')
    if (Array.isArray(v) && v.some((x) => typeof x === 'number' && Number.isNaN(x))) {
      throw new RecurrenceError(`invalid rrule: bad ${k.toUpperCase()}`, 'rrule')
    }
  }
  return opts
}

/**
 * Expands a recurrence into [start, end) instants; see the module doc for the DST policy.
 * Throws RecurrenceError for an invalid rule, date, time or zone.
 */
export function expandRecurrence(spec: RecurrenceSpec): Expansion {
  const opts = parseRRule(spec.rrule)
  if (!isIsoDate(spec.dtstart)) throw new RecurrenceError(`dtstart must be a local ISO date, got '${spec.dtstart}'`, 'dtstart')
  let startMin: number
  let endMin: number
  try {
    startMin = parseHhMm(spec.startTime)
  } catch (e) {
    throw new RecurrenceError((e as Error).message, 'startTime')
  }
  try {
    endMin = parseHhMm(spec.endTime)
  } catch (e) {
    throw new RecurrenceError((e as Error).message, 'endTime')
  }
  if (startMin >= 1440) throw new RecurrenceError('startTime must be before 24:00', 'startTime')
  let clock: ReturnType<typeof zoneClock>
  try {
    clock = zoneClock(spec.zone)
  } catch (e) {
    throw new RecurrenceError((e as Error).message, 'zone')
  }
  const maxOcc = spec.maxOccurrences ?? DEFAULT_MAX_OCCURRENCES
  const maxYears = spec.maxYears ?? DEFAULT_MAX_YEARS
  const exDates = new Set<string>()
  const exDateTimes = new Set<string>()
  for (const [i, x] of (spec.exdates ?? []).entries()) {
    if (isIsoDate(x)) exDates.add(x)
    else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(x as string) && isIsoDate((x as string).slice(0, 10))) exDateTimes.add(x as string)
    else throw new RecurrenceError(`exdates[${i}] must be 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:MM', got '${x}'`, `exdates/${i}`)
  }
  const day0 = dayIndexOf(spec.dtstart)
  const dtstart = new Date(day0 * DAY_MS + startMin * MINUTE_MS)
  const limitWall = new Date(Date.UTC(dtstart.getUTCFullYear() + maxYears, dtstart.getUTCMonth(), dtstart.getUTCDate()))
  let rule: InstanceType<typeof RRule>
  try {
    rule = new RRule({ ...(opts as object), dtstart })
  } catch (e) {
    throw new RecurrenceError(`invalid rrule: ${(e as Error).message}`, 'rrule')
  }
  const durMin = endMin > startMin ? endMin - startMin : endMin + 1440 - startMin
  const raw: Date[] = []
  let truncated = false
  let truncatedReason: string | undefined
  // Expansion counts raw rule instances (skipped and excluded ones too) so an unbounded rule stops.
  rule.all((d, i) => {
    if (d.getTime() >= limitWall.getTime()) {
      truncated = true
      truncatedReason = `expansion stopped at ${maxYears} years after ${spec.dtstart}`
      return false
    }
    if (i >= maxOcc) {
      truncated = true
      truncatedReason = `more than ${maxOcc} occurrences`
      return false
    }
    raw.push(d)
    return true
  })
  const occurrences: Occurrence[] = []
  const skipped: SkippedOccurrence[] = []
  for (const d of raw) {
    const wallStart = d.getTime()
    const local = d.toISOString().slice(0, 16)
    if (exDates.has(local.slice(0, 10)) || exDateTimes.has(local)) continue
    const s = clock.fromWall(wallStart)
    if (s.status === 'gap') {
      skipped.push({ localStart: local, reason: 'nonexistent-local-time' })
      continue
    }
    const e = clock.fromWall(wallStart + durMin * MINUTE_MS)
    occurrences.push({ start: new Date(s.ms), end: new Date(e.ms), localDate: local.slice(0, 10) })
  }
  const out: Expansion = { occurrences, skipped, truncated }
  if (truncatedReason !== undefined) out.truncatedReason = truncatedReason
  return out
}
