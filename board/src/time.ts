/**
 * Wall time ↔ instant for the board's fields and labels, on the domain's own zone clock
 * (src/domain/time.ts: RFC 5545 rules, an ambiguous local time is the first, a time in the spring gap
 * is read with the offset from before it and flagged). No second zone clock: the page and the engine
 * agree on what "00:00 on 24 April 2022 in Europe/London" is.
 *
 * @example fromLocalInput('2022-04-24T00:00') // { ms: Date.UTC(2022, 3, 23, 23), status: 'exact' }
 */
import { DAY_MS, dayIndexOf, LONDON_ZONE, MINUTE_MS, monthKeyOf, monthLabel, weekdayOf, zoneClock } from '../../src/domain/time.ts'

/** The zone the board shows and edits wall times in: Great Britain's. */
export const BOARD_ZONE = LONDON_ZONE

export type WallStatus = 'exact' | 'ambiguous' | 'gap'

const LOCAL_INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** The value of an `<input type="datetime-local">` for an instant: its wall time in `zone`. @example toLocalInput(Date.parse('2021-11-14T00:00:00Z')) // '2021-11-14T00:00' */
export function toLocalInput(ms: number, zone = BOARD_ZONE): string {
  return zoneClock(zone).localDateTime(ms)
}

/**
 * The instant of a datetime-local value read as wall time in `zone`, with what the clock said about
 * it; null when the value is not a date and time.
 * @example fromLocalInput('2022-03-27T01:30') // { ms: Date.UTC(2022, 2, 27, 1, 30), status: 'gap' } (02:30 BST)
 */
export function fromLocalInput(value: string, zone = BOARD_ZONE): { ms: number; status: WallStatus } | null {
  const m = LOCAL_INPUT.exec(value)
  if (!m) return null
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number]
  const wall = Date.UTC(y, mo - 1, d, h, mi)
  const back = new Date(wall)
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59) return null
  return zoneClock(zone).fromWall(wall)
}

/** Moves an instant by `minutes` of wall time in `zone` (a day stays 00:00 → 00:00 across a clock change). @example shiftWall(Date.parse('2022-03-26T00:00:00Z'), 1440) // 2022-03-27T00:00Z */
export function shiftWall(ms: number, minutes: number, zone = BOARD_ZONE): number {
  const clock = zoneClock(zone)
  return clock.fromWall(clock.toWall(ms) + minutes * MINUTE_MS).ms
}

/** GMT or BST for Europe/London; elsewhere the offset (`UTC+02:00`). */
export function zoneAbbreviation(ms: number, zone = BOARD_ZONE): string {
  const offset = zoneClock(zone).offsetAt(ms)
  if (zone === LONDON_ZONE) return offset === 0 ? 'GMT' : 'BST'
  const sign = offset < 0 ? '-' : '+'
  const a = Math.abs(offset)
  return `UTC${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`
}

/** 'Sun 14 Nov 2021' for an instant's local day. */
export function formatLocalDay(ms: number, zone = BOARD_ZONE): string {
  const clock = zoneClock(zone)
  const day = clock.dayIndex(ms)
  const d = new Date(day * DAY_MS)
  return `${WEEKDAYS[weekdayOf(day)]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`
}

/** 'Sun 14 Nov 2021 00:00 GMT' for an instant. */
export function formatLocal(ms: number, zone = BOARD_ZONE): string {
  return `${formatLocalDay(ms, zone)} ${zoneClock(zone).localTime(ms)} ${zoneAbbreviation(ms, zone)}`
}

/**
 * A window's span in words: the day once when it starts and ends on the same local day.
 * @example formatSpan(Date.parse('2021-11-14T00:00Z'), Date.parse('2021-11-14T06:00Z')) // 'Sun 14 Nov 2021 00:00–06:00 GMT'
 */
export function formatSpan(start: number, end: number, zone = BOARD_ZONE): string {
  const clock = zoneClock(zone)
  const sameDay = clock.dayIndex(start) === clock.dayIndex(end - 1) && clock.localTime(end) !== '00:00'
  const a = zoneAbbreviation(start, zone)
  const b = zoneAbbreviation(end, zone)
  if (sameDay && a === b) return `${formatLocalDay(start, zone)} ${clock.localTime(start)}–${clock.localTime(end)} ${b}`
  return `${formatLocal(start, zone)} – ${formatLocal(end, zone)}`
}

/** Local ISO date of an instant. */
export function localDate(ms: number, zone = BOARD_ZONE): string {
  return zoneClock(zone).localDate(ms)
}

/** The instant local midnight starts an ISO date (throws on a malformed date). @example dayStart('2021-10-01') // Date.UTC(2021, 8, 30, 23) */
export function dayStart(isoDate: string, zone = BOARD_ZONE): number {
  return zoneClock(zone).startOfDay(dayIndexOf(isoDate))
}

/** The instant a notice given on a local date is taken to be: 12:00 that day. @example noticeInstant('2022-03-01') // Date.UTC(2022, 2, 1, 12) */
export function noticeInstant(isoDate: string, zone = BOARD_ZONE): number {
  return zoneClock(zone).fromWall(dayIndexOf(isoDate) * DAY_MS + 12 * 60 * MINUTE_MS).ms
}

/** The local months ('YYYY-MM') an interval [start, end) touches. @example monthKeys(Date.parse('2021-11-30T23:00Z'), Date.parse('2021-12-01T05:00Z')) // ['2021-11', '2021-12'] */
export function monthKeys(start: number, end: number, zone = BOARD_ZONE): string[] {
  const clock = zoneClock(zone)
  const out: string[] = []
  const first = clock.monthIndex(start)
  out.push(monthKeyOf(first))
  for (let mi = first + 1; clock.startOfMonthIndex(mi) < end; mi++) out.push(monthKeyOf(mi))
  return out
}

/** One local month of a range: its key, names and [start, end) instants. */
export interface MonthSpan {
  key: string
  label: string
  short: string
  start: number
  end: number
}

/** The local months overlapping [from, to), each whole. @example monthsOf(dayStart('2021-10-01'), dayStart('2021-12-01')).map((m) => m.key) // ['2021-10', '2021-11'] */
export function monthsOf(from: number, to: number, zone = BOARD_ZONE): MonthSpan[] {
  const clock = zoneClock(zone)
  const out: MonthSpan[] = []
  for (let mi = clock.monthIndex(from); clock.startOfMonthIndex(mi) < to; mi++)
    out.push({
      key: monthKeyOf(mi),
      label: monthLabel(mi),
      short: `${MONTHS[mi % 12]} ${String(Math.floor(mi / 12)).slice(2)}`,
      start: clock.startOfMonthIndex(mi),
      end: clock.startOfMonthIndex(mi + 1),
    })
  return out
}

/** '1 Oct 2021' for an ISO date. */
export function formatDate(isoDate: string): string {
  const d = new Date(dayIndexOf(isoDate) * DAY_MS)
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`
}

/** '6 h', '6 h 15 min', '45 min' for a number of minutes. */
export function formatMinutes(minutes: number): string {
  const h = Math.floor(Math.abs(minutes) / 60)
  const m = Math.abs(minutes) % 60
  const sign = minutes < 0 ? '−' : ''
  if (h === 0) return `${sign}${m} min`
  return m ? `${sign}${h} h ${m} min` : `${sign}${h} h`
}
