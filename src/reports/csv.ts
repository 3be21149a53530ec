/**
 * The compliance report as CSV: RFC 4180 (CRLF line ends, every field quoted when it holds a comma,
 * a quote, CR or LF; quotes doubled), UTF-8 with a byte-order mark so that spreadsheets read it as
 * UTF-8, one header row, then one row per finding carrying its window's fields. A window without
 * findings still gets one row, with the finding columns empty. Lists are joined with `;`. Instants are
 * UTC ISO 8601; `*_local` columns give the wall time in the report zone with GMT/BST.
 *
 * Text cells that a spreadsheet would run as a formula (starting with =, +, -, @, TAB or CR) are
 * prefixed with an apostrophe (OWASP "CSV injection"); numbers are written as numbers.
 *
 * @example renderCsv(report).text().split('\r\n')[0] // 'window_id,reference,party,…'
 */
import type { ComplianceReport, ReportFinding, ReportWindowRow } from './report-schema.ts'
import { TextChunks } from './text-chunks.ts'

const CSV_COLUMNS = [
  'window_id',
  'window_version',
  'reference',
  'party',
  'programme_id',
  'change_ref',
  'title',
  'status',
  'kind',
  'impact',
  'services',
  'regions',
  'start_utc',
  'end_utc',
  'start_local',
  'end_local',
  'notified_at_utc',
  'real_minutes',
  'compliance',
  'impact_rating',
  'ruleset',
  'finding_key',
  'code',
  'severity',
  'certainty',
  'finding_status',
  'message',
  'rule_id',
  'rule_provenance',
  'waiver_decision_ref',
  'waiver_approved_by',
  'waiver_decided_at_utc',
  'meters_affected',
  'prepayment_customers_affected',
  'availability_if_not_agreed_percent',
  'as_of_utc',
  'acknowledged_by',
] as const

const BOM = '\uFEFF'
const CRLF = '\r\n'

/**
 * The formula guard: text a spreadsheet would run as a formula (starting with =, +, -, @, TAB or CR)
 * gets an apostrophe in front (OWASP "CSV injection"). Shared with the command line's CSV.
 *
 * @example formulaGuard('=1+1') // "'=1+1"
 */
export function formulaGuard(s: string): string {
  const c = s.charCodeAt(0) // NaN for ''
  // = + - @ TAB CR
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13 ? `'${s}` : s
}

/** One RFC 4180 field. */
export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : ''
  const s = formulaGuard(v)
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

const NEEDS_QUOTES = /[",\r\n]/

/**
 * Who acknowledged the window's notice by webhook: `WHO@instant` per subscription (its first 2xx for
 * any notice event), joined with `;` in order; WHO is the owner key's parties (`+`-joined) or its name.
 */
function acknowledgedBy(w: ReportWindowRow): string {
  const first = new Map<string, string>()
  for (const n of w.notices) {
    if (!n.acknowledgedAt) continue
    const was = first.get(n.subscriptionId)
    if (!was || n.acknowledgedAt < was.slice(was.lastIndexOf('@') + 1))
      first.set(n.subscriptionId, `${n.parties.length ? n.parties.join('+') : n.owner}@${n.acknowledgedAt}`)
  }
  return [...first.values()].sort((a, b) => (a.slice(a.lastIndexOf('@')) < b.slice(b.lastIndexOf('@')) ? -1 : 1)).join(';')
}

/** The window's columns before the finding columns (window_id … ruleset), CSV-encoded, with a trailing comma. */
function windowHead(w: ReportWindowRow): string {
  const cells: (string | number | null)[] = [
    w.id,
    w.version,
    w.reference,
    w.party,
    w.programmeId,
    w.changeRef,
    w.title,
    w.status,
    w.kind,
    w.impact,
    w.services.join(';'),
    w.regions.join(';'),
    w.start,
    w.end,
    w.startLocal,
    w.endLocal,
    w.notifiedAt,
    w.realMinutes,
    w.compliance,
    w.impactRating,
    `${w.ruleset.id}@${w.ruleset.version}`,
  ]
  let out = ''
  for (const c of cells) out += `${csvField(c)},`
  return out
}

/** The window's columns after the finding columns (meters_affected … acknowledged_by), with a leading comma. */
function windowTail(w: ReportWindowRow, asOf: string | null, acked: string): string {
  return `,${csvField(w.impactSummary?.metersAffected ?? null)},${csvField(w.impactSummary?.prepaymentCustomersAffected ?? null)},${csvField(w.impactSummary?.availabilityIfNotAgreedPercent ?? null)},${csvField(asOf)},${csvField(acked)}`
}

/** The finding columns (finding_key … waiver_decided_at_utc); empty cells without a finding. */
function findingCells(f: ReportFinding | null): string {
  if (f === null) return ',,,,,,,,,,'
  return `${csvField(f.key)},${csvField(f.code)},${csvField(f.severity)},${csvField(f.certainty)},${csvField(f.status)},${csvField(f.message)},${csvField(f.rule.id)},${csvField(f.rule.provenance)},${csvField(f.waiver?.decisionRef ?? null)},${csvField(f.waiver?.approvedBy ?? null)},${csvField(f.waiver?.decidedAt ?? null)}`
}

/**
 * The report as RFC 4180 CSV text (UTF-8 with BOM, CRLF, trailing CRLF), in UTF-8 chunks
 * (`.bytes()`) or as one string (`.text()`). The window's own columns are encoded once per window,
 * not once per finding row.
 */
export function renderCsv(report: ComplianceReport): TextChunks {
  const lines = new TextChunks(CRLF)
  lines.add(BOM + CSV_COLUMNS.join(','))
  for (const w of report.windows) {
    const acked = w.notices.length ? acknowledgedBy(w) : ''
    const head = windowHead(w)
    const tail = windowTail(w, report.asOf, acked)
    if (w.findings.length === 0) lines.add(head + findingCells(null) + tail)
    else for (const f of w.findings) lines.add(head + findingCells(f) + tail)
  }
  lines.add('')
  return lines
}
