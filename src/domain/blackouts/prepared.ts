/**
 * Matching windows against blackout layers: each layer expanded once over the plan's years and
 * indexed (span-index.ts), so a window's hits are a binary search per layer. Holiday layers are
 * expanded per nation calendar and chosen per window by its regions.
 *
 * @example
 * const prepared = new PreparedBlackouts(layers, from, to, calendars)
 * prepared.hits({ party: 'DSP', services: [], regions: ['N'], impact: 'outage' }, start, end)
 * // [{ layer: winter, start, end, overlapMinutes: 360 }, …]
 */
import { type CalendarSet, calendarsForRegions, NATION_CALENDAR_IDS, type NationCalendarId } from '../calendars.ts'
import { lowerBound, type Span, unionLength } from '../intervals.ts'
import { DEFAULT_REGIONS, type Region } from '../reference.ts'
import { firstReaching, indexSpans, type SpanIndex } from '../span-index.ts'
import { DAY_MS, MINUTE_MS } from '../time.ts'
import { expandLayer } from './expand.ts'
import { type BlackoutLayer, type BlackoutPeriod, layerApplies, type ScopedWindow } from './layer.ts'

/** A blackout hit for one window. */
export interface BlackoutHit {
  layer: BlackoutLayer
  /** The first overlapping period. */
  start: number
  end: number
  label?: string
  /** Real minutes of the window inside the layer (all overlapping periods). */
  overlapMinutes: number
}

/** Expanded periods of one layer, sorted by start, indexed for overlap search, with their labels. */
interface Expanded extends SpanIndex {
  labels: (string | undefined)[]
}

function pack(periods: readonly BlackoutPeriod[]): Expanded {
  const n = periods.length
  const starts = new Float64Array(n)
  const ends = new Float64Array(n)
  const labels: (string | undefined)[] = new Array(n)
  periods.forEach((p, i) => {
    starts[i] = p.start.getTime()
    ends[i] = p.end.getTime()
    labels[i] = p.label
  })
  return { ...indexSpans(starts, ends), labels }
}

type CachedExpansion = { e?: Expanded; byCal?: Map<NationCalendarId, Expanded> }
const expansionCache = new WeakMap<BlackoutLayer, WeakMap<CalendarSet, Map<string, CachedExpansion>>>()

/**
 * A layer's expansion over whole UTC years [y0, y1] (two days' margin either side), reused for the
 * same layer object and calendars: layers are immutable data, so repeated assessments skip the
 * RRULE/luxon work.
 */
function cachedExpansion(layer: BlackoutLayer, calendars: CalendarSet, y0: number, y1: number): CachedExpansion {
  let perLayer = expansionCache.get(layer)
  if (!perLayer) expansionCache.set(layer, (perLayer = new WeakMap()))
  let perCal = perLayer.get(calendars)
  if (!perCal) perLayer.set(calendars, (perCal = new Map()))
  const rangeKey = `${y0}-${y1}`
  const cached = perCal.get(rangeKey)
  if (cached) return cached
  if (perCal.size > 8) perCal.clear()
  const f = new Date(Date.UTC(y0, 0, 1) - 2 * DAY_MS)
  const t = new Date(Date.UTC(y1 + 1, 0, 1) + 2 * DAY_MS)
  const made: CachedExpansion = layer.holidays
    ? {
        byCal: new Map(NATION_CALENDAR_IDS.map((cal) => [cal, pack(expandLayer(layer, f, t, { calendars, holidayCalendars: [cal] }))])),
      }
    : { e: pack(expandLayer(layer, f, t, { calendars })) }
  perCal.set(rangeKey, made)
  return made
}

/**
 * Layers expanded once over a range, for fast per-window lookups (binary search per layer).
 * Holiday layers are expanded per nation calendar and chosen per window by its regions.
 */
export class PreparedBlackouts {
  private readonly plain: { layer: BlackoutLayer; e: Expanded }[] = []
  private readonly holiday: { layer: BlackoutLayer; byCal: Map<NationCalendarId, Expanded> }[] = []
  private readonly regionCals = new Map<string, NationCalendarId[]>()
  private readonly regionExps = new WeakMap<readonly string[], Map<BlackoutLayer, Expanded[]>>()

  constructor(
    readonly layers: readonly BlackoutLayer[],
    from: Date,
    to: Date,
    calendars: CalendarSet,
    private readonly regions: readonly Region[] = DEFAULT_REGIONS,
  ) {
    const y0 = new Date(from.getTime()).getUTCFullYear()
    const y1 = new Date(to.getTime()).getUTCFullYear()
    for (const layer of layers) {
      const cached = cachedExpansion(layer, calendars, y0, y1)
      if (cached.byCal) this.holiday.push({ layer, byCal: cached.byCal })
      else this.plain.push({ layer, e: cached.e! })
    }
  }

  private calsFor(regions: readonly string[]): NationCalendarId[] {
    const key = regions.join(',')
    let v = this.regionCals.get(key)
    if (!v) {
      v = calendarsForRegions(regions, this.regions)
      this.regionCals.set(key, v)
    }
    return v
  }

  /** The expansions of a holiday layer for a window's regions (cached per regions array). */
  private holidayExps(layer: BlackoutLayer, byCal: Map<NationCalendarId, Expanded>, regions: readonly string[]): Expanded[] {
    let perLayer = this.regionExps.get(regions)
    if (!perLayer) this.regionExps.set(regions, (perLayer = new Map()))
    let v = perLayer.get(layer)
    if (!v) {
      v = this.calsFor(regions).map((c) => byCal.get(c)!)
      perLayer.set(layer, v)
    }
    return v
  }

  /** Layers (in layer order) whose periods overlap [s, e) and whose scope covers the window. */
  hits(w: ScopedWindow, s: number, e: number): BlackoutHit[] {
    const out: BlackoutHit[] = []
    for (const { layer, e: ex } of this.plain) if (layerApplies(layer, w)) collectHit(out, layer, ex, null, s, e)
    for (const { layer, byCal } of this.holiday) {
      if (!layerApplies(layer, w)) continue
      const exps = this.holidayExps(layer, byCal, w.regions)
      if (exps.length === 1) collectHit(out, layer, exps[0]!, null, s, e)
      else collectHit(out, layer, null, exps, s, e)
    }
    return out
  }
}

/**
 * Adds the hit of one layer (periods from one expansion, or several) for [s, e): the earliest
 * overlapping period (ties: smaller label) and the real minutes of the union of the overlaps.
 */
function collectHit(
  out: BlackoutHit[],
  layer: BlackoutLayer,
  one: Expanded | null,
  many: readonly Expanded[] | null,
  s: number,
  e: number,
): void {
  let found = false
  let fs = 0
  let fe = 0
  let fl: string | undefined
  let firstA = 0
  let firstB = 0
  let overlaps: Span[] | null = null
  const count = one ? 1 : many!.length
  for (let x = 0; x < count; x++) {
    const ex = one ?? many![x]!
    // The periods starting before e, from the first that may reach past s, visited in start order.
    const hi = lowerBound(ex.starts, e)
    for (let j = firstReaching(ex, s, hi); j < hi; j++) {
      const ce = ex.ends[j]!
      if (!(ce > s)) continue
      const cs = ex.starts[j]!
      const cl = ex.labels[j]
      if (!found || cs < fs || (cs === fs && (cl ?? '') < (fl ?? ''))) {
        fs = cs
        fe = ce
        fl = cl
      }
      const a = Math.max(s, cs)
      const b = Math.min(e, ce)
      if (!found) {
        found = true
        firstA = a
        firstB = b
      } else (overlaps ??= [[firstA, firstB]]).push([a, b])
    }
  }
  if (!found) return
  const inside = overlaps ? unionLength(overlaps) : firstB - firstA
  const hit: BlackoutHit = { layer, start: fs, end: fe, overlapMinutes: inside / MINUTE_MS }
  if (fl !== undefined) hit.label = fl
  out.push(hit)
}
