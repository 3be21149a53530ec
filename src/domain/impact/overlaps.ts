/**
 * Overlaps between windows and the combined impact while they overlap; plain data that the rules
 * engine turns into OVERLAP (warning) and REDUNDANCY_LOSS (objection) findings.
 *
 * - An **overlap group** is a set of windows connected by overlaps in time in which, at some instant,
 *   windows of at least two different parties are open together. Each group lists every window, every
 *   party, region and service, and the overlap intervals (maximal pieces with one set of open windows,
 *   where at least two parties are open). Windows of the same party overlapping each other alone do not
 *   form a group.
 * - **Combined figures** count each region once: meters, premises and prepayment customers of the union
 *   of the group's regions, and failed top-ups over the overlap intervals only, for the union of the
 *   regions of the windows then open that stop top-ups (a region covered by two outages counts once, at
 *   the higher failure share).
 * - A **REDUNDANCY_LOSS candidate** is a `reduced-redundancy` window overlapping any other window (any
 *   party, including its own) that affects (impact other than `no-impact`) a shared service or region.
 *
 * Cost: sort + sweep, O(n log n + k) where k is the number of overlapping pairs; windows that do not
 * overlap anything are never compared with each other.
 */
import type { Impact } from '../window.ts'
import { MINUTE_MS } from '../time.ts'
import type { Problem } from './reference-data.ts'
import {
  attemptsPerCustomer,
  type ImpactContext,
  type PreparedContext,
  prepareContext,
  resolveRegions,
  resolveServices,
  stopsTopUps,
} from './window-impact.ts'

export interface OverlapWindow {
  id: string
  reference: string
  party: string
  impact: Impact
  services: readonly string[]
  /** As on the window; resolved against the party's reach like assessImpact (empty = the whole reach). */
  regions: readonly string[]
  start: Date
  end: Date
}

export interface OverlapWindowRef {
  id: string
  reference: string
  party: string
  impact: Impact
  start: Date
  end: Date
  regions: string[]
  services: string[]
}

export interface OverlapInterval {
  start: Date
  end: Date
  minutes: number
  windowIds: string[]
  parties: string[]
  regions: string[]
  services: string[]
}

export interface OverlapGroup {
  /** Every window taking part in a multi-party overlap, by start. */
  windows: OverlapWindowRef[]
  parties: string[]
  regions: string[]
  services: string[]
  /** First overlap start and last overlap end. */
  start: Date
  end: Date
  intervals: OverlapInterval[]
  overlapMinutes: number
  metersAffected: number
  premisesAffected: number
  prepaymentCustomersAffected: number
  /** Failed top-ups during the overlap intervals, each region counted once. */
  expectedFailedTopUpsDuringOverlap: number
}

export interface RedundancyLossCandidate {
  reducedRedundancyWindow: OverlapWindowRef
  otherWindow: OverlapWindowRef
  start: Date
  end: Date
  minutes: number
  sharedServices: string[]
  sharedRegions: string[]
  parties: string[]
  /** Union of the two windows' regions and services. */
  regions: string[]
  services: string[]
}

export interface OverlapReport {
  groups: OverlapGroup[]
  redundancyLoss: RedundancyLossCandidate[]
  problems: Problem[]
  referenceDataVersion: { estate: string; topUpProfile: string }
}

interface Item {
  ref: OverlapWindowRef
  s: number
  e: number
  stops: boolean
  failureShare: number
  regionMask: number
  serviceMask: number
}

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort()

/**
 * Region and service ids as bits, so unions and intersections over many intervals and pairs cost an OR
 * or AND plus a memoised decode. Indices are assigned on first sight and never change; past 31 ids the
 * codec overflows and callers fall back to Sets (same order, slower).
 */
class IdCodec {
  private readonly index = new Map<string, number>()
  private readonly ids: string[] = []
  private readonly memo = new Map<number, readonly string[]>()
  overflow = false

  constructor(readonly compare: (a: string, b: string) => number) {}

  mask(ids: readonly string[]): number {
    let m = 0
    for (const id of ids) {
      let i = this.index.get(id)
      if (i === undefined) {
        i = this.ids.length
        this.index.set(id, i)
        this.ids.push(id)
        if (i > 30) this.overflow = true
      }
      if (i <= 30) m |= 1 << i
    }
    return m
  }

  decode(mask: number): string[] {
    let v = this.memo.get(mask)
    if (!v) {
      const out: string[] = []
      for (let i = 0; i < this.ids.length && i <= 30; i++) if (mask & (1 << i)) out.push(this.ids[i] as string)
      v = out.sort(this.compare)
      this.memo.set(mask, v)
    }
    return v.slice()
  }

  /** Sorted union of `lists` (ids as given) or of `masks` when the codec has not overflowed. */
  union(items: readonly Item[], kind: 'regions' | 'services'): string[] {
    if (!this.overflow) {
      let m = 0
      for (const it of items) m |= kind === 'regions' ? it.regionMask : it.serviceMask
      return this.decode(m)
    }
    const set = new Set<string>()
    for (const it of items) for (const x of it.ref[kind]) set.add(x)
    return [...set].sort(this.compare)
  }

  /** Ids in both `a` and `b`, sorted. */
  intersect(a: Item, b: Item, kind: 'regions' | 'services'): string[] {
    if (!this.overflow) {
      return this.decode(kind === 'regions' ? a.regionMask & b.regionMask : a.serviceMask & b.serviceMask)
    }
    return a.ref[kind].filter((x) => b.ref[kind].includes(x)).sort(this.compare)
  }
}

interface Codecs {
  regions: IdCodec
  services: IdCodec
}

const codecs = new WeakMap<PreparedContext, Codecs>()

function codecsFor(p: PreparedContext): Codecs {
  let c = codecs.get(p)
  if (!c) {
    const order = p.regionOrder
    c = {
      regions: new IdCodec((a, b) => (order.get(a) ?? Infinity) - (order.get(b) ?? Infinity) || (a < b ? -1 : a > b ? 1 : 0)),
      services: new IdCodec((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    }
    codecs.set(p, c)
  }
  return c
}

function toItem(w: OverlapWindow, p: PreparedContext, c: Codecs): Item {
  const regions = resolveRegions(w, p)
  const services = resolveServices(w, p)
  const share = p.ctx.profile.failureShare.value
  return {
    ref: {
      id: w.id,
      reference: w.reference,
      party: w.party,
      impact: w.impact,
      start: w.start,
      end: w.end,
      regions,
      services,
    },
    s: w.start.getTime(),
    e: w.end.getTime(),
    stops: stopsTopUps(w.impact, services, p),
    failureShare: w.impact === 'outage' ? share.outage : w.impact === 'degraded' ? share.degraded : 0,
    regionMask: c.regions.mask(regions),
    serviceMask: c.services.mask(services),
  }
}

function redundancyCandidate(a: Item, b: Item, c: Codecs): RedundancyLossCandidate | undefined {
  let rr = a
  let other = b
  if (a.ref.impact !== 'reduced-redundancy') {
    rr = b
    other = a
  }
  if (rr.ref.impact !== 'reduced-redundancy' || other.ref.impact === 'no-impact') return undefined
  const sharedServices = c.services.intersect(rr, other, 'services')
  const sharedRegions = c.regions.intersect(rr, other, 'regions')
  if (sharedServices.length === 0 && sharedRegions.length === 0) return undefined
  const s = Math.max(a.s, b.s)
  const e = Math.min(a.e, b.e)
  return {
    reducedRedundancyWindow: rr.ref,
    otherWindow: other.ref,
    start: new Date(s),
    end: new Date(e),
    minutes: (e - s) / MINUTE_MS,
    sharedServices,
    sharedRegions,
    parties: sorted([rr.ref.party, other.ref.party]),
    regions: c.regions.union([rr, other], 'regions'),
    services: c.services.union([rr, other], 'services'),
  }
}

interface RawInterval {
  s: number
  e: number
  members: Item[]
}

/** Sweeps one connected component; appends redundancy candidates and returns its multi-party intervals. */
function sweepComponent(comp: readonly Item[], redundancy: RedundancyLossCandidate[], c: Codecs): RawInterval[] {
  const events: { t: number; start: boolean; item: Item }[] = []
  for (const item of comp) {
    events.push({ t: item.s, start: true, item }, { t: item.e, start: false, item })
  }
  // Half-open intervals: at equal instants, ends come before starts, so touching windows do not overlap.
  events.sort((x, y) => x.t - y.t || Number(x.start) - Number(y.start))
  const active = new Set<Item>()
  const partyCount = new Map<string, number>()
  const out: RawInterval[] = []
  let prevT = Number.NaN
  for (const ev of events) {
    if (ev.t > prevT && active.size >= 2 && partyCount.size >= 2) {
      // Consecutive elementary intervals always differ in their open windows (every event instant
      // adds or removes one with positive length), so each is its own interval. Set order = start order.
      out.push({ s: prevT, e: ev.t, members: [...active] })
    }
    prevT = ev.t
    const party = ev.item.ref.party
    if (ev.start) {
      for (const other of active) {
        const cand = redundancyCandidate(other, ev.item, c)
        if (cand) redundancy.push(cand)
      }
      active.add(ev.item)
      partyCount.set(party, (partyCount.get(party) ?? 0) + 1)
    } else {
      active.delete(ev.item)
      const n = (partyCount.get(party) ?? 1) - 1
      if (n === 0) partyCount.delete(party)
      else partyCount.set(party, n)
    }
  }
  return out
}

function buildGroup(intervals: readonly RawInterval[], p: PreparedContext, c: Codecs): OverlapGroup {
  const ctx = p.ctx
  const memberSet = new Set<Item>()
  for (const iv of intervals) for (const m of iv.members) memberSet.add(m)
  const members = [...memberSet].sort((x, y) => x.s - y.s || (x.ref.id < y.ref.id ? -1 : 1))
  const regions = c.regions.union(members, 'regions')
  let meters = 0
  let premises = 0
  let ppm = 0
  for (const id of regions) {
    const r = ctx.estate.regions[id]
    if (!r) continue
    meters += r.meters.smets1.value + r.meters.smets2.value
    premises += r.premises.value
    ppm += r.premises.value * r.prepaymentShare.value
  }
  let failed = 0
  let overlapMs = 0
  const outIntervals: OverlapInterval[] = intervals.map((iv) => {
    overlapMs += iv.e - iv.s
    // Each region once, at the highest failure share among the open windows that stop top-ups there.
    const shareByRegion = new Map<string, number>()
    for (const m of iv.members) {
      if (!m.stops) continue
      for (const r of m.ref.regions) shareByRegion.set(r, Math.max(shareByRegion.get(r) ?? 0, m.failureShare))
    }
    if (shareByRegion.size > 0) {
      const ids = [...shareByRegion.keys()]
      const perCustomer = attemptsPerCustomer(p, iv.s, iv.e, ids)
      ids.forEach((id, i) => {
        const r = ctx.estate.regions[id]
        if (r) failed += r.premises.value * r.prepaymentShare.value * (perCustomer[i] as number) * (shareByRegion.get(id) as number)
      })
    }
    return {
      start: new Date(iv.s),
      end: new Date(iv.e),
      minutes: (iv.e - iv.s) / MINUTE_MS,
      windowIds: iv.members.map((m) => m.ref.id),
      parties: sorted(iv.members.map((m) => m.ref.party)),
      regions: c.regions.union(iv.members, 'regions'),
      services: c.services.union(iv.members, 'services'),
    }
  })
  return {
    windows: members.map((m) => m.ref),
    parties: sorted(members.map((m) => m.ref.party)),
    regions,
    services: c.services.union(members, 'services'),
    start: new Date((intervals[0] as RawInterval).s),
    end: new Date(Math.max(...intervals.map((iv) => iv.e))),
    intervals: outIntervals,
    overlapMinutes: overlapMs / MINUTE_MS,
    metersAffected: meters,
    premisesAffected: premises,
    prepaymentCustomersAffected: ppm,
    expectedFailedTopUpsDuringOverlap: failed,
  }
}

/**
 * Finds multi-party overlap groups and REDUNDANCY_LOSS candidates.
 *
 * @example
 * // DSP outage Sun 14 Nov 2021 00:00–06:00 and CSP-N outage 04:00–08:00 (GMT):
 * detectOverlaps([dsp, cspN], ctx).groups[0]
 * // → { parties: ['CSP-N', 'DSP'], regions: ['N','C','S'], intervals: [{ 04:00–06:00, minutes: 120 }],
 * //     metersAffected: 16_300_000, … }
 */
export function detectOverlaps(windows: readonly OverlapWindow[], ctx: ImpactContext): OverlapReport {
  const p = prepareContext(ctx)
  const c = codecsFor(p)
  const problems: Problem[] = []
  const items: Item[] = []
  windows.forEach((w, i) => {
    if (!(w.end.getTime() > w.start.getTime())) {
      problems.push({
        code: 'EMPTY_WINDOW',
        pointer: `/${i}/end`,
        message: `window ${w.reference}: end must be after start`,
      })
      return
    }
    items.push(toItem(w, p, c))
  })
  items.sort((a, b) => a.s - b.s || a.e - b.e)
  const groups: OverlapGroup[] = []
  const redundancyLoss: RedundancyLossCandidate[] = []
  let comp: Item[] = []
  let compEnd = Number.NEGATIVE_INFINITY
  const flush = (): void => {
    if (comp.length >= 2) {
      const intervals = sweepComponent(comp, redundancyLoss, c)
      if (intervals.length > 0) groups.push(buildGroup(intervals, p, c))
    }
  }
  for (const it of items) {
    if (it.s < compEnd) {
      comp.push(it)
      compEnd = Math.max(compEnd, it.e)
    } else {
      flush()
      comp = [it]
      compEnd = it.e
    }
  }
  flush()
  return {
    groups,
    redundancyLoss,
    problems,
    referenceDataVersion: { estate: ctx.estate.version, topUpProfile: ctx.profile.version },
  }
}
