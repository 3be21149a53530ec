import { createHash } from 'node:crypto'
import ICAL from 'ical.js'
import { DateTime, IANAZone } from 'luxon'
import { CRLF, contentLine, escapeTextList, formatUtcDateTime, icsStatus, textLine } from '../../feeds/index.ts'
import type { PlanRecord } from './fields.ts'
import { inRowOrder, type PlanDefaults, type PlanProblem, type PlanRow, type ReadPlan, validateRow } from './rows.ts'

/**
 * The iCalendar plan: one VEVENT a window, parsed with ical.js; SUMMARY and DESCRIPTION are the
 * title and description, DTSTART and DTEND (UTC or a TZID wall time) the instants, and our X-MWP-*
 * properties carry the fields iCalendar has no name for. Only the event's own properties count: a
 * VALARM's DESCRIPTION inside it is the alarm's. A row is the VEVENT's number, its line the line of
 * its BEGIN:VEVENT.
 *
 * @example
 * readIcsPlan('plan.ics', text, { party: 'CSP-N' }).rows[0]?.raw // { title: 'SM WAN core router …', start: '2022-04-10T00:00:00.000Z', zone: 'Europe/London', … }
 */

/** A jCal property: name (lower case), parameters, value type, value(s). */
type JCalProperty = [name: string, params: Record<string, unknown>, type: string, ...values: unknown[]]
/** A jCal component: name (lower case), properties, subcomponents. */
type JCalComponent = [name: string, properties: JCalProperty[], components: JCalComponent[]]

/** Text properties: the window field each sets. */
const TEXT_FIELD: Record<string, string> = {
  'x-mwp-reference': 'reference',
  'x-mwp-party': 'party',
  'x-mwp-kind': 'kind',
  'x-mwp-impact': 'impact',
  'x-mwp-zone': 'zone',
  'x-mwp-justification': 'justification',
  'x-mwp-risk-to-service': 'riskToService',
  'x-mwp-change-ref': 'changeRef',
  'x-mwp-programme-id': 'programmeId',
  'x-mwp-status': 'status',
  'x-mwp-notified-at': 'notifiedAt',
  summary: 'title',
  description: 'description',
}
/** Comma-separated text lists: the window field each sets. */
const LIST_FIELD: Record<string, string> = { 'x-mwp-services': 'services', 'x-mwp-regions': 'regions' }
/** The iCalendar property a window field comes from, for problems. */
const PROPERTY_OF: Record<string, string> = {
  ...Object.fromEntries([...Object.entries(TEXT_FIELD), ...Object.entries(LIST_FIELD)].map(([p, f]) => [f, p.toUpperCase()])),
  start: 'DTSTART',
  end: 'DTEND',
}

/** ical.js decodes TEXT for the properties it knows; ours (X-MWP-*) it leaves as written, so decode them with its own TEXT rules. */
const TEXT = ICAL.design.icalendar.value.text as { fromICAL(value: string): string }
const textOf = (p: JCalProperty) => (p[2] === 'unknown' ? TEXT.fromICAL(String(p[3])) : String(p[3]))
const listOf = (p: JCalProperty) => (String(p[3]).match(/(?:\\.|[^,])+/g) ?? []).map((v) => TEXT.fromICAL(v)).filter(Boolean)

const NOT_DATE_TIME = 'is not an iCalendar DATE-TIME (YYYYMMDDTHHMMSS[Z]); all-day windows are not supported'

/** An iCalendar DATE-TIME as RFC 3339 text: UTC (`…Z`) or a TZID wall time; a floating or DATE value is an error. */
function instantOf(p: JCalProperty): { value?: string; error?: string } {
  const m = p[2] === 'date-time' ? /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z?)$/.exec(String(p[3])) : null
  // A malformed DATE-TIME is not shown: ical.js has already cut it into its own shape.
  if (!m) return { error: `${p[2] === 'date' ? String(p[3]).replaceAll('-', '') : 'the value'} ${NOT_DATE_TIME}` }
  const [, y, mo, d, h, mi, s, z] = m
  const fields = { year: +y!, month: +mo!, day: +d!, hour: +h!, minute: +mi!, second: +s! }
  // Instants come out as the API writes them (UTC, milliseconds), so an exported ICS imports as the same requests.
  if (z) return { value: DateTime.fromObject(fields, { zone: 'UTC' }).toJSDate().toISOString() }
  const tzid = p[1].tzid
  if (typeof tzid !== 'string') return { error: 'a floating time (no Z, no TZID) names no instant' }
  if (!IANAZone.isValidZone(tzid)) return { error: `TZID ${tzid} is not an IANA time zone` }
  const dt = DateTime.fromObject(fields, { zone: tzid })
  if (!dt.isValid) return { error: `${y}${mo}${d}T${h}${mi}${s} does not exist in ${tzid}` }
  return { value: dt.toJSDate().toISOString() }
}

/** A reference from a provider's UID: `CRQ-123@provider.example` → `CRQ-123`, made to fit the reference pattern. */
function referenceFromUid(uid: string): string {
  const local = uid.split('@')[0] ?? uid
  const cleaned = local.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '')
  if (cleaned.length >= 1 && cleaned.length <= 64) return cleaned
  return `UID-${createHash('sha256').update(uid).digest('hex').slice(0, 16)}`
}

/** Every VEVENT, in the order of their BEGIN lines (depth first). */
function eventsIn(components: readonly JCalComponent[], out: JCalComponent[] = []): JCalComponent[] {
  for (const c of components) {
    if (c[0] === 'vevent') out.push(c)
    eventsIn(c[2], out)
  }
  return out
}

/** The physical line of every BEGIN:VEVENT, in order. */
function eventLines(text: string): number[] {
  const lines: number[] = []
  text.split(/\r\n|\n|\r/).forEach((l, i) => {
    if (/^BEGIN:VEVENT\s*$/i.test(l)) lines.push(i + 1)
  })
  return lines
}

/** One VEVENT's window fields as read (before validation), or the problems that stop it. */
function rawWindow(event: JCalComponent, defaults: PlanDefaults, where: Omit<PlanProblem, 'column' | 'message'>, problems: PlanProblem[]) {
  const raw: Record<string, unknown> = {}
  let bad = false
  for (const p of event[1]) {
    const name = p[0]
    if (TEXT_FIELD[name]) raw[TEXT_FIELD[name]] = textOf(p)
    else if (LIST_FIELD[name]) raw[LIST_FIELD[name]] = listOf(p)
    else if (name === 'dtstart' || name === 'dtend') {
      const t = instantOf(p)
      if (t.error) {
        problems.push({ ...where, column: name.toUpperCase(), message: t.error })
        bad = true
      } else raw[name === 'dtstart' ? 'start' : 'end'] = t.value
      if (name === 'dtstart' && typeof p[1].tzid === 'string' && raw.zone === undefined) raw.zone = p[1].tzid
    } else if (name === 'duration') {
      problems.push({ ...where, column: 'DURATION', message: 'give DTEND rather than DURATION' })
      bad = true
    } else if (name === 'status' && String(p[3]).toUpperCase() === 'CANCELLED') raw.status ??= 'cancelled'
  }
  if (raw.reference === undefined) {
    const uid = event[1].find((p) => p[0] === 'uid')?.[3]
    if (uid) raw.reference = referenceFromUid(String(uid))
  }
  if (raw.party === undefined && defaults.party) raw.party = defaults.party
  if (raw.impact === undefined && defaults.impact) raw.impact = defaults.impact
  return bad ? undefined : raw
}

export function readIcsPlan(file: string, text: string, defaults: PlanDefaults): ReadPlan {
  const problems: PlanProblem[] = []
  if (
    text
      .split(/\r\n|\n|\r/)
      .find((l) => l !== '')
      ?.toUpperCase() !== 'BEGIN:VCALENDAR'
  )
    problems.push({ file, row: 0, line: 1, message: 'not an iCalendar file: the first line must be BEGIN:VCALENDAR' })
  let parsed: unknown
  try {
    parsed = ICAL.parse(text)
  } catch (err) {
    // ical.js reads a file whole or not at all: one line it cannot read stops every event.
    return {
      format: 'ics',
      rows: [],
      problems: problems.length ? problems : [{ file, row: 0, message: `not an iCalendar file: ${(err as Error).message}` }],
      total: 0,
    }
  }
  const roots = (Array.isArray(parsed) && typeof parsed[0] === 'string' ? [parsed] : parsed) as JCalComponent[]
  const events = eventsIn(roots)
  const lines = eventLines(text)
  const rows: PlanRow[] = []
  events.forEach((event, i) => {
    const row = i + 1
    const line = lines[i]
    const raw = rawWindow(event, defaults, { file, row, ...(line !== undefined ? { line } : {}) }, problems)
    const window = raw && validateRow(file, row, line, raw, problems, (f) => PROPERTY_OF[f] ?? f)
    if (raw && window) rows.push({ row, ...(line !== undefined ? { line } : {}), raw, window })
  })
  return { format: 'ics', rows, problems: inRowOrder(problems), total: events.length }
}

/**
 * One VEVENT a window, instants in UTC; the fields iCalendar has no property for travel as X-MWP-*.
 * `stamp` is the DTSTAMP of every event (the moment of export).
 */
export function writePlanIcs(windows: readonly PlanRecord[], stamp: Date): string {
  const out: string[] = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Maintenance Window Planner//mwp export//EN', 'CALSCALE:GREGORIAN']
  const dtstamp = formatUtcDateTime(stamp)
  const x = (name: string, v: string | null) => {
    if (v !== null) out.push(textLine(name, v))
  }
  for (const w of windows) {
    out.push('BEGIN:VEVENT')
    out.push(textLine('UID', `${w.party}.${w.reference}@mwp`))
    out.push(`DTSTAMP:${dtstamp}`)
    out.push(`DTSTART:${formatUtcDateTime(new Date(w.start))}`)
    out.push(`DTEND:${formatUtcDateTime(new Date(w.end))}`)
    out.push(textLine('SUMMARY', w.title))
    if (w.description) out.push(textLine('DESCRIPTION', w.description))
    const st = icsStatus(w.status as Parameters<typeof icsStatus>[0])
    if (st) out.push(`STATUS:${st}`)
    x('X-MWP-REFERENCE', w.reference)
    x('X-MWP-PARTY', w.party)
    x('X-MWP-KIND', w.kind)
    x('X-MWP-IMPACT', w.impact)
    x('X-MWP-ZONE', w.zone)
    if (w.services.length) out.push(contentLine('X-MWP-SERVICES', escapeTextList(w.services)))
    if (w.regions.length) out.push(contentLine('X-MWP-REGIONS', escapeTextList(w.regions)))
    x('X-MWP-JUSTIFICATION', w.justification)
    x('X-MWP-RISK-TO-SERVICE', w.riskToService)
    x('X-MWP-CHANGE-REF', w.changeRef)
    x('X-MWP-PROGRAMME-ID', w.programmeId)
    x('X-MWP-NOTIFIED-AT', w.notifiedAt)
    x('X-MWP-STATUS', w.status)
    out.push('END:VEVENT')
  }
  out.push('END:VCALENDAR')
  return out.join(CRLF) + CRLF
}
