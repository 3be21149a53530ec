import { DateTime } from 'luxon'
import type { ChangeNotifications } from '../db/change-notifications.ts'
import type { Db } from '../db/database.ts'
import { complianceRepository, type StoredWaiver } from '../db/repositories/compliance-repository.ts'
import { reportsRepository } from '../db/repositories/reports-repository.ts'
import { webhooksRepository } from '../db/repositories/webhooks-repository.ts'
import { windowsRepository } from '../db/repositories/windows-repository.ts'
import {
  BUILT_IN_RULESETS,
  buildCalendars,
  DEFAULT_RULESET,
  type Finding,
  findingCertainty,
  type Ruleset,
  rulesetInForce,
  LONDON_ZONE,
} from '../domain/index.ts'
import { impactRating } from '../domain/impact/index.ts'
import { complianceOf } from '../domain/compliance.ts'
import type { MaintenanceWindow, WindowStatus } from '../domain/window.ts'
import {
  buildComplianceReport,
  type ComplianceReport,
  type RemediatedFinding,
  type ReportWaiver,
  type ReportWindowInput,
} from '../reports/compliance-report.ts'
import { auditHead } from './audit-service.ts'
import type { Clock } from './clock.ts'
import type { ComplianceContext, ComplianceService } from './compliance-service.ts'
import { type FieldProblem, invalid } from './errors.ts'
import type { ImpactService } from './impact-service.ts'
import type { ReferenceService } from './reference-service.ts'
import { SingleFlight } from './single-flight.ts'

/** Zone of the report's months and local times (the ruleset's and the Performance Measurement Period's). */
export const REPORT_ZONE = LONDON_ZONE
/** The webhook events that notify a window: the report shows when each subscriber acknowledged them. */
export const NOTICE_EVENTS = ['window.proposed', 'schedule.published', 'window.changed'] as const
/** The longest period one report covers. */
export const MAX_REPORT_YEARS = 5

export interface ComplianceReportQuery {
  from: Date
  to: Date
  party?: string | undefined
  programme?: string | undefined
  /** Business instant the report is produced as of; omitted: the current state. */
  asOf?: Date | undefined
}

const query = (pointer: string, message: string): FieldProblem => ({ pointer, in: 'query', message })

/**
 * OPSG compliance reports: the plan of a period assessed as it stood at a business instant (asOf) or
 * now, as a report model (src/reports renders it as JSON, CSV or HTML).
 *
 * As of a business instant: every window is reconstructed from its latest version with
 * effective_at ≤ asOf (windows first recorded later are absent); publications with published_at ≤ asOf;
 * waivers decided by asOf and not lapsed by then; ruleset versions and calendar overrides with
 * effective_at ≤ asOf. The reconstructed windows are assessed together (no stored background) with
 * `now = asOf`. Windows of the months around the period count toward cap and spacing; the report
 * shows only those in the period (and party/programme). Drafts are not in the report.
 *
 * A report takes a while (10,000 windows: reads, assessment, impact). Identical reports asked for
 * while one is being produced (same from, to, party, programme and asOf, as instants) share it, and
 * share each rendering of it, as long as no change has been committed since it started (the
 * database announces every change to what a report reads: see SingleFlight). Nothing is kept after
 * that: a report depends on the current time, so the next request produces its own.
 *
 * @example const report = await reports.complianceReport({ from, to, asOf: new Date('2021-10-05T17:00:00Z') })
 */
export function createReportsService(deps: {
  db: Db
  clock: Clock
  compliance: Pick<ComplianceService, 'loadContext' | 'assessPlan'>
  impact: Pick<ImpactService, 'current'>
  reference: Pick<ReferenceService, 'parties'>
  tzdbVersion: string
  /** Committed changes heard from the database: lets identical concurrent requests share one report. */
  changes?: ChangeNotifications | undefined
}) {
  const { db, clock } = deps
  /** Reports being produced, with their renderings (by renderer), by normalised query. Feeds are the only announced table a report does not read. */
  const producing = new SingleFlight<ProducedReport>(deps.changes, { ignoredTables: ['feeds'] })

  async function validate(q: ComplianceReportQuery): Promise<string[]> {
    const problems: FieldProblem[] = []
    if (q.from.getTime() >= q.to.getTime())
      problems.push(query('/from', `from (${q.from.toISOString()}) must be before to (${q.to.toISOString()})`))
    else if (DateTime.fromJSDate(q.from).plus({ years: MAX_REPORT_YEARS }).toMillis() < q.to.getTime())
      problems.push(query('/to', `a report covers at most ${MAX_REPORT_YEARS} years; ask for several reports`))
    const parties = (await deps.reference.parties(db)).map((p) => p.id)
    if (q.party !== undefined && !parties.includes(q.party))
      problems.push(query('/party', `unknown party "${q.party}"; known: ${parties.join(', ')}`))
    if (q.programme !== undefined && !(await reportsRepository.programmeExists(db, q.programme)))
      problems.push(query('/programme', `unknown programme ${q.programme}`))
    if (q.asOf) {
      const now = clock.now()
      if (q.asOf.getTime() > now.getTime())
        problems.push(
          query('/asOf', `asOf (${q.asOf.toISOString()}) is in the future; a report cannot be produced as of a time not yet reached`),
        )
      else {
        const earliest = await reportsRepository.earliestBusinessTime(db)
        if (!earliest || q.asOf.getTime() < earliest.getTime())
          problems.push(
            query(
              '/asOf',
              earliest
                ? `asOf is before any data: the earliest record is from ${earliest.toISOString()}`
                : 'asOf is before any data: nothing is recorded yet',
            ),
          )
      }
    }
    if (problems.length) throw invalid(problems)
    return parties
  }

  /** The compliance context as of `asOf`: stored rulesets, calendar overrides and layers in effect then. */
  async function contextAsOf(asOf: Date | null): Promise<ComplianceContext> {
    const ctx = await deps.compliance.loadContext(db)
    if (!asOf) return ctx
    const stored = await complianceRepository.rulesets(db)
    const later = new Set(stored.filter((s) => s.effectiveAt.getTime() > asOf.getTime()).map((s) => `${s.ruleset.id}@${s.ruleset.version}`))
    const overrides = (await complianceRepository.overrides(db))
      .filter((o) => o.effectiveAt.getTime() <= asOf.getTime())
      .map(({ calendar, date, action, name, reason }) => ({ calendar, date, action, reason, ...(name ? { name } : {}) }))
    const layers = await reportsRepository.blackoutIdsCreatedBy(db, asOf)
    return {
      ...ctx,
      rulesets: ctx.rulesets.filter((r) => BUILT_IN_RULESETS.includes(r) || !later.has(`${r.id}@${r.version}`)),
      overrides,
      calendars: buildCalendars({ overrides }),
      customBlackouts: ctx.customBlackouts.filter((l) => layers.has(l.id)),
    }
  }

  /** The report of a valid query: one being produced for the same query when it may be shared, else a new one. */
  async function produce(q: ComplianceReportQuery): Promise<ProducedReport> {
    // Validated per request (a joiner's asOf is checked against its own now, its programme must exist).
    const parties = await validate(q)
    const key = JSON.stringify([q.from.getTime(), q.to.getTime(), q.party ?? null, q.programme ?? null, q.asOf?.getTime() ?? null])
    return producing.run(key, async () => ({ report: await build(q, parties), renderings: new Map() }))
  }

  /** The report, rendered by `render`: once for every request sharing the report (pass the same function for the same format). */
  async function renderedReport<T>(q: ComplianceReportQuery, render: (report: ComplianceReport) => T) {
    const produced = await produce(q)
    let body = produced.renderings.get(render) as T | undefined
    if (body === undefined) produced.renderings.set(render, (body = render(produced.report)))
    return { report: produced.report, body }
  }

  async function build(q: ComplianceReportQuery, parties: readonly string[]): Promise<ComplianceReport> {
    const asOf = q.asOf ?? null
    const generatedAt = clock.now()
    const now = asOf ?? generatedAt
    // Read before the data: every write up to this head is reflected in the report.
    const head = await auditHead(db)
    // Windows of the months around the period count toward cap and spacing (8 days: the spacing horizon).
    const lo = DateTime.fromJSDate(q.from, { zone: REPORT_ZONE }).startOf('month').minus({ days: 8 }).toJSDate()
    const hi = DateTime.fromJSDate(q.to, { zone: REPORT_ZONE }).endOf('month').plus({ days: 8 }).toJSDate()
    const found: MaintenanceWindow[] = asOf
      ? await reportsRepository.windowsAsOf(db, asOf, lo, hi)
      : await windowsRepository.list(db, { from: lo, to: hi, limit: 1_000_000 })
    const subjects = found
      .filter((w) => w.status !== 'draft')
      .sort((a, b) => a.start.getTime() - b.start.getTime() || (a.id < b.id ? -1 : 1))
    const ctx = await contextAsOf(asOf)
    const assessed = subjects.length
      ? await deps.compliance.assessPlan(db, subjects, { withStored: false, now, ctx })
      : { views: [], months: [], provenance: [] }

    // Waivers as of the instant (assessPlan applies the ones not lapsed now; asOf needs those in effect then).
    const all = await complianceRepository.waiversFor(
      db,
      subjects.map((w) => w.id),
    )
    const inEffect = all.filter((w) => inEffectAt(w, now, asOf !== null))
    const waiverByKey = new Map(inEffect.map((w) => [w.findingKey, w]))
    const thresholds = (await deps.impact.current(db)).thresholds
    const inScope = (w: MaintenanceWindow) =>
      w.end.getTime() > q.from.getTime() &&
      w.start.getTime() < q.to.getTime() &&
      (!q.party || w.party === q.party) &&
      (!q.programme || w.programmeId === q.programme)
    const windows: ReportWindowInput[] = []
    subjects.forEach((w, i) => {
      if (!inScope(w)) return
      const view = assessed.views[i]!
      const findings: Finding[] = view.findings.map((f) => {
        const wv = f.waivable ? waiverByKey.get(f.key) : undefined
        if (!wv && !f.waiver) return f
        const { waiver: _old, ...rest } = f
        return wv
          ? {
              ...rest,
              waiver: {
                findingKey: wv.findingKey,
                approvedBy: wv.approvedBy,
                decisionRef: wv.decisionRef,
                decidedAt: wv.decidedAt,
                reason: wv.reason,
                expiresAt: wv.expiresAt,
              },
            }
          : rest
      })
      const impact = view.impact as ReportWindowInput['impact']
      const rated = impact ? { ...impact, rating: impactRating(impact, thresholds.data) } : undefined
      windows.push({
        window: w,
        findings,
        worstSeverity: view.worstSeverity as ReportWindowInput['worstSeverity'],
        // Waivers as of the report's instant decide what is open.
        compliance: complianceOf(findings, view.assessed),
        realMinutes: view.realMinutes,
        ruleset: view.ruleset,
        impact: rated,
      })
    })

    const ids = new Set(windows.map((x) => x.window.id))
    const remediated = await remediatedFindings(db, [...ids], asOf, windows)
    const months = [
      DateTime.fromJSDate(q.from, { zone: REPORT_ZONE }).toFormat('yyyy-MM'),
      DateTime.fromJSDate(new Date(q.to.getTime() - 1), { zone: REPORT_ZONE }).toFormat('yyyy-MM'),
    ] as const
    const publications = await reportsRepository.publications(db, months[0], months[1], asOf)
    // One statement for every window of the report: who was sent its notices by webhook, and acknowledged them when.
    const notices = await webhooksRepository.noticesForWindows(db, [...ids], NOTICE_EVENTS, asOf)
    const lineage = ctx.rulesets.filter((r) => r.id === DEFAULT_RULESET.id)
    const first = rulesetInForce(lineage, DateTime.fromJSDate(q.from, { zone: REPORT_ZONE }).toISODate() ?? '1970-01-01') ?? DEFAULT_RULESET
    const used = new Set(windows.map((x) => `${x.ruleset.id}@${x.ruleset.version}`))
    const rulesets: Ruleset[] = [first, ...ctx.rulesets.filter((r) => r !== first && used.has(`${r.id}@${r.version}`))]
    const ref = await deps.impact.current(db)
    const notes = [
      `Reference data (estate ${ref.estate.versionId}, top-up profile ${ref.profile.versionId}, thresholds ${ref.thresholds.versionId}) is the version in force when the report was generated, also for an asOf report.`,
      ...(asOf
        ? [
            'Custom blackout layers are not versioned by business time: a layer counts when it was created (createdAt) at or before asOf, with its current definition and version (a later change shows through; the audit log keeps it). The default layers follow the ruleset version in force.',
          ]
        : []),
      'Drafts are not part of the report; cancelled and rejected windows are listed without findings.',
    ]
    return buildComplianceReport({
      from: q.from,
      to: q.to,
      party: q.party ?? null,
      programme: q.programme ?? null,
      asOf,
      generatedAt,
      zone: REPORT_ZONE,
      windows,
      waivers: inEffect.filter((w) => ids.has(w.windowId)).map(toReportWaiver),
      remediated,
      gbMonths: assessed.months,
      parties: q.party ? [q.party] : parties.filter((p) => windows.some((x) => x.window.party === p)),
      rulesets,
      calendars: ctx.calendars,
      publications,
      engineProvenance: assessed.provenance as never,
      referenceData: { estate: ref.estate.versionId, topUpProfile: ref.profile.versionId, thresholds: ref.thresholds.versionId },
      tzdbVersion: deps.tzdbVersion,
      auditHead: head,
      notes,
      notices,
    })
  }

  return {
    complianceReport: async (q: ComplianceReportQuery): Promise<ComplianceReport> => (await produce(q)).report,
    renderedReport,
    /** Reports being produced that a request may still join, and how many requests joined one so far. */
    sharing: () => ({ producing: producing.size, joined: producing.joined }),
  }
}

/** A report being produced and its renderings so far, by renderer. */
interface ProducedReport {
  report: ComplianceReport
  renderings: Map<(report: ComplianceReport) => unknown, unknown>
}

/** A waiver is in effect at `at` when decided by then, not lapsed by then (asOf) or not lapsed at all (now), and not expired. */
function inEffectAt(w: StoredWaiver, at: Date, asOf: boolean): boolean {
  if (w.decidedAt.getTime() > at.getTime()) return false
  if (w.expiresAt && w.expiresAt.getTime() <= at.getTime()) return false
  if (!w.lapsedAt) return true
  return asOf && w.lapsedAt.getTime() > at.getTime()
}

function toReportWaiver(w: StoredWaiver): ReportWaiver {
  return {
    id: w.id,
    windowId: w.windowId,
    findingKey: w.findingKey,
    code: w.code,
    approvedBy: w.approvedBy,
    decisionRef: w.decisionRef,
    decidedAt: w.decidedAt,
    reason: w.reason,
    expiresAt: w.expiresAt,
    lapsedAt: w.lapsedAt,
  }
}

/**
 * Breaches and objections of earlier stored assessments (business time ≤ asOf) that the window no
 * longer has, each as last seen. Reads the keys of every stored assessment, then the findings of only
 * those assessments where a gone key was last seen (usually none).
 *
 * Remediated means it happened: a gone finding counts only when the assessment that last held it was
 * of a window version already put forward: notified or later for NOTICE_PERIOD (a notice judged
 * before the schedule was published, "as if notified now", is not a notice that was missed), proposed
 * or later for the other codes. Anything else is `resolved-before-notice`: listed, never counted.
 */
async function remediatedFindings(
  db: Db,
  windowIds: readonly string[],
  asOf: Date | null,
  windows: readonly ReportWindowInput[],
): Promise<RemediatedFinding[]> {
  const current = new Map(windows.map((x) => [x.window.id, new Set(x.findings.map((f) => f.key))]))
  // Oldest first: the last assessment holding a gone key is where it was last seen.
  const lastSeenIn = new Map<string, string>()
  const statusOf = new Map<string, WindowStatus>()
  for (const s of await reportsRepository.storedSeriousKeys(db, windowIds, asOf)) {
    const now = current.get(s.windowId)
    if (!now) continue
    statusOf.set(s.assessmentId, s.windowStatus)
    for (const key of s.keys) if (!now.has(key)) lastSeenIn.set(key, s.assessmentId)
  }
  if (lastSeenIn.size === 0) return []
  const out: RemediatedFinding[] = []
  for (const f of await reportsRepository.storedSeriousFindings(db, [...new Set(lastSeenIn.values())]))
    if (lastSeenIn.get(f.key) === f.assessmentId) {
      lastSeenIn.delete(f.key)
      const status = statusOf.get(f.assessmentId) ?? 'draft'
      out.push({
        key: f.key,
        code: f.code,
        severity: f.severity,
        certainty: findingCertainty({ certainty: f.certainty ?? undefined, rule: { provenance: f.provenance } }),
        kind: (f.code === 'NOTICE_PERIOD' ? NOTIFIED_OR_LATER : PROPOSED_OR_LATER).has(status) ? 'remediated' : 'resolved-before-notice',
        windowId: f.windowId,
        reference: f.reference,
        message: f.message,
        lastSeenAt: f.effectiveAt,
      })
    }
  return out
}

const NOTIFIED_OR_LATER: ReadonlySet<WindowStatus> = new Set<WindowStatus>(['notified', 'agreed', 'in-progress', 'completed'])
const PROPOSED_OR_LATER: ReadonlySet<WindowStatus> = new Set<WindowStatus>(['proposed', ...NOTIFIED_OR_LATER])

export type ReportsService = ReturnType<typeof createReportsService>
