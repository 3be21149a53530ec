import { sql } from 'kysely'
import type { Certainty, Severity } from '../../domain/findings.ts'
import type { MaintenanceWindow, WindowStatus } from '../../domain/window.ts'
import type { DbOrTx } from '../database.ts'

/** A window version's snapshot (instants as RFC 3339 strings) → the window as it stood. */
export function windowFromSnapshot(s: Record<string, unknown>): MaintenanceWindow {
  const date = (v: unknown) => (typeof v === 'string' ? new Date(v) : null)
  return {
    ...(s as unknown as MaintenanceWindow),
    services: [...((s.services as string[] | undefined) ?? [])],
    regions: [...((s.regions as string[] | undefined) ?? [])],
    start: date(s.start)!,
    end: date(s.end)!,
    notifiedAt: date(s.notifiedAt),
    actualStart: date(s.actualStart),
    actualEnd: date(s.actualEnd),
    effectiveAt: date(s.effectiveAt)!,
    recordedAt: date(s.recordedAt)!,
    createdAt: date(s.createdAt)!,
    updatedAt: date(s.updatedAt)!,
  }
}

/** The keys of the breaches and objections of one stored assessment. */
export interface StoredSeriousKeys {
  assessmentId: string
  windowId: string
  effectiveAt: Date
  keys: string[]
  /** The status of the window version the assessment was of. */
  windowStatus: WindowStatus
}

/** A breach or objection of a stored assessment, with the business time of that assessment. */
export interface StoredSeriousFinding {
  assessmentId: string
  windowId: string
  effectiveAt: Date
  key: string
  code: string
  severity: Extract<Severity, 'breach' | 'objection'>
  /** Null for findings stored before certainty existed (see findingCertainty). */
  certainty: Certainty | null
  /** The finding's rule label. */
  provenance: string
  reference: string
  message: string
}

/**
 * The reads a report needs that no other repository has: windows as they stood at a business instant
 * (from their version history), the earliest business time of any record, stored assessments up to an
 * instant, and publications and layers with their business times.
 */
export const reportsRepository = {
  /**
   * Every window as of `asOf` (business time): its latest version with effective_at ≤ asOf, when that
   * version's window overlaps [from, to). Windows whose first version is later are absent.
   */
  async windowsAsOf(db: DbOrTx, asOf: Date, from: Date, to: Date): Promise<MaintenanceWindow[]> {
    const rows = await db
      .selectFrom('window_versions')
      .select(['window_id', 'version', 'snapshot'])
      .distinctOn('window_id')
      .where('effective_at', '<=', asOf)
      .orderBy('window_id')
      .orderBy('effective_at', 'desc')
      .orderBy('version', 'desc')
      .execute()
    const out: MaintenanceWindow[] = []
    for (const r of rows) {
      const w = windowFromSnapshot(r.snapshot)
      if (w.end.getTime() > from.getTime() && w.start.getTime() < to.getTime()) out.push({ ...w, id: r.window_id, version: r.version })
    }
    return out
  },

  /** The earliest business time of any record (window version, publication, waiver decision, stored ruleset). */
  async earliestBusinessTime(db: DbOrTx): Promise<Date | null> {
    const min = async (q: Promise<{ m: Date | string | null } | undefined>) => {
      const r = await q
      return r?.m ? new Date(r.m) : null
    }
    const all = [
      await min(
        db
          .selectFrom('window_versions')
          .select((eb) => eb.fn.min('effective_at').as('m'))
          .executeTakeFirst(),
      ),
      await min(
        db
          .selectFrom('schedule_publications')
          .select((eb) => eb.fn.min('published_at').as('m'))
          .executeTakeFirst(),
      ),
      await min(
        db
          .selectFrom('waivers')
          .select((eb) => eb.fn.min('decided_at').as('m'))
          .executeTakeFirst(),
      ),
      await min(
        db
          .selectFrom('rulesets')
          .select((eb) => eb.fn.min('effective_at').as('m'))
          .executeTakeFirst(),
      ),
    ].filter((d): d is Date => d !== null)
    return all.length ? new Date(Math.min(...all.map((d) => d.getTime()))) : null
  },

  /** Publications of months in [fromMonth, toMonth] published at or before `asOf` (all when null). */
  async publications(db: DbOrTx, fromMonth: string, toMonth: string, asOf: Date | null) {
    let q = db
      .selectFrom('schedule_publications')
      .select(['month', 'published_at', 'parties'])
      .where('month', '>=', fromMonth)
      .where('month', '<=', toMonth)
    if (asOf) q = q.where('published_at', '<=', asOf)
    const rows = await q.orderBy('month').orderBy('published_at').execute()
    return rows.map((r) => ({ month: r.month, publishedAt: r.published_at, parties: r.parties }))
  },

  /**
   * Which breaches and objections each stored assessment of the windows had (their keys, kept beside
   * the result by the database: migration 0010), with business time ≤ asOf (all when null), oldest
   * first; assessments without any are left out. No stored result is read.
   */
  async storedSeriousKeys(db: DbOrTx, windowIds: readonly string[], asOf: Date | null): Promise<StoredSeriousKeys[]> {
    if (windowIds.length === 0) return []
    let q = db
      .selectFrom('assessments as a')
      .innerJoin('window_versions as v', (j) => j.onRef('v.window_id', '=', 'a.window_id').onRef('v.version', '=', 'a.window_version'))
      .select(['a.id', 'a.window_id', 'a.effective_at', 'a.serious_finding_keys', sql<string>`v.snapshot->>'status'`.as('status')])
      .where(sql<boolean>`a.window_id = ANY(${[...windowIds]}::uuid[])`)
      .where(sql<boolean>`a.serious_finding_keys <> '[]'::jsonb`)
    if (asOf) q = q.where('a.effective_at', '<=', asOf)
    const rows = await q.orderBy('a.effective_at').orderBy('a.recorded_at').execute()
    return rows.map((r) => ({
      assessmentId: r.id,
      windowId: r.window_id,
      effectiveAt: r.effective_at,
      keys: r.serious_finding_keys,
      windowStatus: r.status as WindowStatus,
    }))
  },

  /** The breaches and objections of these stored assessments, picked out of their results by the database. */
  async storedSeriousFindings(db: DbOrTx, assessmentIds: readonly string[]): Promise<StoredSeriousFinding[]> {
    if (assessmentIds.length === 0) return []
    const rows = await sql<{
      assessment_id: string
      window_id: string
      effective_at: Date
      key: string
      code: string
      severity: 'breach' | 'objection'
      certainty: 'confirmed' | 'unconfirmed' | null
      provenance: string
      reference: string
      message: string
    }>`
      SELECT a.id AS assessment_id, a.window_id, a.effective_at, f->>'key' AS key, f->>'code' AS code,
             f->>'severity' AS severity, f->>'certainty' AS certainty, f->'rule'->>'provenance' AS provenance,
             f->>'reference' AS reference, f->>'message' AS message
      FROM assessments a
      CROSS JOIN LATERAL jsonb_path_query(a.result, '$.findings[*] ? (@.severity == "breach" || @.severity == "objection")') AS f
      WHERE a.id = ANY(${[...assessmentIds]}::uuid[])`.execute(db)
    return rows.rows.map((r) => ({
      assessmentId: r.assessment_id,
      windowId: r.window_id,
      effectiveAt: r.effective_at,
      key: r.key,
      code: r.code,
      severity: r.severity,
      certainty: r.certainty,
      provenance: r.provenance,
      reference: r.reference,
      message: r.message,
    }))
  },

  /** Ids of custom blackout layers created at or before `asOf` (their history is not kept: the current body is used). */
  async blackoutIdsCreatedBy(db: DbOrTx, asOf: Date): Promise<Set<string>> {
    const rows = await db.selectFrom('blackout_layers').select('id').where('created_at', '<=', asOf).execute()
    return new Set(rows.map((r) => r.id))
  },

  async programmeExists(db: DbOrTx, id: string): Promise<boolean> {
    return !!(await db.selectFrom('programmes').select('id').where('id', '=', id).executeTakeFirst())
  },
}
