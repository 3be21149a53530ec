/**
 * What a planner expects of a slot search beyond the rules: the services a party's outage really
 * takes down when none are named, never a slot on top of the party's own planned windows, and
 * slots with fewer warnings first. Pure; `findSlots` (slots.ts) and the slot search service use it.
 *
 * @example
 * assumedServices('DSP', plan) // { services: ['service-requests', …], from: 'plan' }
 * const own = ownWindows('DSP', plan); own.overlaps(start, end) // true on DSP-TR-11's night
 */
import type { Finding } from './findings.ts'
import { DEFAULT_PARTY_SERVICES } from './reference.ts'
import { SpanIndex } from './slots/span-index.ts'
import type { WindowPlan } from './window.ts'

/** Statuses that do not hold time in the plan (as the engine counts it). */
const NOT_PLANNED = new Set(['draft', 'rejected', 'cancelled'])

/** Whether a window of the stored plan holds time (the engine counts it): not a draft, rejected or cancelled. */
export const holdsTime = (w: Pick<WindowPlan, 'status'>): boolean => !NOT_PLANNED.has(w.status)

export interface AssumedServices {
  services: string[]
  /** 'plan': the union of what the party's planned windows list; 'reference': the party's default; 'none': neither knows. */
  from: 'plan' | 'reference' | 'none'
}

/**
 * The services a slot for `party` is assumed to take down when the search names none: those the
 * party's planned windows in `plan` list (in the order first met), else the shipped default for
 * the party, else none.
 *
 * @example assumedServices('CSP-N', []) // { services: ['sm-wan'], from: 'reference' }
 */
export function assumedServices(
  party: string,
  plan: readonly Pick<WindowPlan, 'party' | 'services' | 'status'>[],
  defaults: Readonly<Record<string, readonly string[]>> = DEFAULT_PARTY_SERVICES,
): AssumedServices {
  const seen = new Set<string>()
  for (const w of plan) if (w.party === party && holdsTime(w)) for (const s of w.services) seen.add(s)
  if (seen.size) return { services: [...seen], from: 'plan' }
  const d = defaults[party]
  return d?.length ? { services: [...d], from: 'reference' } : { services: [], from: 'none' }
}

/**
 * The party's own planned windows as sorted intervals; `overlaps(s, e)` says whether [s, e) shares
 * time with one of them (any region: a party does not run two maintenance windows at once).
 *
 * @example ownWindows('DSP', plan).overlaps(Date.parse('2022-05-15T01:00:00+01:00'), Date.parse('2022-05-15T07:00:00+01:00')) // true
 */
export function ownWindows(
  party: string,
  plan: readonly Pick<WindowPlan, 'party' | 'status' | 'start' | 'end'>[],
): { count: number; overlaps(s: number, e: number): boolean } {
  const own = new SpanIndex(
    plan.filter((w) => w.party === party && holdsTime(w) && w.end.getTime() > w.start.getTime()),
    (w) => [w.start.getTime(), w.end.getTime()],
  )
  return { count: own.size, overlaps: (s, e) => own.overlaps(s, e) }
}

/**
 * How many distinct finding codes above info a slot raises, waived ones (by a waiver, or `ignore`d
 * as the search waives them) aside: the first ranking key.
 *
 * @example warningCount([{ code: 'MONTHLY_CAP', severity: 'warning' }, { code: 'PERMITTED_HOURS', severity: 'info' }]) // 1
 */
export function warningCount(
  findings: readonly Pick<Finding, 'code' | 'severity' | 'waiver'>[],
  ignore: ReadonlySet<string> = new Set(),
): number {
  return new Set(findings.filter((f) => f.severity !== 'info' && !f.waiver && !ignore.has(f.code)).map((f) => f.code)).size
}
