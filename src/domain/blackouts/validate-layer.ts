/**
 * Checks an operator's blackout layer (untrusted JSON allowed) before it is stored: the fields
 * every layer has, its scope and effective dates, and exactly one source of periods (explicit
 * periods, a recurrence or holidays), each in the years the service plans in.
 *
 * @example
 * validateBlackoutLayer({ ...layer, holidays: { daysBefore: 0, daysAfter: 0, includeHoliday: false, zone: 'Europe/London' } })
 * // [{ pointer: '/holidays', message: 'covers no day' }]
 */
import { Duration } from 'luxon'
import { isFindingCode, isProvenance, isSeverity } from '../findings.ts'
import { parseRRule } from '../recurrence.ts'
import { isHhMm, isIsoDate, isValidZone } from '../time.ts'
import { IMPACTS } from '../window.ts'
import { BLACKOUT_CATEGORIES } from './layer.ts'

export interface LayerProblem {
  pointer: string
  message: string
}

type Obj = Record<string, unknown>
type Add = (pointer: string, message: string) => void

/** Instants a layer may name: the years the service plans in (as the API's instants). */
const inPlanningYears = (ms: number) => ms >= Date.UTC(1970, 0, 1) && ms < Date.UTC(2200, 0, 1)

/** Problems in a layer (untrusted JSON allowed); [] when usable. */
export function validateBlackoutLayer(input: unknown): LayerProblem[] {
  const out: LayerProblem[] = []
  const add: Add = (pointer, message) => out.push({ pointer, message })
  if (typeof input !== 'object' || input === null) return [{ pointer: '', message: 'a layer must be an object' }]
  const l = input as Obj
  checkHeader(l, add)
  checkScope(l.scope as Obj | undefined, add)
  checkEffectiveDates(l, add)
  const sources = ['periods', 'recurrence', 'holidays'].filter((k) => l[k] !== undefined)
  // Named at /periods, the first of the three: a client shows the message beside a field.
  if (sources.length !== 1) add('/periods', 'give exactly one of periods, recurrence, holidays')
  if (Array.isArray(l.periods)) checkPeriods(l.periods, add)
  else if (l.periods !== undefined) add('/periods', 'must be a list')
  if (l.recurrence !== undefined) checkRecurrence(l.recurrence as Obj, add)
  if (l.holidays !== undefined) checkHolidays(l.holidays as Obj, add)
  return out
}

function checkHeader(l: Obj, add: Add): void {
  for (const k of ['id', 'name', 'owner', 'legalBasis'] as const) {
    if (typeof l[k] !== 'string' || (l[k] as string).trim() === '') add(`/${k}`, 'missing or empty string')
  }
  if (!(BLACKOUT_CATEGORIES as readonly unknown[]).includes(l.category))
    add('/category', `must be one of ${BLACKOUT_CATEGORIES.join(', ')}`)
  if (!isSeverity(l.severity)) add('/severity', 'must be breach | objection | warning | info')
  if (!isProvenance(l.provenance)) add('/provenance', 'must be verified | paraphrase | inferred | recalled | assumed')
  if (l.findingCode !== undefined && !isFindingCode(l.findingCode)) add('/findingCode', 'unknown finding code')
}

function checkScope(scope: Obj | undefined, add: Add): void {
  if (typeof scope !== 'object' || scope === null) {
    add('/scope', 'missing scope (use {} for all)')
    return
  }
  for (const k of ['parties', 'services', 'regions'] as const) {
    const v = scope[k]
    if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) add(`/scope/${k}`, 'must be a list of ids')
  }
  const imp = scope.impacts
  if (imp !== undefined && !(Array.isArray(imp) && imp.every((x) => (IMPACTS as readonly unknown[]).includes(x)))) {
    add('/scope/impacts', `must be a list of ${IMPACTS.join(' | ')}`)
  }
}

function checkEffectiveDates(l: Obj, add: Add): void {
  for (const k of ['effectiveFrom', 'effectiveTo'] as const) {
    if (l[k] !== undefined && l[k] !== null && !isIsoDate(l[k])) add(`/${k}`, 'must be an ISO date (YYYY-MM-DD)')
  }
  if (isIsoDate(l.effectiveFrom) && isIsoDate(l.effectiveTo) && l.effectiveFrom > l.effectiveTo) {
    add('/effectiveTo', `effectiveTo (${l.effectiveTo}) is before effectiveFrom (${l.effectiveFrom})`)
  }
}

function checkPeriods(periods: unknown[], add: Add): void {
  periods.forEach((per: unknown, i: number) => {
    const x = per as Obj
    const s = x?.start instanceof Date ? x.start.getTime() : NaN
    const e = x?.end instanceof Date ? x.end.getTime() : NaN
    if (Number.isNaN(s) || Number.isNaN(e)) add(`/periods/${i}`, 'start and end must be instants')
    else if (e <= s) add(`/periods/${i}/end`, 'end must be after start')
    else if (!inPlanningYears(s) || !inPlanningYears(e)) add(`/periods/${i}`, 'start and end must lie between the years 1970 and 2199')
  })
}

function checkRecurrence(r: Obj, add: Add): void {
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
  if (!d?.isValid || d.as('minutes') <= 0) add('/recurrence/duration', "must be a positive ISO 8601 duration, e.g. 'PT6H'")
  // Each occurrence is looked for this far back before any instant: a longer one scans centuries.
  else if (d.as('days') > 366) add('/recurrence/duration', 'must be at most a year (P1Y)')
}

function checkHolidays(h: Obj, add: Add): void {
  for (const k of ['daysBefore', 'daysAfter'] as const) {
    if (!Number.isInteger(h?.[k]) || (h[k] as number) < 0) add(`/holidays/${k}`, 'must be a non-negative integer')
  }
  if (typeof h?.includeHoliday !== 'boolean') add('/holidays/includeHoliday', 'must be true or false')
  if (typeof h?.zone !== 'string' || !isValidZone(h.zone)) add('/holidays/zone', 'unknown IANA zone')
  if (h?.includeHoliday === false && h?.daysBefore === 0 && h?.daysAfter === 0) add('/holidays', 'covers no day')
}
