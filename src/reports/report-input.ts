/**
 * What the report is built from: the assessed windows in scope and the records around them
 * (waivers, remediated findings, webhook notices, publications, rulesets, provenance), as the
 * reports service reads them. Instants are Dates here; the report model (report-schema.ts) holds
 * them as ISO strings.
 *
 * @example
 * const input: ReportInput = { from, to, zone: LONDON_ZONE, windows, waivers: [], remediated: [], ... }
 * buildComplianceReport(input).windows.length === input.windows.length // true
 */
import type { AssessmentProvenance, MonthAggregate } from '../domain/assess.ts'
import type { CalendarSet } from '../domain/calendars.ts'
import type { Compliance } from '../domain/compliance.ts'
import type { Certainty, Finding, Severity, Waiver } from '../domain/findings.ts'
import type { ImpactRating } from '../domain/impact/impact-rating.ts'
import type { WindowImpact } from '../domain/impact/window-impact.ts'
import type { Ruleset } from '../domain/ruleset.ts'
import type { WindowPlan } from '../domain/window.ts'

/** A waiver as the report needs it (the stored record, instants as Date). */
export interface ReportWaiver extends Waiver {
  id: string
  windowId: string
  code: string
  expiresAt: Date | null
  lapsedAt: Date | null
}

/**
 * A breach or objection seen on an earlier stored assessment of the window and no longer found:
 * `remediated` when that assessment was of a version put forward (notified or later for a notice
 * finding, proposed or later for the others), else `resolved-before-notice` (never counted).
 */
export interface RemediatedFinding {
  key: string
  code: string
  severity: Severity
  certainty: Certainty
  kind: 'remediated' | 'resolved-before-notice'
  windowId: string
  reference: string
  message: string
  lastSeenAt: Date
}

/** One assessed window: what the service hands the report. */
export interface ReportWindowInput {
  window: WindowPlan & { id: string; version: number | null }
  findings: readonly Finding[]
  worstSeverity: Severity | null
  compliance: Compliance
  realMinutes: number
  ruleset: { id: string; version: string }
  impact?: (WindowImpact & { rating?: ImpactRating }) | undefined
}

/**
 * A webhook notice about a window, from the delivery log: per subscription and notice event
 * (window.proposed, schedule.published, window.changed), when it was first sent and first acknowledged (2xx).
 */
export interface ReportNotice {
  windowId: string
  subscriptionId: string
  /** The subscription owner's key: its name and the parties it is bound to (none for reviewers, viewers, admins). */
  owner: string
  parties: readonly string[]
  event: string
  firstSentAt: Date
  acknowledgedAt: Date | null
}

export interface ReportInput {
  from: Date
  to: Date
  party: string | null
  programme: string | null
  asOf: Date | null
  generatedAt: Date
  /** Zone of months, local times and the Performance Measurement Period. */
  zone: string
  /** Windows in scope (period, party, programme), any order; the report sorts them. */
  windows: readonly ReportWindowInput[]
  /** Every waiver in effect (as of asOf) for the windows in scope. */
  waivers: readonly ReportWaiver[]
  remediated: readonly RemediatedFinding[]
  /** GB-wide month totals from the engine. */
  gbMonths: readonly MonthAggregate[]
  /** Lanes of the timeline and parties of the month table (all parties, or the one asked for). */
  parties: readonly string[]
  /** Ruleset versions judging the windows, plus the one in force at the start of the period (first). */
  rulesets: readonly Ruleset[]
  calendars: CalendarSet
  publications: readonly { month: string; publishedAt: Date; parties: readonly string[] }[]
  engineProvenance: readonly AssessmentProvenance[]
  referenceData: Record<string, string>
  tzdbVersion: string
  /** The audit log's head when the report was generated: every write up to it is in the chain it seals. */
  auditHead?: { seq: number; hash: string } | undefined
  /** What the report could not take as of asOf (e.g. reference data is the current version). */
  notes: readonly string[]
  /** Webhook notices of the windows in scope, sent by asOf (acknowledgements after asOf left out). */
  notices?: readonly ReportNotice[]
}
