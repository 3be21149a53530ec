/**
 * Finding slots for one window: the candidates that pass the plan-independent and plan constraints,
 * walked in rank order (fewer warnings, then expected failed top-ups, then earliest), each confirmed
 * by the engine, one per local day and none overlapping another; and, when fewer than asked are
 * found, the explanation.
 *
 * @example findSlots({ durationMinutes: 360, from, to, count: 14, notifiedAt: null, template }, ctx).slots.length
 */
import { MINUTE_MS } from '../time.ts'
import { ownWindows, warningCount } from '../slot-preferences.ts'
import type { WindowPlan } from '../window.ts'
import { CandidateSearch } from './candidate-search.ts'
import { bitOf, TOLERANCE_RANK } from './constraint-codes.ts'
import { explain } from './explanation.ts'
import { PlanConstraints } from './plan-constraints.ts'
import { SearchBudget } from './search-budget.ts'
import {
  type SearchProgress,
  type Slot,
  type SlotAssessment,
  type SlotContext,
  type SlotRequest,
  SlotRequestError,
  type SlotsResult,
  type SlotTemplate,
  type StoppedBy,
} from './types.ts'

/** A candidate the engine confirmed. */
interface Chosen {
  k: number
  assessment: SlotAssessment
}

/**
 * Up to `count` slots of `durationMinutes` inside [from, to) raising no finding above the tolerated
 * severity against the plan in `ctx.background`, none on top of the party's own planned windows
 * (unless `avoidOwnWindows: false`); ranked by fewer warning codes, then expected failed top-ups,
 * then earliest; not overlapping one another and at most one starting per local day.
 * Each slot is an alternative on its own (they are not assessed together). With fewer than `count`,
 * `explanation` says which constraints removed the time.
 *
 * @example findSlots({ durationMinutes: 360, from, to, count: 14, notifiedAt: null, template }, ctx).slots.length
 */
export function findSlots(req: SlotRequest, ctx: SlotContext): SlotsResult {
  validateRequest(req)
  const limits = req.limits ?? {}
  const tpl = templatePlan(req.template, ctx.ruleset.zone, req.notifiedAt)
  const search = new CandidateSearch(
    tpl,
    req.durationMinutes * MINUTE_MS,
    ctx,
    req.tolerate ?? 'warning',
    req.waive ?? [],
    req.from.getTime(),
    req.to.getTime(),
    limits.maxCandidates ?? 100_000,
  )
  const background = ctx.background ?? []
  const plan = new PlanConstraints(search, background)
  const own = req.avoidOwnWindows === false || search.waived.has('OVERLAP') ? null : ownWindows(tpl.party, background)
  const ownMask = (k: number) => (own?.overlaps(search.starts[k]!, search.starts[k]! + search.D) ? bitOf('OVERLAP') : 0)
  const budget = new SearchBudget(limits)
  const n = search.n
  const dyn = new Int32Array(n)
  const eng = new Int32Array(n).fill(-1)
  const survivors: number[] = []
  for (let k = 0; k < n; k++) {
    if (search.stat[k] !== 0) continue
    dyn[k] = plan.mask(k) | ownMask(k)
    if (dyn[k] === 0) survivors.push(k)
  }
  const chosen = choose(search, req, background, budget, warningTiers(search, req, ctx, background, survivors), eng)
  const slots = chosen.map((c) => toSlot(search, c))
  const stoppedBy: StoppedBy | null = search.truncated ? 'max-candidates' : budget.stoppedBy
  // Progress as of the search, before the explanation's engine calls.
  const progress = progressOf(search, req, stoppedBy, slots.length)
  const explanation =
    slots.length < req.count
      ? explain(
          search,
          req.from,
          req.to,
          (k) => search.stat[k]! | (search.stat[k] === 0 ? dyn[k]! : plan.mask(k) | ownMask(k)) | Math.max(0, eng[k]!),
          background,
          budget,
        )
      : null
  return { slots, complete: stoppedBy === null, progress, explanation }
}

/**
 * Walks the tiers in order, each in impact order, confirming candidates with the engine (their
 * failing masks recorded in `eng`) until `count` are chosen: one per local day, none overlapping
 * another. Answers them ranked by warning codes, expected failed top-ups, start.
 */
function choose(
  search: CandidateSearch,
  req: SlotRequest,
  background: readonly WindowPlan[],
  budget: SearchBudget,
  tiers: readonly number[][],
  eng: Int32Array,
): Chosen[] {
  const chosen: Chosen[] = []
  const usedDays = new Set<number>()
  const visit = (k: number): boolean => {
    if (budget.exceeded(search.assessed)) return true
    const s = search.starts[k]!
    if (usedDays.has(search.day[k]!)) return false
    for (const c of chosen) {
      const cs = search.starts[c.k]!
      if (cs < s + search.D && s < cs + search.D) return false
    }
    const v = search.verify(k, background)
    eng[k] = v.mask
    if (v.mask !== 0) return false
    chosen.push({ k, assessment: v.assessment })
    usedDays.add(search.day[k]!)
    return chosen.length >= req.count
  }
  let done = false
  for (const tier of tiers) {
    if (!done) search.rank.walk(tier, (k) => (done = visit(k)))
  }
  const rank = (c: Chosen) => [warningCount(c.assessment.findings, search.waived), search.rank.exact(c.k).failed, search.starts[c.k]!]
  return chosen.sort((a, b) => {
    const [x, y] = [rank(a), rank(b)]
    return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!
  })
}

function toSlot(search: CandidateSearch, { k, assessment }: Chosen): Slot {
  const ex = search.rank.exact(k)
  const s = search.starts[k]!
  return {
    start: new Date(s),
    end: new Date(s + search.D),
    localStart: search.local(s),
    localEnd: search.local(s + search.D),
    expectedFailedTopUps: ex.failed,
    metersAffected: ex.impact?.metersAffected ?? 0,
    assessment,
    impact: ex.impact,
  }
}

function progressOf(search: CandidateSearch, req: SlotRequest, stoppedBy: StoppedBy | null, found: number): SearchProgress {
  const n = search.n
  return {
    candidates: n,
    assessed: search.assessed,
    searchedFrom: req.from,
    searchedUntil: n > 0 ? new Date(search.starts[n - 1]!) : null,
    stoppedBy,
    detail:
      stoppedBy === 'max-candidates'
        ? `stopped after ${n} grid points; starts up to ${n > 0 ? search.local(search.starts[n - 1]!) : '-'} were searched`
        : stoppedBy
          ? `stopped after ${search.assessed} engine assessments (${stoppedBy}); the ${found} slot(s) found are the best of the candidates assessed so far`
          : null,
  }
}

/**
 * The survivors grouped by how many codes above info (warnings, and objections when tolerated) the
 * classifiers find, fewest first, by a second classification that counts every such finding as
 * failing. One tier when the tolerance already rules warnings out.
 */
function warningTiers(
  search: CandidateSearch,
  req: SlotRequest,
  ctx: SlotContext,
  background: readonly WindowPlan[],
  survivors: number[],
): number[][] {
  if (TOLERANCE_RANK[req.tolerate ?? 'warning'] >= TOLERANCE_RANK.info || survivors.length === 0) return [survivors]
  const strict = new CandidateSearch(search.tpl, search.D, ctx, 'info', req.waive ?? [], req.from.getTime(), req.to.getTime(), search.n)
  const strictPlan = new PlanConstraints(strict, background)
  const tiers: number[][] = []
  for (const k of survivors) {
    let m = strict.stat[k]! | strictPlan.mask(k)
    let c = 0
    for (; m; m &= m - 1) c++
    ;(tiers[c] ??= []).push(k)
  }
  return tiers.filter(Boolean)
}

/** The window a slot would be: the template's fields, the defaults for the rest, times to be set. */
function templatePlan(t: SlotTemplate, zone: string, notifiedAt: Date | null): WindowPlan {
  return {
    reference: t.reference ?? 'SLOT',
    title: t.title ?? 'Candidate slot',
    description: t.description ?? '',
    justification: t.justification ?? null,
    riskToService: t.riskToService ?? null,
    party: t.party,
    changeRef: t.changeRef ?? null,
    programmeId: t.programmeId ?? null,
    kind: 'planned',
    impact: t.impact,
    services: t.services,
    regions: t.regions,
    start: new Date(0),
    end: new Date(0),
    zone,
    notifiedAt,
    status: 'proposed',
    ...(t.id ? { id: t.id } : {}),
  }
}

function validateRequest(req: SlotRequest): void {
  if (!(req.durationMinutes > 0) || !Number.isFinite(req.durationMinutes))
    throw new SlotRequestError('duration', 'the duration must be positive')
  if (!(req.to.getTime() > req.from.getTime())) throw new SlotRequestError('to', 'to must be after from')
  if (!Number.isInteger(req.count) || req.count < 1) throw new SlotRequestError('count', 'count must be a positive integer')
}
