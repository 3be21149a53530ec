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
import { LONDON_ZONE } from './time.ts'

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

/**
 * The fields a submitter sets (POST /v1/windows, a plan file's row), in the order a window's history
 * and an import list them; everything else (id, notice, status after submission, actuals,
 * bookkeeping) belongs to the service. The one list: history, import and the defaults derive from it.
 *
 * @example SUBMITTER_FIELDS.includes('changeRef') // true
 */
export const SUBMITTER_FIELDS = [
  'reference',
  'title',
  'description',
  'justification',
  'riskToService',
  'party',
  'changeRef',
  'programmeId',
  'kind',
  'impact',
  'services',
  'regions',
  'start',
  'end',
  'zone',
] as const satisfies readonly (keyof WindowPlan)[]
export type SubmitterField = (typeof SUBMITTER_FIELDS)[number]

/** A window as a submitter sends it: what it is and when; the rest may be left out (or null where it may be empty). */
export interface SubmittedWindow {
  reference: string
  title: string
  description?: string | undefined
  justification?: string | null | undefined
  riskToService?: string | null | undefined
  party: string
  changeRef?: string | null | undefined
  programmeId?: string | null | undefined
  kind?: WindowKind | undefined
  impact: Impact
  services?: readonly string[] | undefined
  regions?: readonly string[] | undefined
  start: Date
  end: Date
  zone?: string | undefined
}

/**
 * The submitter's fields of a window with the defaults the service gives those left out: an empty
 * description, no services, a planned window in Europe/London, and `regions` (the party's own, for
 * a stored window) when none are named.
 *
 * @example submittedPlan({ reference: 'R-1', title: 'T', party: 'DSP', impact: 'outage', start, end }, { regions: [] }).zone // 'Europe/London'
 */
export function submittedPlan(w: SubmittedWindow, defaults: { regions: readonly string[] }): Pick<WindowPlan, SubmitterField> {
  return {
    reference: w.reference,
    title: w.title,
    description: w.description ?? '',
    justification: w.justification ?? null,
    riskToService: w.riskToService ?? null,
    party: w.party,
    changeRef: w.changeRef ?? null,
    programmeId: w.programmeId ?? null,
    kind: w.kind ?? 'planned',
    impact: w.impact,
    services: w.services ?? [],
    regions: w.regions ?? [...defaults.regions],
    start: w.start,
    end: w.end,
    zone: w.zone ?? LONDON_ZONE,
  }
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
