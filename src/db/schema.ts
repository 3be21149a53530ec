import type { ColumnType, Generated } from 'kysely'

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

export interface Database {
  parties: PartiesTable
  regions: RegionsTable
  services: ServicesTable
  api_keys: ApiKeysTable
  programmes: ProgrammesTable
  windows: WindowsTable
  window_versions: WindowVersionsTable
  idempotency_records: IdempotencyRecordsTable
}
