import { type Kysely, sql } from 'kysely'

// Frozen in time: this migration never imports application code. The seed rows below are a copy
// of the reference data as it stood when the migration was written.

const parties: [string, string, string[]][] = [
  ['DSP', 'Data Service Provider', ['N', 'C', 'S']],
  ['CSP-N', 'Communications Service Provider North', ['N']],
  ['CSP-C', 'Communications Service Provider Central', ['C']],
  ['CSP-S', 'Communications Service Provider South', ['S']],
  ['DCO', 'Dual Control Organisation', ['N', 'C', 'S']],
  ['SMKI', 'Smart Metering Key Infrastructure', ['N', 'C', 'S']],
]
const regions: [string, string, string[]][] = [
  ['N', 'North (Scotland and northern England)', ['scotland', 'england']],
  ['C', 'Central (Midlands, East Anglia and Wales)', ['england', 'wales']],
  ['S', 'South (south of England)', ['england']],
]
const services: [string, string, string, boolean][] = [
  ['service-requests', 'Service Request processing', 'DCC Data Service: Service Requests, Responses and Commands', true],
  ['prepayment-top-up', 'Prepayment top-up', 'Remote credit top-ups to prepayment meters', true],
  ['alerts', 'Alerts', 'Device and DCC Alerts to Users', false],
  ['install-and-commission', 'Install and Commission', 'Installing, commissioning and joining devices', false],
  ['firmware-updates', 'Firmware updates', 'Over-the-air firmware distribution', false],
  ['registration-data', 'Registration Data', 'Registration Data provision and updates', false],
  ['sm-wan', 'SM WAN', 'Smart Metering Wide Area Network connectivity to Communications Hubs', true],
  ['smets1-services', 'SMETS1 services', 'Services to migrated SMETS1 meters', true],
  ['smki', 'SMKI', 'Smart Metering Key Infrastructure and repository', false],
  ['self-service-interface', 'Self-Service Interface', 'DCC Self-Service Interface and Service Desk tools', false],
]

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE parties (
      id text PRIMARY KEY CHECK (id ~ '^[A-Z0-9][A-Z0-9-]{0,31}$'),
      name text NOT NULL,
      regions text[] NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE regions (
      id text PRIMARY KEY CHECK (id ~ '^[A-Z0-9][A-Z0-9-]{0,31}$'),
      name text NOT NULL,
      nations text[] NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE services (
      id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
      name text NOT NULL,
      description text NOT NULL DEFAULT '',
      prepayment boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE api_keys (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      lookup text NOT NULL UNIQUE,
      secret_hash bytea NOT NULL,
      name text NOT NULL,
      role text NOT NULL CHECK (role IN ('admin', 'reviewer', 'submitter', 'viewer')),
      parties text[] NOT NULL DEFAULT '{}',
      created_by uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    );
    CREATE TABLE programmes (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      party text NOT NULL REFERENCES parties(id),
      name text NOT NULL,
      description text NOT NULL DEFAULT '',
      recurrence jsonb,
      version integer NOT NULL DEFAULT 1,
      created_by uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE windows (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      party text NOT NULL REFERENCES parties(id),
      reference text NOT NULL,
      title text NOT NULL,
      description text NOT NULL DEFAULT '',
      justification text,
      risk_to_service text,
      change_ref text,
      programme_id uuid REFERENCES programmes(id),
      kind text NOT NULL CHECK (kind IN ('planned', 'emergency')),
      impact text NOT NULL CHECK (impact IN ('no-impact', 'reduced-redundancy', 'degraded', 'outage')),
      services text[] NOT NULL DEFAULT '{}',
      regions text[] NOT NULL DEFAULT '{}',
      start_at timestamptz NOT NULL,
      end_at timestamptz NOT NULL,
      zone text NOT NULL,
      notified_at timestamptz,
      status text NOT NULL CHECK (status IN ('draft', 'proposed', 'notified', 'agreed', 'rejected', 'in-progress', 'completed', 'cancelled')),
      actual_start timestamptz,
      actual_end timestamptz,
      created_by uuid NOT NULL,
      version integer NOT NULL DEFAULT 1,
      sequence integer NOT NULL DEFAULT 0,
      effective_at timestamptz NOT NULL DEFAULT now(),
      recorded_at timestamptz NOT NULL DEFAULT now(),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT windows_reference_unique UNIQUE (party, reference),
      CONSTRAINT windows_end_after_start CHECK (end_at > start_at)
    );
    CREATE INDEX windows_start_idx ON windows (start_at, id);
    CREATE INDEX windows_end_idx ON windows (end_at);
    CREATE INDEX windows_programme_idx ON windows (programme_id);
    CREATE TABLE window_versions (
      window_id uuid NOT NULL REFERENCES windows(id) ON DELETE CASCADE,
      version integer NOT NULL,
      snapshot jsonb NOT NULL,
      changes jsonb NOT NULL,
      action text NOT NULL,
      reason text,
      changed_by uuid NOT NULL,
      effective_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (window_id, version)
    );
    CREATE TABLE idempotency_records (
      api_key_id uuid NOT NULL,
      route text NOT NULL,
      key text NOT NULL,
      request_hash text NOT NULL,
      state text NOT NULL CHECK (state IN ('running', 'done')),
      status_code integer,
      response_headers jsonb,
      response_body text,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      PRIMARY KEY (api_key_id, route, key)
    );
    CREATE INDEX idempotency_expiry_idx ON idempotency_records (expires_at);
  `.execute(db)

  for (const [id, name, r] of parties) await sql`INSERT INTO parties (id, name, regions) VALUES (${id}, ${name}, ${r})`.execute(db)
  for (const [id, name, n] of regions) await sql`INSERT INTO regions (id, name, nations) VALUES (${id}, ${name}, ${n})`.execute(db)
  for (const [id, name, description, prepayment] of services)
    await sql`INSERT INTO services (id, name, description, prepayment) VALUES (${id}, ${name}, ${description}, ${prepayment})`.execute(db)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE idempotency_records, window_versions, windows, programmes, api_keys, services, regions, parties`.execute(db)
}
