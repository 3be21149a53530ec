import { readFileSync } from 'node:fs'
import { type Certainty, SEVERITY_RANK, type Severity } from '../domain/findings.ts'
import { zoneClock } from '../domain/time.ts'
import { DEFAULT_RULESET, type Ruleset } from '../domain/ruleset.ts'
import { renderJson } from '../reports/json.ts'
import { Instant } from '../schemas/common.ts'
import { assessOffline, toWindowPlan } from '../services/offline-assessment.ts'
import type { WindowAssessmentView } from '../services/compliance-service.ts'
import { toCsv } from './csv.ts'
import { formatProblem, type PlanProblem, readPlan } from './plan-files.ts'
import { rulesetChoice, rulesetProblem } from './ruleset-choice.ts'

/**
 * `mwp check <plan>`: assesses a plan file offline with the service's engine and says, by its exit
 * code, whether it passes: 2 when a row could not be read (every other row is still checked), else 1
 * when an unwaived finding is at or above `failOn`, else 0. A breach on an assumed limit
 * (unconfirmed) counts as an objection there unless `strict`: the pipeline fails on what is known.
 *
 * @example mwp check examples/opsg-58-plan.csv --format json | jq '.summary'
 */

export const FAIL_ON = ['breach', 'objection', 'warning'] as const
export type FailOn = (typeof FAIL_ON)[number]
export const CHECK_FORMATS = ['table', 'json', 'csv'] as const
export type CheckFormat = (typeof CHECK_FORMATS)[number]

export interface CheckOptions {
  ruleset?: string
  notifiedAt?: string
  failOn: FailOn
  /** Count unconfirmed breaches as breaches for failOn. */
  strict?: boolean
  format: CheckFormat
  /** Colour and symbols for a terminal. */
  color: boolean
  /** Indent JSON (for a person at a terminal; machines get it compact, which is much smaller on 10,000 windows). */
  pretty: boolean
  tzdbVersion: string
  now: () => Date
  out: (text: string | Uint8Array) => void
  err: (text: string) => void
}

/** Exit codes of `mwp check`. */
export const EXIT = { ok: 0, findings: 1, badInput: 2 } as const

interface RowResult {
  row: number
  line?: number
  view: WindowAssessmentView
  start: Date
  end: Date
  zone: string
  party: string
}

type ImpactRated = { rating?: { rating?: string } }
const impactRatingOf = (v: WindowAssessmentView) => (v.impact as ImpactRated | undefined)?.rating?.rating

/** The severity a finding counts as for --fail-on: an unconfirmed breach as an objection unless strict. */
function failSeverity(f: { severity: Severity; certainty: Certainty }, strict: boolean): Severity {
  return f.severity === 'breach' && f.certainty === 'unconfirmed' && !strict ? 'objection' : f.severity
}

/** Runs the check and answers the exit code; writes the report through `out`, problems through `err`. */
export async function runCheck(file: string, o: CheckOptions): Promise<number> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    o.err(`mwp check: ${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`)
    return EXIT.badInput
  }

  let notifiedAt: Date | undefined
  if (o.notifiedAt !== undefined) {
    const r = Instant.safeParse(o.notifiedAt)
    if (!r.success) {
      o.err(`mwp check: --notified-at ${o.notifiedAt}: ${r.error.issues[0]?.message}\n`)
      return EXIT.badInput
    }
    notifiedAt = r.data
  }

  const plan = await readPlan(file, text)
  let ruleset: Ruleset | undefined
  try {
    // A file when one is there by that name, else a built-in ruleset's name; a JSON plan may name a version.
    const choice = o.ruleset ?? (plan.rulesetVersion ? `${DEFAULT_RULESET.id}@${plan.rulesetVersion}` : undefined)
    if (choice !== undefined) ruleset = rulesetChoice(choice)
  } catch (err) {
    o.err(rulesetProblem('check', o.ruleset, err))
    return EXIT.badInput
  }

  const now = notifiedAt ?? o.now()
  const plans = plan.rows.map((r, i) => toWindowPlan(r.window, i, notifiedAt ? { notifiedAt } : {}))
  const assessed = await assessOffline(plans, { now, tzdbVersion: o.tzdbVersion, ...(ruleset ? { ruleset } : {}) })
  const results: RowResult[] = plan.rows.map((r, i) => ({
    row: r.row,
    ...(r.line !== undefined ? { line: r.line } : {}),
    view: assessed.views[i]!,
    start: plans[i]!.start,
    end: plans[i]!.end,
    zone: plans[i]!.zone,
    party: plans[i]!.party,
  }))

  const limit = SEVERITY_RANK[o.failOn]
  const strict = o.strict === true
  const counts: Record<Severity, number> = { breach: 0, objection: 0, warning: 0, info: 0 }
  const byCertainty: Record<Certainty, Record<Severity, number>> = {
    confirmed: { breach: 0, objection: 0, warning: 0, info: 0 },
    unconfirmed: { breach: 0, objection: 0, warning: 0, info: 0 },
  }
  let failing = 0
  for (const r of results)
    for (const f of r.view.findings) {
      counts[f.severity]++
      byCertainty[f.certainty][f.severity]++
      if (!f.waiver && SEVERITY_RANK[failSeverity(f, strict)] <= limit) failing++
    }
  const badRows = new Set(plan.problems.map((p) => p.row)).size
  const exitCode = plan.problems.length ? EXIT.badInput : failing ? EXIT.findings : EXIT.ok
  const summary = {
    file,
    format: plan.format,
    rows: plan.total,
    checked: results.length,
    badRows,
    problems: plan.problems.length,
    findings: counts,
    findingsByCertainty: byCertainty,
    failOn: o.failOn,
    strict,
    failing,
    exitCode,
    now: now.toISOString(),
    notifiedAt: notifiedAt?.toISOString() ?? null,
    ruleset: ruleset ? { id: ruleset.id, version: ruleset.version } : null,
  }

  if (o.format === 'json') {
    const report = {
      summary,
      problems: plan.problems,
      windows: results.map((r) => ({ row: r.row, ...(r.line !== undefined ? { line: r.line } : {}), ...r.view })),
      months: assessed.months,
      provenance: assessed.provenance,
    }
    // Compact JSON (for machines) goes out in UTF-8 chunks, as the report route sends it.
    if (o.pretty) o.out(`${JSON.stringify(report, null, 2)}\n`)
    else for (const chunk of [...renderJson(report).bytes(), '\n']) o.out(chunk)
  } else if (o.format === 'csv') {
    o.out(checkCsv(results))
  } else {
    o.out(table(results, assessed.months, summary, o.color))
  }
  if (plan.problems.length) {
    const shown = o.format === 'table' ? plan.problems.slice(0, 50) : plan.problems
    o.err(shown.map((p: PlanProblem) => `${formatProblem(p)}\n`).join(''))
    if (shown.length < plan.problems.length)
      o.err(`… and ${plan.problems.length - shown.length} more problems (--format json lists them all)\n`)
  }
  return exitCode
}

/** The columns of `mwp check --format csv`: one row per window read. */
export const CHECK_CSV_COLUMNS = [
  'row',
  'reference',
  'party',
  'start',
  'end',
  'assessed',
  'worstSeverity',
  'compliance',
  'impactRating',
  'realMinutes',
  'breach',
  'unconfirmedBreach',
  'objection',
  'warning',
  'info',
  'codes',
] as const

function checkCsv(results: readonly RowResult[]): string {
  return toCsv(
    CHECK_CSV_COLUMNS,
    results.map((r) => {
      const n = (s: Severity) => String(r.view.findings.filter((f) => f.severity === s).length)
      return [
        String(r.row),
        r.view.reference,
        r.party,
        r.start.toISOString(),
        r.end.toISOString(),
        String(r.view.assessed),
        r.view.worstSeverity ?? '',
        r.view.compliance.rating,
        impactRatingOf(r.view) ?? '',
        String(r.view.realMinutes),
        n('breach'),
        String(r.view.findings.filter((f) => f.severity === 'breach' && f.certainty === 'unconfirmed').length),
        n('objection'),
        n('warning'),
        n('info'),
        [...new Set(r.view.findings.filter((f) => f.severity !== 'info').map((f) => f.code))].join(';'),
      ]
    }),
  )
}

const ANSI = { red: '\x1b[31m', yellow: '\x1b[33m', cyan: '\x1b[36m', green: '\x1b[32m', dim: '\x1b[2m', bold: '\x1b[1m', reset: '\x1b[0m' }

function table(
  results: readonly RowResult[],
  months: readonly { month: string; plannedMinutes: number; capMinutes: number; status: string }[],
  summary: {
    file: string
    rows: number
    checked: number
    badRows: number
    findings: Record<Severity, number>
    findingsByCertainty: Record<Certainty, Record<Severity, number>>
    failOn: string
    strict: boolean
    failing: number
    exitCode: number
    now: string
    notifiedAt: string | null
  },
  color: boolean,
): string {
  const paint = (c: keyof typeof ANSI, s: string) => (color ? `${ANSI[c]}${s}${ANSI.reset}` : s)
  const sevColour: Record<string, keyof typeof ANSI> = {
    breach: 'red',
    'breach?': 'yellow',
    objection: 'yellow',
    warning: 'cyan',
    info: 'dim',
  }
  const mark: Record<string, string> = { breach: '✖', 'breach?': '✖?', objection: '▲', warning: '·', info: ' ' }
  const ratingColour: Record<string, keyof typeof ANSI> = { red: 'red', amber: 'yellow', green: 'green' }
  const refWidth = Math.max(9, ...results.map((r) => r.view.reference.length))
  const lines: string[] = []
  lines.push(
    paint(
      'bold',
      `${'row'.padStart(5)}  ${'reference'.padEnd(refWidth)}  ${'start (local)'.padEnd(16)}  ${'worst'.padEnd(9)}  ${'verdict'.padEnd(7)}  ${'impact'.padEnd(6)}  findings`,
    ),
  )
  for (const r of results) {
    const worst = r.view.worstSeverity ?? (r.view.assessed ? 'ok' : 'not assessed')
    const verdict = r.view.assessed ? r.view.compliance.rating : '-'
    const impact = impactRatingOf(r.view) ?? '-'
    // One mark per code: the most severe, confirmed before unconfirmed (findings come sorted by severity).
    const codes = new Map<string, string>()
    for (const f of r.view.findings) {
      if (f.severity === 'info') continue
      const m = f.severity === 'breach' && f.certainty === 'unconfirmed' ? 'breach?' : f.severity
      const was = codes.get(f.code)
      if (was === undefined || (was === 'breach?' && m === 'breach')) codes.set(f.code, m)
    }
    const list = [...codes].map(([code, m]) => paint(sevColour[m] ?? 'dim', `${mark[m]} ${code}`)).join('  ')
    const local = new Date(zoneClock(r.zone).toWall(r.start.getTime())).toISOString().slice(0, 16).replace('T', ' ')
    lines.push(
      `${String(r.row).padStart(5)}  ${r.view.reference.padEnd(refWidth)}  ${local.padEnd(16)}  ${paint(sevColour[worst] ?? 'green', worst.padEnd(9))}  ${paint(ratingColour[verdict] ?? 'dim', verdict.padEnd(7))}  ${paint(ratingColour[impact] ?? 'dim', impact.padEnd(6))}  ${list}`,
    )
  }
  if (months.length) {
    lines.push('', paint('bold', 'planned outage minutes per month'))
    for (const m of months)
      lines.push(
        `  ${m.month}  ${String(m.plannedMinutes).padStart(5)} / ${m.capMinutes} min  ${m.status === 'ok' ? 'ok' : paint(m.status === 'breach' ? 'red' : 'cyan', m.status)}`,
      )
  }
  const f = summary.findings
  const u = summary.findingsByCertainty.unconfirmed
  const failWhat = `${summary.failOn}${summary.strict ? ' (strict: breaches on an assumed limit count as breaches)' : ''}`
  const verdict =
    summary.exitCode === EXIT.badInput
      ? paint('red', `exit 2: ${summary.badRows} bad row${summary.badRows === 1 ? '' : 's'} (below)`)
      : summary.exitCode === EXIT.findings
        ? paint('red', `exit 1: ${summary.failing} unwaived finding${summary.failing === 1 ? '' : 's'} at or above ${failWhat}`)
        : paint('green', `exit 0: nothing at or above ${failWhat}`)
  lines.push(
    '',
    `${summary.file}: ${summary.checked} of ${summary.rows} windows checked (notified ${summary.notifiedAt ? `at ${summary.notifiedAt}` : 'as each window says, else now'}); ` +
      `${f.breach - u.breach} breaches, ${u.breach} breaches on an assumed limit, ${f.objection} objections, ${f.warning} warnings. ${verdict}`,
  )
  if (u.breach > 0)
    lines.push(
      `✖? limit assumed: set the SEC value in a ruleset to confirm (mwp check --ruleset FILE); without --strict these count as objections for --fail-on.`,
    )
  lines.push(
    'verdict: red = an open confirmed breach; amber = an open objection or a breach on an assumed limit; green = nothing open above warning.',
  )
  return `${lines.join('\n')}\n`
}
