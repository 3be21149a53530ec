import { Migrator } from 'kysely'
import { migrations } from '../../migrations/index.ts'
import type { Db } from './database.ts'

const provider = { getMigrations: async () => migrations }

/**
 * Applies every pending migration. Safe when several instances start at once on one PostgreSQL:
 * Kysely's PostgreSQL adapter holds an advisory lock for the duration.
 *
 * @example const applied = await migrateToLatest(db) // ['0001_init'] on a new database
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest()
  if (error) throw error instanceof Error ? error : new Error(String(error))
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

/** True when every migration the code knows has been applied. */
export async function migrationsUpToDate(db: Db): Promise<boolean> {
  const known = await new Migrator({ db, provider }).getMigrations()
  return known.every((m) => m.executedAt !== undefined)
}
