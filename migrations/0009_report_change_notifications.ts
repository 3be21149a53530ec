import { type Kysely, sql } from 'kysely'

// Frozen in time: never imports application code.
// Identical compliance reports requested while one is being computed share it, but only while no
// change that could alter the report has been committed since it started: every committed change to
// the remaining tables a report reads (window history, waivers, publications, programmes, the audit
// log's head, webhook notices) is announced on the same channel as migrations 0006 and 0007
// (NOTIFY mwp_changes '<table>', from the same statement-level trigger function).
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) {
    await sql`
      CREATE TRIGGER ${sql.raw(`${table}_notify_change`)}
      AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${sql.table(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION mwp_notify_change()
    `.execute(db)
  }
}

const TABLES = [
  'window_versions',
  'waivers',
  'schedule_publications',
  'programmes',
  'audit_log',
  'webhook_subscriptions',
  'webhook_deliveries',
]

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) await sql`DROP TRIGGER ${sql.raw(`${table}_notify_change`)} ON ${sql.table(table)}`.execute(db)
}
