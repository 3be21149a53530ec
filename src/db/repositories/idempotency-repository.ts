import { sql } from 'kysely'
import type { DbOrTx } from '../database.ts'

export interface StoredResponse {
  statusCode: number
  headers: Record<string, string>
  body: string
}

export type Claim =
  | { kind: 'claimed' }
  /** Another request holds the key now; `requestHash` is known only for a record an older version left running. */
  | { kind: 'running'; requestHash: string | undefined }
  | { kind: 'done'; requestHash: string; response: StoredResponse }

/** Advisory-lock namespace (first key of the two-int form) for idempotency keys in flight. */
const LOCK_NAMESPACE = 0x6d777069 // 'mwpi'

/**
 * Idempotency records, scoped to (API key, route, key) and kept 24 hours. A record is claimed inside
 * the work's own transaction and completed in it, so the claim, the write and the stored answer
 * commit together or not at all: a request that fails (its database went away, its process died)
 * leaves nothing behind that could block its retry. While it runs, a transaction-scoped advisory lock
 * on the key tells a concurrent duplicate to come back later (409), without waiting on it.
 */
export const idempotencyRepository = {
  /**
   * Claims the key inside `trx`, or reports what holds it. A `running` record can only be one left by
   * an older version that claimed outside the work's transaction: once older than `staleAfterMs` its
   * request died (its write rolled back with it) and it is taken over.
   */
  async claim(
    trx: DbOrTx,
    k: { apiKeyId: string; route: string; key: string; requestHash: string; now: Date; ttlMs: number; staleAfterMs: number },
  ): Promise<Claim> {
    const expires = new Date(k.now.getTime() + k.ttlMs)
    const stale = new Date(k.now.getTime() - k.staleAfterMs)
    const scope = `${k.apiKeyId} ${k.route} ${k.key}`
    const r = await sql<{ locked: boolean; inserted: boolean }>`
      WITH lock AS (SELECT pg_try_advisory_xact_lock(${LOCK_NAMESPACE}::int, hashtext(${scope})) AS locked),
      claim AS (
        INSERT INTO idempotency_records (api_key_id, route, key, request_hash, state, created_at, expires_at)
        SELECT ${k.apiKeyId}, ${k.route}, ${k.key}, ${k.requestHash}, 'running', ${k.now}, ${expires} FROM lock WHERE lock.locked
        ON CONFLICT (api_key_id, route, key) DO UPDATE
          SET request_hash = EXCLUDED.request_hash, state = 'running', status_code = NULL,
              response_headers = NULL, response_body = NULL, created_at = EXCLUDED.created_at,
              expires_at = EXCLUDED.expires_at
          WHERE idempotency_records.expires_at <= ${k.now}
             OR (idempotency_records.state = 'running' AND idempotency_records.created_at < ${stale})
        RETURNING 1)
      SELECT (SELECT locked FROM lock) AS locked, EXISTS (SELECT 1 FROM claim) AS inserted`.execute(trx)
    const { locked, inserted } = r.rows[0]!
    if (!locked) return { kind: 'running', requestHash: undefined }
    if (inserted) return { kind: 'claimed' }
    const row = await trx
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
  /**
   * Stores a final answer outside the work's transaction (a 4xx whose work rolled back), unless a
   * live record exists by now (a duplicate got there first).
   */
  async store(
    db: DbOrTx,
    k: { apiKeyId: string; route: string; key: string; requestHash: string; now: Date; ttlMs: number },
    res: StoredResponse,
  ): Promise<void> {
    const expires = new Date(k.now.getTime() + k.ttlMs)
    await sql`
      INSERT INTO idempotency_records (api_key_id, route, key, request_hash, state, status_code, response_headers, response_body, created_at, expires_at)
      VALUES (${k.apiKeyId}, ${k.route}, ${k.key}, ${k.requestHash}, 'done', ${res.statusCode}, ${JSON.stringify(res.headers)}, ${res.body}, ${k.now}, ${expires})
      ON CONFLICT (api_key_id, route, key) DO UPDATE
        SET request_hash = EXCLUDED.request_hash, state = 'done', status_code = EXCLUDED.status_code,
            response_headers = EXCLUDED.response_headers, response_body = EXCLUDED.response_body,
            created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
        WHERE idempotency_records.expires_at <= ${k.now}`.execute(db)
  },
  async purgeExpired(db: DbOrTx, now: Date): Promise<number> {
    const r = await db.deleteFrom('idempotency_records').where('expires_at', '<=', now).executeTakeFirst()
    return Number(r.numDeletedRows)
  },
}
