/**
 * Checks a ruleset (possibly untrusted JSON) for missing, malformed and contradictory parameters,
 * section by section, each problem at the JSON pointer of the field to correct.
 *
 * @example
 * validateRuleset({ ...DEFAULT_RULESET, cap: { ...DEFAULT_RULESET.cap, headroomMinutes: p(400, 'assumed') } })
 * // [{ pointer: '/cap/headroomMinutes/value', message: 'headroom (400) is larger than the cap (360)' }]
 */
import { CALENDAR_IDS, isCalendarId } from './calendars.ts'
import { FINDING_CODE_LIST, isFindingCode, isProvenance, isSeverity } from './findings.ts'
import { SCHEDULE_ITEMS } from './ruleset.ts'
import { isHhMm, isIsoDate, isValidZone, parseHhMm } from './time.ts'
import { IMPACTS } from './window.ts'

export interface RulesetProblem {
  /** RFC 6901 JSON pointer into the ruleset. */
  pointer: string
  message: string
}

type Obj = Record<string, unknown>
/** A value's problem, or null when it is fine. */
type Check = (x: unknown) => string | null

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const MMDD = /^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/

const nonNegInt: Check = (x) => (Number.isInteger(x) && (x as number) >= 0 ? null : 'must be a non-negative integer')
const posInt: Check = (x) => (Number.isInteger(x) && (x as number) > 0 ? null : 'must be a positive integer')
const bool: Check = (x) => (typeof x === 'boolean' ? null : 'must be true or false')
const calendar: Check = (x) => (isCalendarId(x) ? null : `unknown calendar; known: ${CALENDAR_IDS.join(', ')}`)
const hhmm: Check = (x) => (isHhMm(x) ? null : "must be 'HH:MM'")
const mmdd: Check = (x) => (typeof x === 'string' && MMDD.test(x) ? null : "must be 'MM-DD'")
const impacts: Check = (x) =>
  Array.isArray(x) && x.every((i) => (IMPACTS as readonly unknown[]).includes(i)) ? null : `must be a list of ${IMPACTS.join(' | ')}`
const minuteMap: Check = (x) =>
  isObj(x) && Object.values(x).every((n) => Number.isInteger(n) && (n as number) >= 0)
    ? null
    : 'must map ids to non-negative integer minutes'
const scheduleItems: Check = (x) =>
  Array.isArray(x) && x.every((i) => (SCHEDULE_ITEMS as readonly unknown[]).includes(i))
    ? null
    : `must be a list of ${SCHEDULE_ITEMS.join(' | ')}`

/** The problems found so far, and the readers that record them. */
class Problems {
  readonly list: RulesetProblem[] = []

  add(pointer: string, message: string): void {
    this.list.push({ pointer, message })
  }

  /** An object at `pointer` (e.g. '/cap' or '/seasonal/winter'), else {} with the problem recorded. */
  section(pointer: string, v: unknown): Obj {
    if (isObj(v)) return v
    this.add(pointer, 'missing section')
    return {}
  }

  /** The param's value when the param is well-formed, else undefined (and records problems). */
  param<T>(ptr: string, v: unknown, check: Check): T | undefined {
    if (!isObj(v)) {
      this.add(ptr, 'missing parameter ({ value, provenance })')
      return undefined
    }
    if (!isProvenance(v.provenance))
      this.add(`${ptr}/provenance`, 'provenance must be verified | paraphrase | inferred | recalled | assumed')
    if (!('value' in v)) {
      this.add(`${ptr}/value`, 'missing value')
      return undefined
    }
    const problem = check(v.value)
    if (problem) {
      this.add(`${ptr}/value`, problem)
      return undefined
    }
    return v.value as T
  }

  /** Records `message` at `<ptr>/value` when both times are given and `to` is not after `from`. */
  timeOrder(ptr: string, from: string | undefined, to: string | undefined, message: string): void {
    if (from !== undefined && to !== undefined && parseHhMm(from) >= parseHhMm(to)) this.add(`${ptr}/value`, message)
  }
}

/**
 * Checks a ruleset (possibly untrusted JSON) for missing, malformed and contradictory parameters.
 * Returns [] when it is usable.
 * @example validateRuleset({ ...DEFAULT_RULESET, zone: 'Europe/Londn' }) // [{ pointer: '/zone', … }]
 */
export function validateRuleset(input: unknown): RulesetProblem[] {
  if (!isObj(input)) return [{ pointer: '', message: 'a ruleset must be an object' }]
  const pr = new Problems()
  checkIdentity(pr, input)
  checkNotice(pr, input)
  checkWindowLimits(pr, input)
  checkCaps(pr, input)
  checkSeasons(pr, pr.section('/seasonal', input.seasonal))
  checkHolidaysAndReleases(pr, input)
  checkSeverities(pr, input)
  return pr.list
}

/** Id, version, effective date, zone and the working-day calendars. */
function checkIdentity(pr: Problems, r: Obj): void {
  for (const k of ['id', 'version'] as const) {
    const v = r[k]
    if (typeof v !== 'string' || v.trim() === '') pr.add(`/${k}`, 'missing or empty string')
  }
  if (!isIsoDate(r.effectiveFrom)) pr.add('/effectiveFrom', 'missing or not an ISO date (YYYY-MM-DD)')
  if (typeof r.zone !== 'string' || !isValidZone(r.zone)) pr.add('/zone', `unknown IANA zone '${String(r.zone)}'`)
  const wd = pr.section('/workingDays', r.workingDays)
  pr.param('/workingDays/primaryCalendar', wd.primaryCalendar, calendar)
  pr.param('/workingDays/strictCalendar', wd.strictCalendar, calendar)
}

/** The notice period and the schedule's content. */
function checkNotice(pr: Problems, r: Obj): void {
  const notice = pr.section('/notice', r.notice)
  pr.param('/notice/mode', notice.mode, (x) =>
    x === 'monthly-schedule' || x === 'per-window' ? null : "must be 'monthly-schedule' or 'per-window'",
  )
  pr.param('/notice/workingDays', notice.workingDays, nonNegInt)
  pr.param('/notice/strict', notice.strict, bool)
  pr.param('/notice/emergencyRequiresJustification', notice.emergencyRequiresJustification, bool)
  const sc = pr.section('/scheduleContent', r.scheduleContent)
  pr.param('/scheduleContent/required', sc.required, scheduleItems)
  if (sc.changeRefRequired !== undefined) pr.param('/scheduleContent/changeRefRequired', sc.changeRefRequired, bool)
}

/** Permitted hours, clock-change nights and the longest window. */
function checkWindowLimits(pr: Problems, r: Obj): void {
  const ph = pr.section('/permittedHours', r.permittedHours)
  const from = pr.param<string>('/permittedHours/from', ph.from, hhmm)
  const to = pr.param<string>('/permittedHours/to', ph.to, hhmm)
  pr.timeOrder('/permittedHours/to', from, to, `permitted hours end (${to}) must be after their start (${from})`)
  pr.param('/permittedHours/preferredWeekdays', ph.preferredWeekdays, (x) =>
    Array.isArray(x) && x.every((d) => Number.isInteger(d) && d >= 0 && d <= 6) ? null : 'must be a list of weekdays 0 (Sunday) … 6',
  )
  pr.param('/clockChange/forbidNights', pr.section('/clockChange', r.clockChange).forbidNights, bool)
  pr.param('/duration/maxWindowMinutes', pr.section('/duration', r.duration).maxWindowMinutes, posInt)
}

/** The monthly cap with its headroom, spacing and overlap. */
function checkCaps(pr: Problems, r: Obj): void {
  const cap = pr.section('/cap', r.cap)
  const capMin = pr.param<number>('/cap/minutesPerMonth', cap.minutesPerMonth, nonNegInt)
  const head = pr.param<number>('/cap/headroomMinutes', cap.headroomMinutes, nonNegInt)
  if (capMin !== undefined && head !== undefined && head > capMin) {
    pr.add('/cap/headroomMinutes/value', `headroom (${head}) is larger than the cap (${capMin})`)
  }
  pr.param('/cap/impacts', cap.impacts, impacts)
  pr.param('/cap/perParty', cap.perParty, minuteMap)
  pr.param('/cap/perService', cap.perService, minuteMap)
  const sp = pr.section('/spacing', r.spacing)
  pr.param('/spacing/minHoursBetweenStarts', sp.minHoursBetweenStarts, nonNegInt)
  pr.param('/spacing/impacts', sp.impacts, impacts)
  pr.param('/overlap/impacts', pr.section('/overlap', r.overlap).impacts, impacts)
}

/** Winter, the high top-up periods and the evening peak (the default blackout layers' parameters). */
function checkSeasons(pr: Problems, seasonal: Obj): void {
  const winter = pr.section('/seasonal/winter', seasonal.winter)
  const wFrom = pr.param<string>('/seasonal/winter/from', winter.from, mmdd)
  const wTo = pr.param<string>('/seasonal/winter/to', winter.to, mmdd)
  if (wFrom !== undefined && wFrom === wTo) pr.add('/seasonal/winter/to/value', 'winter must not start and end on the same day')
  pr.param('/seasonal/highTopUp', seasonal.highTopUp, highTopUpPeriods)
  const ep = pr.section('/seasonal/eveningPeak', seasonal.eveningPeak)
  const from = pr.param<string>('/seasonal/eveningPeak/from', ep.from, hhmm)
  const to = pr.param<string>('/seasonal/eveningPeak/to', ep.to, hhmm)
  pr.timeOrder('/seasonal/eveningPeak/to', from, to, `evening peak end (${to}) must be after its start (${from})`)
}

const highTopUpPeriods: Check = (x) => {
  if (!Array.isArray(x)) return 'must be a list of { id, from, to, why }'
  const ids = new Set<string>()
  for (const [i, e] of x.entries()) {
    if (!isObj(e) || typeof e.id !== 'string' || !e.id || mmdd(e.from) || mmdd(e.to) || typeof e.why !== 'string') {
      return `entry ${i} must be { id, from: 'MM-DD', to: 'MM-DD', why }`
    }
    if (e.provenance !== undefined && !isProvenance(e.provenance))
      return `entry ${i}: provenance must be verified | paraphrase | inferred | recalled | assumed`
    if (e.source !== undefined && typeof e.source !== 'string') return `entry ${i}: source must be a string`
    if (ids.has(e.id)) return `duplicate id '${e.id}'`
    ids.add(e.id)
  }
  return null
}

function checkHolidaysAndReleases(pr: Problems, r: Obj): void {
  const hol = pr.section('/holidays', r.holidays)
  pr.param('/holidays/bufferDaysEitherSide', hol.bufferDaysEitherSide, nonNegInt)
  pr.param('/holidays/preHolidayDays', hol.preHolidayDays, nonNegInt)
  const rel = pr.section('/releases', r.releases)
  pr.param('/releases/dates', rel.dates, (x) =>
    Array.isArray(x) && x.every((d) => isIsoDate(d)) ? null : 'must be a list of ISO dates (YYYY-MM-DD)',
  )
  pr.param('/releases/bufferDays', rel.bufferDays, nonNegInt)
}

/** Severity overrides and the waivable codes. */
function checkSeverities(pr: Problems, r: Obj): void {
  if (!isObj(r.severities)) pr.add('/severities', 'missing section (use {} for the defaults)')
  else {
    for (const [code, sev] of Object.entries(r.severities)) {
      if (!isFindingCode(code)) pr.add(`/severities/${code}`, `unknown finding code; known: ${FINDING_CODE_LIST.join(', ')}`)
      else if (!isSeverity(sev)) pr.add(`/severities/${code}`, 'severity must be breach | objection | warning | info')
    }
  }
  pr.param('/waivable', r.waivable, (x) => {
    if (!Array.isArray(x)) return 'must be a list of finding codes'
    const bad = x.filter((c) => !isFindingCode(c))
    return bad.length ? `unknown finding codes: ${bad.join(', ')}` : null
  })
}
