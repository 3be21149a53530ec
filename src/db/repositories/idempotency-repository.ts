import { sql } from 'kysely'
import type { DbOrTx } from '../database.ts'

export interface StoredResponse {
  statusCode: number
  headers: Record<string, string>
  body: string
}

export type Claim =
  | { kind: 'claimed' }
  | { kind: 'running'; requestHash: string }
  | { kind: 'done'; requestHash: string; response: StoredResponse }

/**
 * Idempotency records, scoped to (API key, route, key) and kept 24 hours. A record is claimed
 * (`running`) before the work starts and completed inside the work's own transaction, so the
 * stored answer and the write commit together or not at all.
 */
export const idempotencyRepository = {
  /**
   * Claims the key, or reports what holds it. A `running` claim older than `staleAfterMs` belongs to
   * a request that died before committing (its write rolled back with it) and is taken over.
   */
  async claim(
    db: DbOrTx,
    k: { apiKeyId: string; route: string; key: string; requestHash: string; now: Date; ttlMs: number; staleAfterMs: number },
  ): Promise<Claim> {
    const expires = new Date(k.now.getTime() + k.ttlMs)
    const stale = new Date(k.now.getTime() - k.staleAfterMs)
    const inserted = await sql<{ inserted: boolean }>`
      INSERT INTO idempotency_records (api_key_id, route, key, request_hash, state, created_at, expires_at)
      VALUES (${k.apiKeyId}, ${k.route}, ${k.key}, ${k.requestHash}, 'running', ${k.now}, ${expires})
      ON CONFLICT (api_key_id, route, key) DO UPDATE
        SET request_hash = EXCLUDED.request_hash, state = 'running', status_code = NULL,
            response_headers = NULL, response_body = NULL, created_at = EXCLUDED.created_at,
            expires_at = EXCLUDED.expires_at
        WHERE idempotency_records.expires_at <= ${k.now}
           OR (idempotency_records.state = 'running' AND idempotency_records.created_at < ${stale})
      RETURNING true AS inserted`.execute(db)
    if (inserted.rows.length > 0) return { kind: 'claimed' }
    const row = await db
      .selectFrom('idempotency_records')
      .selectAll()
      .where('api_key_id', '=', k.apiKeyId)
      .where('route', '=', k.route)
      .where('key', '=', k.key)
      .executeTakeFirst()
    if (!row) return { kind: 'claimed' } // deleted in between: the caller may go ahead
    if (row.state === 'running') return { kind: 'running', requestHash: row.request_hash }
    return {
      kind: 'done',
      requestHash: row.request_hash,
      response: { statusCode: row.status_code ?? 200, headers: row.response_headers ?? {}, body: row.response_body ?? '' },
    }
  },
  async complete(db: DbOrTx, k: { apiKeyId: string; route: string; key: string }, res: StoredResponse): Promise<void> {
    await db
      .updateTable('idempotency_records')
      .set({
        state: 'done',
        status_code: res.statusCode,
        response_headers: JSON.stringify(res.headers),
        response_body: res.body,
      })
      .where('api_key_id', '=', k.apiKeyId)
      .where('route', '=', k.route)
      .where('key', '=', k.key)
      .execute()
  },
  async release(db: DbOrTx, k: { apiKeyId: string; route: string; key: string }): Promise<void> {
    await db
      .deleteFrom('idempotency_records')
      .where('api_key_id', '=', k.apiKeyId)
      .where('route', '=', k.route)
      .where('key', '=', k.key)
      .where('state', '=', 'running')
      .execute()
  },
  async purgeExpired(db: DbOrTx, now: Date): Promise<number> {
    const r = await db.deleteFrom('idempotency_records').where('expires_at', '<=', now).executeTakeFirst()
    return Number(r.numDeletedRows)
  },
}
