import { type Kysely, sql } from 'kysely'

// Frozen in time: never imports application code.
// The tamper-evident audit log: one row per write, appended in the write's own transaction under a
// transaction-scoped advisory lock (so `seq` is strictly increasing across instances), each row
// hash-chained to the one before it (`prev_hash`; the first row links to 64 zeros). The hash is
// SHA-256 over a canonical JSON of the row, computed by the application (src/services/audit-chain.ts).
// A trigger refuses UPDATE, DELETE and TRUNCATE: only someone who can disable it (the table's owner
// or a superuser) can change the log, and `mwp audit verify` catches that.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE audit_log (
      seq bigint PRIMARY KEY CHECK (seq > 0),
      recorded_at timestamptz NOT NULL,
      actor_key_id uuid,
      action text NOT NULL,
      entity_type text NOT NULL,
      entity_id text NOT NULL,
      payload jsonb NOT NULL,
      prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
      hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
    );
    CREATE INDEX audit_log_recorded_idx ON audit_log (recorded_at, seq);
    CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id, seq);
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $$;
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
  `.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE audit_log; DROP FUNCTION audit_log_append_only()`.execute(db)
}
