import { sql } from 'kysely'
import type { DbOrTx } from '../database.ts'

/**
 * The key of the transaction-scoped advisory lock every append takes: one writer at a time reads
 * the tail and inserts the next entry, whichever instance it runs on. Any constant unique to us.
 */
export const AUDIT_LOCK_KEY = 0x6d77_7061_7564 // 'mwpaud'

export interface AuditRow {
  seq: number
  recordedAt: Date
  actorKeyId: string | null
  action: string
  entityType: string
  entityId: string
  payload: unknown
  prevHash: string
  hash: string
}

type Row = {
  seq: number
  recorded_at: Date
  actor_key_id: string | null
  action: string
  entity_type: string
  entity_id: string
  payload: unknown
  prev_hash: string
  hash: string
}

const toRow = (r: Row): AuditRow => ({
  seq: Number(r.seq),
  recordedAt: r.recorded_at,
  actorKeyId: r.actor_key_id,
  action: r.action,
  entityType: r.entity_type,
  entityId: r.entity_id,
  payload: r.payload,
  prevHash: r.prev_hash,
  hash: r.hash,
})

/** All SQL about the audit log. Rows are only ever inserted (a trigger refuses UPDATE and DELETE). */
export const auditRepository = {
  /** The last entry's seq and hash, or undefined while the log is empty. */
  async tail(db: DbOrTx): Promise<{ seq: number; hash: string } | undefined> {
    const r = await db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst()
    return r && { seq: Number(r.seq), hash: r.hash }
  },

  /**
   * Appends the next entry in one round trip (migration 0008): under the advisory lock, held to
   * commit, the function reads the tail, hashes `${beforePrev}${tail hash}${beforeSeq}${seq}}` and
   * inserts. Call only inside the write's transaction.
   */
  async append(
    trx: DbOrTx,
    e: Omit<AuditRow, 'seq' | 'prevHash' | 'hash'> & { beforePrev: string; beforeSeq: string },
  ): Promise<{ seq: number; hash: string }> {
    const r = await sql<{ seq: string; hash: string }>`
      SELECT seq, hash FROM mwp_audit_append(${sql.lit(AUDIT_LOCK_KEY)}::bigint, ${e.beforePrev}, ${e.beforeSeq},
        ${e.recordedAt}, ${e.actorKeyId}, ${e.action}, ${e.entityType}, ${e.entityId}, ${JSON.stringify(e.payload)}::jsonb)
    `.execute(trx)
    const row = r.rows[0]!
    return { seq: Number(row.seq), hash: row.hash }
  },

  /** Entries in seq order after `afterSeq`, optionally recorded in [from, to). */
  async list(
    db: DbOrTx,
    q: { afterSeq?: number | undefined; from?: Date | undefined; to?: Date | undefined; limit: number },
  ): Promise<AuditRow[]> {
    let query = db.selectFrom('audit_log').selectAll()
    if (q.afterSeq !== undefined) query = query.where('seq', '>', q.afterSeq)
    if (q.from) query = query.where('recorded_at', '>=', q.from)
    if (q.to) query = query.where('recorded_at', '<', q.to)
    const rows = await query.orderBy('seq').limit(q.limit).execute()
    return rows.map((r) => toRow(r as Row))
  },
}
