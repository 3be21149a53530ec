import { type Kysely, sql } from 'kysely'

// Frozen in time: never imports application code.
// Appending to the audit log in one round trip. The append must hold the advisory lock while it reads
// the tail and inserts the next entry, and that lock is held to commit: every round trip made under
// it makes every other writer wait. In a VOLATILE PL/pgSQL function each statement takes a fresh
// snapshot (READ COMMITTED), so the tail read after the lock sees every entry committed before it.
// The caller sends the entry's canonical JSON in two pieces around the previous hash and the seq
// (services/audit-chain.ts, entryHashParts); SHA-256 of the joined text is the entry's hash, the same
// value entryHash computes, so the verifiers need no change.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION mwp_audit_append(
      lock_key bigint, before_prev text, before_seq text, p_recorded_at timestamptz, p_actor uuid,
      p_action text, p_entity_type text, p_entity_id text, p_payload jsonb
    ) RETURNS TABLE (seq bigint, hash text) LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
      tail_seq bigint;
      tail_hash text;
      next_hash text;
    BEGIN
      PERFORM pg_advisory_xact_lock(lock_key);
      SELECT a.seq, a.hash INTO tail_seq, tail_hash FROM audit_log a ORDER BY a.seq DESC LIMIT 1;
      IF NOT FOUND THEN
        tail_seq := 0;
        tail_hash := repeat('0', 64);
      END IF;
      next_hash := encode(sha256(convert_to(before_prev || tail_hash || before_seq || (tail_seq + 1)::text || '}', 'UTF8')), 'hex');
      INSERT INTO audit_log (seq, recorded_at, actor_key_id, action, entity_type, entity_id, payload, prev_hash, hash)
        VALUES (tail_seq + 1, p_recorded_at, p_actor, p_action, p_entity_type, p_entity_id, p_payload, tail_hash, next_hash);
      RETURN QUERY SELECT tail_seq + 1, next_hash;
    END
    $$
  `.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION mwp_audit_append(bigint, text, text, timestamptz, uuid, text, text, text, jsonb)`.execute(db)
}
