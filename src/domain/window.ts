/**
 * The planned outage at the centre of everything: a maintenance window.
 *
 * Instants are the truth (`start`, `end` as `Date`, UTC inside); `zone` is the IANA zone the
 * window was planned in, used for wall-clock rules. Intervals are half-open `[start, end)`.
 *
 * @example
 * const w: MaintenanceWindow = { ...aWindow, start: new Date('2021-11-14T00:00:00Z'),
 *   end: new Date('2021-11-14T06:00:00Z'), zone: 'Europe/London' }
 */
export const IMPACTS = ['no-impact', 'reduced-redundancy', 'degraded', 'outage'] as const
export type Impact = (typeof IMPACTS)[number]

export const WINDOW_KINDS = ['planned', 'emergency'] as const
export type WindowKind = (typeof WINDOW_KINDS)[number]

export const WINDOW_STATUSES = ['draft', 'proposed', 'notified', 'agreed', 'rejected', 'in-progress', 'completed', 'cancelled'] as const
export type WindowStatus = (typeof WINDOW_STATUSES)[number]

/** The fields that say what a window is and when; everything the rules engine reads. */
export interface WindowPlan {
  /** uuid once stored; a dry-run window may not have one yet. */
  id?: string
  reference: string
  title: string
  description: string
  justification: string | null
  riskToService: string | null
  party: string
  changeRef: string | null
  programmeId: string | null
  kind: WindowKind
  impact: Impact
  services: readonly string[]
  regions: readonly string[]
  start: Date
  end: Date
  zone: string
  notifiedAt: Date | null
  status: WindowStatus
}

/** A stored window: the plan plus its bookkeeping. */
export interface MaintenanceWindow extends WindowPlan {
  id: string
  actualStart: Date | null
  actualEnd: Date | null
  createdBy: string
  /** Increases by one on every stored change (the ETag is derived from it). */
  version: number
  /** RFC 5545 SEQUENCE: increases when start, end, status or summary change. */
  sequence: number
  /** Business time of the latest version (may be set in the past by an admin loading history). */
  effectiveAt: Date
  /** When the service recorded the latest version. */
  recordedAt: Date
  createdAt: Date
  updatedAt: Date
}

const IMPACT_RANK: Record<Impact, number> = {
  'no-impact': 0,
  'reduced-redundancy': 1,
  degraded: 2,
  outage: 3,
}

/**
 * Orders impacts from least to most severe.
 * @example impactRank('outage') > impactRank('degraded') // true
 */
export function impactRank(impact: Impact): number {
  return IMPACT_RANK[impact]
}
