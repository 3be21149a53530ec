/**
 * Re-planning a programme: a schedule for every window of a programme that passes the breach and
 * objection rules (or the tolerance given) from a publication date, keeping the windows whose dates
 * already pass, moving the rest to the least-impact slot of the earliest month that has one, and,
 * when something does not fit, the smallest set of waivable finding codes that makes it fit.
 *
 * @example replan(opsg58Windows, { publishedAt: new Date('2021-10-05T17:00:00Z'), until }, ctx).finishesAt
 */
import { assess, type WindowAssessment } from '../assess.ts'
import type { Finding, FindingCode, Severity } from '../findings.ts'
import { assessImpact } from '../impact/index.ts'
import { lowerBound } from '../intervals.ts'
import { SEVERITY_RANK } from '../findings.ts'
import { zoneClock } from '../time.ts'
import type { WindowPlan } from '../window.ts'
import { CandidateSearch, localMinute } from './candidate-search.ts'
import { TOLERANCE_RANK, type Tolerance } from './constraint-codes.ts'
import { explain } from './explanation.ts'
import { PlanConstraints } from './plan-constraints.ts'
import { SearchBudget } from './search-budget.ts'
import type { Explanation, SearchLimits, SlotContext, StoppedBy } from './types.ts'

export interface ReplanRequest {
  /** Publication date: every window is judged as notified then. */
  publishedAt: Date
  /** Nothing may end after this instant. */
  until: Date
  tolerate?: Tolerance
  waive?: readonly FindingCode[]
  limits?: SearchLimits
  /** Try waiver sets (by finding code) when nothing fits; default true. */
  searchWaivers?: boolean
}

export interface FindingSummary {
  code: FindingCode
  severity: Severity
  message: string
}

export interface ReplanEntry {
  windowId: string | null
  reference: string
  kept: boolean
  old: { start: Date; end: Date; localStart: string }
  new: { start: Date; end: Date; localStart: string } | null
  before: { worstSeverity: Severity | null; findings: FindingSummary[] }
  after: { worstSeverity: Severity | null; findings: FindingSummary[] } | null
  expectedFailedTopUps: number | null
}

export interface ReplanResult {
  /** True when every window found a slot before `until` with nothing waived beyond `req.waive`. */
  fits: boolean
  publishedAt: Date
  until: Date
  /** Codes that must be waived for the schedule below (empty when it fits as asked). */
  waiversNeeded: FindingCode[]
  entries: ReplanEntry[]
  keptCount: number
  /** Start of the last window of the schedule. */
  finishesAt: Date | null
  explanation: Explanation | null
  progress: { assessed: number; stoppedBy: StoppedBy | null }
}

/** A programme's windows must not overlap or crowd one another (or others' windows), whatever the severity. */
const REPLAN_STRICT: readonly FindingCode[] = ['MIN_SPACING', 'OVERLAP']

const summarise = (fs: readonly Finding[]): FindingSummary[] => fs.map((f) => ({ code: f.code, severity: f.severity, message: f.message }))

/**
 * A schedule for every window of a programme that passes the breach and objection rules (or the
 * tolerance given): notice from `publishedAt`, spacing, the monthly cap including the plan in
 * `ctx.background`, blackouts. Windows whose original dates already pass (taken in programme order,
 * each against those kept before it) keep them; the others, in programme order, take the least-impact
 * slot of the earliest local month that still has one. When something does not fit before `until`,
 * the smallest set of waivable finding codes that makes it fit is searched, and that schedule returned.
 *
 * @example replan(opsg58Windows, { publishedAt: new Date('2021-10-05T17:00:00Z'), until }, ctx).finishesAt
 */
export function replan(windows: readonly WindowPlan[], req: ReplanRequest, ctx: SlotContext): ReplanResult {
  const ids = new Set(windows.flatMap((w) => (w.id ? [w.id] : [])))
  const refs = new Set(windows.map((w) => `${w.party}|${w.reference}`))
  const background = (ctx.background ?? []).filter((w) => !(w.id && ids.has(w.id)) && !refs.has(`${w.party}|${w.reference}`))
  const base = { ...ctx, background }
  const first = replanOnce(windows, req, base, req.waive ?? [])
  if (first.fits || req.searchWaivers === false) return first
  // Smallest waiver set: codes that removed time, waivable under the ruleset, by size then by time removed.
  const waivable = new Set(ctx.ruleset.waivable.value)
  const codes = (first.explanation?.removed ?? [])
    .filter((r) => waivable.has(r.code) && !(req.waive ?? []).includes(r.code))
    .sort((a, b) => b.minutes - a.minutes)
    .map((r) => r.code)
  let assessed = first.progress.assessed
  for (let size = 1; size <= Math.min(3, codes.length); size++) {
    for (const set of combinations(codes, size)) {
      const r = replanOnce(windows, req, base, [...(req.waive ?? []), ...set])
      assessed += r.progress.assessed
      if (r.fits)
        return {
          ...r,
          fits: false,
          waiversNeeded: set,
          explanation: first.explanation,
          progress: { assessed, stoppedBy: r.progress.stoppedBy },
        }
    }
  }
  return { ...first, progress: { assessed, stoppedBy: first.progress.stoppedBy } }
}

function combinations<T>(xs: readonly T[], k: number): T[][] {
  if (k === 0) return [[]]
  const out: T[][] = []
  xs.forEach((x, i) => {
    for (const rest of combinations(xs.slice(i + 1), k - 1)) out.push([x, ...rest])
  })
  return out
}

/** A window of the programme as judged from the publication date, with its index in the request. */
interface Live {
  w: WindowPlan
  i: number
}

/** The searches of one re-plan attempt, one per (party, services, regions, impact, duration), and the month each has reached. */
interface TemplateSearch {
  search: CandidateSearch
  monthPtr: number
  monthStarts: Map<number, [number, number]>
}

/** One attempt with a given set of waived codes; what the schedule holds so far. */
class ReplanAttempt {
  readonly tolerate: Tolerance
  readonly background: readonly WindowPlan[]
  readonly budget: SearchBudget
  /** Windows of the schedule so far (kept, then moved), in the order placed. */
  readonly placed: WindowPlan[] = []
  readonly newStart = new Map<number, WindowPlan>()
  readonly kept = new Set<number>()
  readonly searches = new Map<string, TemplateSearch>()
  firstSearch: CandidateSearch | null = null
  assessed = 0
  private readonly waived: ReadonlySet<FindingCode>
  private readonly tol: number

  constructor(
    readonly req: ReplanRequest,
    readonly ctx: SlotContext,
    readonly waive: readonly FindingCode[],
  ) {
    this.tolerate = req.tolerate ?? 'warning'
    this.tol = TOLERANCE_RANK[this.tolerate]
    this.waived = new Set(waive)
    this.background = ctx.background ?? []
    this.budget = new SearchBudget(req.limits ?? {})
  }

  /** Whether a finding rules a date out. */
  bad(f: Finding): boolean {
    return (
      !f.waiver &&
      f.code !== 'SCHEDULE_CONTENT' && // content, not time (see CandidateSearch)
      !this.waived.has(f.code) &&
      (SEVERITY_RANK[f.severity] < this.tol || REPLAN_STRICT.includes(f.code))
    )
  }

  place(i: number, w: WindowPlan, kept: boolean): void {
    this.placed.push(w)
    this.newStart.set(i, w)
    if (kept) this.kept.add(i)
  }

  /** Windows whose own dates pass (in programme order, each against those kept before it) keep them. */
  keepPassing(order: readonly Live[]): void {
    for (const { w, i } of order) {
      if (w.start.getTime() < this.req.publishedAt.getTime() || w.end.getTime() > this.req.until.getTime()) continue
      const a = assess([w], { ...this.ctx, background: [...this.background, ...this.placed] })
      this.assessed++
      if (a.windows[0]!.findings.some((f) => this.bad(f))) continue
      this.place(i, w, true)
    }
  }

  /** The rest, in programme order: the earliest month with a passing slot, least impact within it. False when one does not fit. */
  moveTheRest(order: readonly Live[]): boolean {
    for (const { w, i } of order) {
      if (this.kept.has(i)) continue
      const D = w.end.getTime() - w.start.getTime()
      const s = this.searchFor(w, D)
      this.firstSearch ??= s.search
      const found = this.earliestMonthSlot(s)
      if (found === null) return false
      const st = s.search.starts[found]!
      this.place(i, { ...w, start: new Date(st), end: new Date(st + D) }, false)
    }
    return true
  }

  private searchFor(w: WindowPlan, D: number): TemplateSearch {
    const key = JSON.stringify([w.party, w.services, w.regions, w.impact, D])
    let s = this.searches.get(key)
    if (!s) {
      const tpl: WindowPlan = { ...w, start: new Date(0), end: new Date(0), kind: 'planned', status: 'proposed' }
      const { publishedAt, until, limits } = this.req
      const search = new CandidateSearch(
        tpl,
        D,
        this.ctx,
        this.tolerate,
        this.waive,
        publishedAt.getTime(),
        until.getTime(),
        limits?.maxCandidates ?? 200_000,
        REPLAN_STRICT,
      )
      const monthStarts = new Map<number, [number, number]>()
      for (let k = 0; k < search.n; k++) {
        const m = search.month[k]!
        const r = monthStarts.get(m)
        if (r) r[1] = k + 1
        else monthStarts.set(m, [k, k + 1])
      }
      s = { search, monthPtr: search.n > 0 ? search.month[0]! : 0, monthStarts }
      this.searches.set(key, s)
    }
    return s
  }

  /** From the month the search has reached on: the least-impact start the engine confirms against the schedule so far. */
  private earliestMonthSlot(s: TemplateSearch): number | null {
    const { search } = s
    const lastMonth = search.n > 0 ? search.month[search.n - 1]! : -1
    let found: number | null = null
    while (s.monthPtr <= lastMonth && found === null) {
      const range = s.monthStarts.get(s.monthPtr)
      if (range) {
        const bgNow = [...this.background, ...this.placed]
        const plan = new PlanConstraints(search, bgNow)
        const cands: number[] = []
        for (let k = range[0]; k < range[1]; k++) if (search.stat[k] === 0 && plan.mask(k) === 0) cands.push(k)
        search.rank.walk(cands, (k) => {
          if (this.budget.exceeded(search.assessed)) return true
          const v = search.verify(k, bgNow)
          if (v.mask !== 0) return false
          found = k
          return true
        })
      }
      if (this.budget.stoppedBy) break
      if (found === null) s.monthPtr++
    }
    return found
  }
}

function replanOnce(windows: readonly WindowPlan[], req: ReplanRequest, ctx: SlotContext, waive: readonly FindingCode[]): ReplanResult {
  const run = new ReplanAttempt(req, ctx, waive)
  const live: Live[] = windows
    .map((w, i) => ({ w: { ...w, notifiedAt: req.publishedAt }, i }))
    .filter(({ w }) => w.status !== 'rejected' && w.status !== 'cancelled')
  // Findings before: the programme as it stands, judged from the publication date.
  const beforeA = assess(
    live.map(({ w }) => w),
    { ...ctx, background: run.background },
  )
  run.assessed++
  const order = [...live].sort((a, b) => a.w.start.getTime() - b.w.start.getTime() || a.i - b.i)
  run.keepPassing(order)
  const fits = run.moveTheRest(order)
  for (const { search } of run.searches.values()) run.assessed += search.assessed
  // Findings after: the whole schedule together.
  const scheduled = live.filter(({ i }) => run.newStart.has(i))
  const schedule = scheduled.map(({ i }) => run.newStart.get(i)!)
  const afterA = schedule.length ? assess(schedule, { ...ctx, background: run.background }) : null
  run.assessed++
  const afterBy = new Map<number, WindowAssessment>()
  for (const [j, { i }] of scheduled.entries()) afterBy.set(i, afterA!.windows[j]!)
  const local = (ms: number) => localMinute(zoneClock(ctx.ruleset.zone), ms)
  const entries: ReplanEntry[] = live.map(({ i }, j) => {
    const nw = run.newStart.get(i)
    const b = beforeA.windows[j]!
    const a = afterBy.get(i)
    const orig = windows[i]!
    return {
      windowId: orig.id ?? null,
      reference: orig.reference,
      kept: run.kept.has(i),
      old: { start: orig.start, end: orig.end, localStart: local(orig.start.getTime()) },
      new: nw ? { start: nw.start, end: nw.end, localStart: local(nw.start.getTime()) } : null,
      before: { worstSeverity: b.worstSeverity, findings: summarise(b.findings) },
      after: a ? { worstSeverity: a.worstSeverity, findings: summarise(a.findings) } : null,
      expectedFailedTopUps: nw && ctx.impact ? assessImpact(nw, ctx.impact).expectedFailedTopUps : null,
    }
  })
  const finish = schedule.reduce<number | null>((m, w) => (m === null || w.start.getTime() > m ? w.start.getTime() : m), null)
  return {
    fits,
    publishedAt: req.publishedAt,
    until: req.until,
    waiversNeeded: [],
    entries,
    keptCount: run.kept.size,
    finishesAt: fits && finish !== null ? new Date(finish) : null,
    explanation: scheduleExplanation(run, fits, finish),
    progress: { assessed: run.assessed, stoppedBy: run.budget.stoppedBy },
  }
}

/**
 * Why the schedule ends where it does: the constraints over [publication, last start] with the
 * schedule itself as part of the plan (its months are then full).
 */
function scheduleExplanation(run: ReplanAttempt, fits: boolean, finish: number | null): Explanation | null {
  const ex = run.firstSearch
  if (!ex) return null
  const endAt = fits && finish !== null ? finish : run.req.until.getTime()
  const kEnd = lowerBound(ex.starts, endAt)
  const withSchedule = [...run.background, ...run.placed]
  const plan = new PlanConstraints(ex, withSchedule)
  return explain(
    ex,
    run.req.publishedAt,
    new Date(endAt),
    (k) => ex.stat[k]! | plan.mask(k),
    withSchedule,
    new SearchBudget({ maxAssessments: 0 }),
    kEnd,
  )
}
