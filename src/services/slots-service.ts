import { Duration } from 'luxon'
import type { Db, DbOrTx } from '../db/database.ts'
import { complianceRepository } from '../db/repositories/compliance-repository.ts'
import { windowsRepository } from '../db/repositories/windows-repository.ts'
import type { FindingCode } from '../domain/findings.ts'
import { type Actor, actsFor } from '../domain/lifecycle.ts'
import { type ReplanResult, replan, type SlotContext, type SlotsResult } from '../domain/slots.ts'
import type { MaintenanceWindow } from '../domain/window.ts'
import { appendAudit } from './audit-service.ts'
import type { Clock } from './clock.ts'
import type { ComplianceService } from './compliance-service.ts'
import { AppError, forbidden, invalid, notFound } from './errors.ts'
import { preHolidayOf } from './impact-attacher.ts'
import type { ImpactService } from './impact-service.ts'
import type { ReferenceService } from './reference-service.ts'
import { checkSlotRange, type SlotAnswerExtras, type SlotQuery, searchSlots, slotRegions } from './slot-search.ts'
import { inTransaction } from './transactions.ts'
import type { WindowsService } from './windows-service.ts'

const DAY_MS = 86_400_000
/** The stored plan is read this far around a search range (the cap month and the spacing horizon). */
const MARGIN_MS = 40 * DAY_MS
/** Re-planning searches up to three years after publication unless told otherwise. */
const DEFAULT_HORIZON_MS = 3 * 365 * DAY_MS + DAY_MS

export type { SlotQuery } from './slot-search.ts'

export interface ReplanBody {
  publishedAt: Date
  until?: Date | undefined
}

/**
 * Compliant slots and programme re-planning: reads the rules, calendars, blackouts, stored plan and
 * impact reference data in one short read transaction, then searches in the pure domain.
 * Applying a re-plan edits the windows with history in one transaction, guarded by the programme's
 * version (If-Match).
 *
 * @example await slots.find({ durationMinutes: 360, from, to, party: 'DSP', count: 5, tolerate: 'warning' })
 */
export function createSlotsService(deps: {
  db: Db
  clock: Clock
  compliance: ComplianceService
  impact: ImpactService
  reference: ReferenceService
  windows: WindowsService
  maxWindowHours: number
}) {
  const { db, clock, compliance } = deps

  /** Everything the domain needs, read through `trx` only. */
  async function contextFor(trx: DbOrTx, at: Date, from: Date, to: Date, excludeIds: readonly string[]): Promise<SlotContext> {
    const ctx = await compliance.loadContext(trx)
    const ruleset = compliance.rulesetFor(ctx, at)
    const background = await complianceRepository.planBetween(
      trx,
      new Date(from.getTime() - MARGIN_MS),
      new Date(to.getTime() + MARGIN_MS),
      excludeIds,
    )
    const impact = (await deps.impact.impactFor(trx, [], { isPreHoliday: preHolidayOf(ctx.calendars, ctx.regions) })).context
    return {
      now: clock.now(),
      ruleset,
      calendars: ctx.calendars,
      blackouts: compliance.blackoutsFor(ctx, ruleset),
      regions: ctx.regions,
      background,
      impact,
      tzdbVersion: process.versions.tz ?? 'unknown',
    }
  }

  async function loadProgramme(trx: DbOrTx, id: string) {
    const p = await trx.selectFrom('programmes').selectAll().where('id', '=', id).executeTakeFirst()
    if (!p) throw notFound('Programme', id)
    return p
  }

  function replanIn(windows: readonly MaintenanceWindow[], body: ReplanBody, ctx: SlotContext): ReplanResult {
    const until = body.until ?? new Date(body.publishedAt.getTime() + DEFAULT_HORIZON_MS)
    return replan(windows, { publishedAt: body.publishedAt, until }, ctx)
  }

  async function readForReplan(trx: DbOrTx, id: string, body: ReplanBody, actor: Actor) {
    const programme = await loadProgramme(trx, id)
    if (!actsFor(actor, programme.party)) throw forbidden(`This key may not re-plan programmes of ${programme.party}.`)
    const until = body.until ?? new Date(body.publishedAt.getTime() + DEFAULT_HORIZON_MS)
    if (until.getTime() <= body.publishedAt.getTime())
      throw invalid([{ pointer: '/until', in: 'body', message: 'until must be after publishedAt' }])
    if (until.getTime() - body.publishedAt.getTime() > 5 * 366 * DAY_MS)
      throw invalid([{ pointer: '/until', in: 'body', message: 'at most five years after publishedAt' }])
    const windows = await windowsRepository.list(trx, { programmeId: id, limit: 1000 })
    const live = windows.filter((w) => !['rejected', 'cancelled', 'completed', 'in-progress'].includes(w.status))
    const from = live.reduce((m, w) => Math.min(m, w.start.getTime()), body.publishedAt.getTime())
    const ctx = await contextFor(
      trx,
      body.publishedAt,
      new Date(from),
      until,
      windows.map((w) => w.id),
    )
    return { programme, windows: live, ctx }
  }

  return {
    async find(q: SlotQuery): Promise<SlotsResult & SlotAnswerExtras> {
      checkSlotRange(q, deps.maxWindowHours)
      const { ctx, regions } = await inTransaction(db, undefined, async (trx) => {
        const regions = slotRegions(q, await deps.reference.all(trx))
        return { ctx: await contextFor(trx, q.from, q.from, q.to, []), regions }
      })
      return searchSlots(q, regions, ctx)
    },

    /** A proposed schedule for the programme; nothing is stored. */
    async replan(id: string, body: ReplanBody, actor: Actor): Promise<ReplanResult & { programme: { id: string; version: number } }> {
      const { programme, windows, ctx } = await inTransaction(db, undefined, (trx) => readForReplan(trx, id, body, actor))
      return { ...replanIn(windows, body, ctx), programme: { id: programme.id, version: programme.version } }
    },

    /**
     * Re-plans and applies in one transaction when the programme is still at `ifMatchVersion`: every
     * moved window gets a new version (with history); a notified or agreed window goes back to proposed.
     */
    async apply(id: string, body: ReplanBody, ifMatchVersion: number, actor: Actor) {
      return inTransaction(db, undefined, async (trx) => {
        // Row locks first, the audit lock (taken by the first save) last: a concurrent edit of one of
        // these windows, which takes its row and then the audit lock, can then never deadlock with us.
        await trx.selectFrom('windows').select('id').where('programme_id', '=', id).orderBy('id').forUpdate().execute()
        const { programme, windows, ctx } = await readForReplan(trx, id, body, actor)
        if (programme.version !== ifMatchVersion)
          throw new AppError(
            'stale-version',
            412,
            'The programme has changed',
            `Programme ${id} is at version ${programme.version}; re-plan again and apply with its ETag.`,
          )
        const plan = replanIn(windows, body, ctx)
        if (!plan.fits)
          throw new AppError(
            'replan-does-not-fit',
            409,
            'No compliant schedule',
            `No schedule fits before ${plan.until.toISOString()}${plan.waiversNeeded.length ? `; it would need waivers for ${plan.waiversNeeded.join(', ')}` : ''}.`,
            {
              waiversNeeded: plan.waiversNeeded as FindingCode[],
            },
          )
        const byId = new Map(windows.map((w) => [w.id, w]))
        const changed: MaintenanceWindow[] = []
        for (const e of plan.entries) {
          const before = e.windowId ? byId.get(e.windowId) : undefined
          if (!before || !e.new || e.kept) continue
          if (e.new.start.getTime() === before.start.getTime() && e.new.end.getTime() === before.end.getTime()) continue
          const published = before.status === 'notified' || before.status === 'agreed'
          const after: MaintenanceWindow = {
            ...before,
            start: e.new.start,
            end: e.new.end,
            ...(published ? { status: 'proposed', notifiedAt: null } : {}),
          }
          changed.push(
            await deps.windows.save(
              trx,
              before,
              after,
              'replanned',
              actor,
              `re-planned from a publication on ${body.publishedAt.toISOString()}`,
            ),
          )
        }
        const bumped = await trx
          .updateTable('programmes')
          .set({ version: programme.version + 1, updated_at: clock.now(), recorded_at: clock.now() })
          .where('id', '=', id)
          .where('version', '=', programme.version)
          .returning(['version'])
          .executeTakeFirst()
        if (!bumped)
          throw new AppError('stale-version', 412, 'The programme has changed', `Programme ${id} changed while re-planning; try again.`)
        await appendAudit(trx, clock, {
          actor,
          action: 'programme.replanned',
          entityType: 'programme',
          entityId: id,
          payload: {
            version: bumped.version,
            publishedAt: body.publishedAt,
            moved: changed.map((w) => ({ windowId: w.id, reference: w.reference, start: w.start, end: w.end, status: w.status })),
          },
        })
        const assessed = await deps.windows.assessed(trx, changed)
        return { programme: { id, version: bumped.version }, plan, windows: assessed }
      })
    },
  }
}

export type SlotsService = ReturnType<typeof createSlotsService>

/** Minutes of an ISO 8601 duration; problem+json (invalid) when it is not one. @example durationMinutes('PT6H') // 360 */
export function durationMinutes(text: string): number {
  const d = Duration.fromISO(text)
  if (!d.isValid) throw invalid([{ pointer: '/duration', in: 'query', message: "must be an ISO 8601 duration such as 'PT6H'" }])
  return d.as('minutes')
}
