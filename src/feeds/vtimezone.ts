/**
 * RFC 5545 VTIMEZONE components written from the domain's zone clock (its transition table), so a
 * feed's wall times and the time zone definition it ships come from one source.
 *
 * @example
 * vtimezoneLines('Europe/London', 2022)
 * // ['BEGIN:VTIMEZONE', 'TZID:Europe/London', 'X-LIC-LOCATION:Europe/London', 'BEGIN:DAYLIGHT',
 * //  'TZOFFSETFROM:+0000', 'TZOFFSETTO:+0100', 'TZNAME:BST', 'DTSTART:19700329T010000',
 * //  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'END:DAYLIGHT', 'BEGIN:STANDARD', …, 'END:VTIMEZONE']
 */
import { type AnnualClockChange, zoneClock } from '../domain/time.ts'

/** The year each observance's DTSTART falls in: the convention of Outlook, Apple Calendar and libical. */
const FIRST_YEAR = 1970

const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n))

/** RFC 5545 UTC-OFFSET of minutes east of UTC: 60 → '+0100', -330 → '-0530'. */
function utcOffset(minutes: number): string {
  const abs = Math.abs(minutes)
  return `${minutes < 0 ? '-' : '+'}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}`
}

/** Day of the month of the `week`th (or, for -1, the last) `weekday` (0 = Sunday) of a month (1–12). */
function nthWeekdayOfMonth(year: number, month: number, weekday: number, week: number): number {
  if (week > 0) {
    const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay()
    return 1 + ((weekday - first + 7) % 7) + (week - 1) * 7
  }
  const last = new Date(Date.UTC(year, month, 0))
  return last.getUTCDate() - ((last.getUTCDay() - weekday + 7) % 7)
}

/** One DAYLIGHT or STANDARD observance: the change's first occurrence in 1970 and its yearly rule. */
function observance(c: AnnualClockChange): string[] {
  const kind = c.daylight ? 'DAYLIGHT' : 'STANDARD'
  const day = nthWeekdayOfMonth(FIRST_YEAR, c.month, c.weekday, c.week)
  const time = `${pad2(Math.floor(c.minuteOfDay / 60))}${pad2(c.minuteOfDay % 60)}00`
  return [
    `BEGIN:${kind}`,
    `TZOFFSETFROM:${utcOffset(c.offsetFrom)}`,
    `TZOFFSETTO:${utcOffset(c.offsetTo)}`,
    `TZNAME:${c.name}`,
    `DTSTART:${FIRST_YEAR}${pad2(c.month)}${pad2(day)}T${time}`,
    `RRULE:FREQ=YEARLY;BYMONTH=${c.month};BYDAY=${c.week}${WEEKDAYS[c.weekday]}`,
    `END:${kind}`,
  ]
}

/**
 * The VTIMEZONE of `zone` as the clock changes of `year` describe it: one observance per change,
 * each repeating yearly from 1970; a zone that keeps one offset all year gets a single STANDARD.
 * Content lines without CRLF, none longer than 75 octets for the zones we write.
 *
 * @example vtimezoneLines('Europe/London', 2022)[7] // 'DTSTART:19700329T010000'
 */
export function vtimezoneLines(zone: string, year: number): string[] {
  const clock = zoneClock(zone)
  const changes = clock.annualClockChanges(year)
  const lines = ['BEGIN:VTIMEZONE', `TZID:${zone}`, `X-LIC-LOCATION:${zone}`]
  if (changes.length === 0) {
    const offset = utcOffset(clock.offsetAt(Date.UTC(year, 0, 1)))
    lines.push('BEGIN:STANDARD', `TZOFFSETFROM:${offset}`, `TZOFFSETTO:${offset}`, `DTSTART:${FIRST_YEAR}0101T000000`, 'END:STANDARD')
  }
  for (const c of changes) lines.push(...observance(c))
  lines.push('END:VTIMEZONE')
  return lines
}
