import { type Selectable, sql } from 'kysely'
import type { Impact, MaintenanceWindow, WindowKind, WindowPlan, WindowStatus } from '../../domain/window.ts'
import type { DbOrTx } from '../database.ts'
import type { WindowsTable } from '../schema.ts'

type Row = Selectable<WindowsTable>

/** The columns rules looking across windows read (who, what, where, when, status): an assessment's background. */
export const PLAN_COLUMNS = [
  'id',
  'reference',
  'party',
  'kind',
  'impact',
  'services',
  'regions',
  'start_at',
  'end_at',
  'zone',
  'status',
] as const

/**
 * The one mapper from a windows row to the domain's plan. A row of PLAN_COLUMNS alone gives a plan
 * with empty texts and no notice (what the background of an assessment needs).
 *
 * @example planOfRow(await db.selectFrom('windows').select(PLAN_COLUMNS).executeTakeFirstOrThrow()).title // ''
 */
export function planOfRow(r: Pick<Row, (typeof PLAN_COLUMNS)[number]> & Partial<Row>): WindowPlan & { id: string } {
  return {
    id: r.id,
    reference: r.reference,
    title: r.title ?? '',
    description: r.description ?? '',
    justification: r.justification ?? null,
    riskToService: r.risk_to_service ?? null,
    party: r.party,
    changeRef: r.change_ref ?? null,
    programmeId: r.programme_id ?? null,
    kind: r.kind as WindowKind,
    impact: r.impact as Impact,
    services: r.services,
    regions: r.regions,
    start: r.start_at,
    end: r.end_at,
    zone: r.zone,
    notifiedAt: r.notified_at ?? null,
    status: r.status as WindowStatus,
  }
}

/** A whole windows row → the stored window (its plan, then its actuals and bookkeeping). */
export const toWindow = (r: Row): MaintenanceWindow => ({
  ...planOfRow(r),
  actualStart: r.actual_start,
  actualEnd: r.actual_end,
  createdBy: r.created_by,
  version: r.version,
  sequence: r.sequence,
  effectiveAt: r.effective_at,
  recordedAt: r.recorded_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

const versionColumns = (windowId: string, v: Omit<WindowVersion, 'recordedAt'> & { recordedAt?: Date }) => ({
  window_id: windowId,
  version: v.version,
  action: v.action,
  reason: v.reason,
  changed_by: v.changedBy,
  effective_at: v.effectiveAt,
  recorded_at: v.recordedAt ?? new Date(),
  changes: JSON.stringify(v.changes),
  snapshot: JSON.stringify(v.snapshot),
})

const toColumns = (w: MaintenanceWindow) => ({
  party: w.party,
  reference: w.reference,
  title: w.title,
  description: w.description,
  justification: w.justification,
  risk_to_service: w.riskToService,
  change_ref: w.changeRef,
  programme_id: w.programmeId,
  kind: w.kind,
  impact: w.impact,
  services: [...w.services],
  regions: [...w.regions],
  start_at: w.start,
  end_at: w.end,
  zone: w.zone,
  notified_at: w.notifiedAt,
  status: w.status,
  actual_start: w.actualStart,
  actual_end: w.actualEnd,
  created_by: w.createdBy,
  version: w.version,
  sequence: w.sequence,
  effective_at: w.effectiveAt,
  recorded_at: w.recordedAt,
  created_at: w.createdAt,
  updated_at: w.updatedAt,
})

export interface WindowVersion {
  version: number
  action: string
  reason: string | null
  changedBy: string
  effectiveAt: Date
  recordedAt: Date
  changes: { field: string; old: unknown; new: unknown }[]
  snapshot: Record<string, unknown>
}

export interface WindowFilter {
  from?: Date
  to?: Date
  parties?: string[]
  statuses?: string[]
  programmeId?: string
  services?: string[]
  regions?: string[]
  /** Keyset position: windows strictly after (start, id). */
  after?: { start: Date; id: string }
  limit: number
}

/** All SQL about windows and their version history. */
export const windowsRepository = {
  /**
   * Inserts a new window and its first history row in one statement (one round trip; the version's
   * foreign key is checked at the end of the statement, when the window is there).
   */
  async insertWithVersion(db: DbOrTx, w: MaintenanceWindow, v: WindowVersion): Promise<MaintenanceWindow> {
    const row = await db
      .with('w', (qb) =>
        qb
          .insertInto('windows')
          .values({ id: w.id, ...toColumns(w) })
          .returningAll(),
      )
      .with('v', (qb) => qb.insertInto('window_versions').values(versionColumns(w.id, v)).returning('window_id'))
      .selectFrom('w')
      .selectAll()
      .executeTakeFirstOrThrow()
    return toWindow(row)
  },
  async findById(db: DbOrTx, id: string): Promise<MaintenanceWindow | undefined> {
    const row = await db.selectFrom('windows').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toWindow(row)
  },
  async findByReference(db: DbOrTx, party: string, reference: string): Promise<MaintenanceWindow | undefined> {
    const row = await db.selectFrom('windows').selectAll().where('party', '=', party).where('reference', '=', reference).executeTakeFirst()
    return row && toWindow(row)
  },
  /** Replaces the stored window if it is still at `expectedVersion`; undefined when it is not. */
  async updateIfVersion(db: DbOrTx, w: MaintenanceWindow, expectedVersion: number): Promise<MaintenanceWindow | undefined> {
    const row = await db
      .updateTable('windows')
      .set(toColumns(w))
      .where('id', '=', w.id)
      .where('version', '=', expectedVersion)
      .returningAll()
      .executeTakeFirst()
    return row && toWindow(row)
  },
  async list(db: DbOrTx, f: WindowFilter): Promise<MaintenanceWindow[]> {
    let q = db.selectFrom('windows').selectAll()
    if (f.from) q = q.where('end_at', '>', f.from)
    if (f.to) q = q.where('start_at', '<', f.to)
    if (f.parties?.length) q = q.where('party', 'in', f.parties)
    if (f.statuses?.length) q = q.where('status', 'in', f.statuses)
    if (f.programmeId) q = q.where('programme_id', '=', f.programmeId)
    if (f.services?.length) q = q.where(sql<boolean>`services && ${sql.val(f.services)}::text[]`)
    if (f.regions?.length) q = q.where(sql<boolean>`regions && ${sql.val(f.regions)}::text[]`)
    if (f.after) {
      const a = f.after
      q = q.where((eb) => eb.or([eb('start_at', '>', a.start), eb.and([eb('start_at', '=', a.start), eb('id', '>', a.id)])]))
    }
    const rows = await q.orderBy('start_at').orderBy('id').limit(f.limit).execute()
    return rows.map(toWindow)
  },
  /** A month's proposed windows of `parties` (start in [from, to)), locked for the publication that makes them notified. */
  async proposedForUpdate(db: DbOrTx, parties: readonly string[], from: Date, to: Date): Promise<MaintenanceWindow[]> {
    const rows = await db
      .selectFrom('windows')
      .selectAll()
      .where('status', '=', 'proposed')
      .where('party', 'in', [...parties])
      .where('start_at', '>=', from)
      .where('start_at', '<', to)
      .orderBy('start_at')
      .forUpdate()
      .execute()
    return rows.map(toWindow)
  },
  async insertVersion(db: DbOrTx, windowId: string, v: Omit<WindowVersion, 'recordedAt'> & { recordedAt?: Date }): Promise<void> {
    await db.insertInto('window_versions').values(versionColumns(windowId, v)).execute()
  },
  async history(db: DbOrTx, windowId: string): Promise<WindowVersion[]> {
    const rows = await db.selectFrom('window_versions').selectAll().where('window_id', '=', windowId).orderBy('version').execute()
    return rows.map((r) => ({
      version: r.version,
      action: r.action,
      reason: r.reason,
      changedBy: r.changed_by,
      effectiveAt: r.effective_at,
      recordedAt: r.recorded_at,
      changes: r.changes as WindowVersion['changes'],
      snapshot: r.snapshot,
    }))
  },
}
