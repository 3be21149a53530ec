/**
 * What a blackout layer is: periods in which Planned Maintenance meets an objection or a warning
 * (winter, prepayment top-up peaks, bank holidays, SEC release freezes, or operator-defined
 * "custom"), the finding it produces and the windows it applies to.
 *
 * A layer gives its periods in one of three ways:
 * - `periods`: explicit [start, end) instants;
 * - `recurrence`: a FLOATING RRULE + local start time + ISO 8601 duration in a zone (wall-clock
 *   arithmetic: 'FREQ=DAILY' at 16:00 for PT6H is 16:00–22:00 local every day, DST days included);
 * - `holidays`: the bank holidays of the nations a window's regions cover (from the working-day
 *   calendars, overrides included), widened by `daysBefore`/`daysAfter` whole local days.
 *
 * @example
 * layerApplies({ ...layer, scope: { parties: ['DSP'] } }, { party: 'CSP-N', services: [], regions: ['N'], impact: 'outage' })
 * // false
 */
import type { BasisParam, FindingCode, Provenance, Severity } from '../findings.ts'
import type { Impact } from '../window.ts'

export const BLACKOUT_CATEGORIES = ['winter', 'prepayment-peak', 'bank-holiday', 'release-freeze', 'custom'] as const
export type BlackoutCategory = (typeof BLACKOUT_CATEGORIES)[number]

const CATEGORY_CODE: Record<BlackoutCategory, FindingCode> = {
  winter: 'WINTER',
  'prepayment-peak': 'PREPAYMENT_PEAK',
  'bank-holiday': 'BANK_HOLIDAY',
  'release-freeze': 'RELEASE_FREEZE',
  custom: 'BLACKOUT',
}

/** Which windows a layer applies to; an absent or empty list means "all". */
export interface BlackoutScope {
  parties?: readonly string[]
  services?: readonly string[]
  regions?: readonly string[]
  /** Impacts the layer cares about (default: degraded and outage). */
  impacts?: readonly Impact[]
}

export interface BlackoutPeriod {
  start: Date
  end: Date
  label?: string
}

export interface BlackoutRecurrence {
  /** Floating RRULE value, e.g. 'FREQ=YEARLY;BYMONTH=10;BYMONTHDAY=1'. */
  rrule: string
  /** Local date of DTSTART 'YYYY-MM-DD'. */
  dtstart: string
  /** Local start 'HH:MM'. */
  startTime: string
  /** ISO 8601 duration added in wall-clock terms: 'P6M', 'P22D', 'PT6H'. */
  duration: string
  zone: string
}

export interface BlackoutHolidays {
  /** Whole local days before each holiday that are covered. */
  daysBefore: number
  /** Whole local days after each holiday that are covered. */
  daysAfter: number
  /** Whether the holiday itself is covered. */
  includeHoliday: boolean
  zone: string
}

export interface BlackoutLayer {
  id: string
  name: string
  category: BlackoutCategory
  severity: Severity
  /** Defaults by category: WINTER, PREPAYMENT_PEAK, BANK_HOLIDAY, RELEASE_FREEZE, BLACKOUT. */
  findingCode?: FindingCode
  scope: BlackoutScope
  owner: string
  legalBasis: string
  provenance: Provenance
  /**
   * The ruleset parameters a default layer is made of, each with its label (`provenance` is the
   * weakest); absent for an operator's layer, which rests on itself (see layerBasis).
   */
  basis?: readonly BasisParam[]
  /** Local dates (inclusive) in the layer's zone; null/absent = open. */
  effectiveFrom?: string | null
  effectiveTo?: string | null
  periods?: readonly BlackoutPeriod[]
  recurrence?: BlackoutRecurrence
  holidays?: BlackoutHolidays
  version?: string
}

/**
 * What a finding from this layer rests on: a default layer's ruleset parameters, else the layer.
 * @example layerBasis(customLayer) // [{ parameter: 'blackout:dsp-freeze', provenance: 'verified' }]
 */
export function layerBasis(layer: BlackoutLayer): readonly BasisParam[] {
  return layer.basis ?? [{ parameter: `blackout:${layer.id}`, provenance: layer.provenance }]
}

/** The finding code a layer produces. */
export function layerCode(layer: BlackoutLayer): FindingCode {
  return layer.findingCode ?? CATEGORY_CODE[layer.category]
}

/** What a layer's scope is matched against: a window's party, services, regions and impact. */
export interface ScopedWindow {
  party: string
  services: readonly string[]
  regions: readonly string[]
  impact: Impact
}

const DEFAULT_LAYER_IMPACTS: readonly Impact[] = ['degraded', 'outage']

function listMatch(scope: readonly string[] | undefined, values: readonly string[]): boolean {
  if (!scope || scope.length === 0) return true
  for (const v of values) if (scope.includes(v)) return true
  return false
}

/** True when a layer's scope covers a window. */
export function layerApplies(layer: BlackoutLayer, w: ScopedWindow): boolean {
  const s = layer.scope
  const impacts = s.impacts ?? DEFAULT_LAYER_IMPACTS
  if (!impacts.includes(w.impact)) return false
  if (s.parties?.length && !s.parties.includes(w.party)) return false
  return listMatch(s.services, w.services) && listMatch(s.regions, w.regions)
}
