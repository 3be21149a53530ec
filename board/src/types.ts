import type { Impact as WindowImpact, WindowKind } from '../../src/domain/window.ts'
/** The shapes of the API answers the board reads (a subset of /openapi.json: what the page uses). */

export type Role = 'admin' | 'reviewer' | 'submitter' | 'viewer'
export type Rating = 'red' | 'amber' | 'green' | 'unrated'
/** What a bar shows: a rating, or `pending` while the service is still judging the plan (the board's own state). */
export type Shown = Rating | 'pending'
export type Severity = 'breach' | 'objection' | 'warning' | 'info'

export interface Me {
  keyId: string
  name: string
  role: Role
  parties: string[]
  may: { planWindows: boolean; decideWindows: boolean; recordWaivers: boolean; manageRules: boolean; manageKeys: boolean }
}

export interface WindowDto {
  id: string
  reference: string
  title: string
  description: string
  justification: string | null
  riskToService: string | null
  party: string
  changeRef: string | null
  programmeId: string | null
  kind: WindowKind
  impact: WindowImpact
  services: string[]
  regions: string[]
  start: string
  end: string
  zone: string
  startLocal: string
  endLocal: string
  durationMinutes: number
  notifiedAt: string | null
  status: string
  version: number
  createdBy: string
  updatedAt: string
}

export interface Finding {
  key: string
  code: string
  severity: Severity
  certainty: 'confirmed' | 'unconfirmed'
  reference: string
  windowId?: string
  message: string
  rule: { id: string; version: string; provenance: string; rulesetId: string; basis?: readonly { parameter: string; provenance: string }[] }
  waivable: boolean
  waiver?: { decisionRef: string; approvedBy: string }
}

export interface Impact {
  metersAffected?: number
  prepaymentCustomersAffected?: number
  expectedFailedTopUps?: number
  regions?: string[]
  rating?: { rating: string; reasons?: { message?: string }[] | string[] }
  availability?: { percent?: number; basis?: string; minutes?: number }
}

export interface Assessment {
  windowId: string | null
  windowVersion: number | null
  reference: string
  compliance: { rating: Rating; reasons: { code: string; message: string; codes: string[] }[] }
  realMinutes: number
  findings: Finding[]
  impact?: Impact
}

export interface PlanMonth {
  month: string
  plannedMinutes: number
  capMinutes: number
  headroomMinutes: number
  remainingMinutes: number
  status: 'ok' | 'warning' | 'breach'
  windows: number
  capProvenance?: string
}

export interface PlanAssessment {
  windows: Assessment[]
  months: PlanMonth[]
}

export interface BlackoutPeriod {
  layerId: string
  name: string
  category: 'winter' | 'prepayment-peak' | 'bank-holiday' | 'release-freeze' | 'custom'
  severity: string
  provenance: string
  start: string
  end: string
  label?: string
  nation?: string
}

export interface NoticeDeadline {
  month: string
  deadline: { calendar: string; lastDay: string; before: string; workingDays: number; provenance: string } | null
}

export interface HistoryEntry {
  version: number
  action: string
  reason: string | null
  changedBy: string
  effectiveAt: string
  recordedAt: string
  changes: { field: string; old: unknown; new: unknown }[]
}

export interface Notice {
  deliveryId: string
  event: { id: string; type: string; time: string }
  subscription: { id: string; description: string | null; ownerName: string | null }
  state: string
  sentAt: string | null
  acknowledgedAt: string | null
}

export interface Waiver {
  id: string
  findingKey: string
  windowId: string
  code: string
  approvedBy: string
  decisionRef: string
  decidedAt: string
  reason: string
  expiresAt: string | null
  lapsedAt: string | null
  recordedAt: string
}

export interface Slot {
  start: string
  end: string
  localStart: string
  localEnd: string
  expectedFailedTopUps: number
  metersAffected: number
  assessment?: { compliance?: { rating: Rating }; findings?: { code: string; severity: Severity }[] }
}

export interface SlotsAnswer {
  slots: Slot[]
  complete: boolean
  notes: string[]
  explanation: {
    message: string
    nearest: { code: string; start: string; end: string; expectedFailedTopUps: number } | null
  } | null
}
