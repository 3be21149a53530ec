/**
 * Which blackout layers are active at an instant, and when that set next changes: what the
 * "now" view of the blackout calendar shows.
 *
 * @example
 * const layers = defaultBlackoutLayers(DEFAULT_RULESET)
 * blackoutStateAt(layers, new Date('2021-11-14T00:00:00Z'), { calendars: buildCalendars() }).active.map(a => a.id)
 * // ['winter', 'november-top-up']
 */
import { type CalendarSet, calendarsForRegions } from '../calendars.ts'
import type { Severity } from '../findings.ts'
import { DEFAULT_REGIONS, type Region } from '../reference.ts'
import { DAY_MS } from '../time.ts'
import { expandLayer } from './expand.ts'
import type { BlackoutCategory, BlackoutLayer, BlackoutPeriod } from './layer.ts'

export interface ActiveLayer {
  id: string
  name: string
  category: BlackoutCategory
  severity: Severity
  start: Date
  end: Date
  label?: string
}

export interface BlackoutState {
  at: Date
  active: ActiveLayer[]
  /** The next instant the set of active layers changes, or null if none within the horizon. */
  nextChangeAt: Date | null
}

export interface StateOptions {
  calendars: CalendarSet
  /** Regions whose nations' holidays count (default: every region). */
  regions?: readonly string[]
  regionData?: readonly Region[]
  /** How far ahead to look for the next change (default 400 days). */
  horizonDays?: number
}

type LayerPeriods = { layer: BlackoutLayer; periods: BlackoutPeriod[] }

const covers = (p: BlackoutPeriod, x: number) => p.start.getTime() <= x && x < p.end.getTime()

/**
 * Which layers are active at an instant, and when that next changes.
 * @example blackoutStateAt(layers, new Date('2021-11-14T12:00:00Z'), { calendars }).nextChangeAt
 * // 2021-11-14T16:00:00.000Z (the evening peak starts)
 */
export function blackoutStateAt(layers: readonly BlackoutLayer[], at: Date, opts: StateOptions): BlackoutState {
  const horizon = (opts.horizonDays ?? 400) * DAY_MS
  const t = at.getTime()
  const regionData = opts.regionData ?? DEFAULT_REGIONS
  const holidayCalendars = calendarsForRegions(opts.regions ?? regionData.map((r) => r.id), regionData)
  const from = new Date(t - horizon)
  const to = new Date(t + horizon)
  const expanded: LayerPeriods[] = layers.map((layer) => ({
    layer,
    periods: expandLayer(layer, from, to, { calendars: opts.calendars, holidayCalendars }),
  }))
  const active: ActiveLayer[] = []
  for (const { layer, periods } of expanded) {
    const p = periods.find((q) => covers(q, t))
    if (!p) continue
    const a: ActiveLayer = {
      id: layer.id,
      name: layer.name,
      category: layer.category,
      severity: layer.severity,
      start: p.start,
      end: p.end,
    }
    if (p.label) a.label = p.label
    active.push(a)
  }
  return { at, active, nextChangeAt: nextChange(expanded, t, t + horizon) }
}

/** The first period bound after `t` (before `until`) at which the set of active layers differs from that at `t`. */
function nextChange(expanded: readonly LayerPeriods[], t: number, until: number): Date | null {
  const activeAt = (x: number) => {
    const ids: string[] = []
    for (const { layer, periods } of expanded) if (periods.some((p) => covers(p, x))) ids.push(layer.id)
    return ids.join('\u0000')
  }
  const now = activeAt(t)
  const bounds = new Set<number>()
  for (const { periods } of expanded) {
    for (const p of periods) {
      if (p.start.getTime() > t) bounds.add(p.start.getTime())
      if (p.end.getTime() > t) bounds.add(p.end.getTime())
    }
  }
  for (const b of [...bounds].sort((x, y) => x - y)) {
    if (b >= until) break
    if (activeAt(b) !== now) return new Date(b)
  }
  return null
}
