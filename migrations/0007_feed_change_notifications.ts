import { type Kysely, sql } from 'kysely'

// Frozen in time: never imports application code.
// Calendar feeds answer an unchanged feed from memory (304 or the cached body) without reading the
// windows: every committed change to the windows or their stored assessments is announced on the
// same channel as migration 0006 (NOTIFY mwp_changes '<table>', from the same statement-level
// trigger function), so that every instance drops what it validated before the change.
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) {
    await sql`
      CREATE TRIGGER ${sql.raw(`${table}_notify_change`)}
      AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${sql.table(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION mwp_notify_change()
    `.execute(db)
  }
}

const TABLES = ['windows', 'assessments']

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) await sql`DROP TRIGGER ${sql.raw(`${table}_notify_change`)} ON ${sql.table(table)}`.execute(db)
}
