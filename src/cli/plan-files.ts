import type { PlanRecord } from './plan-files/fields.ts'
import { type PlanDefaults, type PlanFormat, type PlanProblem, type ReadPlan, unreadable } from './plan-files/rows.ts'

/**
 * Plan files for the command line: the JSON plan (`{windows: [...]}`, the body of
 * POST /v1/assessments), a CSV with one window a row and the same fields, and an iCalendar file
 * (one VEVENT a window, our X-MWP-* properties for the fields iCalendar has no name for), one module
 * each under plan-files/, reading and writing. Every row is validated on its own with the API's own
 * schema (plan-files/rows.ts): a bad row is reported with file, row and column and the rest is still read.
 * Each format's module is loaded when a file of that format is read or written: `mwp check plan.csv`
 * does not load ical.js (its module and the feed writer cost about 100 ms at start on our VM).
 *
 * @example
 * const plan = await readPlan('plan.csv', text)
 * plan.problems // [{ file: 'plan.csv', row: 7, line: 8, column: 'start', message: 'must be an RFC 3339 instant …' }]
 */

export { type PlanRecord, planRecordOf } from './plan-files/fields.ts'
export type { PlanProblem } from './plan-files/rows.ts'

/** The format a file's name says: .json, .csv, or .ics (.ical, .ifb); undefined for anything else. */
export function formatOf(file: string): PlanFormat | undefined {
  const m = /\.(json|csv|ics|ical|ifb)$/i.exec(file)
  if (!m) return undefined
  const ext = m[1]!.toLowerCase()
  return ext === 'json' ? 'json' : ext === 'csv' ? 'csv' : 'ics'
}

/** Reads a plan file's text. Never throws on bad content: everything wrong comes back in `problems`. */
export async function readPlan(
  file: string,
  text: string,
  format: PlanFormat | undefined = formatOf(file),
  defaults: PlanDefaults = {},
): Promise<ReadPlan> {
  if (format === 'json') return (await import('./plan-files/json.ts')).readJsonPlan(file, text)
  if (format === 'csv') return (await import('./plan-files/csv.ts')).readCsvPlan(file, text)
  if (format === 'ics') return (await import('./plan-files/ics.ts')).readIcsPlan(file, text, defaults)
  return unreadable('json', { file, row: 0, message: 'unknown file type: name it .json, .csv or .ics' })
}

/**
 * A plan as the text of a file in `format`; `stamp` is the iCalendar DTSTAMP.
 * @example await writePlan('csv', windows, new Date()) // 'reference,title,…\r\nDSP-TR-01,…'
 */
export async function writePlan(format: PlanFormat, windows: readonly PlanRecord[], stamp: Date): Promise<string> {
  if (format === 'json') return (await import('./plan-files/json.ts')).writePlanJson(windows)
  if (format === 'csv') return (await import('./plan-files/csv.ts')).writePlanCsv(windows)
  return (await import('./plan-files/ics.ts')).writePlanIcs(windows, stamp)
}

/** "plan.csv: row 7 (line 8), column start: must be …" */
export function formatProblem(p: PlanProblem): string {
  const where = p.row === 0 ? (p.line ? `line ${p.line}` : 'file') : `row ${p.row}${p.line !== undefined ? ` (line ${p.line})` : ''}`
  return `${p.file}: ${where}${p.column ? `, column ${p.column}` : ''}: ${p.message}`
}
