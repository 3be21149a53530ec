/**
 * The constraints that depend on the plan around a candidate (MONTHLY_CAP, MIN_SPACING, OVERLAP),
 * decided for every candidate start by the engine's own rule functions: the cap rule's union
 * minutes per local month and which windows count toward it, the spacing rule's and the overlap
 * rule's membership, and the overlap rule's "shares a region".
 *
 * @example
 * const plan = new PlanConstraints(search, background)
 * plan.mask(k) & bitOf('MONTHLY_CAP') // non-zero when the k-th start would take a month over the cap
 */
import { lowerBound, unionSpans } from '../intervals.ts'
import { countsTowardCap, lastMonthOf, unionMinutesByMonth } from '../rules/monthly-cap-rule.ts'
import { countsTowardOverlap, sharesRegion } from '../rules/overlap-rule.ts'
import { countsTowardSpacing } from '../rules/spacing-rule.ts'
import type { PreparedWindow } from '../rules/types.ts'
import { overriddenSeverity } from '../ruleset.ts'
import { HOUR_MS, MINUTE_MS } from '../time.ts'
import type { WindowPlan } from '../window.ts'
import { holdsTime } from '../slot-preferences.ts'
import type { CandidateSearch } from './candidate-search.ts'
import { bitOf } from './constraint-codes.ts'
import { SpanIndex } from './span-index.ts'

/** A window of the plan as the rules see it. */
type PlanSpan = Pick<PreparedWindow, 's' | 'e' | 'planned' | 'impact' | 'party' | 'services' | 'regions'>

const spanOf = (w: WindowPlan): PlanSpan => ({
  s: w.start.getTime(),
  e: w.end.getTime(),
  planned: w.kind !== 'emergency',
  impact: w.impact,
  party: w.party,
  services: w.services,
  regions: w.regions,
})

/** One cap (GB-wide, a party's or a service's): its limit, the union of its windows and its minutes per month. */
interface CapGroup {
  limit: number
  starts: Float64Array
  ends: Float64Array
  totals: Map<number, number>
}

function capGroup(limit: number, windows: readonly PlanSpan[], search: CandidateSearch): CapGroup {
  const merged = unionSpans(windows.map((w) => [w.s, w.e] as const))
  return {
    limit,
    starts: Float64Array.from(merged, (x) => x[0]),
    ends: Float64Array.from(merged, (x) => x[1]),
    totals: unionMinutesByMonth(
      merged.map(([s, e]) => ({ s, e })),
      search.clock,
    ),
  }
}

/** Milliseconds of [a, b) the group's windows already cover. */
function coveredMs(g: CapGroup, a: number, b: number): number {
  let sum = 0
  for (let i = lowerBound(g.ends, a, true); i < g.starts.length && g.starts[i]! < b; i++)
    sum += Math.min(b, g.ends[i]!) - Math.max(a, g.starts[i]!)
  return sum
}

export class PlanConstraints {
  private readonly caps: CapGroup[] = []
  private capHead = 0
  private readonly capBad: { breach: boolean; warning: boolean }
  private readonly spacingStarts: Float64Array | null = null
  private readonly spacingMs: number
  private readonly overlap: SpanIndex<PlanSpan> | null = null

  constructor(
    private readonly search: CandidateSearch,
    background: readonly WindowPlan[],
  ) {
    const r = search.ctx.ruleset
    const tpl = spanOf(search.tpl)
    const counted = background.filter(holdsTime).map(spanOf)
    this.capBad = {
      breach: search.bad('MONTHLY_CAP', r.severities.MONTHLY_CAP ?? 'breach'),
      warning: search.bad('MONTHLY_CAP', overriddenSeverity(r, 'MONTHLY_CAP', 'warning')),
    }
    if (countsTowardCap(tpl, r) && (this.capBad.breach || this.capBad.warning)) {
      const capWins = counted.filter((w) => countsTowardCap(w, r) && w.e > w.s)
      this.caps.push(capGroup(r.cap.minutesPerMonth.value, capWins, search))
      for (const [party, lim] of Object.entries(r.cap.perParty.value))
        if (tpl.party === party)
          this.caps.push(
            capGroup(
              lim,
              capWins.filter((w) => w.party === party),
              search,
            ),
          )
      for (const [service, lim] of Object.entries(r.cap.perService.value))
        if (tpl.services.includes(service))
          this.caps.push(
            capGroup(
              lim,
              capWins.filter((w) => w.services.includes(service)),
              search,
            ),
          )
      this.capHead = r.cap.headroomMinutes.value
    }
    this.spacingMs = r.spacing.minHoursBetweenStarts.value * HOUR_MS
    if (this.spacingMs > 0 && countsTowardSpacing(tpl, r) && search.bad('MIN_SPACING', r.severities.MIN_SPACING ?? 'warning')) {
      const starts = counted.filter((w) => w.party === tpl.party && countsTowardSpacing(w, r)).map((w) => w.s)
      this.spacingStarts = Float64Array.from(starts.sort((a, b) => a - b))
    }
    // The candidate's own span is not known yet: its impact alone decides whether it can overlap.
    if (r.overlap.impacts.value.includes(tpl.impact) && search.bad('OVERLAP', r.severities.OVERLAP ?? 'warning'))
      this.overlap = new SpanIndex(
        counted.filter((w) => countsTowardOverlap(w, r)),
        (w) => [w.s, w.e],
      )
  }

  /** Failing background-dependent constraints of candidate k. */
  mask(k: number): number {
    const s = this.search.starts[k]!
    const e = s + this.search.D
    let out = 0
    if (this.caps.length && this.overCap(k, s, e)) out |= bitOf('MONTHLY_CAP')
    const st = this.spacingStarts
    if (st?.length) {
      const lo = lowerBound(st, s - this.spacingMs, true)
      if (lo < st.length && st[lo]! < s + this.spacingMs) out |= bitOf('MIN_SPACING')
    }
    const mine = this.search.tpl.regions
    if (this.overlap?.size && this.overlap.overlaps(s, e, (w) => sharesRegion(mine, w.regions))) out |= bitOf('OVERLAP')
    return out
  }

  /** Whether [s, e) takes a month of some cap group into a failing breach or warning (union minutes, as the cap rule counts). */
  private overCap(k: number, s: number, e: number): boolean {
    const clock = this.search.clock
    const startMonth = this.search.month[k]!
    const last = lastMonthOf({ e, startMonth }, clock)
    for (const g of this.caps) {
      const head = Math.min(this.capHead, g.limit)
      for (let m = startMonth; m <= last; m++) {
        const a = Math.max(s, clock.startOfMonthIndex(m))
        const b = Math.min(e, clock.startOfMonthIndex(m + 1))
        if (!(b > a)) continue
        const total = (g.totals.get(m) ?? 0) + (b - a - coveredMs(g, a, b)) / MINUTE_MS
        if (total <= g.limit - head) continue
        if (total > g.limit ? this.capBad.breach : this.capBad.warning) return true
      }
    }
    return false
  }
}
