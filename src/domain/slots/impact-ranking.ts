/**
 * Candidates in rank order (expected failed top-ups, then earliest) without pricing every one:
 * a lower bound of each candidate's expected failed top-ups from prefix sums over grid cells (one
 * impact-model call per local hour), resolved to the exact value (`assessImpact`) only for the
 * candidates that reach the front of the heap.
 *
 * @example
 * search.rank.walk(candidates, (k) => search.verify(k, background).mask === 0) // stops at the best passing one
 */
import { assessImpact, type WindowImpact } from '../impact/index.ts'
import { attemptsPerCustomer, prepareContext, resolveRegions } from '../impact/window-impact.ts'
import { HOUR_MS } from '../time.ts'
import type { CandidateSearch } from './candidate-search.ts'
import { GRID_MS } from './constraint-codes.ts'
import { RankHeap } from './rank-heap.ts'

export class ImpactRanking {
  private readonly exactKeys = new Map<number, { failed: number; impact: WindowImpact }>()
  private prefix: Float64Array | null = null
  private boundsOk = true

  constructor(private readonly search: CandidateSearch) {}

  /** Exact ranking key: expected failed top-ups (assessImpact), cached. */
  exact(k: number): { failed: number; impact: WindowImpact | null } {
    const ictx = this.search.ctx.impact
    if (!ictx) return { failed: 0, impact: null }
    let v = this.exactKeys.get(k)
    if (!v) {
      const impact = assessImpact(this.search.plan(k), ictx)
      v = { failed: impact.expectedFailedTopUps, impact }
      this.exactKeys.set(k, v)
    }
    return v
  }

  /** A lower bound of exact(k).failed from prefix sums over grid cells (one impact-model call per local hour). */
  lowerBound(k: number): number {
    const ictx = this.search.ctx.impact
    if (!ictx || !this.boundsOk) return Number.NEGATIVE_INFINITY
    if (!this.prefix) {
      const probe = assessImpact(this.search.plan(0), ictx)
      if (!probe.stopsTopUps) {
        this.prefix = new Float64Array(this.search.n + Math.ceil(this.search.D / GRID_MS) + 1)
        return 0
      }
      this.prefix = this.prefixSums()
    }
    const q = Math.floor(this.search.D / GRID_MS)
    const hiV = this.prefix[k + q]!
    const v = hiV - this.prefix[k]!
    return v - (1e-9 * hiV + 1e-6)
  }

  /** Expected failed top-ups per grid cell from the first start on, summed (prefix[j] = cells before j). */
  private prefixSums(): Float64Array {
    const { tpl, n, D, starts, clock } = this.search
    const ictx = this.search.ctx.impact!
    const share = tpl.impact === 'outage' ? ictx.profile.failureShare.value.outage : ictx.profile.failureShare.value.degraded
    const p = prepareContext(ictx)
    const regions = resolveRegions(tpl, p)
    const ppm = regions.map((id) => {
      const r = ictx.estate.regions[id]
      return r ? r.premises.value * r.prepaymentShare.value : 0
    })
    const cells = n + Math.floor(D / GRID_MS)
    const prefix = new Float64Array(cells + 1)
    let lastHour = Number.NaN
    let cellValue = 0
    for (let j = 0; j < cells; j++) {
      const t = starts[0]! + j * GRID_MS
      const hour = Math.floor(clock.toWall(t) / HOUR_MS)
      if (hour !== lastHour) {
        lastHour = hour
        const per = attemptsPerCustomer(p, t, t + GRID_MS, regions)
        cellValue = 0
        for (let i = 0; i < regions.length; i++) cellValue += ppm[i]! * per[i]!
        cellValue *= share
      }
      prefix[j + 1] = prefix[j]! + cellValue
    }
    return prefix
  }

  /**
   * Visits `indices` in rank order (expected failed top-ups, then earliest); `visit` returns true to stop.
   * Keys are lower bounds until a candidate reaches the front, then exact.
   */
  walk(indices: readonly number[], visit: (k: number) => boolean): void {
    const keys = indices.map((k) => this.lowerBound(k))
    const heap = RankHeap.of(keys, [...indices], !this.search.ctx.impact)
    while (heap.size) {
      const top = heap.pop()
      if (!top.exact) {
        const x = this.exact(top.index).failed
        if (x < top.key) this.boundsOk = false // never expected; ranking falls back to exact keys
        heap.push(x, top.index, true)
        continue
      }
      if (!this.boundsOk) {
        // A bound was wrong: redo the walk with exact keys for everything not yet visited.
        const rest = [top.index]
        while (heap.size) rest.push(heap.pop().index)
        const exactKeys = rest.map((k) => this.exact(k).failed)
        const h2 = RankHeap.of(exactKeys, rest, true)
        while (h2.size) if (visit(h2.pop().index)) return
        return
      }
      if (visit(top.index)) return
    }
  }
}
