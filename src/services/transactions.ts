import type { Transaction } from 'kysely'
import type { Db, DbOrTx } from '../db/database.ts'
import type { Database } from '../db/schema.ts'
import { appendingAtEnd } from './audit-service.ts'

/**
 * Runs `work` inside `trx` when the caller already holds one (e.g. the idempotency wrapper),
 * otherwise in a new short transaction.
 *
 * @example await inTransaction(db, undefined, (trx) => repo.insert(trx, row))
 */
export function inTransaction<T>(db: Db, trx: DbOrTx | undefined, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (trx && trx.isTransaction) return work(trx as Transaction<Database>)
  return db.transaction().execute((t) => appendingAtEnd(t, () => work(t)))
}
