import {
  assess,
  type BlackoutLayer,
  type CalendarOverride,
  type CalendarSet,
  type Compliance,
  type Finding,
  type MonthAggregate,
  monthsTouched,
  type Ruleset,
  type WaiverLike,
} from '../domain/index.ts'
import { assessImpact, detectOverlaps, type ImpactContext, type OverlapReport, type WindowImpact } from '../domain/impact/index.ts'
import type { Region } from '../domain/reference.ts'
import type { DbOrTx } from '../db/database.ts'
import type { MaintenanceWindow, WindowPlan } from '../domain/window.ts'

/**
 * The grouped-assessment core that the compliance service and `mwp check` share: windows grouped
 * by the ruleset that judges each, every group judged together by the domain's `assess`, one view a
 * window in input order, and the months of all groups. Pure: what is stored (the background plan,
 * waivers) comes in as data, so the service adds storage and nothing else.
 */

/** Everything an assessment needs besides the windows: loaded once per request. */
export interface ComplianceContext {
  rulesets: Ruleset[]
  calendars: CalendarSet
  overrides: CalendarOverride[]
  customBlackouts: BlackoutLayer[]
  regions: Region[]
}

/** One window's assessment as the API shows it. */
export interface WindowAssessmentView {
  windowId: string | null
  windowVersion: number | null
  reference: string
  assessedAt: string
  ruleset: { id: string; version: string }
  assessed: boolean
  worstSeverity: string | null
  /** The window's colour by its open findings (domain/compliance.ts). */
  compliance: Compliance
  realMinutes: number
  findings: Finding[]
  months: MonthAggregate[]
  impact?: unknown
  provenance: Record<string, unknown>
}

/** Adds impact (and the findings made from it) to the views of the windows, in place. */
export type ImpactAttacher = (
  trx: DbOrTx,
  windows: readonly WindowPlan[],
  views: WindowAssessmentView[],
  ctx: ComplianceContext,
) => Promise<void>

/** A month of a plan's assessment, with the label of the cap it was measured against (the planning board marks an assumed cap). */
export type PlanMonth = MonthAggregate & { capProvenance: Ruleset['cap']['minutesPerMonth']['provenance'] }

/** The views (input order), the months of every group (by month) and each group's provenance. */
export interface GroupedAssessment {
  views: WindowAssessmentView[]
  months: PlanMonth[]
  provenance: Record<string, unknown>[]
}

/**
 * The indices of `subjects` by the ruleset that judges each, rulesets in the order first met.
 * @example groupByRuleset(plan, () => DEFAULT_RULESET) // Map { DEFAULT_RULESET => [0, 1, …] }
 */
export function groupByRuleset(subjects: readonly WindowPlan[], rulesetOf: (w: WindowPlan) => Ruleset): Map<Ruleset, number[]> {
  const groups = new Map<Ruleset, number[]>()
  subjects.forEach((w, i) => {
    const r = rulesetOf(w)
    const group = groups.get(r)
    if (group) group.push(i)
    else groups.set(r, [i])
  })
  return groups
}

/** What judges every group besides its ruleset. */
export interface GroupInputs {
  now: Date
  tzdbVersion: string
  calendars: CalendarSet
  regions: readonly Region[]
  blackoutsFor(ruleset: Ruleset): BlackoutLayer[]
  /** The stored plan a group is judged against (cap, overlap, spacing); none offline. */
  backgroundFor?(ruleset: Ruleset): readonly WindowPlan[]
  waivers?: readonly WaiverLike[]
}

/**
 * Judges each group of `subjects` together (rules look across windows) and answers one view a
 * window, in input order, each with the months it has minutes in. Throws the domain's
 * InvalidWindowError for a window it cannot judge.
 *
 * @example
 * const groups = groupByRuleset(plan, () => DEFAULT_RULESET)
 * assessGroups(plan, groups, { now, tzdbVersion: '2025b', calendars, regions, blackoutsFor: defaultBlackoutLayers }).views[0].findings
 */
export function assessGroups(subjects: readonly WindowPlan[], groups: Map<Ruleset, number[]>, c: GroupInputs): GroupedAssessment {
  const views: WindowAssessmentView[] = new Array(subjects.length)
  const months = new Map<string, PlanMonth>()
  const provenance: Record<string, unknown>[] = []
  const assessedAt = c.now.toISOString()
  for (const [ruleset, idx] of groups) {
    const group = idx.map((i) => subjects[i]!)
    const result = assess(group, {
      now: c.now,
      ruleset,
      calendars: c.calendars,
      blackouts: c.blackoutsFor(ruleset),
      regions: c.regions,
      ...(c.backgroundFor ? { background: c.backgroundFor(ruleset) } : {}),
      ...(c.waivers ? { waivers: c.waivers } : {}),
      tzdbVersion: c.tzdbVersion,
    })
    provenance.push({ ...result.provenance })
    for (const m of result.months) months.set(m.month, { ...m, capProvenance: ruleset.cap.minutesPerMonth.provenance })
    const byMonth = new Map(result.months.map((m) => [m.month, m]))
    result.windows.forEach((wa, j) => {
      const w = group[j]!
      views[idx[j]!] = {
        windowId: w.id ?? null,
        windowVersion: (w as Partial<MaintenanceWindow>).version ?? null,
        reference: wa.reference,
        assessedAt,
        ruleset: { id: ruleset.id, version: ruleset.version },
        assessed: wa.assessed,
        worstSeverity: wa.worstSeverity,
        compliance: wa.compliance,
        realMinutes: wa.realMinutes,
        findings: wa.findings,
        months: monthsTouched(w.start, w.end, ruleset.zone).flatMap((k) => byMonth.get(k) ?? []),
        provenance: { ...result.provenance },
      }
    })
  }
  return { views, months: [...months.values()].sort((a, b) => a.month.localeCompare(b.month)), provenance }
}

/**
 * The impact of each window (same order) and the overlaps between them, in one impact context.
 * @example planImpact(plan, ctx).overlaps.redundancyLoss.length
 */
export function planImpact(windows: readonly WindowPlan[], ctx: ImpactContext): { impacts: WindowImpact[]; overlaps: OverlapReport } {
  const impacts = windows.map((w) => assessImpact(w, ctx))
  const overlaps = detectOverlaps(
    windows.map((w, i) => ({
      id: w.id ?? `#${i}`,
      reference: w.reference,
      party: w.party,
      impact: w.impact,
      services: w.services,
      regions: w.regions,
      start: w.start,
      end: w.end,
    })),
    ctx,
  )
  return { impacts, overlaps }
}
