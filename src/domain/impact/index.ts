/**
 * Impact assessment: pure domain code saying who a maintenance window hurts and how much.
 *
 * @example
 * import { assessImpact, DEFAULT_ESTATE, DEFAULT_TOP_UP_PROFILE } from './impact/index.ts'
 */
export {
  type ActualsComparison,
  type ActualsInput,
  type ActualsOptions,
  type ActualsStatus,
  compareActuals,
  DEFAULT_MAX_DEVIATION_MINUTES,
  type UnscheduledInterval,
} from './actuals.ts'
export {
  type AvailabilityBasis,
  type AvailabilityWindow,
  availabilityBasis,
  availabilityByMonth,
  type MonthView,
  type MonthViewOptions,
  type PartyMonthAvailability,
} from './availability.ts'
export {
  detectOverlaps,
  type OverlapGroup,
  type OverlapInterval,
  type OverlapReport,
  type OverlapWindow,
  type OverlapWindowRef,
  type RedundancyLossCandidate,
} from './overlaps.ts'
export {
  type ImpactRating,
  type ImpactRatingLevel,
  type ImpactRatingReason,
  impactRating,
  type RatedImpact,
} from './impact-rating.ts'
export {
  CONFIDENCES,
  type Confidence,
  DEFAULT_ESTATE,
  DEFAULT_IMPACT_THRESHOLDS,
  DEFAULT_TOP_UP_PROFILE,
  type Estate,
  type Figure,
  type ImpactThresholds,
  type Problem,
  prepaymentCustomers,
  type RegionEstate,
  type TopUpProfile,
  totalMeters,
  validateEstate,
  validateThresholds,
  validateTopUpProfile,
} from './reference-data.ts'
export {
  type AvailabilityEffect,
  assessImpact,
  type ImpactContext,
  type ImpactWindow,
  type IsPreHoliday,
  type MonthAvailability,
  resolveRegions,
  resolveServices,
  prepareContext,
  type WindowImpact,
} from './window-impact.ts'
