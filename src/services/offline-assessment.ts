import {
  type CalendarSet,
  BUILT_IN_RULESETS,
  DEFAULT_RULESET,
  type Ruleset,
  buildCalendars,
  DAY_MS,
  defaultBlackoutLayers,
  LONDON_ZONE,
  rulesetInForce,
  validateRuleset,
  zoneClock,
} from '../domain/index.ts'
import { DEFAULT_ESTATE, DEFAULT_IMPACT_THRESHOLDS, DEFAULT_TOP_UP_PROFILE, type ImpactContext } from '../domain/impact/index.ts'
import { DEFAULT_PARTIES, DEFAULT_REGIONS, DEFAULT_SERVICES } from '../domain/reference.ts'
import type { SlotContext, SlotsResult } from '../domain/slots.ts'
import { type SubmittedWindow, submittedPlan, type WindowPlan, type WindowStatus } from '../domain/window.ts'
import { assessGroups, groupByRuleset, planImpact } from './grouped-assessment.ts'
import type { ComplianceContext, GroupedAssessment, WindowAssessmentView } from './grouped-assessment.ts'
import { impactAttacher, preHolidayOf } from './impact-attacher.ts'
import type { ImpactService } from './impact-service.ts'
import { checkSlotRange, type SlotAnswerExtras, type SlotQuery, searchSlots, slotRegions } from './slot-search.ts'

/**
 * Assesses a plan offline: no server, no database. The same domain engine and the same wiring as a
 * `POST /v1/assessments` dry run on a fresh service (built-in rulesets, no calendar overrides, the
 * default blackout layers, the shipped reference data, impact and REDUNDANCY_LOSS included), so that
 * `mwp check` and the API agree. Pure: `now` and the tz database version come in as arguments.
 *
 * @example
 * const r = await assessOffline(plans, { now: new Date('2021-10-05T17:00:00Z'), tzdbVersion: '2025b' })
 * r.views[0].findings.map((f) => f.code) // ['NOTICE_PERIOD', 'MONTHLY_CAP', …]
 */

/** A window as the dry-run schema hands it over (instants already parsed): a submitted window, maybe stored already. */
export type PlanInput = SubmittedWindow & {
  id?: string | undefined
  notifiedAt?: Date | null | undefined
  status?: WindowStatus | undefined
}

const PLACEHOLDER_ID_PREFIX = '00000000-0000-4000-8000-'

/** True for the id a dry run gives a window without one: no stored record (waiver, history) has it. */
export const isPlaceholderId = (id: string) => id.startsWith(PLACEHOLDER_ID_PREFIX)

/**
 * The plan the engine sees for the i-th window of a dry run: defaults as for POST /v1/windows, the
 * window's own notifiedAt (else `notifiedAt`, else null: judged as notified at `now`), and the
 * placeholder id the dry-run route gives a window without one.
 */
export function toWindowPlan(w: PlanInput, i: number, opts: { notifiedAt?: Date } = {}): WindowPlan {
  return {
    id: w.id ?? `${PLACEHOLDER_ID_PREFIX}${String(i).padStart(12, '0')}`,
    ...submittedPlan(w, { regions: [] }),
    notifiedAt: w.notifiedAt ?? opts.notifiedAt ?? null,
    status: w.status ?? 'proposed',
  }
}

export class RulesetChoiceError extends Error {
  constructor(
    message: string,
    readonly problems: readonly { pointer: string; message: string }[] = [],
  ) {
    super(message)
    this.name = 'RulesetChoiceError'
  }
}

/**
 * A built-in ruleset by name: `id`, `id@version`, or `default`. Throws RulesetChoiceError naming the known ones.
 * @example rulesetByName('default').version // '2021.1.1'
 */
export function rulesetByName(name: string): Ruleset {
  const [id, version] = name === 'default' ? [DEFAULT_RULESET.id, undefined] : name.split('@')
  const found = BUILT_IN_RULESETS.filter((r) => r.id === id && (version === undefined || r.version === version))
  // The latest effectiveFrom; on a tie the one listed later (as rulesetInForce).
  const best = found.reduce<Ruleset | undefined>((a, b) => (a === undefined || b.effectiveFrom >= a.effectiveFrom ? b : a), undefined)
  if (!best)
    throw new RulesetChoiceError(
      `no built-in ruleset ${name}; known: default, ${BUILT_IN_RULESETS.map((r) => `${r.id}@${r.version}`).join(', ')}`,
    )
  return best
}

/** A ruleset from JSON text (a file), checked with the domain's validator. */
export function rulesetFromJson(text: string, source: string): Ruleset {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (err) {
    throw new RulesetChoiceError(`${source}: not JSON: ${(err as Error).message}`)
  }
  const problems = validateRuleset(body)
  if (problems.length)
    throw new RulesetChoiceError(
      `${source}: not a usable ruleset (${problems.length} problem${problems.length === 1 ? '' : 's'})`,
      problems,
    )
  return body as Ruleset
}

export interface OfflineOptions {
  now: Date
  tzdbVersion: string
  /** Judge every window by this ruleset; else the built-in version in force at each window's start. */
  ruleset?: Ruleset
  /** Add impact (RAG, overlaps) and REDUNDANCY_LOSS findings, as the service does. Default true. */
  impact?: boolean
}

let calendarsMemo: CalendarSet | undefined

/** Assesses the plan together (rules look across windows); views come back in input order. */
export async function assessOffline(subjects: readonly WindowPlan[], opts: OfflineOptions): Promise<GroupedAssessment> {
  calendarsMemo ??= buildCalendars()
  const ctx: ComplianceContext = {
    // A ruleset given by the caller first: the impact attacher finds its severity overrides by id@version.
    rulesets: opts.ruleset ? [opts.ruleset, ...BUILT_IN_RULESETS] : [...BUILT_IN_RULESETS],
    calendars: calendarsMemo,
    overrides: [],
    customBlackouts: [],
    regions: [...DEFAULT_REGIONS],
  }
  const groups = groupByRuleset(subjects, (w) => opts.ruleset ?? inForce(w.start))
  const result = assessGroups(subjects, groups, {
    now: opts.now,
    tzdbVersion: opts.tzdbVersion,
    calendars: ctx.calendars,
    regions: ctx.regions,
    blackoutsFor: defaultBlackoutLayers,
  })
  if (opts.impact !== false && subjects.length) await offlineImpact(subjects, result.views, ctx)
  return result
}

const DEFAULT_LINEAGE = BUILT_IN_RULESETS.filter((r) => r.id === DEFAULT_RULESET.id)

/** The built-in version in force on the window's local start date (one version today: memoised by date). */
const inForceMemo = new Map<string, Ruleset>()
function inForce(start: Date): Ruleset {
  if (DEFAULT_LINEAGE.length === 1) return DEFAULT_LINEAGE[0]! // in force from its start, and the fallback before it
  const local = new Date(zoneClock(DEFAULT_RULESET.zone).toWall(start.getTime())).toISOString().slice(0, 10)
  let r = inForceMemo.get(local)
  if (!r) inForceMemo.set(local, (r = rulesetInForce(DEFAULT_LINEAGE, local) ?? DEFAULT_RULESET))
  return r
}

/**
 * Impact with the reference data a fresh service ships with, through the service's own attacher (so
 * REDUNDANCY_LOSS findings and the RAG rating are made by the same code as on the API).
 */
async function offlineImpact(subjects: readonly WindowPlan[], views: WindowAssessmentView[], ctx: ComplianceContext): Promise<void> {
  const impactCtx = offlineImpactContext(ctx.calendars)
  const reference = { version: 1, versionId: 'default' }
  const impactFor: ImpactService['impactFor'] = async (_trx, windows) => ({
    ...planImpact(windows, impactCtx),
    thresholds: DEFAULT_IMPACT_THRESHOLDS,
    reference: { estate: reference, topUpProfile: reference, thresholds: reference },
    context: impactCtx,
  })
  // No database is touched offline, so no transaction is passed.
  await impactAttacher({ impactFor })(undefined as never, subjects, views, ctx)
}

/** The impact model with the reference data a fresh service ships with. */
function offlineImpactContext(calendars: CalendarSet): ImpactContext {
  return {
    estate: DEFAULT_ESTATE,
    profile: DEFAULT_TOP_UP_PROFILE,
    thresholds: DEFAULT_IMPACT_THRESHOLDS,
    parties: [...DEFAULT_PARTIES],
    regions: [...DEFAULT_REGIONS],
    services: [...DEFAULT_SERVICES],
    zone: LONDON_ZONE,
    isPreHoliday: preHolidayOf(calendars, DEFAULT_REGIONS),
  }
}

/** The stored plan is read this far around a search range by the service (the cap month and the spacing horizon). */
const SLOT_MARGIN_MS = 40 * DAY_MS

export interface OfflineSlotOptions {
  now: Date
  tzdbVersion: string
  /** The ruleset to search under; else the built-in version in force at `from`. */
  ruleset?: Ruleset
  /** Windows already planned (cap, overlap, spacing): a plan file's windows; cancelled and rejected ones are ignored. */
  plan?: readonly WindowPlan[]
  maxWindowHours?: number
  clock?: () => number
}

/**
 * `GET /v1/slots` offline: the same checks and search (src/services/slot-search.ts) over the
 * built-in rulesets, default blackout layers and shipped reference data, with `plan` as the windows
 * already planned. Throws AppError (invalid) for a request the API would answer with 400.
 *
 * @example
 * const r = findSlotsOffline({ durationMinutes: 360, from, to, party: 'DSP', count: 3, tolerate: 'warning' },
 *   { now: new Date(), tzdbVersion: 'unknown' })
 * r.slots.map((s) => s.localStart)
 */
export function findSlotsOffline(q: SlotQuery, opts: OfflineSlotOptions): SlotsResult & SlotAnswerExtras {
  checkSlotRange(q, opts.maxWindowHours ?? 72)
  const regions = slotRegions(q, { parties: DEFAULT_PARTIES, regions: DEFAULT_REGIONS, services: DEFAULT_SERVICES })
  calendarsMemo ??= buildCalendars()
  const ruleset = opts.ruleset ?? inForce(q.from)
  const lo = q.from.getTime() - SLOT_MARGIN_MS
  const hi = q.to.getTime() + SLOT_MARGIN_MS
  const background = (opts.plan ?? []).filter(
    (w) => w.status !== 'cancelled' && w.status !== 'rejected' && w.end.getTime() > lo && w.start.getTime() < hi,
  )
  const ctx: SlotContext = {
    now: opts.now,
    ruleset,
    calendars: calendarsMemo,
    blackouts: defaultBlackoutLayers(ruleset),
    regions: [...DEFAULT_REGIONS],
    background,
    impact: offlineImpactContext(calendarsMemo),
    tzdbVersion: opts.tzdbVersion,
  }
  return searchSlots(q, regions, ctx, opts.clock)
}
