/**
 * The search space of one (template, duration, range): the candidate starts on the grid, their
 * local days and months, the constraints that never depend on the plan (computed once), which
 * findings rule a candidate out, and the engine call that confirms a candidate. Shared by findSlots
 * and replan.
 *
 * @example
 * const search = new CandidateSearch(template, 360 * MINUTE_MS, ctx, 'warning', [], from, to, 100_000)
 * search.stat[k] === 0 // no plan-independent constraint fails the k-th start
 * search.verify(k, background).mask // 0 when the engine finds nothing above the tolerance
 */
import { assess } from '../assess.ts'
import { type Finding, type FindingCode, SEVERITY_RANK, type Severity } from '../findings.ts'
import { DAY_MS, HOUR_MS, monthIndexOfDay, monthsTouched, type ZoneClock, zoneClock } from '../time.ts'
import type { WindowPlan } from '../window.ts'
import { bitOf, GRID_MS, TOLERANCE_RANK, type Tolerance } from './constraint-codes.ts'
import { ImpactRanking } from './impact-ranking.ts'
import { staticMasks } from './static-constraints.ts'
import type { SlotAssessment, SlotContext } from './types.ts'

/** 'YYYY-MM-DD HH:MM' of an instant in the clock's zone. */
export function localMinute(clock: ZoneClock, ms: number): string {
  return new Date(clock.toWall(ms)).toISOString().slice(0, 16).replace('T', ' ')
}

export class CandidateSearch {
  readonly clock: ZoneClock
  readonly D: number
  readonly starts: Float64Array
  readonly n: number
  /** Background-independent failing constraints per candidate (bit per CONSTRAINT_ORDER code). */
  readonly stat: Int32Array
  /** Local day and month index of each start. */
  readonly day: Int32Array
  readonly month: Int32Array
  private readonly tol: number
  readonly waived: ReadonlySet<FindingCode>
  /** Codes that rule a candidate out whatever their severity (replan: spacing and overlap). */
  readonly strict: ReadonlySet<FindingCode>
  /** Ranking by expected failed top-ups. */
  readonly rank: ImpactRanking
  assessed = 0
  truncated = false

  constructor(
    readonly tpl: WindowPlan,
    durationMs: number,
    readonly ctx: SlotContext,
    tolerate: Tolerance,
    waive: readonly FindingCode[],
    from: number,
    to: number,
    maxCandidates: number,
    strict: readonly FindingCode[] = [],
  ) {
    this.strict = new Set(strict)
    this.clock = zoneClock(ctx.ruleset.zone)
    this.D = durationMs
    this.tol = TOLERANCE_RANK[tolerate]
    this.waived = new Set(waive)
    const first = Math.ceil(from / GRID_MS) * GRID_MS
    const last = to - durationMs
    let n = last >= first ? Math.floor((last - first) / GRID_MS) + 1 : 0
    if (n > maxCandidates) {
      n = maxCandidates
      this.truncated = true
    }
    this.n = n
    this.starts = new Float64Array(n)
    this.day = new Int32Array(n)
    this.month = new Int32Array(n)
    for (let k = 0; k < n; k++) {
      const s = first + k * GRID_MS
      this.starts[k] = s
      const d = Math.floor(this.clock.toWall(s) / DAY_MS)
      this.day[k] = d
      this.month[k] = monthIndexOfDay(d)
    }
    this.stat = n > 0 ? staticMasks(this) : new Int32Array(0)
    this.rank = new ImpactRanking(this)
  }

  /** True when a finding of this code and severity rules a candidate out. */
  bad(code: FindingCode, severity: Severity): boolean {
    return !this.waived.has(code) && (SEVERITY_RANK[severity] < this.tol || this.strict.has(code))
  }

  /** The template placed at the k-th start. */
  plan(k: number): WindowPlan {
    const s = this.starts[k]!
    return { ...this.tpl, start: new Date(s), end: new Date(s + this.D) }
  }

  /** Failing constraints of engine findings. */
  maskOf(findings: readonly Finding[]): number {
    let m = 0
    for (const f of findings) if (!f.waiver && f.code !== 'SCHEDULE_CONTENT' && this.bad(f.code, f.severity)) m |= bitOf(f.code) || 1 << 30
    return m
  }

  /** Background windows for the engine: those that can change a candidate's findings. */
  relevant(background: readonly WindowPlan[], s: number, e: number): WindowPlan[] {
    const r = this.ctx.ruleset
    const spacing = r.spacing.minHoursBetweenStarts.value * HOUR_MS
    const lo = Math.min(this.clock.startOfMonthIndex(this.clock.monthIndex(s)), s - spacing)
    const hi = Math.max(this.clock.startOfMonthIndex(this.clock.monthIndex(e - 1) + 1), s + spacing, e)
    return background.filter((w) => w.end.getTime() > lo && w.start.getTime() < hi)
  }

  /** Assesses one candidate with the engine; returns its failing mask and the assessment. */
  verify(k: number, background: readonly WindowPlan[]): { mask: number; assessment: SlotAssessment } {
    this.assessed++
    const p = this.plan(k)
    const a = assess([p], { ...this.ctx, background: this.relevant(background, p.start.getTime(), p.end.getTime()) })
    const w = a.windows[0]!
    const touched = monthsTouched(p.start, p.end, this.ctx.ruleset.zone)
    const months = a.months.filter((m) => m.windows > 0 && touched.includes(m.month))
    return { mask: this.maskOf(w.findings), assessment: { ...w, months } }
  }

  local(ms: number): string {
    return localMinute(this.clock, ms)
  }
}
