/**
 * What a slot search is asked and what it answers: the request, the engine context it runs in, the
 * slots found, how far it got and, when it found fewer than asked, why.
 *
 * @example
 * const req: SlotRequest = { durationMinutes: 360, from, to, count: 3, notifiedAt: null,
 *   template: { party: 'DSP', services: ['service-requests'], regions: ['N', 'C', 'S'], impact: 'outage' } }
 */
import type { AssessContext, MonthAggregate, WindowAssessment } from '../assess.ts'
import type { FindingCode } from '../findings.ts'
import type { ImpactContext, WindowImpact } from '../impact/index.ts'
import type { WindowPlan } from '../window.ts'
import type { Tolerance } from './constraint-codes.ts'

/** What a slot is for: everything of a window but its times. */
export type SlotTemplate = Pick<WindowPlan, 'party' | 'services' | 'regions' | 'impact'> &
  Partial<Pick<WindowPlan, 'id' | 'reference' | 'title' | 'description' | 'justification' | 'riskToService' | 'changeRef' | 'programmeId'>>

export interface SearchLimits {
  /** Grid points considered at most (default 100,000: a two-year range is 70,080). */
  maxCandidates?: number
  /** Engine assessments at most (default 2,000). */
  maxAssessments?: number
  /** Wall-clock budget, read from `clock` (the domain never reads the time itself). */
  timeBudgetMs?: number
  clock?: () => number
}

export interface SlotRequest {
  durationMinutes: number
  /** Slots lie inside [from, to). */
  from: Date
  to: Date
  template: SlotTemplate
  /** When the slot would be notified; null = judged as if notified at ctx.now. */
  notifiedAt: Date | null
  count: number
  /** Default 'warning': no breach and no objection. */
  tolerate?: Tolerance
  /** Finding codes ignored, as if waived. */
  waive?: readonly FindingCode[]
  /** Default true: no slot shares time with the party's own planned windows (charged to OVERLAP). */
  avoidOwnWindows?: boolean
  limits?: SearchLimits
}

/** The engine's context (background = the stored plan) plus the impact model for ranking. */
export interface SlotContext extends AssessContext {
  impact?: ImpactContext
}

/** An engine assessment of one candidate, with the months it has minutes in. */
export type SlotAssessment = WindowAssessment & { months: MonthAggregate[] }

export interface Slot {
  start: Date
  end: Date
  /** 'YYYY-MM-DD HH:MM' in the ruleset zone. */
  localStart: string
  localEnd: string
  expectedFailedTopUps: number
  metersAffected: number
  assessment: SlotAssessment
  impact: WindowImpact | null
}

export interface RemovedTime {
  code: FindingCode
  /** Minutes of candidate start time charged to this constraint (15 per grid point), marginally. */
  minutes: number
  starts: number
  /** Local date-time of the first candidate start that does NOT fail this constraint, when it removed every start before it. */
  removedEverythingBefore: string | null
  /** Local months ('YYYY-MM') left without any start, where this constraint removed the most. */
  monthsEmptied: string[]
  message: string
}

export interface WaivedAlternative {
  code: FindingCode
  start: Date
  end: Date
  localStart: string
  expectedFailedTopUps: number
}

export interface Explanation {
  from: Date
  to: Date
  gridMinutes: number
  candidates: number
  /** Starts that pass every constraint (some may share a day with a better slot). */
  passing: number
  removed: RemovedTime[]
  /** For each constraint, the earliest start that would pass were it alone waived. */
  ifWaived: WaivedAlternative[]
  nearest: WaivedAlternative | null
  message: string
}

export type StoppedBy = 'max-candidates' | 'max-assessments' | 'time-budget'

export interface SearchProgress {
  candidates: number
  assessed: number
  searchedFrom: Date
  /** The last candidate start classified. */
  searchedUntil: Date | null
  stoppedBy: StoppedBy | null
  detail: string | null
}

export interface SlotsResult {
  slots: Slot[]
  complete: boolean
  progress: SearchProgress
  explanation: Explanation | null
}

export class SlotRequestError extends Error {
  readonly code = 'invalid-slot-request'
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message)
    this.name = 'SlotRequestError'
  }
}
