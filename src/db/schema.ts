import type { ColumnType, Generated, GeneratedAlways } from 'kysely'

/** Row types as the database holds them; repositories map them to domain types. */
type Timestamp = ColumnType<Date, Date | string, Date | string>
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>
type Json<T> = ColumnType<T, string, string>

export interface PartiesTable {
  id: string
  name: string
  regions: string[]
  created_at: DefaultTimestamp
}
export interface RegionsTable {
  id: string
  name: string
  nations: string[]
  created_at: DefaultTimestamp
}
export interface ServicesTable {
  id: string
  name: string
  description: string
  prepayment: boolean
  created_at: DefaultTimestamp
}
export interface ApiKeysTable {
  id: Generated<string>
  lookup: string
  secret_hash: Buffer
  name: string
  role: string
  parties: string[]
  created_by: string | null
  created_at: DefaultTimestamp
  revoked_at: Timestamp | null
}
export interface ProgrammesTable {
  id: Generated<string>
  party: string
  name: string
  description: string
  recurrence: Json<unknown> | null
  version: Generated<number>
  created_by: string | null
  created_at: DefaultTimestamp
  updated_at: DefaultTimestamp
  recorded_at: DefaultTimestamp
}
export interface WindowsTable {
  id: Generated<string>
  party: string
  reference: string
  title: string
  description: string
  justification: string | null
  risk_to_service: string | null
  change_ref: string | null
  programme_id: string | null
  kind: string
  impact: string
  services: string[]
  regions: string[]
  start_at: Timestamp
  end_at: Timestamp
  zone: string
  notified_at: Timestamp | null
  status: string
  actual_start: Timestamp | null
  actual_end: Timestamp | null
  created_by: string
  version: Generated<number>
  sequence: Generated<number>
  effective_at: DefaultTimestamp
  recorded_at: DefaultTimestamp
  created_at: DefaultTimestamp
  updated_at: DefaultTimestamp
}
export interface WindowVersionsTable {
  window_id: string
  version: number
  snapshot: Json<Record<string, unknown>>
  changes: Json<unknown[]>
  action: string
  reason: string | null
  changed_by: string
  effective_at: Timestamp
  recorded_at: DefaultTimestamp
}
export interface IdempotencyRecordsTable {
  api_key_id: string
  route: string
  key: string
  request_hash: string
  state: 'running' | 'done'
  status_code: number | null
  response_headers: Json<Record<string, string>> | null
  response_body: string | null
  created_at: DefaultTimestamp
  expires_at: Timestamp
}

export interface RulesetsTable {
  id: string
  version: string
  effective_from: ColumnType<string, string, string>
  body: Json<unknown>
  created_by: string | null
  effective_at: DefaultTimestamp
  recorded_at: DefaultTimestamp
}
export interface CalendarOverridesTable {
  id: Generated<string>
  calendar: string
  date: ColumnType<string, string, string>
  action: 'add' | 'remove'
  name: string | null
  reason: string
  created_by: string | null
  effective_at: DefaultTimestamp
  recorded_at: DefaultTimestamp
}
export interface BlackoutLayersTable {
  id: string
  version: Generated<number>
  body: Json<unknown>
  created_by: string | null
  effective_at: DefaultTimestamp
  recorded_at: DefaultTimestamp
  created_at: DefaultTimestamp
}
export interface AssessmentsTable {
  id: Generated<string>
  window_id: string
  window_version: number
  ruleset_id: string
  ruleset_version: string
  result: Json<unknown>
  provenance: Json<unknown>
  effective_at: Timestamp
  recorded_at: DefaultTimestamp
  /** Keys of the result's breaches and objections, computed by the database (migration 0010). */
  serious_finding_keys: GeneratedAlways<string[]>
}
export interface WaiversTable {
  id: Generated<string>
  finding_key: string
  window_id: string
  code: string
  approved_by: 'sec-panel' | 'opsg-delegated'
  decision_ref: string
  decided_at: Timestamp
  reason: string
  expires_at: Timestamp | null
  created_by: string
  recorded_at: DefaultTimestamp
  lapsed_at: Timestamp | null
  lapsed_reason: string | null
}
export interface SchedulePublicationsTable {
  id: Generated<string>
  month: string
  published_at: Timestamp
  published_by: string
  parties: string[]
  window_ids: string[]
  snapshot: Json<unknown>
  recorded_at: DefaultTimestamp
}
export interface FeedsTable {
  id: Generated<string>
  owner_key_id: string
  name: string
  filter: Json<unknown>
  token_hash: Buffer
  created_at: DefaultTimestamp
  revoked_at: Timestamp | null
}
export interface ReferenceDataTable {
  kind: 'estate' | 'top-up-profile' | 'impact-thresholds'
  version: number
  body: Json<unknown>
  created_by: string | null
  effective_at: DefaultTimestamp
  recorded_at: DefaultTimestamp
}
export interface WebhookSubscriptionsTable {
  id: Generated<string>
  owner_key_id: string
  url: string
  events: string[]
  filter: Json<unknown>
  description: string
  secret: string
  enabled: Generated<boolean>
  failing_since: Timestamp | null
  disabled_at: Timestamp | null
  disabled_reason: string | null
  created_at: Timestamp
  updated_at: Timestamp
  deleted_at: Timestamp | null
}
export interface OutboxEventsTable {
  id: Generated<string>
  seq: Generated<number>
  type: string
  subject: string
  window_ids: string[]
  parties: string[]
  services: string[]
  regions: string[]
  data: Json<unknown>
  occurred_at: Timestamp
  fanned_out_at: Timestamp | null
}
export interface WebhookDeliveriesTable {
  id: Generated<string>
  seq: Generated<number>
  event_id: string
  subscription_id: string
  ordering_key: string
  replay_of: string | null
  state: ColumnType<
    'pending' | 'delivered' | 'dead' | 'cancelled',
    'pending' | 'delivered' | 'dead' | 'cancelled' | undefined,
    'pending' | 'delivered' | 'dead' | 'cancelled'
  >
  created_at: Timestamp
  next_attempt_at: Timestamp
  locked_until: Timestamp | null
  attempt_count: Generated<number>
  attempts: ColumnType<unknown[], string | undefined, string>
  acknowledged_at: Timestamp | null
  dead_reason: string | null
}
export interface WebhookRemindersTable {
  window_id: string
  start_at: Timestamp
  offset_key: string
  due_at: Timestamp
  outcome: 'sent' | 'skipped'
  event_id: string | null
  recorded_at: Timestamp
}

export interface AuditLogTable {
  seq: number
  recorded_at: Timestamp
  actor_key_id: string | null
  action: string
  entity_type: string
  entity_id: string
  payload: Json<unknown>
  prev_hash: string
  hash: string
}

export interface Database {
  rulesets: RulesetsTable
  calendar_overrides: CalendarOverridesTable
  blackout_layers: BlackoutLayersTable
  assessments: AssessmentsTable
  waivers: WaiversTable
  schedule_publications: SchedulePublicationsTable
  feeds: FeedsTable
  reference_data: ReferenceDataTable
  parties: PartiesTable
  regions: RegionsTable
  services: ServicesTable
  api_keys: ApiKeysTable
  programmes: ProgrammesTable
  windows: WindowsTable
  window_versions: WindowVersionsTable
  idempotency_records: IdempotencyRecordsTable
  webhook_subscriptions: WebhookSubscriptionsTable
  outbox_events: OutboxEventsTable
  webhook_deliveries: WebhookDeliveriesTable
  webhook_reminders: WebhookRemindersTable
  audit_log: AuditLogTable
}
