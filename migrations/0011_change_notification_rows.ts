import { type Kysely, sql } from 'kysely'

// Frozen in time: never imports application code.
// Server-sent events (GET /v1/events) tell a board which window changed, not only that the windows
// table did. For the tables a board shows per row (windows, waivers, programmes) and webhook
// subscriptions (heard by their owner only), the statement-level trigger of migrations 0006/0007/0009
// is replaced by three (INSERT, UPDATE, DELETE) that read the statement's transition table and announce
//   NOTIFY mwp_changes '<table> {"op":"update","count":1,"rows":[{"id":…,"party":…,"version":…,"status":…}]}'
// on the same channel: the table name, one space, then JSON. Listeners that only want the table read
// up to the space. At most 20 rows are listed ("rows" is empty when "count" is larger) and a payload
// that would pass 7900 bytes (PostgreSQL's limit is 8000) is sent as the bare table name, as TRUNCATE is.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION mwp_notify_rows() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      n integer;
      listed jsonb;
      payload text;
    BEGIN
      SELECT count(*) INTO n FROM changed_rows;
      SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
          'id', r->>'id', 'party', r->>'party', 'version', r->'version', 'status', r->>'status',
          'windowId', r->>'window_id', 'ownerKeyId', r->>'owner_key_id'))), '[]'::jsonb)
        INTO listed FROM (SELECT to_jsonb(c) AS r FROM changed_rows c LIMIT 20) s;
      payload := TG_TABLE_NAME || ' ' || jsonb_build_object(
        'op', lower(TG_OP), 'count', n, 'rows', CASE WHEN n <= 20 THEN listed ELSE '[]'::jsonb END)::text;
      IF octet_length(payload) > 7900 THEN payload := TG_TABLE_NAME; END IF;
      PERFORM pg_notify('mwp_changes', payload);
      RETURN NULL;
    END
    $$
  `.execute(db)
  for (const table of TABLES) {
    await sql`DROP TRIGGER ${sql.raw(`${table}_notify_change`)} ON ${sql.table(table)}`.execute(db)
    await sql`
      CREATE TRIGGER ${sql.raw(`${table}_notify_change`)}
      AFTER TRUNCATE ON ${sql.table(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION mwp_notify_change()
    `.execute(db)
    for (const [op, transition] of OPS)
      await sql`
        CREATE TRIGGER ${sql.raw(`${table}_notify_${op.toLowerCase()}_rows`)}
        AFTER ${sql.raw(op)} ON ${sql.table(table)}
        REFERENCING ${sql.raw(transition)} TABLE AS changed_rows
        FOR EACH STATEMENT EXECUTE FUNCTION mwp_notify_rows()
      `.execute(db)
  }
}

const TABLES = ['windows', 'waivers', 'programmes', 'webhook_subscriptions']
const OPS = [
  ['INSERT', 'NEW'],
  ['UPDATE', 'NEW'],
  ['DELETE', 'OLD'],
] as const

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) {
    for (const [op] of OPS)
      await sql`DROP TRIGGER ${sql.raw(`${table}_notify_${op.toLowerCase()}_rows`)} ON ${sql.table(table)}`.execute(db)
    await sql`DROP TRIGGER ${sql.raw(`${table}_notify_change`)} ON ${sql.table(table)}`.execute(db)
    await sql`
      CREATE TRIGGER ${sql.raw(`${table}_notify_change`)}
      AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${sql.table(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION mwp_notify_change()
    `.execute(db)
  }
  await sql`DROP FUNCTION mwp_notify_rows()`.execute(db)
}
