/**
 * The OPSG compliance report as data: pure (assessed windows in, report model out), rendered to
 * JSON as is (json.ts), to CSV by csv.ts and to one HTML page by html.ts. Its shape and types are
 * in report-schema.ts, its input in report-input.ts; each part is built by its own module:
 * - summary (report-summary.ts): windows by compliance and by impact rating, findings by code,
 *   severity and certainty, open / waived / remediated breaches (confirmed, and apart those on an
 *   assumed limit) and objections;
 * - programmes (programme-totals.ts): each programme's totals over its windows in scope;
 * - months (party-months.ts): one row per party and local month of the period: planned minutes
 *   against the monthly cap, windows in winter or a top-up peak, and the availability effect;
 * - gbMonths: the engine's GB-wide month totals (the cap rule's own figures);
 * - windows (window-rows.ts): one row per window with its findings, waivers, notices and impact;
 * - breachRegister (breach-register.ts): every breach and objection, open, waived (with the waiver
 *   reference), remediated (found on an earlier stored assessment of a window version that had been
 *   put forward: notified or later for a notice finding, proposed or later for others; no longer
 *   found) or resolved before notice (gone before it mattered: listed, never counted as remediated);
 * - shading (shading.ts): winter, top-up peaks and bank holidays inside the period, for the timeline;
 * - provenance: rulesets, calendar versions, reference data, tz database, generated-at, asOf.
 *
 * @example
 * const report = buildComplianceReport({ from, to, zone: 'Europe/London', windows, ... })
 * report.months.find((m) => m.party === 'DSP' && m.month === '2021-11')?.plannedMinutes // 720
 */
import { monthsTouched } from '../domain/time.ts'
import { breachRegister } from './breach-register.ts'
import { partyMonths } from './party-months.ts'
import { totalsByProgramme } from './programme-totals.ts'
import type { ReportInput } from './report-input.ts'
import { cmp, iso, isoOrNull, periodInWords, uniqueBy } from './report-format.ts'
import { type ComplianceReport, REPORT_KIND } from './report-schema.ts'
import { reportSummary } from './report-summary.ts'
import { shadedPeriods } from './shading.ts'
import { sortWindows, windowRows } from './window-rows.ts'

export type { RemediatedFinding, ReportInput, ReportWaiver, ReportWindowInput } from './report-input.ts'
export type { ComplianceReport } from './report-schema.ts'

const REPORT_FORMAT_VERSION = 1

/** The sentence every report carries about what asOf means. */
const AS_OF_STATEMENT =
  'asOf works on business time: each window is taken at its latest version whose effectiveAt is at or before asOf, ' +
  'with the schedule publications (publishedAt), waivers (decidedAt, not lapsed by asOf) and ruleset versions (effectiveAt) ' +
  'in effect then; when the service recorded a record (recordedAt) does not matter. Without asOf the report shows the current state.'

/**
 * Builds the report model. Deterministic: the same input gives the same report (windows by start,
 * party, reference; findings in the engine's order; register by window then key).
 */
export function buildComplianceReport(input: ReportInput): ComplianceReport {
  const zone = input.zone
  const months = monthsTouched(input.from, input.to, zone)
  const sorted = sortWindows(input.windows)
  const rows = windowRows(sorted, input)
  const register = breachRegister(rows, input.remediated)
  const primary = input.rulesets[0]
  return {
    kind: REPORT_KIND,
    formatVersion: REPORT_FORMAT_VERSION,
    title: `Planned Maintenance compliance report, ${periodInWords(input.from, input.to, zone)}${input.party ? ` (${input.party})` : ''}`,
    period: { from: iso(input.from), to: iso(input.to), zone, months },
    filters: { party: input.party, programme: input.programme },
    asOf: isoOrNull(input.asOf),
    generatedAt: iso(input.generatedAt),
    summary: reportSummary(rows, register),
    programmes: totalsByProgramme(sorted, zone),
    months: partyMonths(input, sorted, months),
    gbMonths: gbMonths(input, months),
    windows: rows,
    breachRegister: register,
    shading: primary ? shadedPeriods(primary, input.calendars, input.from, input.to, zone) : [],
    publications: [...input.publications]
      .sort((a, b) => cmp(a.month, b.month) || a.publishedAt.getTime() - b.publishedAt.getTime())
      .map((p) => ({ month: p.month, publishedAt: iso(p.publishedAt), parties: [...p.parties] })),
    provenance: provenance(input),
  }
}

/** The engine's GB-wide totals of the report's months. */
function gbMonths(input: ReportInput, months: readonly string[]): ComplianceReport['gbMonths'] {
  return input.gbMonths
    .filter((m) => months.includes(m.month))
    .map((m) => ({
      month: m.month,
      plannedMinutes: m.plannedMinutes,
      capMinutes: m.capMinutes,
      remainingMinutes: m.remainingMinutes,
      status: m.status,
      windows: m.windows,
    }))
}

/** Where the report's figures come from: rulesets, calendars, reference data, tz database, audit head, blackout layers, time basis. */
function provenance(input: ReportInput): ComplianceReport['provenance'] {
  return {
    rulesets: uniqueBy(input.rulesets, (r) => `${r.id}@${r.version}`).map((r) => ({
      id: r.id,
      version: r.version,
      effectiveFrom: r.effectiveFrom,
      status: r.status ?? '',
    })),
    calendars: { ...input.calendars.versions() },
    referenceData: { ...input.referenceData },
    tzdbVersion: input.tzdbVersion,
    auditHead: input.auditHead ? { seq: input.auditHead.seq, hash: input.auditHead.hash } : null,
    blackoutLayers: uniqueBy(
      input.engineProvenance.flatMap((p) => p.blackoutLayers),
      (l) => `${l.id}@${l.version}`,
    ),
    generatedAt: iso(input.generatedAt),
    asOf: isoOrNull(input.asOf),
    timeBasis: AS_OF_STATEMENT,
    notes: [...input.notes],
  }
}
