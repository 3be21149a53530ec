/**
 * The periods the report's timeline shades: winter and the top-up peaks (from the ruleset's
 * seasonal ranges) and bank holidays (the ruleset's primary and strict calendars), each from local
 * midnight to local midnight, clipped to the report's period and sorted by start, then kind.
 *
 * @example
 * shadedPeriods(DEFAULT_RULESET, buildCalendars(), new Date('2021-11-01T00:00:00Z'), new Date('2022-05-01T00:00:00Z'), 'Europe/London')
 *   .find((p) => p.kind === 'winter') // { kind: 'winter', label: 'Winter (OPSG objection)', start: '2021-11-01T00:00:00.000Z', end: '2022-03-31T23:00:00.000Z' }
 */
import type { CalendarId, CalendarSet } from '../domain/calendars.ts'
import type { Ruleset } from '../domain/ruleset.ts'
import { DAY_MS, dayIndexOf, isIsoDate, zoneClock } from '../domain/time.ts'
import type { ShadedPeriod } from './report-schema.ts'

/** Winter, top-up peaks (ruleset) and bank holidays (primary and strict calendars) inside [from, to). */
export function shadedPeriods(ruleset: Ruleset, calendars: CalendarSet, from: Date, to: Date, zone: string): ShadedPeriod[] {
  const out: ShadedPeriod[] = []
  const clock = zoneClock(zone)
  const firstYear = Math.floor(clock.monthIndex(from.getTime()) / 12)
  const lastYear = Math.floor(clock.monthIndex(to.getTime()) / 12)
  /** Local days [startDay, endDay) clipped to the period. */
  const clip = (kind: ShadedPeriod['kind'], label: string, startDay: number, endDay: number) => {
    const a = Math.max(clock.startOfDay(startDay), from.getTime())
    const b = Math.min(clock.startOfDay(endDay), to.getTime())
    if (b > a) out.push({ kind, label, start: new Date(a).toISOString(), end: new Date(b).toISOString() })
  }
  /** A yearly MM-DD..MM-DD range (inclusive days, may cross the new year) starting in `year`; a date the year lacks (02-29) skips that year. */
  const yearly = (kind: ShadedPeriod['kind'], label: string, fromMd: string, toMd: string) => {
    for (let y = firstYear - 1; y <= lastYear; y++) {
      const s = `${y}-${fromMd}`
      const e = `${y}-${toMd}`
      if (!isIsoDate(s) || !isIsoDate(e)) continue
      const startDay = dayIndexOf(s)
      let endDay = dayIndexOf(e) + 1
      if (endDay <= startDay) endDay = sameDayNextYear(endDay)
      clip(kind, label, startDay, endDay)
    }
  }
  yearly('winter', 'Winter (OPSG objection)', ruleset.seasonal.winter.from.value, ruleset.seasonal.winter.to.value)
  for (const p of ruleset.seasonal.highTopUp.value) yearly('top-up-peak', `Top-up peak: ${p.id}`, p.from, p.to)
  const seen = new Map<string, string>()
  const ids: CalendarId[] = [ruleset.workingDays.primaryCalendar.value, ruleset.workingDays.strictCalendar.value]
  for (const id of ids)
    for (let y = firstYear; y <= lastYear; y++)
      for (const h of calendars.get(id).holidays(y)) if (!seen.has(h.date)) seen.set(h.date, h.name)
  for (const [date, name] of [...seen].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const day = dayIndexOf(date)
    clip('bank-holiday', name, day, day + 1)
  }
  out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0))
  return out
}

/** The same month and day a year later (29 February becomes 28 February). @example sameDayNextYear(dayIndexOf('2024-02-29')) // dayIndexOf('2025-02-28') */
function sameDayNextYear(day: number): number {
  const d = new Date(day * DAY_MS)
  const y = d.getUTCFullYear() + 1
  const m = d.getUTCMonth()
  const lastOfMonth = new Date(Date.UTC(y, m + 1, 0)).getUTCDate()
  return Date.UTC(y, m, Math.min(d.getUTCDate(), lastOfMonth)) / DAY_MS
}
