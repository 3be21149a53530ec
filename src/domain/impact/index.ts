/**
 * Impact assessment: pure domain code saying who a maintenance window hurts and how much.
 *
 * @example
 * import { assessImpact, DEFAULT_ESTATE, DEFAULT_TOP_UP_PROFILE } from './impact/index.ts'
 */
export {
  type ActualsComparison,
  compareActuals,
  type UnscheduledInterval,
} from './actuals.ts'
export {
  type AvailabilityWindow,
  availabilityBasis,
  availabilityByMonth,
  type PartyMonthAvailability,
} from './availability.ts'
export {
  detectOverlaps,
  type OverlapReport,
  type OverlapWindow,
} from './overlaps.ts'
export { impactRating } from './impact-rating.ts'
export {
  CONFIDENCES,
  DEFAULT_ESTATE,
  DEFAULT_IMPACT_THRESHOLDS,
  DEFAULT_TOP_UP_PROFILE,
  type Estate,
  type ImpactThresholds,
  type Problem,
  prepaymentCustomers,
  type TopUpProfile,
  totalMeters,
  validateEstate,
  validateThresholds,
  validateTopUpProfile,
} from './reference-data.ts'
export {
  assessImpact,
  type ImpactContext,
  type ImpactWindow,
  type IsPreHoliday,
  type WindowImpact,
} from './window-impact.ts'
