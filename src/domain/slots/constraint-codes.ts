/**
 * The vocabulary of the slot search: the 15-minute grid, the order in which constraints are charged
 * for the time they remove (one bit each in a candidate's failing mask) and the tolerances.
 *
 * @example
 * const mask = bitOf('NOTICE_PERIOD') | bitOf('MONTHLY_CAP')
 * firstCode(mask) // 'NOTICE_PERIOD' (the first in CONSTRAINT_ORDER)
 */
import type { FindingCode } from '../findings.ts'
import { MINUTE_MS } from '../time.ts'

/** Candidate starts lie on this grid. */
export const GRID_MINUTES = 15
export const GRID_MS = GRID_MINUTES * MINUTE_MS

/** The fixed order in which constraints are charged for the time they remove (marginal counting). */
export const CONSTRAINT_ORDER: readonly FindingCode[] = [
  'NOTICE_PERIOD',
  'WINTER',
  'PREPAYMENT_PEAK',
  'BANK_HOLIDAY',
  'RELEASE_FREEZE',
  'BLACKOUT',
  'PERMITTED_HOURS',
  'CLOCK_CHANGE_NIGHT',
  'MAX_DURATION',
  'MONTHLY_CAP',
  'MIN_SPACING',
  'OVERLAP',
  'SCHEDULE_CONTENT',
  'OVERRUN',
  'REDUNDANCY_LOSS',
]
const BIT = new Map<FindingCode, number>(CONSTRAINT_ORDER.map((c, i) => [c, 1 << i]))

/** The mask bit of a constraint (0 for a code outside CONSTRAINT_ORDER). */
export const bitOf = (c: FindingCode): number => BIT.get(c) ?? 0

/** The first constraint of a failing mask, in CONSTRAINT_ORDER. */
export function firstCode(mask: number): FindingCode {
  for (const c of CONSTRAINT_ORDER) if (mask & bitOf(c)) return c
  return 'REDUNDANCY_LOSS'
}

/** The most severe severity still tolerated ('none': not even info). */
export const TOLERANCES = ['none', 'info', 'warning', 'objection'] as const
export type Tolerance = (typeof TOLERANCES)[number]
/** A finding fails a candidate when its SEVERITY_RANK is below its tolerance's rank. */
export const TOLERANCE_RANK: Record<Tolerance, number> = { none: 4, info: 3, warning: 2, objection: 1 }
