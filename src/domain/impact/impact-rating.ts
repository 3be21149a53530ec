/**
 * How hard a window hits customers, rated from its impact alone (its findings have their own
 * colour: see domain/compliance.ts):
 * - red: an outage of a prepayment service reaching more than `redPrepaymentCustomers` prepayment customers;
 * - amber: (when `amberOnPrepaymentOutage`) any outage of a prepayment service;
 * - green otherwise.
 *
 * "Reaching prepayment customers" is read as reaching them *through a prepayment service*: an outage of
 * Alerts or SMKI in all regions is in scope of 1.3 m prepayment customers but stops none of their top-ups.
 * The thresholds are design defaults (labelled in DEFAULT_IMPACT_THRESHOLDS); the rating quotes them
 * with their label.
 */
import type { ImpactThresholds } from './reference-data.ts'
import type { WindowImpact } from './window-impact.ts'

export type ImpactRatingLevel = 'red' | 'amber' | 'green'

export interface ImpactRatingReason {
  code: 'PREPAYMENT_OUTAGE_OVER_THRESHOLD' | 'PREPAYMENT_OUTAGE' | 'NO_PREPAYMENT_OUTAGE'
  message: string
}

export interface ImpactRating {
  rating: ImpactRatingLevel
  /** Every reason for the rating given (not just the first), most severe first. */
  reasons: ImpactRatingReason[]
  /** The thresholds the rating compared against, with their label and source. */
  thresholds: {
    redPrepaymentCustomers: number
    amberOnPrepaymentOutage: boolean
    confidence: ImpactThresholds['confidence']
    source: string
  }
}

export type RatedImpact = Pick<WindowImpact, 'impact' | 'prepaymentServices' | 'prepaymentCustomersAffected'>

/**
 * Rates a window's impact red, amber or green, with every reason.
 *
 * @example
 * impactRating({ impact: 'outage', prepaymentServices: ['service-requests'], prepaymentCustomersAffected: 433_333 },
 *   DEFAULT_IMPACT_THRESHOLDS)
 * // → { rating: 'amber', reasons: [PREPAYMENT_OUTAGE], thresholds: { redPrepaymentCustomers: 1000000, …, confidence: 'assumed' } }
 */
export function impactRating(impact: RatedImpact, thresholds: ImpactThresholds): ImpactRating {
  const reasons: ImpactRatingReason[] = []
  const prepaymentOutage = impact.impact === 'outage' && impact.prepaymentServices.length > 0
  const over = prepaymentOutage && impact.prepaymentCustomersAffected > thresholds.redPrepaymentCustomers
  if (over) {
    reasons.push({
      code: 'PREPAYMENT_OUTAGE_OVER_THRESHOLD',
      message:
        `outage of ${impact.prepaymentServices.join(', ')} reaches ` +
        `${Math.round(impact.prepaymentCustomersAffected).toLocaleString('en-GB')} prepayment customers ` +
        `(more than ${thresholds.redPrepaymentCustomers.toLocaleString('en-GB')}, ${thresholds.confidence})`,
    })
  }
  if (prepaymentOutage && thresholds.amberOnPrepaymentOutage) {
    reasons.push({
      code: 'PREPAYMENT_OUTAGE',
      message: `outage of prepayment service(s) ${impact.prepaymentServices.join(', ')} (${thresholds.confidence})`,
    })
  }
  const rating: ImpactRatingLevel = over ? 'red' : reasons.length > 0 ? 'amber' : 'green'
  if (reasons.length === 0) reasons.push({ code: 'NO_PREPAYMENT_OUTAGE', message: 'no outage of a prepayment service' })
  return {
    rating,
    reasons,
    thresholds: {
      redPrepaymentCustomers: thresholds.redPrepaymentCustomers,
      amberOnPrepaymentOutage: thresholds.amberOnPrepaymentOutage,
      confidence: thresholds.confidence,
      source: thresholds.source,
    },
  }
}
