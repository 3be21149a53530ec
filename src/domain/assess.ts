/**
 * The compliance engine: assesses a whole plan at once (some rules look across windows).
 *
 * Time semantics: instants are the truth; intervals are [start, end); time-of-day and day rules use
 * wall-clock time in the ruleset's zone; durations and the cap count real elapsed minutes; a window
 * crossing midnight or a month boundary splits its minutes by month.
 *
 * Who counts where:
 * - subjects are assessed; they count toward cap/overlap/spacing unless rejected or cancelled (a draft
 *   is assessed as if proposed). Rejected and cancelled subjects get no findings (`assessed: false`);
 * - background windows (the stored plan) count toward cap/overlap/spacing unless draft, rejected or
 *   cancelled, and get no findings;
 * - emergency windows are not Planned Maintenance: no notice rule (a warning when the justification is
 *   empty), not in the cap, not subject to hours/duration/blackout/spacing rules; they still overlap.
 * - a window with notifiedAt null is judged as if notified at `now`.
 *
 * @example
 * const a = assess(plan, { now, ruleset: DEFAULT_RULESET, calendars: buildCalendars(),
 *   blackouts: defaultBlackoutLayers(DEFAULT_RULESET), regions: DEFAULT_REGIONS, tzdbVersion: '2025c' })
 * a.windows[0].findings.map(f => `${f.code}/${f.severity}`) // ['NOTICE_PERIOD/breach', 'MONTHLY_CAP/breach', …]
 * a.months.find(m => m.month === '2021-11')?.plannedMinutes // 720
 */
import { type BlackoutLayer, PreparedBlackouts } from './blackouts.ts'
import type { CalendarId, CalendarSet } from './calendars.ts'
import { type Compliance, complianceRater } from './compliance.ts'
import type { Finding, Severity } from './findings.ts'
import { type FindingSummary, findingsCollector, type WaiverLike } from './findings-collector.ts'
import { DEFAULT_REGIONS, type Region } from './reference.ts'
import { capTotals, countsTowardCap, lastMonthOf } from './rules/monthly-cap-rule.ts'
import { RULE_FAMILIES } from './rules/registry.ts'
import type { PreparedWindow, RuleContext } from './rules/types.ts'
import type { Ruleset } from './ruleset.ts'
import { startOrder } from './sort-windows.ts'
import { DAY_MS, MINUTE_MS, monthIndexOfDay, monthKeyOf, realMinutesInMonth, type ZoneClock, zoneClock } from './time.ts'
import type { WindowPlan } from './window.ts'

export { emptySummary, type FindingSummary, type WaiverLike } from './findings-collector.ts'

export interface AssessContext {
  now: Date
  ruleset: Ruleset
  calendars: CalendarSet
  blackouts: readonly BlackoutLayer[]
  regions?: readonly Region[]
  /** The stored plan: counts toward cap, overlap and spacing; gets no findings. */
  background?: readonly WindowPlan[]
  waivers?: readonly WaiverLike[]
  /** IANA tz database version of the runtime (e.g. process.versions.tz, read by the caller). */
  tzdbVersion: string
}

export interface WindowAssessment {
  reference: string
  windowId?: string
  /** False for rejected or cancelled subjects (no findings). */
  assessed: boolean
  realMinutes: number
  worstSeverity: Severity | null
  /** The window's colour by its open findings (see complianceOf). */
  compliance: Compliance
  findings: Finding[]
}

export interface MonthAggregate {
  /** 'YYYY-MM' in the ruleset zone. */
  month: string
  /** GB-wide union of counted windows' minutes (overlaps once), real minutes. */
  plannedMinutes: number
  capMinutes: number
  headroomMinutes: number
  /** cap − planned (negative when over). */
  remainingMinutes: number
  status: 'ok' | 'warning' | 'breach'
  /** Real minutes of the month (October 2021: 44,700). */
  realMinutesInMonth: number
  /** Counted windows (subjects and background) with minutes in the month. */
  windows: number
}

export interface AssessmentProvenance {
  rulesetId: string
  rulesetVersion: string
  rulesetEffectiveFrom: string
  zone: string
  calendars: Record<CalendarId, string>
  tzdbVersion: string
  blackoutLayers: { id: string; version: string | null }[]
  now: string
}

export interface Assessment {
  windows: WindowAssessment[]
  months: MonthAggregate[]
  summary: FindingSummary
  provenance: AssessmentProvenance
}

export class InvalidWindowError extends Error {
  readonly code = 'invalid-window'
  constructor(
    readonly reference: string,
    readonly field: string,
    message: string,
  ) {
    super(message)
    this.name = 'InvalidWindowError'
  }
}

/**
 * Assesses `subjects` against a ruleset; answers in the same order as `subjects`.
 * Pure: the same inputs give the same answer, whatever the order of the windows.
 */
export function assess(subjects: readonly WindowPlan[], ctx: AssessContext): Assessment {
  const clock = zoneClock(ctx.ruleset.zone)
  const now = ctx.now.getTime()
  const plan = readInstants(subjects, ctx.background ?? [])
  const participants = participantsInStartOrder(plan, clock)
  const findings = findingsCollector(ctx.ruleset, ctx.waivers ?? [], now)
  const rc: RuleContext = {
    now,
    ruleset: ctx.ruleset,
    calendars: ctx.calendars,
    regions: ctx.regions ?? DEFAULT_REGIONS,
    clock,
    blackouts: blackoutsAround(plan, ctx, now),
    subjects: participants.filter((p) => p.index >= 0),
    participants,
    emit: findings.emit,
    cache: new Map(),
  }
  for (const family of RULE_FAMILIES) family.run(rc)
  return {
    windows: windowAssessments(subjects, plan, findings.perWindow(subjects.length)),
    months: monthAggregates(rc),
    summary: findings.summary,
    provenance: provenanceOf(ctx),
  }
}

const NOT_COUNTED_SUBJECT = new Set(['rejected', 'cancelled'])
const NOT_COUNTED_BACKGROUND = new Set(['draft', 'rejected', 'cancelled'])

/** The plan's windows with their instants (epoch ms), validated. */
interface PlanInstants {
  /** The subjects, then the background windows that count (not draft, rejected or cancelled). */
  windows: readonly WindowPlan[]
  subjects: number
  starts: Float64Array
  ends: Float64Array
  /** Whether each window takes part: background windows always, subjects unless rejected or cancelled. */
  participating: Uint8Array
}

/** Reads and validates the instants of the subjects, then of the counted background windows. */
function readInstants(subjects: readonly WindowPlan[], background: readonly WindowPlan[]): PlanInstants {
  const windows = [...subjects, ...background.filter((w) => !NOT_COUNTED_BACKGROUND.has(w.status))]
  const starts = new Float64Array(windows.length)
  const ends = new Float64Array(windows.length)
  const participating = new Uint8Array(windows.length)
  windows.forEach((w, i) => {
    starts[i] = instantOf(w, 'start')
    ends[i] = instantOf(w, 'end')
    participating[i] = i >= subjects.length || !NOT_COUNTED_SUBJECT.has(w.status) ? 1 : 0
  })
  return { windows, subjects: subjects.length, starts, ends, participating }
}

function instantOf(w: WindowPlan, field: 'start' | 'end'): number {
  const v = w[field]
  const ms = v instanceof Date ? v.getTime() : Number.NaN
  if (!Number.isFinite(ms)) throw new InvalidWindowError(w.reference, field, `window ${w.reference}: ${field} is not a valid instant`)
  return ms
}

/**
 * The participating windows prepared for the rules, in start order (see inStartOrder). They are made
 * in that order, so the cross-window rules, which walk the plan in start order, read them in memory order.
 */
function participantsInStartOrder(plan: PlanInstants, clock: ZoneClock): PreparedWindow[] {
  const positions: number[] = []
  plan.participating.forEach((yes, i) => {
    if (yes === 1) positions.push(i)
  })
  const indexOf = (i: number) => (i < plan.subjects ? i : -1)
  const order = startOrder(
    Float64Array.from(positions, (i) => plan.starts[i]!),
    Float64Array.from(positions, (i) => plan.ends[i]!),
    (a, b) => compareTies(plan.windows[positions[a]!]!, indexOf(positions[a]!), plan.windows[positions[b]!]!, indexOf(positions[b]!)),
  )
  return Array.from(order, (k) => {
    const i = positions[k]!
    return prepareWindow(plan.windows[i]!, indexOf(i), plan.starts[i]!, plan.ends[i]!, clock)
  })
}

/**
 * The windows sorted by (start, end, reference, id, subject index), as a stable sort would.
 *
 * @example inStartOrder([w0900, w0800]) // [w0800, w0900]
 */
export function inStartOrder(windows: readonly PreparedWindow[]): PreparedWindow[] {
  const order = startOrder(
    Float64Array.from(windows, (p) => p.s),
    Float64Array.from(windows, (p) => p.e),
    (a, b) => compareTies(windows[a]!.w, windows[a]!.index, windows[b]!.w, windows[b]!.index),
  )
  return Array.from(order, (k) => windows[k]!)
}

/** Order of windows with the same start and end: reference, id, then subject index (-1 for background). */
function compareTies(a: WindowPlan, aIndex: number, b: WindowPlan, bIndex: number): number {
  return cmpStr(a.reference, b.reference) || cmpStr(a.id ?? '', b.id ?? '') || aIndex - bIndex
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** A participating window as the rules see it (index: subject index, or -1 for background). */
function prepareWindow(w: WindowPlan, index: number, s: number, e: number, clock: ZoneClock): PreparedWindow {
  const sWall = clock.toWall(s)
  const startDay = Math.floor(sWall / DAY_MS)
  return {
    w,
    index,
    subject: w.id ?? w.reference,
    reference: w.reference,
    id: w.id,
    party: w.party,
    impact: w.impact,
    regions: w.regions,
    services: w.services,
    s,
    e,
    sWall,
    eWall: clock.toWall(e),
    startDay,
    startMonth: monthIndexOfDay(startDay),
    planned: w.kind !== 'emergency',
    sText: null,
    eText: null,
    spanText: null,
  }
}

/** The blackout layers prepared for the participating subjects' span, a day either side (or around now). */
function blackoutsAround(plan: PlanInstants, ctx: AssessContext, now: number): PreparedBlackouts {
  let lo = Infinity
  let hi = -Infinity
  for (let i = 0; i < plan.subjects; i++) {
    if (plan.participating[i] === 0) continue
    lo = Math.min(lo, plan.starts[i]!)
    hi = Math.max(hi, plan.ends[i]!)
  }
  if (!(hi > lo)) {
    lo = now
    hi = now + 1
  }
  return new PreparedBlackouts(ctx.blackouts, new Date(lo - DAY_MS), new Date(hi + DAY_MS), ctx.calendars, ctx.regions ?? DEFAULT_REGIONS)
}

/** Each subject's assessment: its findings (sorted), minutes, worst severity and compliance colour. */
function windowAssessments(subjects: readonly WindowPlan[], plan: PlanInstants, perWindow: Finding[][]): WindowAssessment[] {
  const complianceOf = complianceRater()
  return subjects.map((w, i) => {
    const findings = perWindow[i]!
    const assessed = plan.participating[i] === 1
    // windowId in the literal (undefined without an id, which JSON leaves out), as for findings.
    return {
      reference: w.reference,
      assessed,
      realMinutes: Math.max(0, plan.ends[i]! - plan.starts[i]!) / MINUTE_MS,
      worstSeverity: findings[0]?.severity ?? null, // sorted by severity first
      compliance: complianceOf(findings, assessed),
      findings,
      windowId: w.id,
    }
  })
}

/** Every month with counted minutes or touched by an assessed planned subject, in order. */
function monthAggregates(rc: RuleContext): MonthAggregate[] {
  const r = rc.ruleset
  const totals = capTotals(rc)
  const cap = r.cap.minutesPerMonth.value
  const headroom = Math.min(r.cap.headroomMinutes.value, cap)
  const monthSet = new Set<number>(totals.keys())
  const counts = new Map<number, number>() // windows counted toward the cap, per month
  for (const p of rc.participants) {
    if (!(p.e > p.s)) continue
    const touches = p.index >= 0 && p.planned
    const toCap = countsTowardCap(p, r)
    if (!toCap && !touches) continue
    for (let m = p.startMonth, last = lastMonthOf(p, rc.clock); m <= last; m++) {
      if (touches) monthSet.add(m)
      if (toCap) counts.set(m, (counts.get(m) ?? 0) + 1)
    }
  }
  return [...monthSet]
    .sort((a, b) => a - b)
    .map((m) => {
      const planned = totals.get(m) ?? 0
      return {
        month: monthKeyOf(m),
        plannedMinutes: planned,
        capMinutes: cap,
        headroomMinutes: headroom,
        remainingMinutes: cap - planned,
        status: planned > cap ? 'breach' : planned > cap - headroom ? 'warning' : 'ok',
        realMinutesInMonth: realMinutesInMonth(Math.floor(m / 12), (m % 12) + 1, r.zone),
        windows: counts.get(m) ?? 0,
      }
    })
}

function provenanceOf(ctx: AssessContext): AssessmentProvenance {
  const r = ctx.ruleset
  return {
    rulesetId: r.id,
    rulesetVersion: r.version,
    rulesetEffectiveFrom: r.effectiveFrom,
    zone: r.zone,
    calendars: ctx.calendars.versions(),
    tzdbVersion: ctx.tzdbVersion,
    blackoutLayers: ctx.blackouts.map((l) => ({ id: l.id, version: l.version ?? null })),
    now: ctx.now.toISOString(),
  }
}
