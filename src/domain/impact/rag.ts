/**
 * RAG rating of a window from its findings and its impact.
 *
 * Defaults (issue 4; thresholds are data, labelled assumed in DEFAULT_IMPACT_THRESHOLDS):
 * - red: any unwaived breach, or an outage of a prepayment service reaching more than
 *   `redPrepaymentCustomers` prepayment customers;
 * - amber: any unwaived objection, or (when `amberOnPrepaymentOutage`) any outage of a prepayment service;
 * - green otherwise (warnings and info never change the colour).
 *
 * "Reaching prepayment customers" is read as reaching them *through a prepayment service*: an outage of
 * Alerts or SMKI in all regions is in scope of 1.3 m prepayment customers but stops none of their top-ups.
 */
import type { ImpactThresholds } from './reference-data.ts'
import type { WindowImpact } from './window-impact.ts'

export type RagRating = 'red' | 'amber' | 'green'
export type RagSeverity = 'breach' | 'objection' | 'warning' | 'info'

export interface RagFinding {
  severity: RagSeverity
  waived: boolean
  /** Rule code, quoted in the reason when present. */
  code?: string
}

export interface RagReason {
  code: 'UNWAIVED_BREACH' | 'PREPAYMENT_OUTAGE_OVER_THRESHOLD' | 'UNWAIVED_OBJECTION' | 'PREPAYMENT_OUTAGE' | 'NONE'
  message: string
}

export interface RagResult {
  rating: RagRating
  /** Every reason for the rating given (not just the first), most severe first. */
  reasons: RagReason[]
  /** Thresholds label, so a rating resting on assumed values says so. */
  thresholdsConfidence: ImpactThresholds['confidence']
}

export type RagImpact = Pick<WindowImpact, 'impact' | 'prepaymentServices' | 'prepaymentCustomersAffected'>

function codes(findings: readonly RagFinding[]): string {
  const named = findings.map((f) => f.code).filter((c): c is string => typeof c === 'string')
  return named.length > 0 ? ` (${[...new Set(named)].join(', ')})` : ''
}

/**
 * Rates a window red, amber or green, with every reason.
 *
 * @example
 * ragRating([{ severity: 'objection', waived: false, code: 'WINTER' }],
 *   { impact: 'outage', prepaymentServices: ['service-requests'], prepaymentCustomersAffected: 433_333 },
 *   DEFAULT_IMPACT_THRESHOLDS)
 * // → { rating: 'amber', reasons: [UNWAIVED_OBJECTION (WINTER), PREPAYMENT_OUTAGE], … }
 */
export function ragRating(findings: readonly RagFinding[], impact: RagImpact, thresholds: ImpactThresholds): RagResult {
  const red: RagReason[] = []
  const amber: RagReason[] = []
  const breaches = findings.filter((f) => f.severity === 'breach' && !f.waived)
  const objections = findings.filter((f) => f.severity === 'objection' && !f.waived)
  const prepaymentOutage = impact.impact === 'outage' && impact.prepaymentServices.length > 0
  if (breaches.length > 0) {
    red.push({ code: 'UNWAIVED_BREACH', message: `${breaches.length} unwaived breach(es)${codes(breaches)}` })
  }
  if (prepaymentOutage && impact.prepaymentCustomersAffected > thresholds.redPrepaymentCustomers) {
    red.push({
      code: 'PREPAYMENT_OUTAGE_OVER_THRESHOLD',
      message:
        `outage of ${impact.prepaymentServices.join(', ')} reaches ` +
        `${Math.round(impact.prepaymentCustomersAffected).toLocaleString('en-GB')} prepayment customers ` +
        `(> ${thresholds.redPrepaymentCustomers.toLocaleString('en-GB')}, ${thresholds.confidence})`,
    })
  }
  if (objections.length > 0) {
    amber.push({
      code: 'UNWAIVED_OBJECTION',
      message: `${objections.length} unwaived objection(s)${codes(objections)}`,
    })
  }
  if (prepaymentOutage && thresholds.amberOnPrepaymentOutage) {
    amber.push({
      code: 'PREPAYMENT_OUTAGE',
      message: `outage of prepayment service(s) ${impact.prepaymentServices.join(', ')} (${thresholds.confidence})`,
    })
  }
  const base = { thresholdsConfidence: thresholds.confidence }
  if (red.length > 0) return { rating: 'red', reasons: [...red, ...amber], ...base }
  if (amber.length > 0) return { rating: 'amber', reasons: amber, ...base }
  return {
    rating: 'green',
    reasons: [{ code: 'NONE', message: 'no unwaived breach or objection and no prepayment outage' }],
    ...base,
  }
}
