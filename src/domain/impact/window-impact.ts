/**
 * Per-window impact: who a maintenance window hurts and how much.
 *
 * Choices (documented here because findings and reports rely on them):
 * - **Scope.** Regions = window.regions ∩ the party's reach, or the party's reach when the window lists
 *   none. Services = window.services that exist in the catalogue. Meters, premises and prepayment
 *   customers are the population *in scope* (the regions reached), whatever the impact level, so a
 *   reduced-redundancy window still says whom it exposes.
 * - **Top-ups.** Attempts fail only while a window is `degraded` or `outage` *and* lists at least one
 *   service with `prepayment: true` (Service Requests, top-up, SM WAN, SMETS1 services carry top-ups to
 *   meters; Alerts or SMKI do not). `no-impact` and `reduced-redundancy` give zero failed top-ups.
 *   Failed = attempts × profile.failureShare[impact].
 * - **Attempts** are the top-up profile integrated over the window's *real* minutes in the customers'
 *   local time (ctx.zone): a 00:00–06:00 window on the October clock-change night integrates 420
 *   minutes, the repeated 01:00 hour counted twice. The integral is a sum over pieces cut at local hour
 *   boundaries, so it is additive: value([a,c)) = value([a,b)) + value([b,c)) up to float rounding.
 * - **Availability** (PM 2.1 / 6.2 style): minutes of downtime are the window's real minutes when its
 *   impact is in ctx.downtimeImpacts (default: outage only — a degraded service is still "available for
 *   Service Request processing"; assumed), per local month. Agreed Planned Maintenance is excluded
 *   (100 %); if not agreed it counts as Unscheduled Downtime: 100 × (1 − minutes / month's real minutes).
 *   Both figures are given; which one applies depends on the window's status and notice, which the
 *   impact model does not see: availability.ts availabilityBasis chooses it (the services name it).
 */
import type { Party, Region, Service } from '../reference.ts'
import type { Impact, WindowPlan } from '../window.ts'
import { DAY_MS, HOUR_MS, MINUTE_MS, type ZoneClock, zoneClock } from '../time.ts'
import type { Estate, ImpactThresholds, Problem, TopUpProfile } from './reference-data.ts'

/** Is the local date (YYYY-MM-DD) one of the profile's pre-holiday days for any of the regions? */
export type IsPreHoliday = (localDate: string, regionIds: readonly string[]) => boolean

export interface ImpactContext {
  estate: Estate
  profile: TopUpProfile
  parties: readonly Party[]
  regions: readonly Region[]
  services: readonly Service[]
  /** Zone of the customers and of the Performance Measurement Period (Europe/London). */
  zone: string
  /** Injected so the impact model does not depend on the calendar code; called once per region and local day. */
  isPreHoliday: IsPreHoliday
  thresholds: ImpactThresholds
  /** Impacts that count as downtime for availability; default ['outage'] (assumed). */
  downtimeImpacts?: readonly Impact[]
}

/** What assessImpact reads from a window. */
export type ImpactWindow = Pick<WindowPlan, 'party' | 'impact' | 'services' | 'regions' | 'start' | 'end'>

export interface MonthAvailability {
  /** YYYY-MM in ctx.zone */
  month: string
  /** Downtime minutes of this window inside the month (0 when the impact is not downtime). */
  minutes: number
  /** Real minutes of the local month. */
  monthMinutes: number
  /** Agreed Planned Maintenance is excluded from Unscheduled Downtime. */
  percentIfAgreed: number
  percentIfNotAgreed: number
}

export interface AvailabilityEffect extends MonthAvailability {
  /** True when the impact counts as downtime (ctx.downtimeImpacts). */
  countsAsDowntime: boolean
  /** Real minutes of the whole window, downtime or not. */
  windowMinutes: number
  /**
   * One entry per local month the window touches. The top-level month figures are those of the month
   * hit hardest (the only month for a window inside one month); `minutes` at top level is the total.
   */
  months: MonthAvailability[]
}

export interface WindowImpact {
  impact: Impact
  /** Regions reached, in estate/region-catalogue order. */
  regions: string[]
  services: string[]
  /** The affected services that carry prepayment top-ups. */
  prepaymentServices: string[]
  metersAffected: number
  metersByType: { smets1: number; smets2: number }
  premisesAffected: number
  prepaymentCustomersAffected: number
  /** Expected top-up attempts by the prepayment customers in scope during the window. */
  expectedTopUpAttempts: number
  /** True when the window stops top-ups (degraded/outage of a prepayment service). */
  stopsTopUps: boolean
  expectedFailedTopUps: number
  availability: AvailabilityEffect
  referenceDataVersion: { estate: string; topUpProfile: string }
  /** Unknown party, region or service ids, and other input the figures could not use. */
  problems: Problem[]
}

// ---------------------------------------------------------------------------------------------
// Prepared context (cached per ctx object)

const WEEK_MS = 7 * DAY_MS

/** The context with lookups and the top-up rate precomputed. Exported for overlaps.ts. */
export interface PreparedContext {
  ctx: ImpactContext
  clock: ZoneClock
  partyById: Map<string, Party>
  serviceById: Map<string, Service>
  /** Region order: the estate's, then the region catalogue's. */
  regionOrder: Map<string, number>
  /** Top-up attempts per customer per ms, by local hour of week (Monday 00:00 first). */
  ratePerMs: Float64Array
  monthly: readonly number[]
  preHolidayMultiplier: number
  holidayFrom: number
  holidayTo: number
  holidayMultiplier: number
  downtime: ReadonlySet<Impact>
  dayFactors: Map<number, number>
  preHoliday: Map<string, Map<number, boolean>>
}

const prepared = new WeakMap<ImpactContext, PreparedContext>()

function monthDayNumber(md: string): number {
  const [m, d] = md.split('-')
  return Number(m) * 100 + Number(d)
}

/**
 * Precomputes lookups and the per-ms top-up rate for a context; cached per ctx object, so build the
 * context once and reuse it for many windows.
 * @example prepareContext(ctx).ratePerMs.length // 168
 */
export function prepareContext(ctx: ImpactContext): PreparedContext {
  let p = prepared.get(ctx)
  if (p) return p
  const weights = ctx.profile.hourOfWeekWeights.value
  if (weights.length !== 168) throw new RangeError('top-up profile needs 168 hour-of-week weights')
  if (ctx.profile.monthlyMultipliers.value.length !== 12) throw new RangeError('top-up profile needs 12 months')
  const mean = weights.reduce((a, b) => a + b, 0) / 168
  const ratePerMs = new Float64Array(168)
  const base = ctx.profile.baseRatePerCustomerPerWeek.value / WEEK_MS
  for (let i = 0; i < 168; i++) ratePerMs[i] = mean > 0 ? (base * (weights[i] ?? 0)) / mean : 0
  const regionOrder = new Map<string, number>()
  for (const id of Object.keys(ctx.estate.regions)) if (!regionOrder.has(id)) regionOrder.set(id, regionOrder.size)
  for (const r of ctx.regions) if (!regionOrder.has(r.id)) regionOrder.set(r.id, regionOrder.size)
  p = {
    ctx,
    clock: zoneClock(ctx.zone),
    partyById: new Map(ctx.parties.map((x) => [x.id, x])),
    serviceById: new Map(ctx.services.map((x) => [x.id, x])),
    regionOrder,
    ratePerMs,
    monthly: ctx.profile.monthlyMultipliers.value,
    preHolidayMultiplier: ctx.profile.preHolidayMultiplier.value,
    holidayFrom: monthDayNumber(ctx.profile.holidayPeriod.value.from),
    holidayTo: monthDayNumber(ctx.profile.holidayPeriod.value.to),
    holidayMultiplier: ctx.profile.holidayPeriodMultiplier.value,
    downtime: new Set(ctx.downtimeImpacts ?? ['outage']),
    dayFactors: new Map(),
    preHoliday: new Map(),
  }
  prepared.set(ctx, p)
  return p
}

/** Monthly × holiday-period multiplier for local day index `d`. */
function dayFactor(p: PreparedContext, d: number): number {
  let f = p.dayFactors.get(d)
  if (f !== undefined) return f
  const info = p.clock.dayInfo(d)
  const md = info.month * 100 + info.day
  const inHoliday = p.holidayFrom <= p.holidayTo ? md >= p.holidayFrom && md <= p.holidayTo : md >= p.holidayFrom || md <= p.holidayTo
  f = (p.monthly[info.month - 1] ?? 0) * (inHoliday ? p.holidayMultiplier : 1)
  p.dayFactors.set(d, f)
  return f
}

function isPreHolidayCached(p: PreparedContext, regionId: string, d: number): boolean {
  let byDay = p.preHoliday.get(regionId)
  if (!byDay) {
    byDay = new Map()
    p.preHoliday.set(regionId, byDay)
  }
  let v = byDay.get(d)
  if (v === undefined) {
    v = p.ctx.isPreHoliday(p.clock.dayInfo(d).date, [regionId])
    byDay.set(d, v)
  }
  return v
}

/**
 * Expected top-up attempts *per prepayment customer* in each region over the real instants
 * [start, end) (epoch ms); one number per entry of `regionIds`. Exported for overlaps.ts.
 *
 * @example attemptsPerCustomer(prepareContext(ctx), t, t + 7 * 86_400_000, ['N'])
 *   // ≈ [1.5 × monthly × holiday multipliers] for a week with no pre-holiday day
 */
export function attemptsPerCustomer(p: PreparedContext, start: number, end: number, regionIds: readonly string[]): number[] {
  const n = regionIds.length
  const out = new Array<number>(n).fill(0)
  if (!(end > start) || n === 0) return out
  const clock = p.clock
  const rate = p.ratePerMs
  const extraMult = p.preHolidayMultiplier - 1
  let lastDay = Number.NaN
  let factor = 0
  let weekdayBase = 0
  const pre = new Array<boolean>(n).fill(false)
  let anyPre = false
  let t = start
  let offset = 0
  let until = Number.NEGATIVE_INFINITY
  while (t < end) {
    if (t >= until) ({ offset, until } = clock.offsetSpan(t))
    const localHour = Math.floor((t + offset) / HOUR_MS)
    const pieceEnd = Math.min(end, until, (localHour + 1) * HOUR_MS - offset)
    const d = Math.floor(localHour / 24)
    if (d !== lastDay) {
      lastDay = d
      factor = dayFactor(p, d)
      weekdayBase = clock.dayInfo(d).weekday * 24
      anyPre = false
      if (extraMult !== 0) {
        for (let i = 0; i < n; i++) {
          pre[i] = isPreHolidayCached(p, regionIds[i] as string, d)
          anyPre ||= pre[i] as boolean
        }
      }
    }
    const v = (rate[weekdayBase + localHour - d * 24] as number) * factor * (pieceEnd - t)
    if (anyPre) {
      for (let i = 0; i < n; i++) out[i] = (out[i] as number) + (pre[i] ? v * (1 + extraMult) : v)
    } else {
      for (let i = 0; i < n; i++) out[i] = (out[i] as number) + v
    }
    t = pieceEnd
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Scope resolution

/**
 * Regions a window reaches: window.regions ∩ the party's reach, or the reach when none are listed.
 * An unknown party keeps the listed regions (and a problem is reported by assessImpact).
 * @example resolveRegions({ party: 'CSP-N', regions: [] }, prepareContext(ctx)) // ['N']
 */
export function resolveRegions(window: Pick<ImpactWindow, 'party' | 'regions'>, p: PreparedContext): string[] {
  const party = p.partyById.get(window.party)
  let ids: readonly string[]
  if (!party) ids = window.regions
  else if (window.regions.length === 0) ids = party.regions
  else ids = window.regions.filter((r) => party.regions.includes(r))
  const unique = [...new Set(ids)]
  const order = p.regionOrder
  return unique.sort((a, b) => (order.get(a) ?? Infinity) - (order.get(b) ?? Infinity) || (a < b ? -1 : 1))
}

/**
 * Affected services: the window's services that exist in the catalogue, in the window's order.
 * @example resolveServices({ services: ['alerts', 'nope'] }, prepareContext(ctx)) // ['alerts']
 */
export function resolveServices(window: Pick<ImpactWindow, 'services'>, p: PreparedContext): string[] {
  return [...new Set(window.services)].filter((s) => p.serviceById.has(s))
}

/** True when `impact` on `services` stops top-ups (see the module comment). */
export function stopsTopUps(impact: Impact, services: readonly string[], p: PreparedContext): boolean {
  if (impact !== 'degraded' && impact !== 'outage') return false
  return services.some((s) => p.serviceById.get(s)?.prepayment === true)
}

// ---------------------------------------------------------------------------------------------
// assessImpact

function percent(minutes: number, monthMinutes: number): number {
  return 100 * (1 - minutes / monthMinutes)
}

/**
 * Availability effect of downtime over [start, end), split per local month of `p.ctx.zone`.
 * @example availabilityEffect(p, Date.parse('2021-10-30T23:00:00Z'), Date.parse('2021-10-31T06:00:00Z'), true)
 *   // { minutes: 420, monthMinutes: 44_700, percentIfNotAgreed: 99.0604…, … }
 */
export function availabilityEffect(p: PreparedContext, start: number, end: number, countsAsDowntime: boolean): AvailabilityEffect {
  const first = p.clock.monthAt(start)
  if (end <= first.end) {
    // Fast path: the window lies inside one local month.
    const minutes = countsAsDowntime && end > start ? (end - start) / MINUTE_MS : 0
    const m: MonthAvailability = {
      month: first.key,
      minutes,
      monthMinutes: first.minutes,
      percentIfAgreed: 100,
      percentIfNotAgreed: percent(minutes, first.minutes),
    }
    return {
      month: m.month,
      minutes,
      monthMinutes: m.monthMinutes,
      percentIfAgreed: 100,
      percentIfNotAgreed: m.percentIfNotAgreed,
      countsAsDowntime,
      windowMinutes: Math.max(0, end - start) / MINUTE_MS,
      months: [m],
    }
  }
  const months: MonthAvailability[] = p.clock.splitByMonth(start, end).map((piece) => {
    const minutes = countsAsDowntime ? (piece.end - piece.start) / MINUTE_MS : 0
    return {
      month: piece.month.key,
      minutes,
      monthMinutes: piece.month.minutes,
      percentIfAgreed: 100,
      percentIfNotAgreed: percent(minutes, piece.month.minutes),
    }
  })
  let worst = months[0] as MonthAvailability
  let total = 0
  for (const m of months) {
    total += m.minutes
    if (m.percentIfNotAgreed < worst.percentIfNotAgreed) worst = m
  }
  return {
    ...worst,
    minutes: total,
    countsAsDowntime,
    windowMinutes: Math.max(0, end - start) / MINUTE_MS,
    months,
  }
}

/**
 * Impact of one window.
 *
 * @example
 * // DSP full outage of Service Requests, Sun 14 Nov 2021 00:00–06:00 Europe/London (GMT):
 * assessImpact({ party: 'DSP', impact: 'outage', services: ['service-requests'], regions: [],
 *   start: new Date('2021-11-14T00:00:00Z'), end: new Date('2021-11-14T06:00:00Z') }, ctx)
 * // → regions ['N','C','S'], metersAffected 16_300_000, prepaymentCustomersAffected 1_300_000,
 * //   availability { minutes: 360, monthMinutes: 43_200, percentIfNotAgreed: 99.1666…, percentIfAgreed: 100 }
 */
export function assessImpact(window: ImpactWindow, ctx: ImpactContext): WindowImpact {
  const p = prepareContext(ctx)
  const problems: Problem[] = []
  const start = window.start.getTime()
  const end = window.end.getTime()
  if (!(end > start)) {
    problems.push({ code: 'EMPTY_WINDOW', pointer: '/end', message: 'end must be after start' })
  }
  if (!p.partyById.has(window.party)) {
    problems.push({ code: 'UNKNOWN_PARTY', pointer: '/party', message: `unknown party ${window.party}` })
  }
  window.services.forEach((s, i) => {
    if (!p.serviceById.has(s)) {
      problems.push({ code: 'UNKNOWN_SERVICE', pointer: `/services/${i}`, message: `unknown service ${s}` })
    }
  })
  const regions = resolveRegions(window, p)
  const services = resolveServices(window, p)
  const prepaymentServices = services.filter((s) => p.serviceById.get(s)?.prepayment === true)

  let smets1 = 0
  let smets2 = 0
  let premises = 0
  const ppm: number[] = []
  for (const id of regions) {
    const r = ctx.estate.regions[id]
    if (!r) {
      problems.push({
        code: 'REGION_NOT_IN_ESTATE',
        pointer: '/regions',
        message: `no estate figures for region ${id}`,
      })
      ppm.push(0)
      continue
    }
    smets1 += r.meters.smets1.value
    smets2 += r.meters.smets2.value
    premises += r.premises.value
    ppm.push(r.premises.value * r.prepaymentShare.value)
  }
  const prepaymentCustomersAffected = ppm.reduce((a, b) => a + b, 0)

  let attempts = 0
  if (prepaymentCustomersAffected > 0 && end > start) {
    const perCustomer = attemptsPerCustomer(p, start, end, regions)
    for (let i = 0; i < regions.length; i++) attempts += (ppm[i] as number) * (perCustomer[i] as number)
  }
  const stops = stopsTopUps(window.impact, services, p)
  const share = ctx.profile.failureShare.value
  const failureShare = window.impact === 'outage' ? share.outage : window.impact === 'degraded' ? share.degraded : 0

  return {
    impact: window.impact,
    regions,
    services,
    prepaymentServices,
    metersAffected: smets1 + smets2,
    metersByType: { smets1, smets2 },
    premisesAffected: premises,
    prepaymentCustomersAffected,
    expectedTopUpAttempts: attempts,
    stopsTopUps: stops,
    expectedFailedTopUps: stops ? attempts * failureShare : 0,
    availability: availabilityEffect(p, start, end, p.downtime.has(window.impact)),
    referenceDataVersion: { estate: ctx.estate.version, topUpProfile: ctx.profile.version },
    problems,
  }
}
