import { createHash } from 'node:crypto'
import { DateTime, IANAZone } from 'luxon'
import { z } from 'zod'
import { CRLF, contentLine, escapeText, escapeTextList, formatUtcDateTime, icsStatus, textLine } from '../feeds/index.ts'
import { DryRunWindow } from '../schemas/windows.ts'
import { type CsvRecord, parseCsv, toCsv } from './csv.ts'

/**
 * Plan files for the command line: the JSON plan (`{windows: [...]}`, the body of
 * POST /v1/assessments), a CSV with one window a row and the same fields, and an iCalendar file
 * (one VEVENT a window, our X-MWP-* properties for the fields iCalendar has no name for).
 * Every row is validated on its own with the API's own schema (DryRunWindow): a bad row is reported
 * with file, row and column and the rest is still read.
 *
 * @example
 * const plan = readPlan('plan.csv', text)
 * plan.problems // [{ file: 'plan.csv', row: 7, line: 8, column: 'start', message: 'must be an RFC 3339 instant …' }]
 */

/**
 * The dry-run window schema with its zone check memoised: luxon builds a formatter for every zone
 * it checks, which costs most of the time of reading 10,000 rows. Same rule, same message.
 */
const zoneValidity = new Map<string, boolean>()
const RowSchema = DryRunWindow.extend({
  zone: z
    .string()
    .max(64)
    .refine((zone) => {
      let ok = zoneValidity.get(zone)
      if (ok === undefined) zoneValidity.set(zone, (ok = IANAZone.isValidZone(zone)))
      return ok
    }, 'must be an IANA time zone such as Europe/London')
    .optional(),
})

export type PlanFormat = 'json' | 'csv' | 'ics'
/** A window as the API validates it (instants as Date). */
export type PlanWindow = z.infer<typeof DryRunWindow>

/** The CSV columns, in order; lists (services, regions) are joined with `;`. */
export const PLAN_COLUMNS = [
  'reference',
  'title',
  'party',
  'kind',
  'impact',
  'start',
  'end',
  'zone',
  'services',
  'regions',
  'description',
  'justification',
  'riskToService',
  'changeRef',
  'programmeId',
  'notifiedAt',
  'status',
  'id',
] as const
export type PlanColumn = (typeof PLAN_COLUMNS)[number]
const LIST_COLUMNS = new Set<string>(['services', 'regions'])
const REQUIRED_COLUMNS: readonly PlanColumn[] = ['reference', 'title', 'party', 'impact', 'start', 'end']

export interface PlanProblem {
  file: string
  /** 1-based window number in the file (CSV data row, JSON array index + 1, VEVENT number); 0 for the file itself. */
  row: number
  /** Physical line, where the format has lines (CSV, ICS). */
  line?: number
  /** CSV column, JSON field or iCalendar property. */
  column?: string
  message: string
}

export interface PlanRow {
  row: number
  line?: number
  /** The window as read, before validation (what import sends, and what a failed row shows). */
  raw: Record<string, unknown>
  window: PlanWindow
}

export interface ReadPlan {
  format: PlanFormat
  rows: PlanRow[]
  problems: PlanProblem[]
  /** Rows read, good and bad. */
  total: number
  /** From a JSON plan's `rulesetVersion`. */
  rulesetVersion?: string
}

/** Fills in fields an ICS file from a provider may not carry. */
export interface PlanDefaults {
  party?: string
  impact?: string
}

export function formatOf(file: string): PlanFormat | undefined {
  const m = /\.(json|csv|ics|ical|ifb)$/i.exec(file)
  if (!m) return undefined
  const ext = m[1]!.toLowerCase()
  return ext === 'json' ? 'json' : ext === 'csv' ? 'csv' : 'ics'
}

function sortRows(problems: PlanProblem[]): PlanProblem[] {
  return problems.sort((a, b) => a.row - b.row)
}

/** Validates one raw window with the API schema; problems name the column. */
function validate(
  file: string,
  row: number,
  line: number | undefined,
  raw: Record<string, unknown>,
  problems: PlanProblem[],
  columnOf: (field: string) => string = (f) => f,
) {
  const r = RowSchema.safeParse(raw)
  if (r.success) return r.data
  for (const issue of r.error.issues) {
    const field = issue.path.length ? String(issue.path[0]) : undefined
    const column = field === undefined ? (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : undefined) : columnOf(field)
    const message = issue.code === 'invalid_type' && raw[field ?? ''] === undefined ? 'required, missing' : issue.message
    problems.push({ file, row, ...(line !== undefined ? { line } : {}), ...(column ? { column } : {}), message })
  }
  return undefined
}

/** Reads a plan file's text. Never throws on bad content: everything wrong comes back in `problems`. */
export function readPlan(
  file: string,
  text: string,
  format: PlanFormat | undefined = formatOf(file),
  defaults: PlanDefaults = {},
): ReadPlan {
  if (format === 'json') return readJson(file, text)
  if (format === 'csv') return readCsv(file, text)
  if (format === 'ics') return readIcs(file, text, defaults)
  return { format: 'json', rows: [], total: 0, problems: [{ file, row: 0, message: 'unknown file type: name it .json, .csv or .ics' }] }
}

function readJson(file: string, text: string): ReadPlan {
  const problems: PlanProblem[] = []
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (err) {
    return { format: 'json', rows: [], total: 0, problems: [{ file, row: 0, message: `not JSON: ${(err as Error).message}` }] }
  }
  const list = Array.isArray(body) ? body : (body as { windows?: unknown })?.windows
  if (!Array.isArray(list))
    return {
      format: 'json',
      rows: [],
      total: 0,
      problems: [
        {
          file,
          row: 0,
          column: 'windows',
          message: 'expected {"windows": [...]} (the body of POST /v1/assessments) or an array of windows',
        },
      ],
    }
  const rulesetVersion = (body as { rulesetVersion?: unknown }).rulesetVersion
  const rows: PlanRow[] = []
  list.forEach((raw, i) => {
    const row = i + 1
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push({ file, row, message: 'a window must be an object' })
      return
    }
    const window = validate(file, row, undefined, raw as Record<string, unknown>, problems)
    if (window) rows.push({ row, raw: raw as Record<string, unknown>, window })
  })
  return { format: 'json', rows, problems, total: list.length, ...(typeof rulesetVersion === 'string' ? { rulesetVersion } : {}) }
}

function readCsv(file: string, text: string): ReadPlan {
  const { records, problems: csvProblems } = parseCsv(text)
  const problems: PlanProblem[] = []
  const header = records[0]
  // A malformed record is one bad row: number it among the data rows by its line.
  const rowOfLine = (line: number) => 1 + records.filter((r) => r.line > 1 && r.line < line).length
  for (const p of csvProblems) problems.push({ file, row: p.line === 1 ? 0 : rowOfLine(p.line), line: p.line, message: p.message })
  if (!header)
    return {
      format: 'csv',
      rows: [],
      total: 0,
      problems: problems.length ? problems : [{ file, row: 0, message: 'empty file: expected a header line naming the columns' }],
    }
  const names = header.fields.map((h) => h.trim())
  const known = new Set<string>(PLAN_COLUMNS)
  const use: { index: number; name: string }[] = []
  names.forEach((name, index) => {
    if (known.has(name)) use.push({ index, name })
    else
      problems.push({
        file,
        row: 0,
        line: header.line,
        column: name || `#${index + 1}`,
        message: `unknown column (ignored); known: ${PLAN_COLUMNS.join(', ')}`,
      })
  })
  for (const c of REQUIRED_COLUMNS)
    if (!names.includes(c)) problems.push({ file, row: 0, line: header.line, column: c, message: 'required column missing' })
  const rows: PlanRow[] = []
  const data = records.slice(1)
  data.forEach((rec: CsvRecord, i) => {
    const row = i + 1 + csvProblems.filter((p) => p.line > 1 && p.line < rec.line).length
    if (rec.fields.length !== names.length)
      problems.push({ file, row, line: rec.line, message: `${rec.fields.length} fields where the header has ${names.length}` })
    const raw: Record<string, unknown> = {}
    for (const { index, name } of use) {
      const cell = rec.fields[index]
      if (cell === undefined || cell === '') continue
      raw[name] = LIST_COLUMNS.has(name)
        ? cell
            .split(';')
            .map((s) => s.trim())
            .filter(Boolean)
        : cell
    }
    if (rec.fields.length !== names.length) return
    const window = validate(file, row, rec.line, raw, problems)
    if (window) rows.push({ row, line: rec.line, raw, window })
  })
  return { format: 'csv', rows, problems: sortRows(problems), total: data.length + csvProblems.filter((p) => p.line > 1).length }
}

// ---------- iCalendar ----------

interface IcsProp {
  name: string
  params: Record<string, string>
  value: string
}

/** Unfolds and splits content lines, keeping the physical line each starts on. */
function icsLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = []
  const physical = text.split(/\r\n|\n|\r/)
  physical.forEach((l, i) => {
    if ((l.startsWith(' ') || l.startsWith('\t')) && out.length) out[out.length - 1]!.text += l.slice(1)
    else if (l !== '') out.push({ line: i + 1, text: l })
  })
  return out
}

function parseProp(line: string): IcsProp | undefined {
  let i = 0
  let inQuote = false
  let colon = -1
  for (; i < line.length; i++) {
    const c = line[i]
    if (c === '"') inQuote = !inQuote
    else if (c === ':' && !inQuote) {
      colon = i
      break
    }
  }
  if (colon < 0) return undefined
  const head = line.slice(0, colon)
  const parts = head.match(/(?:[^;"]|"[^"]*")+/g) ?? []
  const params: Record<string, string> = {}
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=')
    if (eq > 0) params[p.slice(0, eq).toUpperCase()] = p.slice(eq + 1).replace(/^"|"$/g, '')
  }
  return { name: (parts[0] ?? '').toUpperCase(), params, value: line.slice(colon + 1) }
}

function unescapeText(v: string): string {
  return v.replace(/\\([\\;,nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c))
}

function unescapeList(v: string): string[] {
  return (v.match(/(?:\\.|[^,])+/g) ?? []).map(unescapeText).filter(Boolean)
}

/** An iCalendar DATE-TIME as RFC 3339 text: UTC (`…Z`) or a TZID wall time; a floating or DATE value is an error. */
function icsInstant(p: IcsProp): { value?: string; error?: string } {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$/.exec(p.value)
  if (!m) return { error: `${p.value} is not an iCalendar DATE-TIME (YYYYMMDDTHHMMSS[Z]); all-day windows are not supported` }
  const [, y, mo, d, h, mi, s, z] = m
  const fields = { year: +y!, month: +mo!, day: +d!, hour: +h!, minute: +mi!, second: +s! }
  // Instants come out as the API writes them (UTC, milliseconds), so an exported ICS imports as the same requests.
  if (z) return { value: DateTime.fromObject(fields, { zone: 'UTC' }).toJSDate().toISOString() }
  const tzid = p.params.TZID
  if (!tzid) return { error: 'a floating time (no Z, no TZID) names no instant' }
  if (!IANAZone.isValidZone(tzid)) return { error: `TZID ${tzid} is not an IANA time zone` }
  const dt = DateTime.fromObject(fields, { zone: tzid })
  if (!dt.isValid) return { error: `${p.value} does not exist in ${tzid}` }
  return { value: dt.toJSDate().toISOString() }
}

const X_TEXT: Record<string, string> = {
  'X-MWP-REFERENCE': 'reference',
  'X-MWP-PARTY': 'party',
  'X-MWP-KIND': 'kind',
  'X-MWP-IMPACT': 'impact',
  'X-MWP-ZONE': 'zone',
  'X-MWP-JUSTIFICATION': 'justification',
  'X-MWP-RISK-TO-SERVICE': 'riskToService',
  'X-MWP-CHANGE-REF': 'changeRef',
  'X-MWP-PROGRAMME-ID': 'programmeId',
  'X-MWP-STATUS': 'status',
  'X-MWP-NOTIFIED-AT': 'notifiedAt',
  SUMMARY: 'title',
  DESCRIPTION: 'description',
}
const X_LIST: Record<string, string> = { 'X-MWP-SERVICES': 'services', 'X-MWP-REGIONS': 'regions' }
const PROPERTY_OF: Record<string, string> = {
  ...Object.fromEntries([...Object.entries(X_TEXT), ...Object.entries(X_LIST)].map(([k, v]) => [v, k])),
  start: 'DTSTART',
  end: 'DTEND',
}

function readIcs(file: string, text: string, defaults: PlanDefaults): ReadPlan {
  const problems: PlanProblem[] = []
  const rows: PlanRow[] = []
  const lines = icsLines(text)
  if (lines[0]?.text.toUpperCase() !== 'BEGIN:VCALENDAR')
    problems.push({ file, row: 0, line: 1, message: 'not an iCalendar file: the first line must be BEGIN:VCALENDAR' })
  let row = 0
  let event: { line: number; props: IcsProp[] } | null = null
  for (const l of lines) {
    const upper = l.text.toUpperCase()
    if (upper === 'BEGIN:VEVENT') {
      event = { line: l.line, props: [] }
      row++
      continue
    }
    if (upper === 'END:VEVENT' && event) {
      const ev = event
      event = null
      const raw: Record<string, unknown> = {}
      let bad = false
      for (const p of ev.props) {
        if (X_TEXT[p.name]) raw[X_TEXT[p.name]!] = unescapeText(p.value)
        else if (X_LIST[p.name]) raw[X_LIST[p.name]!] = unescapeList(p.value)
        else if (p.name === 'DTSTART' || p.name === 'DTEND') {
          const t = icsInstant(p)
          if (t.error) {
            problems.push({ file, row, line: ev.line, column: p.name, message: t.error })
            bad = true
          } else raw[p.name === 'DTSTART' ? 'start' : 'end'] = t.value
          if (p.name === 'DTSTART' && p.params.TZID && raw.zone === undefined) raw.zone = p.params.TZID
        } else if (p.name === 'DURATION') {
          problems.push({ file, row, line: ev.line, column: 'DURATION', message: 'give DTEND rather than DURATION' })
          bad = true
        } else if (p.name === 'STATUS' && p.value.toUpperCase() === 'CANCELLED') raw.status ??= 'cancelled'
      }
      if (raw.reference === undefined) {
        const uid = ev.props.find((p) => p.name === 'UID')?.value
        if (uid) raw.reference = referenceFromUid(uid)
      }
      if (raw.party === undefined && defaults.party) raw.party = defaults.party
      if (raw.impact === undefined && defaults.impact) raw.impact = defaults.impact
      if (bad) continue
      const window = validate(file, row, ev.line, raw, problems, (f) => PROPERTY_OF[f] ?? f)
      if (window) rows.push({ row, line: ev.line, raw, window })
      continue
    }
    if (event) {
      const p = parseProp(l.text)
      if (p) event.props.push(p)
      else problems.push({ file, row, line: l.line, message: 'not an iCalendar content line (NAME:value)' })
    }
  }
  return { format: 'ics', rows, problems: sortRows(problems), total: row }
}

/** A reference from a provider's UID: `CRQ-123@provider.example` → `CRQ-123`, made to fit the reference pattern. */
function referenceFromUid(uid: string): string {
  const local = uid.split('@')[0] ?? uid
  const cleaned = local.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '')
  if (cleaned.length >= 1 && cleaned.length <= 64) return cleaned
  return `UID-${createHash('sha256').update(uid).digest('hex').slice(0, 16)}`
}

// ---------- writing ----------

/** A window as export writes it: the plan fields, no server bookkeeping. */
export interface PlanRecord {
  reference: string
  title: string
  party: string
  kind: string
  impact: string
  start: string
  end: string
  zone: string
  services: readonly string[]
  regions: readonly string[]
  description: string
  justification: string | null
  riskToService: string | null
  changeRef: string | null
  programmeId: string | null
  notifiedAt: string | null
  status: string
}

/** The plan fields of a window as the API answers it (`WindowOut`), in column order. */
export function planRecordOf(w: PlanRecord): PlanRecord {
  return {
    reference: w.reference,
    title: w.title,
    party: w.party,
    kind: w.kind,
    impact: w.impact,
    start: w.start,
    end: w.end,
    zone: w.zone,
    services: [...w.services],
    regions: [...w.regions],
    description: w.description,
    justification: w.justification,
    riskToService: w.riskToService,
    changeRef: w.changeRef,
    programmeId: w.programmeId,
    notifiedAt: w.notifiedAt,
    status: w.status,
  }
}

export function writePlanJson(windows: readonly PlanRecord[]): string {
  return `${JSON.stringify({ windows }, null, 2)}\n`
}

export function writePlanCsv(windows: readonly PlanRecord[]): string {
  const cols = PLAN_COLUMNS.filter((c) => c !== 'id')
  return toCsv(
    cols,
    windows.map((w) =>
      cols.map((c) => {
        const v = (w as unknown as Record<string, unknown>)[c]
        return Array.isArray(v) ? v.join(';') : v == null ? '' : String(v)
      }),
    ),
  )
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
    out.push(contentLine('UID', escapeText(`${w.party}.${w.reference}@mwp`)))
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

/** "plan.csv: row 7 (line 8), column start: must be …" */
export function formatProblem(p: PlanProblem): string {
  const where = p.row === 0 ? (p.line ? `line ${p.line}` : 'file') : `row ${p.row}${p.line !== undefined ? ` (line ${p.line})` : ''}`
  return `${p.file}: ${where}${p.column ? `, column ${p.column}` : ''}: ${p.message}`
}
