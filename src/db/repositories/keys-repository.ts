import type { Role } from '../../domain/lifecycle.ts'
import type { Selectable } from 'kysely'
import type { DbOrTx } from '../database.ts'
import type { ApiKeysTable } from '../schema.ts'

export interface ApiKeyRecord {
  id: string
  lookup: string
  secretHash: Buffer
  name: string
  role: Role
  parties: string[]
  createdBy: string | null
  createdAt: Date
  revokedAt: Date | null
}

type Row = Selectable<ApiKeysTable>

const toRecord = (r: Row): ApiKeyRecord => ({
  id: r.id,
  lookup: r.lookup,
  secretHash: r.secret_hash,
  name: r.name,
  role: r.role as Role,
  parties: r.parties,
  createdBy: r.created_by,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
})

/** All SQL about API keys. Secrets are never stored, only their SHA-256. */
export const keysRepository = {
  async insert(
    db: DbOrTx,
    k: { lookup: string; secretHash: Buffer; name: string; role: Role; parties: string[]; createdBy: string | null },
  ): Promise<ApiKeyRecord> {
    const row = await db
      .insertInto('api_keys')
      .values({
        lookup: k.lookup,
        secret_hash: k.secretHash,
        name: k.name,
        role: k.role,
        parties: k.parties,
        created_by: k.createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    return toRecord(row)
  },
  async findActiveByLookup(db: DbOrTx, lookup: string): Promise<ApiKeyRecord | undefined> {
    const row = await db.selectFrom('api_keys').selectAll().where('lookup', '=', lookup).where('revoked_at', 'is', null).executeTakeFirst()
    return row && toRecord(row)
  },
  async findById(db: DbOrTx, id: string): Promise<ApiKeyRecord | undefined> {
    const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toRecord(row)
  },
  async list(db: DbOrTx): Promise<ApiKeyRecord[]> {
    const rows = await db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute()
    return rows.map(toRecord)
  },
  async countActiveAdmins(db: DbOrTx): Promise<number> {
    const r = await db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'admin')
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow()
    return Number(r.n)
  },
  async revoke(db: DbOrTx, id: string, at: Date): Promise<boolean> {
    const r = await db
      .updateTable('api_keys')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    return r.numUpdatedRows > 0n
  },
}
