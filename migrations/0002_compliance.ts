import { type Kysely, sql } from 'kysely'

// Frozen in time: never imports application code.
// Rulesets, calendar overrides, blackout layers, stored assessments, waivers, schedule publications,
// calendar feeds and impact reference data. Every record has a business time (effective_at,
// published_at, decided_at) and the time the service recorded it (recorded_at).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE rulesets (
      id text NOT NULL,
      version text NOT NULL,
      effective_from date NOT NULL,
      body jsonb NOT NULL,
      created_by uuid,
      effective_at timestamptz NOT NULL DEFAULT now(),
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (id, version)
    );
    CREATE TABLE calendar_overrides (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      calendar text NOT NULL,
      date date NOT NULL,
      action text NOT NULL CHECK (action IN ('add', 'remove')),
      name text,
      reason text NOT NULL,
      created_by uuid,
      effective_at timestamptz NOT NULL DEFAULT now(),
      recorded_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX calendar_overrides_calendar_idx ON calendar_overrides (calendar, date);
    CREATE TABLE blackout_layers (
      id text PRIMARY KEY,
      version integer NOT NULL DEFAULT 1,
      body jsonb NOT NULL,
      created_by uuid,
      effective_at timestamptz NOT NULL DEFAULT now(),
      recorded_at timestamptz NOT NULL DEFAULT now(),
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE assessments (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      window_id uuid NOT NULL REFERENCES windows(id) ON DELETE CASCADE,
      window_version integer NOT NULL,
      ruleset_id text NOT NULL,
      ruleset_version text NOT NULL,
      result jsonb NOT NULL,
      provenance jsonb NOT NULL,
      effective_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX assessments_window_idx ON assessments (window_id, recorded_at DESC);
    CREATE TABLE waivers (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      finding_key text NOT NULL,
      window_id uuid NOT NULL REFERENCES windows(id) ON DELETE CASCADE,
      code text NOT NULL,
      approved_by text NOT NULL CHECK (approved_by IN ('sec-panel', 'opsg-delegated')),
      decision_ref text NOT NULL,
      decided_at timestamptz NOT NULL,
      reason text NOT NULL,
      expires_at timestamptz,
      created_by uuid NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      lapsed_at timestamptz,
      lapsed_reason text
    );
    CREATE INDEX waivers_window_idx ON waivers (window_id);
    CREATE TABLE schedule_publications (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      month text NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
      published_at timestamptz NOT NULL,
      published_by uuid NOT NULL,
      parties text[] NOT NULL,
      window_ids uuid[] NOT NULL,
      snapshot jsonb NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX schedule_publications_month_idx ON schedule_publications (month, published_at);
    CREATE TABLE feeds (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      owner_key_id uuid NOT NULL REFERENCES api_keys(id),
      name text NOT NULL,
      filter jsonb NOT NULL,
      token_hash bytea NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    );
    CREATE INDEX feeds_owner_idx ON feeds (owner_key_id);
    CREATE TABLE reference_data (
      kind text NOT NULL CHECK (kind IN ('estate', 'top-up-profile', 'impact-thresholds')),
      version integer NOT NULL,
      body jsonb NOT NULL,
      created_by uuid,
      effective_at timestamptz NOT NULL DEFAULT now(),
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (kind, version)
    );
    ALTER TABLE programmes ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now();
  `.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE programmes DROP COLUMN recorded_at;
    DROP TABLE reference_data, feeds, schedule_publications, waivers, assessments, blackout_layers, calendar_overrides, rulesets;
  `.execute(db)
}
