import type { Db, DbOrTx } from '../db/database.ts'
import { type AuditRow, auditRepository } from '../db/repositories/audit-repository.ts'
import type { Actor } from '../domain/lifecycle.ts'
import {
  type AuditHead,
  chainVerifier,
  type ExpectedHead,
  entryHashParts,
  GENESIS_HASH,
  normalisePayload,
  type VerifyResult,
} from './audit-chain.ts'
import type { Clock } from './clock.ts'

/** One write, as the service that made it describes it. */
export interface AuditRecord {
  /** Who wrote: an API key's actor, or null for the command line and the system. */
  actor: Pick<Actor, 'keyId'> | null
  /** `<entity>.<verb>`, e.g. `window.created`, `schedule.published`, `key.revoked`. */
  action: string
  entityType: string
  entityId: string
  /** What changed: a field diff or the new record, and any business time (publishedAt, decidedAt). */
  payload?: unknown
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Appends one entry to the audit log inside the caller's write transaction, so the entry commits
 * with the write or not at all. The first append of a transaction takes the advisory lock (held to
 * commit) and reads the tail; the entry gets the next seq and is chained to the tail's hash.
 * Inside a transaction pass only `trx`: the embedded database has one connection.
 *
 * @example await appendAudit(trx, clock, { actor, action: 'waiver.granted', entityType: 'waiver', entityId: w.id, payload: { decidedAt } })
 */
export async function appendAudit(trx: DbOrTx, clock: Clock, rec: AuditRecord): Promise<void> {
  if (!trx.isTransaction) throw new Error(`audit: ${rec.action} must be appended inside the write's transaction`)
  const queue = deferred.get(trx)
  // Recorded now, written at the end of the transaction (see appendingAtEnd).
  if (queue) queue.push({ rec: { ...rec, payload: normalisePayload(rec.payload ?? {}) }, recordedAt: clock.now() })
  else await appendNow(trx, rec, clock.now())
}

/** Entries waiting for the end of their transaction, by transaction. */
const deferred = new WeakMap<object, { rec: AuditRecord; recordedAt: Date }[]>()

/**
 * Runs a write in `trx` with its audit entries appended when the work is done, just before the
 * caller commits: the advisory lock that orders the log across instances is then held for those
 * appends and the commit only, not for the whole write (its assessment, events and so on), so
 * concurrent writes queue for a moment instead of for each other's whole transaction.
 *
 * @example return db.transaction().execute((trx) => appendingAtEnd(trx, () => windows.create(input, actor, { trx })))
 */
export async function appendingAtEnd<T>(trx: DbOrTx, work: () => Promise<T>): Promise<T> {
  if (deferred.has(trx)) return work()
  const queue: { rec: AuditRecord; recordedAt: Date }[] = []
  deferred.set(trx, queue)
  try {
    const out = await work()
    deferred.delete(trx)
    for (const { rec, recordedAt } of queue) await appendNow(trx, rec, recordedAt)
    return out
  } finally {
    deferred.delete(trx)
  }
}

async function appendNow(trx: DbOrTx, rec: AuditRecord, recordedAt: Date): Promise<AuditHead> {
  const keyId = rec.actor?.keyId
  const content = {
    recordedAt,
    actor: keyId && UUID.test(keyId) ? keyId.toLowerCase() : null,
    action: rec.action,
    entityType: rec.entityType,
    entityId: rec.entityId,
    payload: normalisePayload(rec.payload ?? {}),
  }
  // The seq, the previous hash and so the hash are settled in the database, under the lock.
  return auditRepository.append(trx, { ...content, actorKeyId: content.actor, ...entryHashParts(content) })
}

/** The current head: the last entry's seq and hash (seq 0 and 64 zeros while the log is empty). */
export async function auditHead(db: DbOrTx): Promise<AuditHead> {
  return (await auditRepository.tail(db)) ?? { seq: 0, hash: GENESIS_HASH }
}

/**
 * Walks the whole chain in seq order (1,000 entries a read), recomputing every hash: the first
 * edited, missing or relinked entry is reported, and with `expectHead` (taken earlier, e.g. from a
 * report's provenance) a deleted or rewritten tail. One function for GET /v1/audit/verify and
 * `mwp audit verify`.
 *
 * @example const r = await verifyAuditLog(db, { expectHead: { seq: 42, hash } }); if (!r.ok) console.log(r.broken.message)
 */
export async function verifyAuditLog(
  db: DbOrTx,
  opts: { expectHead?: ExpectedHead | undefined; batchSize?: number } = {},
): Promise<VerifyResult> {
  const verifier = chainVerifier({ expectHead: opts.expectHead })
  const batch = opts.batchSize ?? 1000
  let after = 0
  for (;;) {
    const rows = await auditRepository.list(db, { afterSeq: after, limit: batch })
    let goOn = true
    for (const r of rows) {
      if (!verifier.push(toEntry(r))) {
        goOn = false
        break
      }
    }
    if (!goOn || rows.length < batch) break
    after = rows[rows.length - 1]!.seq
  }
  const result = verifier.result()
  return { ...result, head: await auditHead(db) }
}

const toEntry = (r: AuditRow) => ({
  seq: r.seq,
  recordedAt: r.recordedAt,
  actor: r.actorKeyId,
  action: r.action,
  entityType: r.entityType,
  entityId: r.entityId,
  payload: r.payload,
  prevHash: r.prevHash,
  hash: r.hash,
})

/**
 * Reading the audit log: pages of entries with the current head, and verification.
 *
 * @example const { items, head } = await audit.list({ from, to, limit: 100 })
 */
export function createAuditService(deps: { db: Db }) {
  const { db } = deps
  return {
    head: () => auditHead(db),
    /** Entries after seq `after`, recorded in [from, to), up to `limit`, with the head read after them. */
    async list(q: { from?: Date | undefined; to?: Date | undefined; after?: number | undefined; limit: number }) {
      const items = await auditRepository.list(db, { afterSeq: q.after, from: q.from, to: q.to, limit: q.limit })
      return { items, head: await auditHead(db) }
    },
    verify: (expectHead?: ExpectedHead) => verifyAuditLog(db, { expectHead }),
  }
}

export type AuditService = ReturnType<typeof createAuditService>
