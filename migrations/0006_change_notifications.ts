import { type Kysely, sql } from 'kysely'

// Frozen in time: never imports application code.
// Every committed change to a table that instances cache (keys, rules, calendars, blackout layers,
// reference data, feeds) is announced with NOTIFY mwp_changes '<table>'. PostgreSQL delivers it at
// commit, to every listening session of every instance, and never for a rolled-back change; a
// statement-level trigger catches writes from any path, psql included.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION mwp_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('mwp_changes', TG_TABLE_NAME);
      RETURN NULL;
    END
    $$
  `.execute(db)
  for (const table of CACHED_TABLES) {
    await sql`
      CREATE TRIGGER ${sql.raw(`${table}_notify_change`)}
      AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${sql.table(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION mwp_notify_change()
    `.execute(db)
  }
}

const CACHED_TABLES = [
  'api_keys',
  'rulesets',
  'calendar_overrides',
  'blackout_layers',
  'reference_data',
  'parties',
  'regions',
  'services',
  'feeds',
]

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of CACHED_TABLES) await sql`DROP TRIGGER ${sql.raw(`${table}_notify_change`)} ON ${sql.table(table)}`.execute(db)
  await sql`DROP FUNCTION mwp_notify_change()`.execute(db)
}
