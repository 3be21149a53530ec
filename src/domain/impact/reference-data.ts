/**
 * Reference data for impact assessment: the estate (meters, premises, prepayment share by region),
 * the prepayment top-up demand profile and the RAG/availability thresholds.
 *
 * Every figure carries its source and a confidence label (domain.md, "Every item carries a confidence
 * label"), and every bundle carries a version id so that each computed number can say which reference
 * data produced it. Validation returns problems with JSON pointers (RFC 6901) into the bundle; callers
 * turn them into problem+json and keep the previous version in force.
 *
 * @example
 * DEFAULT_ESTATE.regions.N?.premises.value // 3_333_334
 * validateEstate(DEFAULT_ESTATE) // []
 */

export const CONFIDENCES = ['verified', 'paraphrase', 'inferred', 'recalled', 'assumed'] as const
export type Confidence = (typeof CONFIDENCES)[number]

/** A number (or shaped value) with where it came from and how sure we are of it. */
export interface Figure<T = number> {
  value: T
  source: string
  confidence: Confidence
}

/** A problem in input data; `pointer` is a JSON pointer into the object that was validated. */
export interface Problem {
  code: string
  pointer: string
  message: string
}

export interface RegionEstate {
  meters: { smets1: Figure; smets2: Figure }
  premises: Figure
  /** Share (0–1) of premises in the region whose meters run in prepayment mode. */
  prepaymentShare: Figure
}

export interface Estate {
  version: string
  /** Date the figures describe (YYYY-MM-DD). */
  asOf: string
  /** Keyed by region id (N, C, S for the default GB regions). */
  regions: Readonly<Record<string, RegionEstate>>
}

export interface TopUpProfile {
  version: string
  /** Mean top-up attempts per prepayment customer per week, before monthly and holiday multipliers. */
  baseRatePerCustomerPerWeek: Figure
  /**
   * 168 relative weights, Monday 00:00 local first, one per local hour of the week. Only the shape
   * matters: they are normalised to mean 1, so the base rate stays the weekly mean.
   */
  hourOfWeekWeights: Figure<readonly number[]>
  /** 12 multipliers, January first, applied by the local month. */
  monthlyMultipliers: Figure<readonly number[]>
  /** Number of local days before a bank holiday that count as pre-holiday (used by the caller's isPreHoliday). */
  preHolidayDays: Figure
  preHolidayMultiplier: Figure
  /** Holiday period as MM-DD bounds, both inclusive; `from` after `to` wraps over New Year. */
  holidayPeriod: Figure<{ from: string; to: string }>
  holidayPeriodMultiplier: Figure
  /** Share (0–1) of attempts that fail while a prepayment service is degraded or out. */
  failureShare: Figure<{ degraded: number; outage: number }>
}

/** Thresholds the RAG rating and the month view use; data, not constants (assumed values). */
export interface ImpactThresholds {
  /** Red when an outage of prepayment services reaches more than this many prepayment customers. */
  redPrepaymentCustomers: number
  /** Amber for any outage of a prepayment service. */
  amberOnPrepaymentOutage: boolean
  /** Month view alert: availability below this percentage. */
  availabilityAlertBelowPercent: number
  source: string
  confidence: Confidence
}

// ---------------------------------------------------------------------------------------------
// Defaults

const ELN_2021 =
  'Energy Live News 29 Nov 2021, "DCC network reaches ten millionth property milestone" (domain.md §3.2): ' +
  '16.3 m meters (≈6.4 m SMETS1, ≈9.9 m SMETS2) in 10 m premises on 26 Nov 2021'
const REGION_SPLIT = 'split ≈1/3 per region (domain.md §4: Accenture/O2 "two-thirds" for Central+South; per-region figures not found)'
const PPM_SHARE =
  '≈13 % of smart meters in prepayment mode, end 2021 (domain.md §3.2, BEIS via smart-energymeter.com, secondary); ' +
  'applied to premises, on the working assumption that both meters of a dual-fuel premises share a payment method. ' +
  'Verified only as a national figure for smart meters; applied to the DCC-enrolled estate it is inferred (domain.md §3.2)'

/** Splits `total` into three integers that add up to it exactly (first region takes the remainder). */
function thirds(total: number): [number, number, number] {
  const third = Math.floor(total / 3)
  return [total - 2 * third, third, third]
}

function regionEstate(smets1: number, smets2: number, premises: number): RegionEstate {
  return {
    meters: {
      smets1: { value: smets1, source: `${ELN_2021}; ${REGION_SPLIT}`, confidence: 'assumed' },
      smets2: { value: smets2, source: `${ELN_2021}; ${REGION_SPLIT}`, confidence: 'assumed' },
    },
    premises: { value: premises, source: `${ELN_2021}; ${REGION_SPLIT}`, confidence: 'assumed' },
    prepaymentShare: { value: 0.13, source: PPM_SHARE, confidence: 'inferred' },
  }
}

const S1 = thirds(6_400_000)
const S2 = thirds(9_900_000)
const PREMISES = thirds(10_000_000)

/**
 * The default estate: DCC-connected meters around 26 Nov 2021, split equally over N, C and S.
 * Version '.2': the prepayment share relabelled inferred (it was 'verified' in estate-2021-11-default).
 * @example totalMeters(DEFAULT_ESTATE) // 16_300_000
 */
export const DEFAULT_ESTATE: Estate = deepFreeze({
  version: 'estate-2021-11-default.2',
  asOf: '2021-11-26',
  regions: {
    N: regionEstate(S1[0], S2[0], PREMISES[0]),
    C: regionEstate(S1[1], S2[1], PREMISES[1]),
    S: regionEstate(S1[2], S2[2], PREMISES[2]),
  },
})

/** Relative demand by local hour of day: overnight low, evening 16:00–22:00 high (domain.md §4, R16). */
const HOUR_OF_DAY_SHAPE = [
  0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.4, 0.7, 0.9, 1.0, 1.05, 1.1, 1.15, 1.1, 1.05, 1.1, 1.5, 1.7, 1.8, 1.8, 1.7, 1.5, 0.9, 0.45,
] as const
/** Relative demand by day, Monday first: Friday and Saturday higher (domain.md §4). */
const DAY_OF_WEEK_SHAPE = [1.0, 1.0, 1.0, 1.05, 1.2, 1.2, 0.95] as const

function hourOfWeekWeights(): number[] {
  const out: number[] = []
  for (const day of DAY_OF_WEEK_SHAPE) {
    for (const hour of HOUR_OF_DAY_SHAPE) out.push(Math.round(day * hour * 1000) / 1000)
  }
  return out
}

/**
 * The default top-up demand profile. All values are assumed; what each rests on is in its source.
 * @example DEFAULT_TOP_UP_PROFILE.hourOfWeekWeights.value.length // 168
 */
export const DEFAULT_TOP_UP_PROFILE: TopUpProfile = deepFreeze({
  version: 'top-up-profile-2021-default',
  baseRatePerCustomerPerWeek: {
    value: 1.5,
    source:
      'ASSUMED: prepayment customers typically top up small amounts once or twice a week; order-of-magnitude ' +
      'check against R18 (3,881,686 PayPoint PPM top-ups over the 2014/15 Christmas–New Year bank holidays, ' +
      'across several million PPM customers). No smart-PPM vend statistics were found.',
    confidence: 'assumed',
  },
  hourOfWeekWeights: {
    value: hourOfWeekWeights(),
    source:
      'ASSUMED shape: hour-of-day curve (overnight low, evening 16:00–22:00 high) × day factor (Fri, Sat 1.2; ' +
      'Sun 0.95). Rests on domain.md §4 (high-demand 16:00–22:00, Fri–Sat) and the friendly-credit hours of R16.',
    confidence: 'assumed',
  },
  monthlyMultipliers: {
    value: [1.05, 1.0, 1.0, 0.95, 0.9, 0.9, 0.9, 0.9, 0.95, 1.05, 1.2, 1.2],
    source:
      'ASSUMED: winter heating demand; November singled out as busy for top-ups by OPSG 58 (R13), December ' + 'by holiday volumes (R18).',
    confidence: 'assumed',
  },
  preHolidayDays: {
    value: 3,
    source: 'domain.md §4 / §5 holidays.preHolidayHighDemandDays (assumed)',
    confidence: 'assumed',
  },
  preHolidayMultiplier: {
    value: 1.3,
    source: 'ASSUMED: customers stock up credit before shops and support close (domain.md §4, R18).',
    confidence: 'assumed',
  },
  holidayPeriod: {
    value: { from: '12-15', to: '01-05' },
    source: 'domain.md §5 seasonal.highTopUpPeriods (R18 + assumed bounds)',
    confidence: 'assumed',
  },
  holidayPeriodMultiplier: {
    value: 1.25,
    source: 'ASSUMED: Christmas/New Year top-up volumes (R18); compounds with the December monthly multiplier.',
    confidence: 'assumed',
  },
  failureShare: {
    value: { degraded: 1, outage: 1 },
    source:
      'ASSUMED worst case: every attempt during the window fails. R14 reports ~70 % of vends failing in one ' +
      'outage (some retried or queued); lower these to model that.',
    confidence: 'assumed',
  },
})

/**
 * Default thresholds (issue 4 defaults, all assumed; availability alert 99.5 % from domain.md §4).
 * @example DEFAULT_IMPACT_THRESHOLDS.redPrepaymentCustomers // 1_000_000
 */
export const DEFAULT_IMPACT_THRESHOLDS: ImpactThresholds = deepFreeze({
  redPrepaymentCustomers: 1_000_000,
  amberOnPrepaymentOutage: true,
  availabilityAlertBelowPercent: 99.5,
  source: 'issue 4 RAG defaults and domain.md §4 PM 2.1 alert threshold; design defaults, not SEC facts',
  confidence: 'assumed',
})

// ---------------------------------------------------------------------------------------------
// Derived figures

/**
 * Meters of both types in the given regions (all regions when omitted); unknown regions count 0.
 * @example totalMeters(DEFAULT_ESTATE, ['N']) // 5_433_334
 */
export function totalMeters(estate: Estate, regionIds?: readonly string[]): number {
  let sum = 0
  for (const id of regionIds ?? Object.keys(estate.regions)) {
    const r = estate.regions[id]
    if (r) sum += r.meters.smets1.value + r.meters.smets2.value
  }
  return sum
}

/**
 * Prepayment customers in a region: premises × prepayment share (0 for an unknown region).
 * @example prepaymentCustomers(DEFAULT_ESTATE, 'C') // 3_333_333 * 0.13 ≈ 433_333.29
 */
export function prepaymentCustomers(estate: Estate, regionId: string): number {
  const r = estate.regions[regionId]
  return r ? r.premises.value * r.prepaymentShare.value : 0
}

// ---------------------------------------------------------------------------------------------
// Validation

/** Escapes one JSON pointer reference token (RFC 6901 §3). */
export function pointerToken(token: string | number): string {
  return String(token).replaceAll('~', '~0').replaceAll('/', '~1')
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

function checkVersion(value: unknown, pointer: string, problems: Problem[]): void {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 200) {
    problems.push({
      code: 'INVALID_VERSION',
      pointer,
      message: 'version must be a non-empty string (≤ 200 characters)',
    })
  }
}

/** Checks the figure envelope and returns its value when it is a finite number, else undefined. */
function checkFigure(fig: unknown, pointer: string, problems: Problem[], numeric = true): unknown {
  if (!isObject(fig)) {
    problems.push({ code: 'MISSING_FIGURE', pointer, message: 'expected {value, source, confidence}' })
    return undefined
  }
  if (typeof fig.source !== 'string' || fig.source.trim() === '') {
    problems.push({
      code: 'MISSING_SOURCE',
      pointer: `${pointer}/source`,
      message: 'every figure needs a source',
    })
  }
  if (!(CONFIDENCES as readonly unknown[]).includes(fig.confidence)) {
    problems.push({
      code: 'INVALID_CONFIDENCE',
      pointer: `${pointer}/confidence`,
      message: `confidence must be one of ${CONFIDENCES.join(', ')}`,
    })
  }
  if (numeric && (typeof fig.value !== 'number' || !Number.isFinite(fig.value))) {
    problems.push({
      code: 'NOT_A_NUMBER',
      pointer: `${pointer}/value`,
      message: 'value must be a finite number',
    })
    return undefined
  }
  return fig.value
}

/** A figure whose value must be an object: the value, or undefined after noting the problems. */
function checkObjectFigure(fig: unknown, pointer: string, problems: Problem[], expected: string): Record<string, unknown> | undefined {
  const value = checkFigure(fig, pointer, problems, false)
  if (value === undefined) return undefined
  if (isObject(value)) return value
  problems.push({ code: 'NOT_AN_OBJECT', pointer: `${pointer}/value`, message: expected })
  return undefined
}

function checkCount(fig: unknown, pointer: string, problems: Problem[]): void {
  const v = checkFigure(fig, pointer, problems)
  if (typeof v !== 'number') return
  if (v < 0) problems.push({ code: 'NEGATIVE_COUNT', pointer: `${pointer}/value`, message: `count ${v} is negative` })
  else if (!Number.isInteger(v)) {
    problems.push({
      code: 'NOT_AN_INTEGER',
      pointer: `${pointer}/value`,
      message: `count ${v} is not a whole number`,
    })
  }
}

function checkRange(fig: unknown, pointer: string, problems: Problem[], min: number, max: number): void {
  const v = checkFigure(fig, pointer, problems)
  if (typeof v === 'number' && (v < min || v > max)) {
    problems.push({
      code: 'OUT_OF_RANGE',
      pointer: `${pointer}/value`,
      message: `${v} is outside ${min}–${max}`,
    })
  }
}

function checkBuckets(fig: unknown, pointer: string, problems: Problem[], length: number): void {
  const v = checkFigure(fig, pointer, problems, false)
  if (v === undefined) return
  if (!Array.isArray(v)) {
    problems.push({
      code: 'NOT_AN_ARRAY',
      pointer: `${pointer}/value`,
      message: `expected ${length} numbers`,
    })
    return
  }
  if (v.length !== length) {
    problems.push({
      code: 'WRONG_BUCKET_COUNT',
      pointer: `${pointer}/value`,
      message: `expected ${length} buckets, got ${v.length}`,
    })
  }
  let sum = 0
  v.forEach((x: unknown, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) {
      problems.push({
        code: 'INVALID_BUCKET',
        pointer: `${pointer}/value/${i}`,
        message: 'bucket must be a finite number ≥ 0',
      })
    } else sum += x
  })
  if (v.length > 0 && sum <= 0) {
    problems.push({
      code: 'ALL_ZERO',
      pointer: `${pointer}/value`,
      message: 'at least one bucket must be positive',
    })
  }
}

const MONTH_DAY = /^(\d{2})-(\d{2})$/
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

function checkMonthDay(value: unknown, pointer: string, problems: Problem[]): void {
  const m = typeof value === 'string' ? MONTH_DAY.exec(value) : null
  const month = m ? Number(m[1]) : 0
  const day = m ? Number(m[2]) : 0
  if (!m || month < 1 || month > 12 || day < 1 || day > (DAYS_IN_MONTH[month - 1] ?? 0)) {
    problems.push({ code: 'INVALID_MONTH_DAY', pointer, message: 'expected a valid MM-DD' })
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/

/**
 * Validates an estate; returns [] when it can be put in force.
 * @example validateEstate({ ...DEFAULT_ESTATE, regions: {} })
 *   // [{ code: 'NO_REGIONS', pointer: '/regions', ... }]
 */
export function validateEstate(estate: unknown): Problem[] {
  const problems: Problem[] = []
  if (!isObject(estate)) return [{ code: 'NOT_AN_OBJECT', pointer: '', message: 'estate must be an object' }]
  checkVersion(estate.version, '/version', problems)
  if (typeof estate.asOf !== 'string' || !DATE.test(estate.asOf)) {
    problems.push({ code: 'INVALID_DATE', pointer: '/asOf', message: 'asOf must be YYYY-MM-DD' })
  }
  if (!isObject(estate.regions) || Object.keys(estate.regions).length === 0) {
    problems.push({ code: 'NO_REGIONS', pointer: '/regions', message: 'at least one region is required' })
    return problems
  }
  for (const [id, region] of Object.entries(estate.regions)) {
    const p = `/regions/${pointerToken(id)}`
    if (!isObject(region)) {
      problems.push({ code: 'NOT_AN_OBJECT', pointer: p, message: 'region must be an object' })
      continue
    }
    if (!isObject(region.meters)) {
      problems.push({ code: 'MISSING_FIGURE', pointer: `${p}/meters`, message: 'expected {smets1, smets2}' })
    } else {
      checkCount(region.meters.smets1, `${p}/meters/smets1`, problems)
      checkCount(region.meters.smets2, `${p}/meters/smets2`, problems)
    }
    checkCount(region.premises, `${p}/premises`, problems)
    checkRange(region.prepaymentShare, `${p}/prepaymentShare`, problems, 0, 1)
  }
  return problems
}

/**
 * Validates a top-up profile; returns [] when it can be put in force.
 * @example validateTopUpProfile({ ...DEFAULT_TOP_UP_PROFILE,
 *   monthlyMultipliers: { value: [1], source: 'x', confidence: 'assumed' } })
 *   // [{ code: 'WRONG_BUCKET_COUNT', pointer: '/monthlyMultipliers/value', ... }]
 */
export function validateTopUpProfile(profile: unknown): Problem[] {
  const problems: Problem[] = []
  if (!isObject(profile)) return [{ code: 'NOT_AN_OBJECT', pointer: '', message: 'profile must be an object' }]
  checkVersion(profile.version, '/version', problems)
  checkRange(profile.baseRatePerCustomerPerWeek, '/baseRatePerCustomerPerWeek', problems, 0, 1000)
  checkBuckets(profile.hourOfWeekWeights, '/hourOfWeekWeights', problems, 168)
  checkBuckets(profile.monthlyMultipliers, '/monthlyMultipliers', problems, 12)
  checkCount(profile.preHolidayDays, '/preHolidayDays', problems)
  checkRange(profile.preHolidayDays, '/preHolidayDays', problems, 0, 31)
  checkRange(profile.preHolidayMultiplier, '/preHolidayMultiplier', problems, 0, 100)
  checkRange(profile.holidayPeriodMultiplier, '/holidayPeriodMultiplier', problems, 0, 100)
  const period = checkObjectFigure(profile.holidayPeriod, '/holidayPeriod', problems, 'expected {from, to}')
  if (period) {
    checkMonthDay(period.from, '/holidayPeriod/value/from', problems)
    checkMonthDay(period.to, '/holidayPeriod/value/to', problems)
  }
  const share = checkObjectFigure(profile.failureShare, '/failureShare', problems, 'expected {degraded, outage}')
  if (share) {
    for (const key of ['degraded', 'outage'] as const) {
      const v = share[key]
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
        problems.push({
          code: 'OUT_OF_RANGE',
          pointer: `/failureShare/value/${key}`,
          message: 'share must be 0–1',
        })
      }
    }
  }
  return problems
}

/**
 * Validates thresholds; returns [] when they can be used.
 * @example validateThresholds({ ...DEFAULT_IMPACT_THRESHOLDS, redPrepaymentCustomers: -1 }).length // 1
 */
export function validateThresholds(thresholds: unknown): Problem[] {
  if (!isObject(thresholds)) return [{ code: 'NOT_AN_OBJECT', pointer: '', message: 'thresholds must be an object' }]
  const problems: Problem[] = []
  const red = thresholds.redPrepaymentCustomers
  if (typeof red !== 'number' || !Number.isFinite(red) || red < 0) {
    problems.push({
      code: 'OUT_OF_RANGE',
      pointer: '/redPrepaymentCustomers',
      message: 'must be a number ≥ 0',
    })
  }
  const alert = thresholds.availabilityAlertBelowPercent
  if (typeof alert !== 'number' || !Number.isFinite(alert) || alert < 0 || alert > 100) {
    problems.push({
      code: 'OUT_OF_RANGE',
      pointer: '/availabilityAlertBelowPercent',
      message: 'must be 0–100',
    })
  }
  if (typeof thresholds.amberOnPrepaymentOutage !== 'boolean') {
    problems.push({
      code: 'NOT_A_BOOLEAN',
      pointer: '/amberOnPrepaymentOutage',
      message: 'must be true or false',
    })
  }
  if (!(CONFIDENCES as readonly unknown[]).includes(thresholds.confidence)) {
    problems.push({ code: 'INVALID_CONFIDENCE', pointer: '/confidence', message: 'unknown confidence label' })
  }
  return problems
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}
