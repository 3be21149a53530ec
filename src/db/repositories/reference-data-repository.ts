import type { Selectable } from 'kysely'
import type { DbOrTx } from '../database.ts'
import type { ReferenceDataTable } from '../schema.ts'

export type ReferenceDataKind = ReferenceDataTable['kind']

/** One stored version of a reference-data bundle (estate, top-up profile or impact thresholds). */
export interface ReferenceDataVersion {
  kind: ReferenceDataKind
  version: number
  /** The bundle as stored; the service validates it before it is ever written. */
  body: unknown
  createdBy: string | null
  effectiveAt: Date
  recordedAt: Date
}

const toVersion = (r: Selectable<ReferenceDataTable>): ReferenceDataVersion => ({
  kind: r.kind,
  version: Number(r.version),
  body: r.body,
  createdBy: r.created_by,
  effectiveAt: r.effective_at,
  recordedAt: r.recorded_at,
})

/**
 * All SQL about versioned reference data. Versions of a kind are 1, 2, 3…; the newest is in force.
 *
 * @example await referenceDataRepository.latest(trx, 'estate') // { version: 2, body: {...}, ... } | undefined
 */
export const referenceDataRepository = {
  /** The newest stored version of `kind`, or undefined when none is stored. */
  async latest(db: DbOrTx, kind: ReferenceDataKind): Promise<ReferenceDataVersion | undefined> {
    const row = await db
      .selectFrom('reference_data')
      .selectAll()
      .where('kind', '=', kind)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst()
    return row && toVersion(row)
  },

  /**
   * Stores `body` as version `previous + 1` of `kind`. Two writers racing on the same `previous` make
   * the (kind, version) primary key refuse the second (PostgreSQL 23505), which the caller reports.
   */
  async insert(
    db: DbOrTx,
    v: { kind: ReferenceDataKind; previous: number; body: unknown; createdBy: string | null; at: Date },
  ): Promise<ReferenceDataVersion> {
    const row = await db
      .insertInto('reference_data')
      .values({
        kind: v.kind,
        version: v.previous + 1,
        body: JSON.stringify(v.body),
        created_by: v.createdBy,
        effective_at: v.at,
        recorded_at: v.at,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    return toVersion(row)
  },

  /** Every stored version of `kind`, oldest first (bodies included). */
  async list(db: DbOrTx, kind: ReferenceDataKind): Promise<ReferenceDataVersion[]> {
    const rows = await db.selectFrom('reference_data').selectAll().where('kind', '=', kind).orderBy('version').execute()
    return rows.map(toVersion)
  },
}
