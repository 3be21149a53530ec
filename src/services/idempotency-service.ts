import type { Db, DbOrTx } from '../db/database.ts'
import { idempotencyRepository, type StoredResponse } from '../db/repositories/idempotency-repository.ts'
import { appendingAtEnd } from './audit-service.ts'
import type { Clock } from './clock.ts'

export type { StoredResponse } from '../db/repositories/idempotency-repository.ts'

/** The transaction a write runs in; callers pass it on to the service that writes (`{ trx }`). */
export type WriteTx = DbOrTx

/** Who may replay an answer: an API key, on one route, with one Idempotency-Key. */
export interface IdempotencyScope {
  apiKeyId: string
  route: string
  key: string
}

/** What a keyed run came to: the work's own result, or the record that already held the key. */
export type IdempotentOutcome<R> =
  | { kind: 'fresh'; result: R }
  /** Another request holds the key now; `requestHash` is known only for a record an older version left running. */
  | { kind: 'running'; requestHash: string | undefined }
  | { kind: 'done'; requestHash: string; response: StoredResponse }

const TTL_MS = 24 * 3_600_000
/** A claim still `running` after this long belongs to a request that died; its write rolled back. */
const STALE_MS = 60_000

/**
 * Runs a write once per idempotency scope (records kept 24 hours). The key is claimed, the work done
 * and its answer stored in one transaction, so all of it commits or none: a request that failed
 * (database away, process killed) leaves nothing that would hold up its retry. The HTTP layer owns
 * what an answer looks like; this owns the records.
 *
 * @example
 * const idempotency = createIdempotencyService({ db, clock })
 * const outcome = await idempotency.run(scope, hash, (trx) => create(trx), toStoredRejection)
 */
export function createIdempotencyService(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps
  return {
    /** A write without a key: one transaction, audit records appended at its end. */
    once<R>(work: (trx: WriteTx) => Promise<R>): Promise<R> {
      return db.transaction().execute((trx) => appendingAtEnd(trx, () => work(trx)))
    },

    /**
     * Claims `scope` and runs `work`, storing `answer(result)` with the claim; or reports what holds
     * the key. When the work throws, the claim rolls back with it; `rejected(err)` may name an answer
     * to store all the same (a 4xx is part of the contract and is replayed), stored outside the
     * rolled-back transaction unless a live record exists by then; the error is rethrown.
     */
    async run<R>(
      scope: IdempotencyScope,
      requestHash: string,
      work: (trx: WriteTx) => Promise<R>,
      answer: (result: R) => StoredResponse,
      rejected: (err: unknown) => StoredResponse | undefined,
    ): Promise<IdempotentOutcome<R>> {
      const now = clock.now()
      try {
        return await db.transaction().execute(async (trx) => {
          const claim = await idempotencyRepository.claim(trx, { ...scope, requestHash, now, ttlMs: TTL_MS, staleAfterMs: STALE_MS })
          if (claim.kind !== 'claimed') return claim
          const result = await appendingAtEnd(trx, () => work(trx))
          await idempotencyRepository.complete(trx, scope, answer(result))
          return { kind: 'fresh' as const, result }
        })
      } catch (err) {
        const response = rejected(err)
        if (response) await idempotencyRepository.store(db, { ...scope, requestHash, now, ttlMs: TTL_MS }, response).catch(() => {})
        throw err
      }
    },
  }
}

export type IdempotencyService = ReturnType<typeof createIdempotencyService>
