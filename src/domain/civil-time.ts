/**
 * Zone-free civil calendar arithmetic: day indexes (days since 1970-01-01) and ISO dates, month
 * indexes (year*12 + month-1) and 'YYYY-MM' keys, 'HH:MM' times of day and English month names.
 * The zone clock (`time.ts`, which re-exports all of this) turns instants into these local values.
 *
 * @example
 * dayKey(dayIndexOf('2021-11-14')) // '2021-11-14'
 * monthLabel(monthIndexOfDay(18_945)) // 'November 2021'
 * parseHhMm('06:30') // 390
 */

export const MINUTE_MS = 60_000
export const HOUR_MS = 3_600_000
export const DAY_MS = 86_400_000

/**
 * Month index (year*12 + month-1) of a day index, by integer arithmetic (no Date allocation;
 * proleptic Gregorian calendar, H. Hinnant's civil_from_days).
 * @example monthIndexOfDay(18_945) // 2021-11-14 → 2021 * 12 + 10
 */
export function monthIndexOfDay(dayIdx: number): number {
  const z = dayIdx + 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const month0 = mp < 10 ? mp + 2 : mp - 10
  const year = yoe + era * 400 + (month0 < 2 ? 1 : 0)
  return year * 12 + month0
}

/** ISO date of a day index (days since 1970-01-01). */
export function dayKey(dayIdx: number): string {
  return new Date(dayIdx * DAY_MS).toISOString().slice(0, 10)
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** Day index of an ISO date 'YYYY-MM-DD'; throws on a malformed or impossible date. */
export function dayIndexOf(isoDate: string): number {
  const m = ISO_DATE.exec(isoDate)
  if (!m) throw new RangeError(`not an ISO date: '${isoDate}'`)
  const y = Number(m[1])
  const mo = Number(m[2])
  const d = Number(m[3])
  const ms = Date.UTC(y, mo - 1, d)
  const back = new Date(ms)
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) throw new RangeError(`impossible date: '${isoDate}'`)
  return ms / DAY_MS
}

/** True when `s` is a string that `parse` accepts (does not throw on). */
function parses(s: unknown, parse: (s: string) => unknown): s is string {
  if (typeof s !== 'string') return false
  try {
    parse(s)
    return true
  } catch {
    return false
  }
}

/** True for a well-formed, existing ISO date. */
export function isIsoDate(s: unknown): s is string {
  return parses(s, dayIndexOf)
}

/** 0 = Sunday … 6 = Saturday, for a day index. */
export function weekdayOf(dayIdx: number): number {
  return (((dayIdx + 4) % 7) + 7) % 7
}

/** 'YYYY-MM' of a month index (year*12 + month-1). */
export function monthKeyOf(mi: number): string {
  const y = Math.floor(mi / 12)
  const m = (mi % 12) + 1
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`
}

const MONTH_KEY = /^(\d{4})-(\d{2})$/

/**
 * Month index of a 'YYYY-MM' key with a month 01–12, or undefined.
 * @example tryMonthIndexOf('2021-10') // 2021 * 12 + 9; tryMonthIndexOf('2021-13') // undefined
 */
export function tryMonthIndexOf(key: string): number | undefined {
  const m = MONTH_KEY.exec(key)
  if (!m) return undefined
  const month = Number(m[2])
  return month >= 1 && month <= 12 ? Number(m[1]) * 12 + month - 1 : undefined
}

/** Month index of 'YYYY-MM'. */
export function monthIndexOf(key: string): number {
  const m = MONTH_KEY.exec(key)
  if (!m) throw new RangeError(`not a month: '${key}'`)
  return Number(m[1]) * 12 + Number(m[2]) - 1
}

const HHMM = /^([01]\d|2[0-4]):([0-5]\d)$/

/** Minutes after midnight of 'HH:MM' (24:00 allowed); throws on a malformed value. */
export function parseHhMm(s: string): number {
  const m = HHMM.exec(s)
  if (!m) throw new RangeError(`not a time of day 'HH:MM': '${s}'`)
  const v = Number(m[1]) * 60 + Number(m[2])
  if (v > 1440) throw new RangeError(`time of day after 24:00: '${s}'`)
  return v
}

/** True for a well-formed 'HH:MM'. */
export function isHhMm(s: unknown): s is string {
  return parses(s, parseHhMm)
}

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

/** 'November 2021' for a month index. */
export function monthLabel(mi: number): string {
  return `${MONTH_NAMES[mi % 12]} ${Math.floor(mi / 12)}`
}

/** '1 November' for a day index. */
export function dayMonthLabel(dayIdx: number): string {
  const d = new Date(dayIdx * DAY_MS)
  return `${d.getUTCDate()} ${MONTH_NAMES[d.getUTCMonth()]}`
}
