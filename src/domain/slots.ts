/**
 * Slot finding and programme re-planning: where can a window go without a finding above the
 * tolerated severity, and why is there nowhere when there is nowhere. The modules, in slots/:
 * - constraint-codes: the 15-minute grid, the order constraints are charged in, the tolerances;
 * - candidate-search: the candidate starts of one (template, duration, range) and the engine call
 *   that confirms one; static-constraints: what fails whatever the plan holds (NOTICE_PERIOD by one
 *   engine probe per month, blackouts, permitted hours, clock-change nights, duration);
 *   plan-constraints: MONTHLY_CAP, MIN_SPACING and OVERLAP against the plan, by the rules' own functions;
 * - impact-ranking (with rank-heap): candidates in order of expected failed top-ups, priced lazily;
 * - find-slots, replan: the two searches; explanation: why fewer slots than asked.
 *
 * The search is exact on a 15-minute grid of instants (every candidate start ≡ 0 mod 15 minutes
 * UTC; every real zone offset is a multiple of 15 minutes, so these are also the local quarter
 * hours, both passes of an autumn fold included and the spring gap excluded). A classifier only
 * ever says "fails" when the engine would; every candidate it lets through is assessed by the
 * engine (`assess`) before it is returned. SCHEDULE_CONTENT is about what a window says, not when
 * it is (e.g. a missing changeRef): it never rules a time out, in the search or in a re-plan.
 *
 * @example
 * const r = findSlots({ durationMinutes: 360, from, to, count: 3, notifiedAt,
 *   template: { party: 'DSP', services: ['service-requests'], regions: ['N', 'C', 'S'], impact: 'outage' } },
 *   { ...assessContext, impact: impactContext })
 * r.slots.map((s) => s.localStart) // ['2022-04-10 01:00', …]; r.explanation when fewer than 3
 */
export { CONSTRAINT_ORDER, GRID_MINUTES, TOLERANCES, type Tolerance } from './slots/constraint-codes.ts'
export { findSlots } from './slots/find-slots.ts'
export { type ReplanResult, replan } from './slots/replan.ts'
export {
  type SlotContext,
  SlotRequestError,
  type SlotRequest,
  type SlotsResult,
} from './slots/types.ts'
