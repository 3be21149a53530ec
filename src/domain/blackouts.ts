/**
 * Blackout layers: periods in which Planned Maintenance meets an objection or a warning — winter,
 * prepayment top-up peaks, bank holidays, SEC release freezes, or operator-defined ("custom").
 *
 * A layer gives its periods in one of three ways:
 * - `periods`: explicit [start, end) instants;
 * - `recurrence`: a FLOATING RRULE + local start time + ISO 8601 duration in a zone (wall-clock
 *   arithmetic: 'FREQ=DAILY' at 16:00 for PT6H is 16:00–22:00 local every day, DST days included);
 * - `holidays`: the bank holidays of the nations a window's regions cover (from the working-day
 *   calendars, overrides included), widened by `daysBefore`/`daysAfter` whole local days.
 *
 * @example
 * const layers = defaultBlackoutLayers(DEFAULT_RULESET)
 * blackoutStateAt(layers, new Date('2021-11-14T00:00:00Z'), { calendars: buildCalendars() }).active.map(a => a.id)
 * // ['winter', 'november-top-up']
 */
import rrule from 'rrule'
import { DateTime, Duration } from 'luxon'
import { type CalendarSet, calendarsForRegions, NATION_CALENDAR_IDS, type NationCalendarId } from './calendars.ts'
import {
  type BasisParam,
  type FindingCode,
  isFindingCode,
  isProvenance,
  isSeverity,
  type Provenance,
  type Severity,
  weakestProvenance,
} from './findings.ts'
import { DEFAULT_REGIONS, type Region } from './reference.ts'
import { parseRRule } from './recurrence.ts'
import { basisOf, overriddenSeverity, periodProvenance, type Ruleset } from './ruleset.ts'
import { DAY_MS, dayIndexOf, isHhMm, isIsoDate, isValidZone, MINUTE_MS, parseHhMm, zoneClock } from './time.ts'
import { IMPACTS, type Impact } from './window.ts'

const { RRule } = rrule

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

export interface LayerProblem {
  pointer: string
  message: string
}

/** Problems in a layer (untrusted JSON allowed); [] when usable. */
/** Instants a layer may name: the years the service plans in (as the API's instants). */
const inPlanningYears = (ms: number) => ms >= Date.UTC(1970, 0, 1) && ms < Date.UTC(2200, 0, 1)

export function validateBlackoutLayer(input: unknown): LayerProblem[] {
  const out: LayerProblem[] = []
  const add = (pointer: string, message: string) => out.push({ pointer, message })
  if (typeof input !== 'object' || input === null) return [{ pointer: '', message: 'a layer must be an object' }]
  const l = input as Record<string, unknown>
  for (const k of ['id', 'name', 'owner', 'legalBasis'] as const) {
    if (typeof l[k] !== 'string' || (l[k] as string).trim() === '') add(`/${k}`, 'missing or empty string')
  }
  if (!(BLACKOUT_CATEGORIES as readonly unknown[]).includes(l.category))
    add('/category', `must be one of ${BLACKOUT_CATEGORIES.join(', ')}`)
  if (!isSeverity(l.severity)) add('/severity', 'must be breach | objection | warning | info')
  if (!isProvenance(l.provenance)) add('/provenance', 'must be verified | paraphrase | inferred | recalled | assumed')
  if (l.findingCode !== undefined && !isFindingCode(l.findingCode)) add('/findingCode', 'unknown finding code')
  const scope = l.scope as Record<string, unknown> | undefined
  if (typeof scope !== 'object' || scope === null) add('/scope', 'missing scope (use {} for all)')
  else {
    for (const k of ['parties', 'services', 'regions'] as const) {
      const v = scope[k]
      if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) add(`/scope/${k}`, 'must be a list of ids')
    }
    const imp = scope.impacts
    if (imp !== undefined && !(Array.isArray(imp) && imp.every((x) => (IMPACTS as readonly unknown[]).includes(x)))) {
      add('/scope/impacts', `must be a list of ${IMPACTS.join(' | ')}`)
    }
  }
  for (const k of ['effectiveFrom', 'effectiveTo'] as const) {
    if (l[k] !== undefined && l[k] !== null && !isIsoDate(l[k])) add(`/${k}`, 'must be an ISO date (YYYY-MM-DD)')
  }
  if (isIsoDate(l.effectiveFrom) && isIsoDate(l.effectiveTo) && l.effectiveFrom > l.effectiveTo) {
    add('/effectiveTo', `effectiveTo (${l.effectiveTo}) is before effectiveFrom (${l.effectiveFrom})`)
  }
  const sources = ['periods', 'recurrence', 'holidays'].filter((k) => l[k] !== undefined)
  // Named at /periods, the first of the three: a client shows the message beside a field.
  if (sources.length !== 1) add('/periods', 'give exactly one of periods, recurrence, holidays')
  if (Array.isArray(l.periods)) {
    l.periods.forEach((per: unknown, i: number) => {
      const x = per as Record<string, unknown>
      const s = x?.start instanceof Date ? x.start.getTime() : NaN
      const e = x?.end instanceof Date ? x.end.getTime() : NaN
      if (Number.isNaN(s) || Number.isNaN(e)) add(`/periods/${i}`, 'start and end must be instants')
      else if (e <= s) add(`/periods/${i}/end`, 'end must be after start')
      else if (!inPlanningYears(s) || !inPlanningYears(e)) add(`/periods/${i}`, 'start and end must lie between the years 1970 and 2199')
    })
  } else if (l.periods !== undefined) add('/periods', 'must be a list')
  if (l.recurrence !== undefined) {
    const r = l.recurrence as Record<string, unknown>
    try {
      parseRRule(String(r?.rrule ?? ''))
    } catch (e) {
      add('/recurrence/rrule', (e as Error).message)
    }
    if (!isIsoDate(r?.dtstart)) add('/recurrence/dtstart', 'must be an ISO date')
    else if (!inPlanningYears(Date.parse(r.dtstart as string))) add('/recurrence/dtstart', 'must lie between the years 1970 and 2199')
    if (!isHhMm(r?.startTime)) add('/recurrence/startTime', "must be 'HH:MM'")
    if (typeof r?.zone !== 'string' || !isValidZone(r.zone)) add('/recurrence/zone', 'unknown IANA zone')
    const d = typeof r?.duration === 'string' ? Duration.fromISO(r.duration) : null
    if (!d || !d.isValid || d.as('minutes') <= 0) add('/recurrence/duration', "must be a positive ISO 8601 duration, e.g. 'PT6H'")
    // Each occurrence is looked for this far back before any instant: a longer one scans centuries.
    else if (d.as('days') > 366) add('/recurrence/duration', 'must be at most a year (P1Y)')
  }
  if (l.holidays !== undefined) {
    const h = l.holidays as Record<string, unknown>
    for (const k of ['daysBefore', 'daysAfter'] as const) {
      if (!Number.isInteger(h?.[k]) || (h[k] as number) < 0) add(`/holidays/${k}`, 'must be a non-negative integer')
    }
    if (typeof h?.includeHoliday !== 'boolean') add('/holidays/includeHoliday', 'must be true or false')
    if (typeof h?.zone !== 'string' || !isValidZone(h.zone)) add('/holidays/zone', 'unknown IANA zone')
    if (h?.includeHoliday === false && h?.daysBefore === 0 && h?.daysAfter === 0) add('/holidays', 'covers no day')
  }
  return out
}

function mmddParts(s: string): [number, number] {
  return [Number(s.slice(0, 2)), Number(s.slice(3, 5))]
}

/** ISO duration from an inclusive local MM-DD range (may cross the year end), e.g. 10-01..03-31 → 'P6M'. */
function annualDuration(from: string, to: string): string {
  const [fm, fd] = mmddParts(from)
  const [tm, td] = mmddParts(to)
  const start = DateTime.utc(2021, fm, fd)
  let end = DateTime.utc(2021, tm, td).plus({ days: 1 })
  if (end <= start) end = end.plus({ years: 1 })
  const diff = end.diff(start, ['months', 'days'])
  const months = Math.round(diff.months)
  const days = Math.round(diff.days)
  return `P${months ? `${months}M` : ''}${days || !months ? `${days}D` : ''}`
}

function annualLayerRecurrence(from: string, zone: string, startYear = 2000): BlackoutRecurrence {
  const [m, d] = mmddParts(from)
  return {
    rrule: `FREQ=YEARLY;BYMONTH=${m};BYMONTHDAY=${d}`,
    dtstart: `${startYear}-${from}`,
    startTime: '00:00',
    duration: '',
    zone,
  }
}

/**
 * The default layers of a ruleset (issue 3 §4): winter; the high top-up periods (November;
 * 15 Dec–5 Jan); the daily evening peak; bank holidays ± buffer; the days before bank holidays;
 * SEC release go-lives ± buffer.
 */
export function defaultBlackoutLayers(r: Ruleset): BlackoutLayer[] {
  // Each layer carries its parameters and is labelled by the weakest of them.
  const made = (...pointers: string[]) => {
    const basis = basisOf(r, ...pointers)
    return { basis, provenance: weakestProvenance(basis.map((b) => b.provenance)) }
  }
  const zone = r.zone
  const version = `${r.id}@${r.version}`
  const layers: BlackoutLayer[] = []
  const w = r.seasonal.winter
  layers.push({
    id: 'winter',
    name: `Winter (${w.from.value} to ${w.to.value})`,
    category: 'winter',
    severity: overriddenSeverity(r, 'WINTER', 'objection'),
    scope: {},
    owner: 'OPSG',
    legalBasis:
      w.from.value === '10-01' && w.to.value === '03-31'
        ? 'OPSG 58 objection to work in the winter season (no dates given); bounds of the winter moratorium 1 Oct to 31 Mar (R17)'
        : 'OPSG 58 objection to work in the winter season (no dates given); bounds from the ruleset',
    ...made('/seasonal/winter/from', '/seasonal/winter/to'),
    recurrence: { ...annualLayerRecurrence(w.from.value, zone), duration: annualDuration(w.from.value, w.to.value) },
    version,
  })
  for (const [i, per] of r.seasonal.highTopUp.value.entries()) {
    layers.push({
      id: per.id,
      name: `High prepayment top-up period (${per.from} to ${per.to})`,
      category: 'prepayment-peak',
      severity: overriddenSeverity(r, 'PREPAYMENT_PEAK', 'objection'),
      scope: {},
      owner: 'OPSG',
      legalBasis: per.why,
      // The matched period's own label (the Christmas bounds are assumed, November is the minutes').
      basis: [{ parameter: `/seasonal/highTopUp/value/${i}`, provenance: periodProvenance(r, per).provenance }],
      provenance: periodProvenance(r, per).provenance,
      recurrence: { ...annualLayerRecurrence(per.from, zone), duration: annualDuration(per.from, per.to) },
      version,
    })
  }
  const ep = r.seasonal.eveningPeak
  const epMin = parseHhMm(ep.to.value) - parseHhMm(ep.from.value)
  layers.push({
    id: 'evening-peak',
    name: `Daily evening top-up peak (${ep.from.value} to ${ep.to.value})`,
    category: 'prepayment-peak',
    severity: overriddenSeverity(r, 'PREPAYMENT_PEAK', 'warning'),
    scope: {},
    owner: 'mwp default ruleset',
    legalBasis: 'Evening vend peak before friendly-credit hours (R16); assumed',
    ...made('/seasonal/eveningPeak/from', '/seasonal/eveningPeak/to'),
    recurrence: { rrule: 'FREQ=DAILY', dtstart: '2000-01-01', startTime: ep.from.value, duration: `PT${epMin}M`, zone },
    version,
  })
  const hb = r.holidays.bufferDaysEitherSide
  layers.push({
    id: 'bank-holidays',
    name: `Bank holidays of the regions' nations ± ${hb.value} day(s)`,
    category: 'bank-holiday',
    severity: overriddenSeverity(r, 'BANK_HOLIDAY', 'warning'),
    scope: {},
    owner: 'mwp default ruleset',
    legalBasis: 'Holiday top-up volumes (R18); friendly credit on public holidays (R15); assumed buffer',
    ...made('/holidays/bufferDaysEitherSide'),
    holidays: { daysBefore: hb.value, daysAfter: hb.value, includeHoliday: true, zone },
    version,
  })
  const pre = r.holidays.preHolidayDays
  layers.push({
    id: 'pre-bank-holiday',
    name: `The ${pre.value} days before a bank holiday (high top-up demand)`,
    category: 'prepayment-peak',
    severity: overriddenSeverity(r, 'PREPAYMENT_PEAK', 'warning'),
    scope: {},
    owner: 'mwp default ruleset',
    legalBasis: 'Customers top up ahead of holidays (R18); assumed',
    ...made('/holidays/preHolidayDays'),
    holidays: { daysBefore: pre.value, daysAfter: 0, includeHoliday: false, zone },
    version,
  })
  const buf = r.releases.bufferDays.value
  const clock = zoneClock(zone)
  layers.push({
    id: 'sec-release-freeze',
    name: `SEC release go-lives ± ${buf} days`,
    category: 'release-freeze',
    severity: overriddenSeverity(r, 'RELEASE_FREEZE', 'warning'),
    scope: {},
    owner: 'SECAS / DCC release management',
    legalBasis: 'SEC Release go-lives are change events (R12); freeze buffer assumed',
    ...made('/releases/dates', '/releases/bufferDays'),
    periods: r.releases.dates.value.map((d) => {
      const idx = dayIndexOf(d)
      return {
        start: new Date(clock.startOfDay(idx - buf)),
        end: new Date(clock.startOfDay(idx + buf + 1)),
        label: `SEC Release ${d}`,
      }
    }),
    version,
  })
  return layers
}

/** Expanded periods of one layer, sorted by start, with prefix max-end for fast overlap search. */
interface Expanded {
  starts: Float64Array
  ends: Float64Array
  maxEnd: Float64Array
  labels: (string | undefined)[]
}

function pack(periods: { start: number; end: number; label?: string }[]): Expanded {
  periods.sort((a, b) => a.start - b.start || a.end - b.end)
  const n = periods.length
  const starts = new Float64Array(n)
  const ends = new Float64Array(n)
  const maxEnd = new Float64Array(n)
  const labels: (string | undefined)[] = new Array(n)
  let m = -Infinity
  periods.forEach((p, i) => {
    starts[i] = p.start
    ends[i] = p.end
    m = Math.max(m, p.end)
    maxEnd[i] = m
    labels[i] = p.label
  })
  return { starts, ends, maxEnd, labels }
}

function expandRecurrenceLayer(rec: BlackoutRecurrence, from: number, to: number): { start: number; end: number }[] {
  const opts = parseRRule(rec.rrule)
  const clock = zoneClock(rec.zone)
  const dur = Duration.fromISO(rec.duration)
  if (!dur.isValid) throw new RangeError(`invalid duration '${rec.duration}'`)
  const approx = Math.max(dur.as('milliseconds'), 0) * 1.1 + 2 * DAY_MS
  const startMin = parseHhMm(rec.startTime)
  let day0 = dayIndexOf(rec.dtstart)
  const fromWall = clock.toWall(from) - approx
  const toWall = clock.toWall(to) + DAY_MS
  // A rule without COUNT and INTERVAL 1 whose set does not depend on DTSTART's own fields can start
  // at the range: this keeps a daily layer from iterating years it does not need.
  const interval = (opts.interval as number | undefined) ?? 1
  const noCount = opts.count === undefined || opts.count === null
  const rangeDay = Math.floor(fromWall / DAY_MS)
  if (noCount && interval === 1 && rangeDay > day0) {
    const freq = opts.freq as number
    const hasMonthDay = opts.bymonth !== undefined && opts.bymonthday !== undefined
    if (freq === RRule.DAILY && opts.byweekday === undefined && opts.bymonthday === undefined && opts.bymonth === undefined) day0 = rangeDay
    else if (freq === RRule.YEARLY && hasMonthDay) day0 = Date.UTC(new Date(rangeDay * DAY_MS).getUTCFullYear(), 0, 1) / DAY_MS
  }
  const dtstart = new Date(day0 * DAY_MS + startMin * MINUTE_MS)
  if (toWall < dtstart.getTime()) return []
  const rule = new RRule({ ...(opts as object), dtstart })
  const out: { start: number; end: number }[] = []
  const occ = rule.between(new Date(Math.max(fromWall, dtstart.getTime())), new Date(toWall), true)
  for (const d of occ) {
    const wallStart = d.getTime()
    const wallEnd = DateTime.fromMillis(wallStart, { zone: 'UTC' }).plus(dur).toMillis()
    const s = clock.fromWall(wallStart).ms
    const e = clock.fromWall(wallEnd).ms
    if (e > from && s < to && e > s) out.push({ start: s, end: e })
  }
  return out
}

function holidayPeriods(
  h: BlackoutHolidays,
  cal: NationCalendarId,
  calendars: CalendarSet,
  from: number,
  to: number,
): { start: number; end: number; label: string }[] {
  const clock = zoneClock(h.zone)
  const pad = (h.daysBefore + h.daysAfter + 2) * DAY_MS
  const y0 = new Date(from - pad).getUTCFullYear()
  const y1 = new Date(to + pad).getUTCFullYear()
  const out: { start: number; end: number; label: string }[] = []
  const c = calendars.get(cal)
  for (let y = y0; y <= y1; y++) {
    for (const hol of c.holidays(y)) {
      const idx = dayIndexOf(hol.date)
      const a = idx - h.daysBefore
      const b = h.includeHoliday ? idx + h.daysAfter : idx - 1
      const label = `${hol.name} ${hol.date} (${cal})`
      if (h.includeHoliday || h.daysBefore > 0) {
        const s = clock.startOfDay(a)
        const e = clock.startOfDay(b + 1)
        if (e > s && e > from && s < to) out.push({ start: s, end: e, label })
      }
      if (!h.includeHoliday && h.daysAfter > 0) {
        const s = clock.startOfDay(idx + 1)
        const e = clock.startOfDay(idx + 1 + h.daysAfter)
        if (e > from && s < to) out.push({ start: s, end: e, label })
      }
    }
  }
  return out
}

function effectiveClip(layer: BlackoutLayer): [number, number] {
  const zone = layer.recurrence?.zone ?? layer.holidays?.zone ?? 'Europe/London'
  const clock = zoneClock(zone)
  const a = layer.effectiveFrom ? clock.startOfDay(dayIndexOf(layer.effectiveFrom)) : -Infinity
  const b = layer.effectiveTo ? clock.startOfDay(dayIndexOf(layer.effectiveTo) + 1) : Infinity
  return [a, b]
}

export interface ExpandContext {
  calendars: CalendarSet
  /** Nation calendars whose holidays apply (holiday layers); default all three. */
  holidayCalendars?: readonly NationCalendarId[]
}

/**
 * Periods of a layer overlapping [from, to), clipped to its effective dates, sorted by start.
 * @example expandLayer(winterLayer, new Date('2021-01-01Z'), new Date('2022-01-01Z'), { calendars })
 */
export function expandLayer(layer: BlackoutLayer, from: Date, to: Date, ctx: ExpandContext): BlackoutPeriod[] {
  const f = from.getTime()
  const t = to.getTime()
  let raw: { start: number; end: number; label?: string }[] = []
  if (layer.periods)
    raw = layer.periods.map((p) => ({ start: p.start.getTime(), end: p.end.getTime(), ...(p.label ? { label: p.label } : {}) }))
  else if (layer.recurrence) raw = expandRecurrenceLayer(layer.recurrence, f, t)
  else if (layer.holidays) {
    for (const cal of ctx.holidayCalendars ?? NATION_CALENDAR_IDS) raw.push(...holidayPeriods(layer.holidays, cal, ctx.calendars, f, t))
  }
  const [ea, eb] = effectiveClip(layer)
  return raw
    .map((p) => ({ ...p, start: Math.max(p.start, ea), end: Math.min(p.end, eb) }))
    .filter((p) => p.end > p.start && p.end > f && p.start < t)
    .sort((a, b) => a.start - b.start || a.end - b.end)
    .map((p) => ({ start: new Date(p.start), end: new Date(p.end), ...(p.label ? { label: p.label } : {}) }))
}

/** A blackout hit for one window. */
export interface BlackoutHit {
  layer: BlackoutLayer
  /** The first overlapping period. */
  start: number
  end: number
  label?: string
  /** Real minutes of the window inside the layer (all overlapping periods). */
  overlapMinutes: number
}

export interface ScopedWindow {
  party: string
  services: readonly string[]
  regions: readonly string[]
  impact: Impact
}

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
  if (s.parties && s.parties.length && !s.parties.includes(w.party)) return false
  return listMatch(s.services, w.services) && listMatch(s.regions, w.regions)
}

const DEFAULT_LAYER_IMPACTS: readonly Impact[] = ['degraded', 'outage']

type CachedExpansion = { e?: Expanded; byCal?: Map<NationCalendarId, Expanded> }
const expansionCache = new WeakMap<BlackoutLayer, WeakMap<CalendarSet, Map<string, CachedExpansion>>>()

function packPeriods(ps: readonly BlackoutPeriod[]): Expanded {
  return pack(ps.map((p) => ({ start: p.start.getTime(), end: p.end.getTime(), ...(p.label ? { label: p.label } : {}) })))
}

/**
 * Layers expanded once over a range, for fast per-window lookups (binary search per layer).
 * Holiday layers are expanded per nation calendar and chosen per window by its regions.
 */
export class PreparedBlackouts {
  private readonly plain: { layer: BlackoutLayer; e: Expanded }[] = []
  private readonly holiday: { layer: BlackoutLayer; byCal: Map<NationCalendarId, Expanded> }[] = []
  private readonly regionCals = new Map<string, NationCalendarId[]>()

  constructor(
    readonly layers: readonly BlackoutLayer[],
    from: Date,
    to: Date,
    calendars: CalendarSet,
    private readonly regions: readonly Region[] = DEFAULT_REGIONS,
  ) {
    // Expand over whole UTC years and reuse the expansion for the same layer object and calendars:
    // layers are immutable data, so repeated assessments skip the RRULE/luxon work.
    const y0 = new Date(from.getTime()).getUTCFullYear()
    const y1 = new Date(to.getTime()).getUTCFullYear()
    const f = new Date(Date.UTC(y0, 0, 1) - 2 * DAY_MS)
    const t = new Date(Date.UTC(y1 + 1, 0, 1) + 2 * DAY_MS)
    const rangeKey = `${y0}-${y1}`
    for (const layer of layers) {
      let perLayer = expansionCache.get(layer)
      if (!perLayer) expansionCache.set(layer, (perLayer = new WeakMap()))
      let perCal = perLayer.get(calendars)
      if (!perCal) perLayer.set(calendars, (perCal = new Map()))
      let cached = perCal.get(rangeKey)
      if (!cached) {
        if (perCal.size > 8) perCal.clear()
        cached = layer.holidays
          ? {
              byCal: new Map(
                NATION_CALENDAR_IDS.map((cal) => [cal, packPeriods(expandLayer(layer, f, t, { calendars, holidayCalendars: [cal] }))]),
              ),
            }
          : { e: packPeriods(expandLayer(layer, f, t, { calendars })) }
        perCal.set(rangeKey, cached)
      }
      if (cached.byCal) this.holiday.push({ layer, byCal: cached.byCal })
      else this.plain.push({ layer, e: cached.e! })
    }
  }

  private readonly regionExps = new WeakMap<readonly string[], Map<BlackoutLayer, Expanded[]>>()

  private calsFor(regions: readonly string[]): NationCalendarId[] {
    const key = regions.join(',')
    let v = this.regionCals.get(key)
    if (!v) {
      v = calendarsForRegions(regions, this.regions)
      this.regionCals.set(key, v)
    }
    return v
  }

  /** The expansions of a holiday layer for a window's regions (cached per regions array). */
  private holidayExps(layer: BlackoutLayer, byCal: Map<NationCalendarId, Expanded>, regions: readonly string[]): Expanded[] {
    let perLayer = this.regionExps.get(regions)
    if (!perLayer) this.regionExps.set(regions, (perLayer = new Map()))
    let v = perLayer.get(layer)
    if (!v) {
      v = this.calsFor(regions).map((c) => byCal.get(c)!)
      perLayer.set(layer, v)
    }
    return v
  }

  /** Layers (in layer order) whose periods overlap [s, e) and whose scope covers the window. */
  hits(w: ScopedWindow, s: number, e: number): BlackoutHit[] {
    const out: BlackoutHit[] = []
    for (const { layer, e: ex } of this.plain) if (layerApplies(layer, w)) collectHit(out, layer, ex, null, s, e)
    for (const { layer, byCal } of this.holiday) {
      if (!layerApplies(layer, w)) continue
      const exps = this.holidayExps(layer, byCal, w.regions)
      if (exps.length === 1) collectHit(out, layer, exps[0]!, null, s, e)
      else collectHit(out, layer, null, exps, s, e)
    }
    return out
  }
}

/** First index of `e` whose start is ≥ t (periods before it start before t). */
function startsBefore(e: Expanded, t: number): number {
  let lo = 0
  let hi = e.starts.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (e.starts[mid]! < t) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Adds the hit of one layer (periods from one expansion, or several) for [s, e): the earliest
 * overlapping period (ties: smaller label) and the real minutes of the union of the overlaps.
 */
function collectHit(
  out: BlackoutHit[],
  layer: BlackoutLayer,
  one: Expanded | null,
  many: readonly Expanded[] | null,
  s: number,
  e: number,
): void {
  let found = false
  let fs = 0
  let fe = 0
  let fl: string | undefined
  let firstA = 0
  let firstB = 0
  let ivs: [number, number][] | null = null
  const exps = one ? null : many!
  const count = one ? 1 : exps!.length
  for (let x = 0; x < count; x++) {
    const ex = one ?? exps![x]!
    // Scan backwards from the last period starting before e; visit overlapping ones in start order.
    const hi = startsBefore(ex, e)
    let lo = hi
    while (lo > 0 && ex.maxEnd[lo - 1]! > s) lo--
    for (let j = lo; j < hi; j++) {
      const ce = ex.ends[j]!
      if (!(ce > s)) continue
      const cs = ex.starts[j]!
      const cl = ex.labels[j]
      if (!found || cs < fs || (cs === fs && (cl ?? '') < (fl ?? ''))) {
        fs = cs
        fe = ce
        fl = cl
      }
      const a = Math.max(s, cs)
      const b = Math.min(e, ce)
      if (!found) {
        found = true
        firstA = a
        firstB = b
      } else (ivs ??= [[firstA, firstB]]).push([a, b])
    }
  }
  if (!found) return
  const hit: BlackoutHit = { layer, start: fs, end: fe, overlapMinutes: ivs ? unionMinutes(ivs) : (firstB - firstA) / MINUTE_MS }
  if (fl !== undefined) hit.label = fl
  out.push(hit)
}

function unionMinutes(ivs: [number, number][]): number {
  if (ivs.length === 1) return (ivs[0]![1] - ivs[0]![0]) / MINUTE_MS
  ivs.sort((a, b) => a[0] - b[0])
  let total = 0
  let cs = -Infinity
  let ce = -Infinity
  for (const [a, b] of ivs) {
    if (a > ce) {
      if (ce > cs) total += ce - cs
      cs = a
      ce = b
    } else if (b > ce) ce = b
  }
  if (ce > cs) total += ce - cs
  return total / MINUTE_MS
}

export interface ActiveLayer {
  id: string
  name: string
  category: BlackoutCategory
  severity: Severity
  start: Date
  end: Date
  label?: string
}

export interface BlackoutState {
  at: Date
  active: ActiveLayer[]
  /** The next instant the set of active layers changes, or null if none within the horizon. */
  nextChangeAt: Date | null
}

export interface StateOptions {
  calendars: CalendarSet
  /** Regions whose nations' holidays count (default: every region). */
  regions?: readonly string[]
  regionData?: readonly Region[]
  /** How far ahead to look for the next change (default 400 days). */
  horizonDays?: number
}

/**
 * Which layers are active at an instant, and when that next changes.
 * @example blackoutStateAt(layers, new Date('2021-11-14T12:00:00Z'), { calendars }).nextChangeAt
 * // 2021-11-14T16:00:00.000Z (the evening peak starts)
 */
export function blackoutStateAt(layers: readonly BlackoutLayer[], at: Date, opts: StateOptions): BlackoutState {
  const horizon = (opts.horizonDays ?? 400) * DAY_MS
  const t = at.getTime()
  const regionData = opts.regionData ?? DEFAULT_REGIONS
  const holidayCalendars = calendarsForRegions(opts.regions ?? regionData.map((r) => r.id), regionData)
  const from = new Date(t - horizon)
  const to = new Date(t + horizon)
  const expanded = layers.map((layer) => ({
    layer,
    periods: expandLayer(layer, from, to, { calendars: opts.calendars, holidayCalendars }),
  }))
  const activeAt = (x: number) => {
    const ids: string[] = []
    for (const { layer, periods } of expanded) if (periods.some((p) => p.start.getTime() <= x && x < p.end.getTime())) ids.push(layer.id)
    return ids.join('\u0000')
  }
  const active: ActiveLayer[] = []
  for (const { layer, periods } of expanded) {
    const p = periods.find((q) => q.start.getTime() <= t && t < q.end.getTime())
    if (!p) continue
    const a: ActiveLayer = {
      id: layer.id,
      name: layer.name,
      category: layer.category,
      severity: layer.severity,
      start: p.start,
      end: p.end,
    }
    if (p.label) a.label = p.label
    active.push(a)
  }
  const now = activeAt(t)
  const bounds = new Set<number>()
  for (const { periods } of expanded) {
    for (const p of periods) {
      if (p.start.getTime() > t) bounds.add(p.start.getTime())
      if (p.end.getTime() > t) bounds.add(p.end.getTime())
    }
  }
  let next: Date | null = null
  for (const b of [...bounds].sort((x, y) => x - y)) {
    if (b >= t + horizon) break
    if (activeAt(b) !== now) {
      next = new Date(b)
      break
    }
  }
  return { at, active, nextChangeAt: next }
}
