import { DateTime } from 'luxon'
import type { ChangeNotifications } from '../db/change-notifications.ts'
import type { Db, DbOrTx } from '../db/database.ts'
import { complianceRepository, type StoredAssessment, type StoredWaiver } from '../db/repositories/compliance-repository.ts'
import {
  type BlackoutLayer,
  buildCalendars,
  type CalendarSet,
  BUILT_IN_RULESETS,
  complianceOf,
  DEFAULT_RULESET,
  defaultBlackoutLayers,
  emptySummary,
  findingCertainty,
  type FindingSummary,
  InvalidWindowError,
  type MonthAggregate,
  type Ruleset,
  rulesetInForce,
  zoneClock,
} from '../domain/index.ts'
import type { MaintenanceWindow, WindowPlan } from '../domain/window.ts'
import { ChangeAwareCache } from './change-aware-cache.ts'
import type { Clock } from './clock.ts'
import { AppError, bodyField, invalid } from './errors.ts'
import { isPlaceholderId } from './offline-assessment.ts'
import type { ReferenceService } from './reference-service.ts'
import { inTransaction } from './transactions.ts'
import type { WebhookOutbox } from './webhooks/index.ts'

import { assessGroups, groupByRuleset } from './grouped-assessment.ts'
import type { ComplianceContext, GroupedAssessment, ImpactAttacher, WindowAssessmentView } from './grouped-assessment.ts'

export type { ComplianceContext, ImpactAttacher, WindowAssessmentView } from './grouped-assessment.ts'

/**
 * Assesses windows against the ruleset in force (or a named version), with the stored plan as
 * background, and stores the result when a window is written. Loads rulesets, calendar overrides,
 * blackout layers and waivers; the judging itself is the pure `assess` of the domain.
 *
 * @example const views = await compliance.assessPlan(trx, [window], { withStored: true })
 */
export function createComplianceService(deps: {
  db: Db
  clock: Clock
  reference: ReferenceService
  tzdbVersion: string
  events?: Pick<WebhookOutbox, 'findingsAssessed'>
  changes?: ChangeNotifications
}) {
  const { db, clock } = deps
  const contexts = new ChangeAwareCache<'current', ComplianceContext>(deps.changes, [
    'rulesets',
    'calendar_overrides',
    'blackout_layers',
    'regions',
  ])
  let calendarMemo: { key: string; set: CalendarSet } | undefined
  let impactAttacher: ImpactAttacher | undefined
  /** Told the number of windows of every assessment run (metrics). */
  const assessedListeners = new Set<(windows: number) => void>()
  // Derived data memoised by its content, never by time: the same stored rows give the same objects,
  // so the engine's own caches (keyed by object identity) hold across requests and instances stay
  // consistent (a change in the database changes the key).
  const rulesetMemo = new Map<string, Ruleset>()
  const layersMemo = new Map<string, BlackoutLayer[]>()
  let customMemo: { key: string; layers: BlackoutLayer[] } | undefined

  /** Rulesets, calendars, blackout layers and regions as stored now (kept until one of them changes). */
  function loadContext(trx: DbOrTx): Promise<ComplianceContext> {
    return contexts.get('current', () => readContext(trx))
  }

  async function readContext(trx: DbOrTx): Promise<ComplianceContext> {
    const stored = await complianceRepository.rulesets(trx)
    const rulesets = [
      ...BUILT_IN_RULESETS,
      ...stored.map((s) => {
        const key = JSON.stringify(s.ruleset)
        let r = rulesetMemo.get(key)
        if (!r) {
          if (rulesetMemo.size > 64) rulesetMemo.clear()
          rulesetMemo.set(key, (r = s.ruleset))
        }
        return r
      }),
    ]
    const overrides = (await complianceRepository.overrides(trx)).map(({ calendar, date, action, name, reason }) => ({
      calendar,
      date,
      action,
      reason,
      ...(name ? { name } : {}),
    }))
    const key = JSON.stringify(overrides)
    if (calendarMemo?.key !== key) calendarMemo = { key, set: buildCalendars({ overrides }) }
    const custom = (await complianceRepository.blackouts(trx)).map(({ storedVersion, ...layer }) => ({
      ...layer,
      version: String(storedVersion),
    }))
    const customKey = JSON.stringify(custom)
    if (customMemo?.key !== customKey) customMemo = { key: customKey, layers: custom }
    const regions = await deps.reference.regions(trx)
    return { rulesets, calendars: calendarMemo.set, overrides, customBlackouts: customMemo.layers, regions }
  }

  /** The ruleset that judges a window: the named version, else the version in force at its start (local date). */
  function rulesetFor(ctx: ComplianceContext, start: Date, named?: { id?: string; version?: string }): Ruleset {
    const id = named?.id ?? DEFAULT_RULESET.id
    const lineage = ctx.rulesets.filter((r) => r.id === id)
    if (named?.version) {
      const r = lineage.find((x) => x.version === named.version)
      if (!r)
        throw new AppError(
          'unknown-reference',
          400,
          'Unknown ruleset version',
          `Ruleset ${id} has no version ${named.version}; known: ${lineage.map((x) => x.version).join(', ')}.`,
          {
            errors: [{ pointer: '/rulesetVersion', in: 'query', message: `unknown version ${named.version}` }],
          },
        )
      return r
    }
    if (lineage.length === 0) throw new AppError('unknown-reference', 400, 'Unknown ruleset', `There is no ruleset ${id}.`)
    const local = zoneClock(lineage[0]!.zone).localDate(start.getTime())
    return rulesetInForce(lineage, local) ?? lineage.reduce((a, b) => (a.effectiveFrom <= b.effectiveFrom ? a : b))
  }

  function blackoutsFor(ctx: ComplianceContext, r: Ruleset): BlackoutLayer[] {
    const key = `${r.id}@${r.version}@${r.effectiveFrom}|${customMemo?.key ?? ''}`
    let layers = layersMemo.get(key)
    if (!layers) {
      if (layersMemo.size > 64) layersMemo.clear()
      layersMemo.set(key, (layers = [...defaultBlackoutLayers(r), ...ctx.customBlackouts]))
    }
    return layers
  }

  /** Months touched by the plan, widened by the spacing horizon, as one instant range. */
  function backgroundRange(windows: readonly WindowPlan[], zone: string): [Date, Date] {
    let lo = Number.POSITIVE_INFINITY
    let hi = Number.NEGATIVE_INFINITY
    for (const w of windows) {
      lo = Math.min(lo, w.start.getTime())
      hi = Math.max(hi, w.end.getTime())
    }
    const from = DateTime.fromMillis(lo, { zone }).startOf('month').minus({ days: 8 }).toJSDate()
    const to = DateTime.fromMillis(hi, { zone }).endOf('month').plus({ days: 8 }).toJSDate()
    return [from, to]
  }

  /**
   * Assesses `subjects` together (rules look across windows), grouped by the ruleset that judges
   * each (the shared core, grouped-assessment.ts); this adds what is stored: the stored plan as
   * background when `withStored`, the windows' waivers, and impact. Views come back in input order.
   */
  async function assessPlan(
    trx: DbOrTx,
    subjects: readonly WindowPlan[],
    opts: {
      withStored: boolean
      rulesetId?: string
      rulesetVersion?: string
      now?: Date
      ctx?: ComplianceContext
      /** The subjects were created in this transaction: no waivers can name them yet. */
      created?: boolean
    },
  ): Promise<GroupedAssessment> {
    const ctx = opts.ctx ?? (await loadContext(trx))
    const now = opts.now ?? clock.now()
    const named = {
      ...(opts.rulesetId ? { id: opts.rulesetId } : {}),
      ...(opts.rulesetVersion ? { version: opts.rulesetVersion } : {}),
    }
    const groups = groupByRuleset(subjects, (w) => rulesetFor(ctx, w.start, named))
    const ids = subjects.flatMap((s) => (s.id && !isPlaceholderId(s.id) ? [s.id] : []))
    const waivers = opts.created || ids.length === 0 ? [] : (await complianceRepository.waiversFor(trx, ids)).filter((w) => !w.lapsedAt)
    const background = new Map<Ruleset, WindowPlan[]>()
    if (opts.withStored)
      for (const [ruleset, idx] of groups) {
        const range = backgroundRange(
          idx.map((i) => subjects[i]!),
          ruleset.zone,
        )
        background.set(ruleset, await complianceRepository.planBetween(trx, ...range, ids))
      }
    let result: GroupedAssessment
    try {
      result = assessGroups(subjects, groups, {
        now,
        tzdbVersion: deps.tzdbVersion,
        calendars: ctx.calendars,
        regions: ctx.regions,
        blackoutsFor: (r) => blackoutsFor(ctx, r),
        backgroundFor: (r) => background.get(r) ?? [],
        waivers: waivers.map(toWaiverLike),
      })
    } catch (err) {
      if (err instanceof InvalidWindowError) throw invalid([bodyField(`/${err.field}`, err.message)])
      throw err
    }
    if (impactAttacher) await impactAttacher(trx, subjects, result.views, ctx)
    for (const listener of assessedListeners) listener(subjects.length)
    return result
  }

  return {
    loadContext,
    rulesetFor,
    blackoutsFor,
    assessPlan,
    /** Lets the impact service add `impact` to every view (set once at composition). */
    setImpactAttacher(f: ImpactAttacher) {
      impactAttacher = f
    },
    /**
     * Calls `listener` with the number of windows after every assessment; answers the unsubscribe.
     * @example const off = compliance.onAssessed((n) => histogram.observe(n))
     */
    onAssessed(listener: (windows: number) => void): () => void {
      assessedListeners.add(listener)
      return () => assessedListeners.delete(listener)
    },

    /** Assesses written windows together and stores one assessment per window, in the caller's transaction. */
    async assessAndStore(
      trx: DbOrTx,
      windows: readonly MaintenanceWindow[],
      effectiveAt?: Date,
      opts: { created?: boolean } = {},
    ): Promise<Map<string, WindowAssessmentView>> {
      const out = new Map<string, WindowAssessmentView>()
      const live = windows.filter((w) => w.status !== 'rejected' && w.status !== 'cancelled')
      if (live.length === 0) return out
      // Windows created in this transaction have no waivers and no earlier assessment to compare.
      const created = opts.created ?? false
      const { views } = await assessPlan(trx, live, { withStored: true, created })
      const now = clock.now()
      for (const [i, view] of views.entries()) {
        const w = live[i]!
        // Before the new assessment is stored: a breach or objection the previous one lacked is announced.
        if (!created) await deps.events?.findingsAssessed(trx, w, view.findings)
        await complianceRepository.insertAssessment(trx, {
          windowId: w.id,
          windowVersion: w.version,
          rulesetId: view.ruleset.id,
          rulesetVersion: view.ruleset.version,
          result: {
            reference: view.reference,
            findings: view.findings,
            worstSeverity: view.worstSeverity,
            compliance: view.compliance,
            realMinutes: view.realMinutes,
            months: view.months,
            ...(view.impact ? { impact: view.impact } : {}),
          },
          provenance: view.provenance,
          effectiveAt: effectiveAt ?? w.effectiveAt,
          recordedAt: now,
        })
        out.set(w.id, view)
      }
      return out
    },

    /**
     * Dry run: assess a plan without storing anything. With the stored plan as background the reads
     * share one snapshot (a transaction); a plan on its own reads only cached rules and reference data.
     */
    async dryRun(plan: readonly WindowPlan[], opts: { withStored: boolean; rulesetVersion?: string }) {
      const run = async (trx: DbOrTx) => {
        const r = await assessPlan(trx, plan, opts)
        return { windows: r.views, summary: summarise(r.views), months: r.months, provenance: r.provenance }
      }
      return opts.withStored ? inTransaction(db, undefined, run) : run(db)
    },

    async latest(windowId: string): Promise<WindowAssessmentView | undefined> {
      const s = await complianceRepository.latestAssessment(db, windowId)
      return s && fromStored(s)
    },

    /** Re-runs a stored window's assessment, optionally under another ruleset version, without storing. */
    async reassess(window: MaintenanceWindow, rulesetVersion?: string): Promise<WindowAssessmentView> {
      return inTransaction(db, undefined, async (trx) => {
        const { views } = await assessPlan(trx, [window], { withStored: true, ...(rulesetVersion ? { rulesetVersion } : {}) })
        return views[0]!
      })
    },

    lapseWaivers: (trx: DbOrTx, windowId: string, reason: string) => complianceRepository.lapseWaivers(trx, windowId, clock.now(), reason),
  }
}

/**
 * Findings of the views counted by severity and certainty (after the impact attacher added its own).
 * @example summarise(views).confirmed.breach // 2 for OPSG 58
 */
export function summarise(views: readonly WindowAssessmentView[]): FindingSummary {
  const s = emptySummary()
  for (const v of views)
    for (const f of v.findings) {
      s.all[f.severity]++
      s[findingCertainty(f)][f.severity]++
    }
  return s
}

function toWaiverLike(w: StoredWaiver) {
  return {
    findingKey: w.findingKey,
    approvedBy: w.approvedBy,
    decisionRef: w.decisionRef,
    decidedAt: w.decidedAt,
    reason: w.reason,
    expiresAt: w.expiresAt,
  }
}

function fromStored(s: StoredAssessment): WindowAssessmentView {
  const findings = s.result.findings.map((f) => (f.certainty ? f : { ...f, certainty: findingCertainty(f) }))
  return {
    windowId: s.windowId,
    windowVersion: s.windowVersion,
    reference: s.result.reference,
    assessedAt: s.recordedAt.toISOString(),
    ruleset: { id: s.rulesetId, version: s.rulesetVersion },
    assessed: true,
    worstSeverity: s.result.worstSeverity,
    // Assessments stored before certainty and compliance existed get them from their findings.
    compliance: s.result.compliance ?? complianceOf(findings, true),
    realMinutes: s.result.realMinutes,
    findings,
    months: s.result.months as MonthAggregate[],
    ...(s.result.impact ? { impact: s.result.impact } : {}),
    provenance: s.provenance,
  }
}

export type ComplianceService = ReturnType<typeof createComplianceService>
