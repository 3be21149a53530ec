import type { ChangeNotifications } from '../db/change-notifications.ts'
import type { Db, DbOrTx } from '../db/database.ts'
import { type ReferenceDataKind, type ReferenceDataVersion, referenceDataRepository } from '../db/repositories/reference-data-repository.ts'
import { windowsRepository } from '../db/repositories/windows-repository.ts'
import {
  type ActualsComparison,
  type AvailabilityWindow,
  availabilityBasis,
  availabilityByMonth,
  compareActuals,
  DEFAULT_ESTATE,
  DEFAULT_IMPACT_THRESHOLDS,
  DEFAULT_TOP_UP_PROFILE,
  type Estate,
  type ImpactContext,
  type ImpactThresholds,
  type IsPreHoliday,
  type OverlapReport,
  type PartyMonthAvailability,
  type Problem,
  type TopUpProfile,
  validateEstate,
  validateTopUpProfile,
  type WindowImpact,
} from '../domain/impact/index.ts'
import { parseMonthKey } from '../domain/time.ts'
import { type Finding, noticeState } from '../domain/findings.ts'
import { LONDON_ZONE } from '../domain/time.ts'
import { complianceRepository } from '../db/repositories/compliance-repository.ts'
import { type Actor, actsFor } from '../domain/lifecycle.ts'
import type { MaintenanceWindow, WindowPlan, WindowStatus } from '../domain/window.ts'
import { appendAudit } from './audit-service.ts'
import type { Clock } from './clock.ts'
import { AppError, bodyField, type FieldProblem, forbidden, invalid, notFound } from './errors.ts'
import type { ReferenceData, ReferenceService } from './reference-service.ts'
import { ChangeAwareCache } from './change-aware-cache.ts'
import { inTransaction } from './transactions.ts'
import { planImpact } from './grouped-assessment.ts'
import { overrunFinding, type OverrunFindingData } from './overrun-finding.ts'
import type { WindowsService } from './windows-service.ts'

/** Zone of the customers and of the Performance Measurement Period. */
export const IMPACT_ZONE = LONDON_ZONE

/** Statuses whose windows are agreed Planned Maintenance for availability (excluded from downtime). */
const AGREED: readonly WindowStatus[] = ['agreed', 'in-progress', 'completed']
/** Statuses that will or may happen but are not agreed (counted as unscheduled downtime if they run). */
const NOT_AGREED: readonly WindowStatus[] = ['proposed', 'notified']
/** Only these statuses carry actuals. */
const RUNNABLE: readonly WindowStatus[] = ['agreed', 'in-progress', 'completed']

const DAY_MS = 86_400_000
const RECORDED_ACTUALS = 'recorded through POST /v1/windows/{id}/actuals'

/**
 * One version of a reference-data bundle, with what every number computed from it quotes.
 * Version 1 is the built-in default (domain.md, labelled per figure) until an admin stores one.
 */
export interface Versioned<T> {
  kind: ReferenceDataKind
  version: number
  /** Quoted by every computed figure (`referenceDataVersion`). */
  versionId: string
  source: 'default' | 'stored'
  createdBy: string | null
  recordedAt: Date | null
  data: T
}

export interface ImpactReferenceData {
  estate: Versioned<Estate>
  profile: Versioned<TopUpProfile>
  thresholds: Versioned<ImpactThresholds>
}

/** What `impactFor` answers: impacts in the order of the windows given, plus overlaps. */
export interface ImpactAssessment {
  impacts: WindowImpact[]
  overlaps: OverlapReport
  /** The thresholds in force, for ragRating(findings, impact, thresholds). */
  thresholds: ImpactThresholds
  reference: {
    estate: { version: number; versionId: string }
    topUpProfile: { version: number; versionId: string }
    thresholds: { version: number; versionId: string }
  }
  /** The context the figures were computed in, for callers that assess more windows with it. */
  context: ImpactContext
}

export interface ActualsInput {
  /** null: the window has not started (the answer says whether it now never will). */
  actualStart: Date | null
  /** Omitted or null: the work is still running. */
  actualEnd?: Date | null | undefined
  /** Required when an actual time is far (> 12 h) from the plan. */
  reason?: string | null | undefined
}

export type { OverrunFindingData } from './overrun-finding.ts'

export interface ActualsResult {
  window: MaintenanceWindow
  actuals: Omit<ActualsComparison, 'problems'>
  overrun: OverrunFindingData | null
}

export interface AvailabilityQuery {
  month: string
  party?: string | undefined
}

export interface AvailabilityResult {
  month: string
  zone: string
  monthMinutes: number
  thresholdPercent: number
  thresholdsVersionId: string
  rows: PartyMonthAvailability[]
  problems: Problem[]
}

type Schema = 'estate' | 'top-up-profile'

function defaults(): ImpactReferenceData {
  const d = <T>(kind: ReferenceDataKind, data: T, versionId: string): Versioned<T> => ({
    kind,
    version: 1,
    versionId,
    source: 'default',
    createdBy: null,
    recordedAt: null,
    data,
  })
  return {
    estate: d('estate', DEFAULT_ESTATE, DEFAULT_ESTATE.version),
    profile: d('top-up-profile', DEFAULT_TOP_UP_PROFILE, DEFAULT_TOP_UP_PROFILE.version),
    thresholds: d('impact-thresholds', DEFAULT_IMPACT_THRESHOLDS, 'impact-thresholds-default'),
  }
}

const versionIdOf = (kind: ReferenceDataKind, version: number) => `${kind}-v${version}`

function fromStored<T>(row: ReferenceDataVersion): Versioned<T> {
  return {
    kind: row.kind,
    version: row.version,
    versionId: versionIdOf(row.kind, row.version),
    source: 'stored',
    createdBy: row.createdBy,
    recordedAt: row.recordedAt,
    data: row.body as T,
  }
}

const toFieldProblems = (problems: readonly Problem[], prefix = ''): FieldProblem[] =>
  problems.map((p) => bodyField(`${prefix}${p.pointer}`, p.message))

/**
 * Impact assessment use cases: versioned reference data (estate, top-up profile, thresholds), the impact
 * of windows (for the compliance service), planned vs actual, and the month view of availability.
 *
 * @example
 * const impact = createImpactService({ db, clock, windows, reference })
 * const { impacts, overlaps } = await impact.impactFor(trx, plans, { isPreHoliday: () => false })
 */
export function createImpactService(deps: {
  db: Db
  clock: Clock
  windows: Pick<WindowsService, 'save' | 'assessed'>
  reference: Pick<ReferenceService, 'all'>
  changes?: ChangeNotifications
}) {
  const { db, clock } = deps
  const inForce = new ChangeAwareCache<'current', ImpactReferenceData>(deps.changes, ['reference_data'])

  /** The versions in force. Inside a transaction pass it: the embedded database has one connection. */
  function current(trx: DbOrTx = db): Promise<ImpactReferenceData> {
    return inForce.get('current', () => readCurrent(trx))
  }

  async function readCurrent(trx: DbOrTx): Promise<ImpactReferenceData> {
    const base = defaults()
    const estate = await referenceDataRepository.latest(trx, 'estate')
    const profile = await referenceDataRepository.latest(trx, 'top-up-profile')
    const thresholds = await referenceDataRepository.latest(trx, 'impact-thresholds')
    return {
      estate: estate ? fromStored<Estate>(estate) : base.estate,
      profile: profile ? fromStored<TopUpProfile>(profile) : base.profile,
      thresholds: thresholds ? fromStored<ImpactThresholds>(thresholds) : base.thresholds,
    }
  }

  /**
   * Validates and stores a new version of `kind`; 400 naming every bad field, and nothing written (the
   * previous version stays in force). The server assigns the version id.
   */
  async function put<T>(kind: Schema, body: Record<string, unknown>, actor: Actor): Promise<Versioned<T>> {
    if (actor.role !== 'admin') throw forbidden('Only an admin changes reference data.')
    const validate = kind === 'estate' ? validateEstate : validateTopUpProfile
    // The version is assigned below; validate the figures with a placeholder.
    const problems = toFieldProblems(validate({ ...body, version: `${kind}-pending` }))
    if (kind === 'estate') {
      const known = new Set((await deps.reference.all(db)).regions.map((r) => r.id))
      const regions = body.regions
      if (regions && typeof regions === 'object')
        for (const id of Object.keys(regions))
          if (!known.has(id))
            problems.push(
              bodyField(
                `/regions/${id.replaceAll('~', '~0').replaceAll('/', '~1')}`,
                `unknown region "${id}"; known: ${[...known].join(', ')}`,
              ),
            )
    }
    if (problems.length) throw invalid(problems)
    try {
      return await inTransaction(db, undefined, async (trx) => {
        const latest = await referenceDataRepository.latest(trx, kind)
        const previous = latest?.version ?? 1
        const stored = await referenceDataRepository.insert(trx, {
          kind,
          previous,
          body: { ...body, version: versionIdOf(kind, previous + 1) },
          createdBy: actor.keyId,
          at: clock.now(),
        })
        const versioned = fromStored<T>(stored)
        await appendAudit(trx, clock, {
          actor,
          action: `reference.${kind === 'estate' ? 'estate' : 'top-up-profile'}-versioned`,
          entityType: 'reference-data',
          entityId: versioned.versionId,
          payload: { kind, version: versioned.version, previous, body: versioned.data },
        })
        return versioned
      })
    } catch (err) {
      if ((err as { code?: string }).code === '23505')
        throw new AppError(
          'conflict',
          409,
          'Reference data changed',
          `Another ${kind} version was stored at the same moment; read it and try again.`,
        )
      throw err
    }
  }

  // The last context built: the same inputs (cached objects) give the same object, so the domain's
  // preparation of it (memoised by identity) is done once, not per request.
  let last: { ref: ImpactReferenceData; catalogue: unknown; isPreHoliday: IsPreHoliday; ctx: ImpactContext } | undefined

  async function context(trx: DbOrTx, isPreHoliday: IsPreHoliday): Promise<{ ctx: ImpactContext; ref: ImpactReferenceData }> {
    const ref = await current(trx)
    const catalogue = await deps.reference.all(trx)
    if (last && last.ref === ref && last.catalogue === catalogue && last.isPreHoliday === isPreHoliday) return { ref, ctx: last.ctx }
    const built = build(ref, catalogue, isPreHoliday)
    last = { ref, catalogue, isPreHoliday, ctx: built.ctx }
    return built
  }

  function build(
    ref: ImpactReferenceData,
    catalogue: ReferenceData,
    isPreHoliday: IsPreHoliday,
  ): { ctx: ImpactContext; ref: ImpactReferenceData } {
    return {
      ref,
      ctx: {
        estate: ref.estate.data,
        profile: ref.profile.data,
        thresholds: ref.thresholds.data,
        parties: catalogue.parties,
        regions: catalogue.regions,
        services: catalogue.services,
        zone: IMPACT_ZONE,
        isPreHoliday,
      },
    }
  }

  /**
   * Impact of each window (same order) and the overlaps between them, from the reference data in force.
   * Reads only through `trx`; computes in the domain (no writes).
   */
  async function impactFor(trx: DbOrTx, windows: readonly WindowPlan[], opts: { isPreHoliday: IsPreHoliday }): Promise<ImpactAssessment> {
    const { ctx, ref } = await context(trx, opts.isPreHoliday)
    const { impacts, overlaps } = planImpact(windows, ctx)
    const v = (b: Versioned<unknown>) => ({ version: b.version, versionId: b.versionId })
    return {
      impacts,
      overlaps,
      thresholds: ref.thresholds.data,
      reference: { estate: v(ref.estate), topUpProfile: v(ref.profile), thresholds: v(ref.thresholds) },
      context: ctx,
    }
  }

  /**
   * Records the actual start (and end) of a window: agreed → in-progress on a start, → completed on an
   * end. An early start or an overrun comes back as OVERRUN finding data (Incident record required).
   */
  async function recordActuals(id: string, input: ActualsInput, actor: Actor): Promise<ActualsResult> {
    return inTransaction(db, undefined, async (trx) => {
      const before = await windowsRepository.findById(trx, id)
      if (!before) throw notFound('Window', id)
      if (!actsFor(actor, before.party))
        throw forbidden(`Only a submitter for ${before.party} or an admin records the actuals of its windows.`)
      if (!RUNNABLE.includes(before.status))
        throw new AppError(
          'conflict',
          409,
          'Window cannot have actuals',
          `A ${before.status} window has no actual times: only an agreed window starts (then in-progress, completed).`,
        )
      const actualEnd = input.actualEnd ?? null
      const fields: FieldProblem[] = []
      if (input.actualStart === null && before.actualStart)
        fields.push(
          bodyField(
            '/actualStart',
            `an actual start (${before.actualStart.toISOString()}) is recorded; send it (or a correction), it cannot be removed`,
          ),
        )
      if (actualEnd === null && before.status === 'completed')
        fields.push(bodyField('/actualEnd', 'the window is completed; its actual end cannot be removed'))
      if (fields.length) throw invalid(fields)
      const now = clock.now()
      const cmp = compareActuals(
        { plannedStart: before.start, plannedEnd: before.end, actualStart: input.actualStart, actualEnd, reason: input.reason ?? null },
        { now },
      )
      if (cmp.problems.length) throw invalid(toFieldProblems(cmp.problems))
      let status = before.status
      if (input.actualStart && status === 'agreed') status = 'in-progress'
      if (actualEnd && status === 'in-progress') status = 'completed'
      const after: MaintenanceWindow = { ...before, actualStart: input.actualStart, actualEnd, status }
      const saved = await deps.windows.save(trx, before, after, 'actuals', actor, input.reason?.trim() || null)
      // Store the assessment again: it now carries the OVERRUN finding (see the impact attacher).
      const [stored] = await deps.windows.assessed(trx, [saved])
      const { problems: _none, ...actuals } = cmp
      const overrun = overrunFinding(saved, cmp)
      // The severity the stored assessment gave it: the ruleset may override OVERRUN's.
      const judged = (stored?.assessment as { findings?: Finding[] } | undefined)?.findings?.find((f) => f.key === overrun?.key)
      return { window: stored!, actuals, overrun: overrun && judged ? { ...overrun, severity: judged.severity } : overrun }
    })
  }

  /** Availability per party for one local month: planned minutes agreed and not, overruns, percentage. */
  async function availability(q: AvailabilityQuery): Promise<AvailabilityResult> {
    const span = parseMonthKey(q.month, IMPACT_ZONE)
    if (!span) throw invalid([{ pointer: '/month', in: 'query', message: 'expected YYYY-MM with a month 01–12' }])
    const catalogue = await deps.reference.all(db)
    const parties = catalogue.parties.map((p) => p.id)
    if (q.party !== undefined && !parties.includes(q.party))
      throw invalid([{ pointer: '/party', in: 'query', message: `unknown party "${q.party}"; known: ${parties.join(', ')}` }])
    const ref = await current(db)
    // Windows planned up to a month either side can still reach this month through early starts or overruns.
    const stored = await windowsRepository.list(db, {
      from: new Date(span.start - 31 * DAY_MS),
      to: new Date(span.end + 31 * DAY_MS),
      ...(q.party ? { parties: [q.party] } : {}),
      statuses: [...AGREED, ...NOT_AGREED],
      limit: 1_000_000,
    })
    // Agreed Planned Maintenance only when agreed with its notice met or waived (R6): the notice is
    // read from each agreed window's latest stored assessment (a waiver stores a new one).
    const findings = await complianceRepository.latestFindings(
      db,
      stored.filter((w) => AGREED.includes(w.status)).map((w) => w.id),
    )
    const windows: AvailabilityWindow[] = stored.map((w) => ({
      id: w.id,
      party: w.party,
      impact: w.impact,
      start: w.start,
      end: w.end,
      agreed:
        AGREED.includes(w.status) &&
        availabilityBasis({ kind: w.kind, status: w.status, notice: noticeState(findings.get(w.id) ?? []) }).basis ===
          'agreed-planned-maintenance',
      actualStart: w.actualStart,
      actualEnd: w.actualEnd,
      // Stored actuals were checked when recorded, with the reason then given (kept in the window's
      // history, not on the row): say so, so that far-from-plan actuals are not refused again here.
      reason: w.actualStart ? RECORDED_ACTUALS : null,
    }))
    const threshold = ref.thresholds.data.availabilityAlertBelowPercent
    const view = availabilityByMonth(windows, {
      zone: IMPACT_ZONE,
      now: clock.now(),
      thresholdPercent: threshold,
      month: q.month,
      ...(q.party ? { party: q.party } : {}),
    })
    const rows = [...view.rows]
    // Every party has a month: one without windows stands at 100 %.
    if (q.party === undefined)
      for (const party of parties)
        if (!rows.some((r) => r.party === party))
          rows.push({
            party,
            month: span.key,
            monthMinutes: span.minutes,
            plannedAgreedMinutes: 0,
            plannedNotAgreedMinutes: 0,
            overrunMinutes: 0,
            unscheduledMinutes: 0,
            availabilityPercent: 100,
            thresholdPercent: threshold,
            belowThreshold: 100 < threshold,
            windowIds: [],
          })
    rows.sort((a, b) => (a.party < b.party ? -1 : a.party > b.party ? 1 : 0))
    return {
      month: span.key,
      zone: IMPACT_ZONE,
      monthMinutes: span.minutes,
      thresholdPercent: threshold,
      thresholdsVersionId: ref.thresholds.versionId,
      rows,
      problems: view.problems,
    }
  }

  return {
    current,
    putEstate: (body: Record<string, unknown>, actor: Actor) => put<Estate>('estate', body, actor),
    putTopUpProfile: (body: Record<string, unknown>, actor: Actor) => put<TopUpProfile>('top-up-profile', body, actor),
    /** Every stored version of a kind, oldest first (the built-in default, version 1, is not stored). */
    versions: (kind: ReferenceDataKind, trx: DbOrTx = db) => referenceDataRepository.list(trx, kind),
    impactFor,
    recordActuals,
    availability,
  }
}

export type ImpactService = ReturnType<typeof createImpactService>
