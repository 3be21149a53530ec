import { type Selectable, sql } from 'kysely'
import type { BlackoutLayer, CalendarOverride, Compliance, Finding, Ruleset, Waiver } from '../../domain/index.ts'
import type { WindowPlan } from '../../domain/window.ts'
import type { DbOrTx } from '../database.ts'
import type { SchedulePublicationsTable } from '../schema.ts'
import { PLAN_COLUMNS, planOfRow } from './windows-repository.ts'

export interface StoredRuleset {
  ruleset: Ruleset
  createdBy: string | null
  effectiveAt: Date
  recordedAt: Date
}

export interface StoredOverride extends CalendarOverride {
  id: string
  createdBy: string | null
  effectiveAt: Date
  recordedAt: Date
}

/** A waiver as stored: the domain's decision (finding key, approver, reference, reason, dates) and its record. */
export interface StoredWaiver extends Waiver {
  id: string
  windowId: string
  code: string
  expiresAt: Date | null
  createdBy: string
  recordedAt: Date
  lapsedAt: Date | null
  lapsedReason: string | null
}

/** What is stored for one window's assessment: its findings and impact, with provenance. */
export interface StoredAssessment {
  id: string
  windowId: string
  windowVersion: number
  rulesetId: string
  rulesetVersion: string
  /**
   * As stored. Assessments stored before certainty existed have findings without `certainty` and
   * rules without `basis`, and no `compliance`: readers fill them in (compliance-service fromStored).
   */
  result: {
    reference: string
    findings: Finding[]
    worstSeverity: string | null
    compliance?: Compliance
    realMinutes: number
    months: unknown[]
    impact?: unknown
  }
  provenance: Record<string, unknown>
  effectiveAt: Date
  recordedAt: Date
}

export interface Publication {
  id: string
  month: string
  publishedAt: Date
  publishedBy: string
  parties: string[]
  windowIds: string[]
  snapshot: unknown
  recordedAt: Date
}

const waiverOf = (r: {
  id: string
  finding_key: string
  window_id: string
  code: string
  approved_by: 'sec-panel' | 'opsg-delegated'
  decision_ref: string
  decided_at: Date
  reason: string
  expires_at: Date | null
  created_by: string
  recorded_at: Date
  lapsed_at: Date | null
  lapsed_reason: string | null
}): StoredWaiver => ({
  id: r.id,
  findingKey: r.finding_key,
  windowId: r.window_id,
  code: r.code,
  approvedBy: r.approved_by,
  decisionRef: r.decision_ref,
  decidedAt: r.decided_at,
  reason: r.reason,
  expiresAt: r.expires_at,
  createdBy: r.created_by,
  recordedAt: r.recorded_at,
  lapsedAt: r.lapsed_at,
  lapsedReason: r.lapsed_reason,
})

const publicationOf = (r: Selectable<SchedulePublicationsTable>): Publication => ({
  id: r.id,
  month: r.month,
  publishedAt: r.published_at,
  publishedBy: r.published_by,
  parties: r.parties,
  windowIds: r.window_ids,
  snapshot: r.snapshot,
  recordedAt: r.recorded_at,
})

/**
 * A blackout layer as JSON (API body or stored row) → the domain's layer, whose explicit periods
 * are Date instants. Strings that are not instants stay as they are, for the validator to name.
 */
export function layerFromJson(x: unknown): unknown {
  if (!x || typeof x !== 'object' || !Array.isArray((x as { periods?: unknown }).periods)) return x
  const toDate = (v: unknown) =>
    typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)) ? new Date(v) : v
  return {
    ...(x as object),
    periods: (x as { periods: unknown[] }).periods.map((p) =>
      p && typeof p === 'object' ? { ...p, start: toDate((p as { start?: unknown }).start), end: toDate((p as { end?: unknown }).end) } : p,
    ),
  }
}

/** All SQL about rulesets, calendar overrides, blackout layers, assessments, waivers and publications. */
export const complianceRepository = {
  async rulesets(db: DbOrTx): Promise<StoredRuleset[]> {
    // Recorded order within an effective date: rulesetInForce lets the later of a tie win.
    const rows = await db.selectFrom('rulesets').selectAll().orderBy('id').orderBy('effective_from').orderBy('recorded_at').execute()
    return rows.map((r) => ({
      ruleset: r.body as Ruleset,
      createdBy: r.created_by,
      effectiveAt: r.effective_at,
      recordedAt: r.recorded_at,
    }))
  },
  async insertRuleset(db: DbOrTx, r: Ruleset, by: string | null, effectiveAt: Date, recordedAt: Date): Promise<void> {
    await db
      .insertInto('rulesets')
      .values({
        id: r.id,
        version: r.version,
        effective_from: r.effectiveFrom,
        body: JSON.stringify(r),
        created_by: by,
        effective_at: effectiveAt,
        recorded_at: recordedAt,
      })
      .execute()
  },

  async overrides(db: DbOrTx): Promise<StoredOverride[]> {
    const rows = await db.selectFrom('calendar_overrides').selectAll().orderBy('recorded_at').orderBy('id').execute()
    return rows.map((r) => ({
      id: r.id,
      calendar: r.calendar as CalendarOverride['calendar'],
      date: r.date,
      action: r.action,
      ...(r.name ? { name: r.name } : {}),
      reason: r.reason,
      createdBy: r.created_by,
      effectiveAt: r.effective_at,
      recordedAt: r.recorded_at,
    }))
  },
  async insertOverride(db: DbOrTx, o: CalendarOverride, by: string | null, at: Date): Promise<string> {
    const row = await db
      .insertInto('calendar_overrides')
      .values({
        calendar: o.calendar,
        date: o.date,
        action: o.action,
        name: o.name ?? null,
        reason: o.reason,
        created_by: by,
        effective_at: at,
        recorded_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return row.id
  },

  async blackouts(db: DbOrTx): Promise<(BlackoutLayer & { storedVersion: number })[]> {
    const rows = await db.selectFrom('blackout_layers').selectAll().orderBy('id').execute()
    return rows.map((r) => ({ ...(layerFromJson(r.body) as BlackoutLayer), storedVersion: r.version }))
  },
  async insertBlackout(db: DbOrTx, layer: BlackoutLayer, by: string | null, at: Date): Promise<void> {
    await db
      .insertInto('blackout_layers')
      .values({ id: layer.id, body: JSON.stringify(layer), created_by: by, effective_at: at, recorded_at: at, created_at: at })
      .execute()
  },
  async updateBlackout(db: DbOrTx, layer: BlackoutLayer, expectedVersion: number, at: Date): Promise<boolean> {
    const r = await db
      .updateTable('blackout_layers')
      .set((eb) => ({ body: JSON.stringify(layer), version: eb('version', '+', 1), effective_at: at, recorded_at: at }))
      .where('id', '=', layer.id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst()
    return r.numUpdatedRows > 0n
  },

  async insertAssessment(db: DbOrTx, a: Omit<StoredAssessment, 'id'>): Promise<void> {
    await db
      .insertInto('assessments')
      .values({
        window_id: a.windowId,
        window_version: a.windowVersion,
        ruleset_id: a.rulesetId,
        ruleset_version: a.rulesetVersion,
        result: JSON.stringify(a.result),
        provenance: JSON.stringify(a.provenance),
        effective_at: a.effectiveAt,
        recorded_at: a.recordedAt,
      })
      .execute()
  },
  async latestAssessment(db: DbOrTx, windowId: string): Promise<StoredAssessment | undefined> {
    const r = await db
      .selectFrom('assessments')
      .selectAll()
      .where('window_id', '=', windowId)
      .orderBy('recorded_at', 'desc')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst()
    return (
      r && {
        id: r.id,
        windowId: r.window_id,
        windowVersion: r.window_version,
        rulesetId: r.ruleset_id,
        rulesetVersion: r.ruleset_version,
        result: r.result as StoredAssessment['result'],
        provenance: r.provenance as Record<string, unknown>,
        effectiveAt: r.effective_at,
        recordedAt: r.recorded_at,
      }
    )
  },

  /** The findings of each window's latest stored assessment, by window id (windows without one are absent). */
  async latestFindings(db: DbOrTx, windowIds: readonly string[]): Promise<Map<string, Finding[]>> {
    if (windowIds.length === 0) return new Map()
    const rows = await db
      .selectFrom('assessments')
      .select(['window_id', 'result'])
      .distinctOn('window_id')
      .where('window_id', 'in', windowIds)
      .orderBy('window_id')
      .orderBy('recorded_at', 'desc')
      .orderBy('id')
      .execute()
    return new Map(rows.map((r) => [r.window_id, (r.result as StoredAssessment['result']).findings ?? []]))
  },

  async waiversFor(db: DbOrTx, windowIds: readonly string[]): Promise<StoredWaiver[]> {
    if (windowIds.length === 0) return []
    const rows = await db
      .selectFrom('waivers')
      .selectAll()
      // One array parameter: an IN list of 10,000 parameters costs the server more to parse and plan than to run.
      .where(sql<boolean>`window_id = ANY(${[...windowIds]}::uuid[])`)
      .orderBy('recorded_at')
      .execute()
    return rows.map(waiverOf)
  },
  async allWaivers(db: DbOrTx): Promise<StoredWaiver[]> {
    return (await db.selectFrom('waivers').selectAll().orderBy('recorded_at').execute()).map(waiverOf)
  },
  async insertWaiver(db: DbOrTx, w: Omit<StoredWaiver, 'id' | 'lapsedAt' | 'lapsedReason'>): Promise<StoredWaiver> {
    const row = await db
      .insertInto('waivers')
      .values({
        finding_key: w.findingKey,
        window_id: w.windowId,
        code: w.code,
        approved_by: w.approvedBy,
        decision_ref: w.decisionRef,
        decided_at: w.decidedAt,
        reason: w.reason,
        expires_at: w.expiresAt,
        created_by: w.createdBy,
        recorded_at: w.recordedAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    return waiverOf(row)
  },
  async lapseWaivers(db: DbOrTx, windowId: string, at: Date, reason: string): Promise<number> {
    const r = await db
      .updateTable('waivers')
      .set({ lapsed_at: at, lapsed_reason: reason })
      .where('window_id', '=', windowId)
      .where('lapsed_at', 'is', null)
      .executeTakeFirst()
    return Number(r.numUpdatedRows)
  },

  async insertPublication(db: DbOrTx, p: Omit<Publication, 'id'>): Promise<Publication> {
    const row = await db
      .insertInto('schedule_publications')
      .values({
        month: p.month,
        published_at: p.publishedAt,
        published_by: p.publishedBy,
        parties: p.parties,
        window_ids: p.windowIds,
        snapshot: JSON.stringify(p.snapshot),
        recorded_at: p.recordedAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    return publicationOf(row)
  },
  async publications(db: DbOrTx, month: string): Promise<Publication[]> {
    const rows = await db.selectFrom('schedule_publications').selectAll().where('month', '=', month).orderBy('published_at').execute()
    return rows.map(publicationOf)
  },

  /**
   * The stored plan overlapping [from, to) that rules count (not draft, rejected or cancelled), as
   * background for an assessment: only the fields that rules looking across windows read (who, what,
   * where, when, status); the texts are left empty, so a month of windows is a small read.
   */
  async planBetween(db: DbOrTx, from: Date, to: Date, excludeIds: readonly string[]): Promise<WindowPlan[]> {
    let q = db
      .selectFrom('windows')
      .select(PLAN_COLUMNS)
      .where('end_at', '>', from)
      .where('start_at', '<', to)
      .where('status', 'not in', ['draft', 'rejected', 'cancelled'])
    if (excludeIds.length) q = q.where('id', 'not in', [...excludeIds])
    return (await q.execute()).map(planOfRow)
  },
}
