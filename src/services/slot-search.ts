import type { Party, Region, Service } from '../domain/reference.ts'
import { type AssumedServices, assumedServices } from '../domain/slot-preferences.ts'
import { findSlots, type SlotContext, SlotRequestError, type SlotsResult, type Tolerance } from '../domain/slots.ts'
import { DAY_MS } from '../domain/time.ts'
import { type FieldProblem, invalid } from './errors.ts'

/**
 * The slot search as the service and `mwp slots` both run it: the same checks of the request, the
 * same limits, the same call into the domain. Only where the context comes from differs (the
 * database for the service, the built-in rules and reference data plus a plan file offline).
 * No database imports here, so the command line stays light.
 *
 * @example
 * checkSlotRange(q, 72)
 * const regions = slotRegions(q, reference)
 * const r = searchSlots(q, regions, ctx) // { slots, complete, progress, explanation, services, notes, ruleset }
 */

export interface SlotQuery {
  durationMinutes: number
  from: Date
  to: Date
  party: string
  services?: string[] | undefined
  regions?: string[] | undefined
  count: number
  notifiedAt?: Date | undefined
  tolerate: Tolerance
}

/** Engine assessments and wall time one search may spend before it stops and says how far it got. */
export const SLOT_SEARCH_LIMITS = { maxAssessments: 2000, timeBudgetMs: 10_000 } as const

const query = (pointer: string, message: string): FieldProblem => ({ pointer, in: 'query', message })

/** Duration within MAX_WINDOW_HOURS, a range of at most two years: problem+json (invalid) otherwise. */
export function checkSlotRange(q: SlotQuery, maxWindowHours: number): void {
  const problems: FieldProblem[] = []
  if (!(q.durationMinutes > 0)) problems.push(query('/duration', 'the duration must be positive'))
  else if (q.durationMinutes > maxWindowHours * 60) problems.push(query('/duration', `at most ${maxWindowHours} hours (MAX_WINDOW_HOURS)`))
  if (q.to.getTime() <= q.from.getTime()) problems.push(query('/to', 'to must be after from'))
  else if (q.to.getTime() - q.from.getTime() > 731 * DAY_MS) problems.push(query('/to', 'the range may span at most two years'))
  if (problems.length) throw invalid(problems)
}

/** The party, regions and services must be known; answers the regions searched (the party's own when none are named). */
export function slotRegions(
  q: SlotQuery,
  ref: { parties: readonly Party[]; regions: readonly Region[]; services: readonly Service[] },
): string[] {
  const party = ref.parties.find((p) => p.id === q.party)
  if (!party) throw invalid([query('/party', `unknown party ${q.party}`)])
  const unknownRegions = (q.regions ?? []).filter((r) => !ref.regions.some((x) => x.id === r))
  if (unknownRegions.length) throw invalid([query('/regions', `unknown regions ${unknownRegions.join(', ')}`)])
  const unknownServices = (q.services ?? []).filter((s) => !ref.services.some((x) => x.id === s))
  if (unknownServices.length) throw invalid([query('/services', `unknown services ${unknownServices.join(', ')}`)])
  return q.regions?.length ? q.regions : [...party.regions]
}

/** What the answer adds to the domain's result: the services searched, notes read first, the ruleset. */
export interface SlotAnswerExtras {
  /** The services the slot is assumed to take down, and where they came from ('query': as asked). */
  services: { ids: string[]; from: 'query' | AssumedServices['from'] }
  /** Things to read before the slots: assumed services, notice judged as of now. */
  notes: string[]
  ruleset: { id: string; version: string }
}

/**
 * Runs the search in the domain with the service's limits; a request the domain refuses is
 * problem+json. Without `services` the party's own are assumed (assumedServices: what its windows in
 * `ctx.background` list, else its reference default), so the impact is a real one.
 */
export function searchSlots(
  q: SlotQuery,
  regions: readonly string[],
  ctx: SlotContext,
  clock: () => number = () => performance.now(),
): SlotsResult & SlotAnswerExtras {
  const assumed = q.services === undefined ? assumedServices(q.party, ctx.background ?? []) : null
  const services = assumed?.services ?? q.services ?? []
  const notes: string[] = []
  if (assumed)
    notes.push(
      assumed.from === 'none'
        ? `services not given and none known for ${q.party}: the slots are searched with no services, so their impact is nil`
        : `services not given: assumed ${services.join(', ')}, ${assumed.from === 'plan' ? `the services ${q.party}'s planned windows list` : `the services a ${q.party} outage takes down (reference data)`}`,
    )
  if (q.notifiedAt === undefined && q.from.getTime() < ctx.now.getTime())
    notes.push(
      `the range starts in the past and no notifiedAt was given: notice is judged as of now (${ctx.now.toISOString()}), so every start before the next notice deadline fails NOTICE_PERIOD; give notifiedAt to judge it as of another instant`,
    )
  try {
    const r = findSlots(
      {
        durationMinutes: q.durationMinutes,
        from: q.from,
        to: q.to,
        count: q.count,
        notifiedAt: q.notifiedAt ?? null,
        tolerate: q.tolerate,
        template: { party: q.party, services, regions: [...regions], impact: 'outage' },
        limits: { ...SLOT_SEARCH_LIMITS, clock },
      },
      ctx,
    )
    return {
      ...r,
      services: { ids: services, from: assumed?.from ?? 'query' },
      notes,
      ruleset: { id: ctx.ruleset.id, version: ctx.ruleset.version },
    }
  } catch (err) {
    if (err instanceof SlotRequestError) throw invalid([query(`/${err.field}`, err.message)])
    throw err
  }
}
