import { type Kysely, sql } from 'kysely'

// Frozen in time: never imports application code.
// Webhooks: subscriptions (owned by an API key), a transactional outbox of events written in the
// same transaction as the change they announce, one delivery row per (event, subscription) with
// every attempt kept as evidence of notice, and the reminders already taken (exactly once per
// window, start instant and offset, whichever instance takes it).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE webhook_subscriptions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      owner_key_id uuid NOT NULL REFERENCES api_keys(id),
      url text NOT NULL,
      events text[] NOT NULL,
      filter jsonb NOT NULL DEFAULT '{}',
      description text NOT NULL DEFAULT '',
      secret text NOT NULL,
      enabled boolean NOT NULL DEFAULT true,
      failing_since timestamptz,
      disabled_at timestamptz,
      disabled_reason text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      deleted_at timestamptz
    );
    CREATE INDEX webhook_subscriptions_owner_idx ON webhook_subscriptions (owner_key_id);
    CREATE TABLE outbox_events (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
      type text NOT NULL,
      subject text NOT NULL,
      window_ids uuid[] NOT NULL DEFAULT '{}',
      parties text[] NOT NULL DEFAULT '{}',
      services text[] NOT NULL DEFAULT '{}',
      regions text[] NOT NULL DEFAULT '{}',
      data jsonb NOT NULL,
      occurred_at timestamptz NOT NULL,
      fanned_out_at timestamptz
    );
    CREATE INDEX outbox_events_pending_idx ON outbox_events (seq) WHERE fanned_out_at IS NULL;
    CREATE INDEX outbox_events_occurred_idx ON outbox_events (occurred_at, seq);
    CREATE INDEX outbox_events_windows_idx ON outbox_events USING gin (window_ids);
    CREATE TABLE webhook_deliveries (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
      event_id uuid NOT NULL REFERENCES outbox_events(id),
      subscription_id uuid NOT NULL REFERENCES webhook_subscriptions(id),
      ordering_key text NOT NULL,
      replay_of uuid REFERENCES webhook_deliveries(id),
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead', 'cancelled')),
      created_at timestamptz NOT NULL,
      next_attempt_at timestamptz NOT NULL,
      locked_until timestamptz,
      attempt_count integer NOT NULL DEFAULT 0,
      attempts jsonb NOT NULL DEFAULT '[]',
      acknowledged_at timestamptz,
      dead_reason text
    );
    CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at, seq) WHERE state = 'pending';
    CREATE INDEX webhook_deliveries_order_idx ON webhook_deliveries (subscription_id, ordering_key, seq) WHERE state = 'pending';
    CREATE INDEX webhook_deliveries_subscription_idx ON webhook_deliveries (subscription_id, seq);
    CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);
    CREATE TABLE webhook_reminders (
      window_id uuid NOT NULL REFERENCES windows(id) ON DELETE CASCADE,
      start_at timestamptz NOT NULL,
      offset_key text NOT NULL,
      due_at timestamptz NOT NULL,
      outcome text NOT NULL CHECK (outcome IN ('sent', 'skipped')),
      event_id uuid REFERENCES outbox_events(id),
      recorded_at timestamptz NOT NULL,
      PRIMARY KEY (window_id, start_at, offset_key)
    );
  `.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE webhook_reminders, webhook_deliveries, outbox_events, webhook_subscriptions`.execute(db)
}
