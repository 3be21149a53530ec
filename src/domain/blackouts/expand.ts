/**
 * A layer's periods over a range of instants, whichever way it gives them: explicit periods as they
 * are, a recurrence expanded in wall-clock terms in its zone, holidays from the working-day
 * calendars widened by whole local days; then clipped to the layer's effective dates.
 *
 * @example expandLayer(winterLayer, new Date('2021-01-01Z'), new Date('2022-01-01Z'), { calendars })
 * // [{ start: 2020-10-01T00:00+01:00, end: 2021-04-01T00:00+01:00 }, { start: 2021-10-01T00:00+01:00, … }]
 */
import { DateTime, Duration } from 'luxon'
import rrule from 'rrule'
import { type CalendarSet, NATION_CALENDAR_IDS, type NationCalendarId } from '../calendars.ts'
import { parseRRule } from '../recurrence.ts'
import { DAY_MS, dayIndexOf, LONDON_ZONE, MINUTE_MS, parseHhMm, zoneClock } from '../time.ts'
import type { BlackoutHolidays, BlackoutLayer, BlackoutPeriod, BlackoutRecurrence } from './layer.ts'

const { RRule } = rrule

export interface ExpandContext {
  calendars: CalendarSet
  /** Nation calendars whose holidays apply (holiday layers); default all three. */
  holidayCalendars?: readonly NationCalendarId[]
}

/** A period in epoch milliseconds. */
interface RawPeriod {
  start: number
  end: number
  label?: string
}

/**
 * Periods of a layer overlapping [from, to), clipped to its effective dates, sorted by start.
 * @example expandLayer(winterLayer, new Date('2021-01-01Z'), new Date('2022-01-01Z'), { calendars })
 */
export function expandLayer(layer: BlackoutLayer, from: Date, to: Date, ctx: ExpandContext): BlackoutPeriod[] {
  const f = from.getTime()
  const t = to.getTime()
  let raw: RawPeriod[] = []
  if (layer.periods)
    raw = layer.periods.map((p) => ({ start: p.start.getTime(), end: p.end.getTime(), ...(p.label ? { label: p.label } : {}) }))
  else if (layer.recurrence) raw = recurrencePeriods(layer.recurrence, f, t)
  else if (layer.holidays) {
    for (const cal of ctx.holidayCalendars ?? NATION_CALENDAR_IDS) raw.push(...holidayPeriods(layer.holidays, cal, ctx.calendars, f, t))
  }
  const [ea, eb] = effectiveClip(layer)
  return raw
    .map((p) => ({ ...p, start: Math.max(p.start, ea), end: Math.min(p.end, eb) }))
    .filter((p) => p.end > p.start && p.end > f && p.start < t)
    .sort((a, b) => a.start - b.start || a.end - b.end)
    .map((p) => ({ start: new Date(p.start), end: new Date(p.end), ...(p.label ? { label: p.label } : {}) }))
}

/** The instants of the layer's effective dates: [start of effectiveFrom, end of effectiveTo) in its zone. */
function effectiveClip(layer: BlackoutLayer): [number, number] {
  const zone = layer.recurrence?.zone ?? layer.holidays?.zone ?? LONDON_ZONE
  const clock = zoneClock(zone)
  const a = layer.effectiveFrom ? clock.startOfDay(dayIndexOf(layer.effectiveFrom)) : -Infinity
  const b = layer.effectiveTo ? clock.startOfDay(dayIndexOf(layer.effectiveTo) + 1) : Infinity
  return [a, b]
}

/** A recurrence's occurrences overlapping [from, to): each local start plus the duration in wall-clock terms. */
function recurrencePeriods(rec: BlackoutRecurrence, from: number, to: number): RawPeriod[] {
  const opts = parseRRule(rec.rrule)
  const clock = zoneClock(rec.zone)
  const dur = Duration.fromISO(rec.duration)
  if (!dur.isValid) throw new RangeError(`invalid duration '${rec.duration}'`)
  const approx = Math.max(dur.as('milliseconds'), 0) * 1.1 + 2 * DAY_MS
  const startMin = parseHhMm(rec.startTime)
  const fromWall = clock.toWall(from) - approx
  const toWall = clock.toWall(to) + DAY_MS
  const day0 = firstDayToExpand(opts, dayIndexOf(rec.dtstart), Math.floor(fromWall / DAY_MS))
  const dtstart = new Date(day0 * DAY_MS + startMin * MINUTE_MS)
  if (toWall < dtstart.getTime()) return []
  const rule = new RRule({ ...(opts as object), dtstart })
  const out: RawPeriod[] = []
  const occ = rule.between(new Date(Math.max(fromWall, dtstart.getTime())), new Date(toWall), true)
  for (const d of occ) {
    const wallStart = d.getTime()
    const wallEnd = DateTime.fromMillis(wallStart, { zone: 'UTC' }).plus(dur).toMillis()
    const s = clock.fromWall(wallStart).ms
    const e = clock.fromWall(wallEnd).ms
    if (e > from && s < to && e > s) out.push({ start: s, end: e })
  }
  return out
}

/**
 * The day to start expanding a rule from: its DTSTART, or the range's first day (daily) or year
 * (yearly on a month day) when the rule has no COUNT, INTERVAL 1 and a set that does not depend on
 * DTSTART's own fields. This keeps a daily layer from iterating years it does not need.
 */
function firstDayToExpand(opts: Record<string, unknown>, dtstartDay: number, rangeDay: number): number {
  const interval = (opts.interval as number | undefined) ?? 1
  const noCount = opts.count === undefined || opts.count === null
  if (!noCount || interval !== 1 || rangeDay <= dtstartDay) return dtstartDay
  const freq = opts.freq as number
  const hasMonthDay = opts.bymonth !== undefined && opts.bymonthday !== undefined
  if (freq === RRule.DAILY && opts.byweekday === undefined && opts.bymonthday === undefined && opts.bymonth === undefined) return rangeDay
  if (freq === RRule.YEARLY && hasMonthDay) return Date.UTC(new Date(rangeDay * DAY_MS).getUTCFullYear(), 0, 1) / DAY_MS
  return dtstartDay
}

/** One nation calendar's holidays, widened by whole local days, as periods overlapping [from, to). */
function holidayPeriods(h: BlackoutHolidays, cal: NationCalendarId, calendars: CalendarSet, from: number, to: number): RawPeriod[] {
  const clock = zoneClock(h.zone)
  const pad = (h.daysBefore + h.daysAfter + 2) * DAY_MS
  const y0 = new Date(from - pad).getUTCFullYear()
  const y1 = new Date(to + pad).getUTCFullYear()
  const out: RawPeriod[] = []
  const c = calendars.get(cal)
  for (let y = y0; y <= y1; y++) {
    for (const hol of c.holidays(y)) {
      const idx = dayIndexOf(hol.date)
      const a = idx - h.daysBefore
      const b = h.includeHoliday ? idx + h.daysAfter : idx - 1
      const label = `${hol.name} ${hol.date} (${cal})`
      if (h.includeHoliday || h.daysBefore > 0) {
        const s = clock.startOfDay(a)
        const e = clock.startOfDay(b + 1)
        if (e > s && e > from && s < to) out.push({ start: s, end: e, label })
      }
      if (!h.includeHoliday && h.daysAfter > 0) {
        const s = clock.startOfDay(idx + 1)
        const e = clock.startOfDay(idx + 1 + h.daysAfter)
        if (e > from && s < to) out.push({ start: s, end: e, label })
      }
    }
  }
  return out
}
