/**
 * The fields of a plan window as the command line's plan files carry them: the CSV columns in
 * order, and the record that export writes (the plan fields of the API's `WindowOut`, no server
 * bookkeeping). Lists (services, regions) are joined with `;` in CSV.
 *
 * @example PLAN_COLUMNS.slice(0, 3) // ['reference', 'title', 'party']
 */

/** The CSV columns, in order; `id` is read (and ignored by the API's schema) but never written. */
export const PLAN_COLUMNS = [
  'reference',
  'title',
  'party',
  'kind',
  'impact',
  'start',
  'end',
  'zone',
  'services',
  'regions',
  'description',
  'justification',
  'riskToService',
  'changeRef',
  'programmeId',
  'notifiedAt',
  'status',
  'id',
] as const
type PlanColumn = (typeof PLAN_COLUMNS)[number]

/** The columns a plan CSV must have. */
export const REQUIRED_COLUMNS: readonly PlanColumn[] = ['reference', 'title', 'party', 'impact', 'start', 'end']

/** A window as export writes it: the plan fields, no server bookkeeping. */
export interface PlanRecord {
  reference: string
  title: string
  party: string
  kind: string
  impact: string
  start: string
  end: string
  zone: string
  services: readonly string[]
  regions: readonly string[]
  description: string
  justification: string | null
  riskToService: string | null
  changeRef: string | null
  programmeId: string | null
  notifiedAt: string | null
  status: string
}

/** The columns export writes, in order: every plan column but `id`. */
export const RECORD_COLUMNS = PLAN_COLUMNS.filter((c): c is keyof PlanRecord => c !== 'id')

/** The plan fields of a window as the API answers it (`WindowOut`), in column order. */
export function planRecordOf(w: PlanRecord): PlanRecord {
  const out: Record<string, unknown> = {}
  for (const c of RECORD_COLUMNS) {
    const v = w[c]
    out[c] = Array.isArray(v) ? [...v] : v
  }
  return out as unknown as PlanRecord
}
