/**
 * The report's summary: windows by compliance and by impact rating; findings by severity,
 * certainty and code (codes in the engine's order); and the breach register counted by status,
 * confirmed breaches, breaches on an assumed limit and objections apart.
 *
 * @example
 * const summary = reportSummary(rows, breachRegister(rows, input.remediated))
 * summary.breaches.open // 2 (OPSG 58; summary.unconfirmedBreaches.open // 10)
 */
import { type Certainty, FINDING_CODE_LIST, type Severity } from '../domain/findings.ts'
import type { BreachRegisterEntry, RegisterCounts, ReportSummary, ReportWindowRow } from './report-schema.ts'

const emptySeverities = (): Record<Severity, number> => ({ breach: 0, objection: 0, warning: 0, info: 0 })
const emptyRegisterCounts = (): RegisterCounts => ({ open: 0, waived: 0, remediated: 0, resolvedBeforeNotice: 0 })

/** The count a register entry's status goes into. */
const COUNT_OF: Record<BreachRegisterEntry['status'], keyof RegisterCounts> = {
  open: 'open',
  waived: 'waived',
  remediated: 'remediated',
  'resolved-before-notice': 'resolvedBeforeNotice',
}

/** The summary of the rows and their register. */
export function reportSummary(rows: readonly ReportWindowRow[], register: readonly BreachRegisterEntry[]): ReportSummary {
  const summary: ReportSummary = {
    windows: rows.length,
    windowsByCompliance: { red: 0, amber: 0, green: 0, unrated: 0 },
    windowsByImpactRating: { red: 0, amber: 0, green: 0, unrated: 0 },
    findings: {
      total: 0,
      bySeverity: emptySeverities(),
      byCertainty: { confirmed: emptySeverities(), unconfirmed: emptySeverities() },
      byCode: {},
    },
    breaches: emptyRegisterCounts(),
    unconfirmedBreaches: emptyRegisterCounts(),
    objections: emptyRegisterCounts(),
  }
  const { findings } = summary
  for (const row of rows) {
    summary.windowsByImpactRating[row.impactRating ?? 'unrated']++
    summary.windowsByCompliance[row.compliance]++
    for (const f of row.findings) {
      findings.total++
      findings.bySeverity[f.severity]++
      findings.byCertainty[f.certainty][f.severity]++
      const byCode = (findings.byCode[f.code as keyof typeof findings.byCode] ??= emptySeverities())
      byCode[f.severity]++
    }
  }
  for (const e of register) registerCounts(summary, e.severity, e.certainty)[COUNT_OF[e.status]]++
  // Findings by code in a fixed order (the engine's list).
  findings.byCode = Object.fromEntries(FINDING_CODE_LIST.filter((c) => findings.byCode[c]).map((c) => [c, findings.byCode[c]!]))
  return summary
}

/** The summary counts a register entry goes into: objections, confirmed breaches or unconfirmed ones. */
function registerCounts(summary: ReportSummary, severity: Severity, certainty: Certainty): RegisterCounts {
  if (severity !== 'breach') return summary.objections
  return certainty === 'confirmed' ? summary.breaches : summary.unconfirmedBreaches
}
