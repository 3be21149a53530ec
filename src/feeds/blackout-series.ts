/**
 * How a recurring blackout layer is written in a feed: one recurring event (RRULE, with EXDATE for
 * the occurrences it skips) instead of one event per occurrence. Pure: the occurrences are the
 * domain's (`expandLayer`), so a calendar client expanding the series gets exactly those.
 */
import { type BlackoutLayer, type BlackoutPeriod, type ExpandContext, expandLayer } from '../domain/blackouts.ts'
import { DAY_MS, LONDON_ZONE, MINUTE_MS, parseHhMm, zoneClock } from '../domain/time.ts'
import { formatLondonWallTime, isAmbiguousLondonWallTime, LONDON_TZID, londonOffsetMinutes } from './ics-writer.ts'

/** A layer's occurrences over a range as one recurring series plus the occurrences it cannot hold. */
export interface BlackoutSeries {
  /** The series: its first occurrence, the rule, its last start and the rule's starts it skips; absent when fewer than two occurrences fit one rule. */
  series?: { start: Date; end: Date; rrule: string; tzid: typeof LONDON_TZID; until: Date; exdates: Date[] }
  /** Occurrences written as single events (all of them when there is no series), sorted by start. */
  singles: BlackoutPeriod[]
}

const WALL_TIME = /T(\d{2})(\d{2})\d{2}$/

const london = zoneClock(LONDON_ZONE)

/**
 * Splits a recurring layer's occurrences over [from, to) into one RRULE series and single events.
 * The series holds the occurrences clients expand identically from a Europe/London DTSTART: a start
 * at the rule's wall time that is neither repeated nor skipped by a clock change, and no clock
 * change inside the occurrence (so its length in wall time and in real time agree); of those, the
 * ones of the most common length. Every other start of the rule between the series' first and last
 * is an EXDATE; an occurrence left out of the series (e.g. winter in a leap year, one day longer, or
 * one cut by the layer's effective dates) is a single event. COUNT and UNTIL of the layer's rule are
 * replaced by an UNTIL at the last occurrence in the range. A layer without a recurrence, or in
 * another zone, gives only singles.
 *
 * @example
 * const s = blackoutSeries(eveningPeak, new Date('2021-11-01T00:00:00Z'), new Date('2022-11-01T00:00:00Z'), { calendars })
 * s.series?.rrule // 'FREQ=DAILY'; s.singles // []
 */
export function blackoutSeries(layer: BlackoutLayer, from: Date, to: Date, ctx: ExpandContext): BlackoutSeries {
  const occurrences = expandLayer(layer, from, to, ctx)
  const rec = layer.recurrence
  if (!rec || rec.zone !== LONDON_TZID) return { singles: occurrences }
  const [hh, mm] = rec.startTime.split(':')
  const regular = (p: BlackoutPeriod) => {
    const wall = WALL_TIME.exec(formatLondonWallTime(p.start))
    return (
      wall?.[1] === hh &&
      wall?.[2] === mm &&
      !isAmbiguousLondonWallTime(p.start) &&
      !isAmbiguousLondonWallTime(p.end) &&
      londonOffsetMinutes(p.start) === londonOffsetMinutes(p.end)
    )
  }
  const byLength = new Map<number, BlackoutPeriod[]>()
  for (const p of occurrences) {
    if (!regular(p)) continue
    const len = p.end.getTime() - p.start.getTime()
    const group = byLength.get(len)
    if (group) group.push(p)
    else byLength.set(len, [p])
  }
  let chosen: BlackoutPeriod[] = []
  for (const g of byLength.values()) if (g.length > chosen.length) chosen = g
  if (chosen.length < 2) return { singles: occurrences }

  const first = chosen[0] as BlackoutPeriod
  const last = chosen[chosen.length - 1] as BlackoutPeriod
  const inSeries = new Set(chosen)
  // Every start of the rule from the first to the last, by local date (the rule recurs at most daily).
  const unclipped: BlackoutLayer = { ...layer, effectiveFrom: null, effectiveTo: null }
  const kept = new Set(chosen.map((p) => localDate(p.start)))
  const exdates: Date[] = []
  for (const p of expandLayer(unclipped, first.start, new Date(last.start.getTime() + 1), ctx)) {
    if (p.start < first.start || kept.has(localDate(p.start))) continue
    exdates.push(p.start)
  }
  return {
    series: {
      start: first.start,
      end: first.end,
      rrule: withoutEnd(rec.rrule),
      tzid: LONDON_TZID,
      until: last.start,
      exdates: exdates.map((d) => atRuleTime(d, rec.startTime)),
    },
    singles: occurrences.filter((p) => !inSeries.has(p)),
  }
}

/** 'YYYYMMDD' of an instant in Europe/London. */
function localDate(d: Date): string {
  return formatLondonWallTime(d).slice(0, 8)
}

/**
 * The instant whose Europe/London wall time is the rule's start time on `d`'s local date: an EXDATE
 * names the rule's own start, also for an occurrence the domain moved out of a clock change's gap.
 * A repeated wall time is its first occurrence and one skipped by the spring change takes the offset
 * before it (RFC 5545 §3.3.5, as the zone clock reads wall times).
 */
function atRuleTime(d: Date, startTime: string): Date {
  const localDay = london.dayIndex(d.getTime())
  const wall = localDay * DAY_MS + parseHhMm(startTime) * MINUTE_MS
  return new Date(london.fromWall(wall).ms)
}

/** The rule without COUNT and UNTIL (the series ends with an UNTIL of its own). */
function withoutEnd(rrule: string): string {
  return rrule
    .replace(/^RRULE:/i, '')
    .split(';')
    .filter((part) => part !== '' && !/^(COUNT|UNTIL)=/i.test(part.trim()))
    .join(';')
}
