import { readCsvPlan } from './plan-files/csv.ts'
import { readIcsPlan } from './plan-files/ics.ts'
import { readJsonPlan } from './plan-files/json.ts'
import { type PlanDefaults, type PlanFormat, type PlanProblem, type ReadPlan, unreadable } from './plan-files/rows.ts'

/**
 * Plan files for the command line: the JSON plan (`{windows: [...]}`, the body of
 * POST /v1/assessments), a CSV with one window a row and the same fields, and an iCalendar file
 * (one VEVENT a window, our X-MWP-* properties for the fields iCalendar has no name for), one module
 * each under plan-files/, reading and writing. Every row is validated on its own with the API's own
 * schema (plan-files/rows.ts): a bad row is reported with file, row and column and the rest is still read.
 *
 * @example
 * const plan = readPlan('plan.csv', text)
 * plan.problems // [{ file: 'plan.csv', row: 7, line: 8, column: 'start', message: 'must be an RFC 3339 instant …' }]
 */

export { writePlanCsv } from './plan-files/csv.ts'
export { type PlanRecord, planRecordOf } from './plan-files/fields.ts'
export { writePlanIcs } from './plan-files/ics.ts'
export { writePlanJson } from './plan-files/json.ts'
export type { PlanProblem } from './plan-files/rows.ts'

/** The format a file's name says: .json, .csv, or .ics (.ical, .ifb); undefined for anything else. */
export function formatOf(file: string): PlanFormat | undefined {
  const m = /\.(json|csv|ics|ical|ifb)$/i.exec(file)
  if (!m) return undefined
  const ext = m[1]!.toLowerCase()
  return ext === 'json' ? 'json' : ext === 'csv' ? 'csv' : 'ics'
}

/** Reads a plan file's text. Never throws on bad content: everything wrong comes back in `problems`. */
export function readPlan(
  file: string,
  text: string,
  format: PlanFormat | undefined = formatOf(file),
  defaults: PlanDefaults = {},
): ReadPlan {
  if (format === 'json') return readJsonPlan(file, text)
  if (format === 'csv') return readCsvPlan(file, text)
  if (format === 'ics') return readIcsPlan(file, text, defaults)
  return unreadable('json', { file, row: 0, message: 'unknown file type: name it .json, .csv or .ics' })
}

/** "plan.csv: row 7 (line 8), column start: must be …" */
export function formatProblem(p: PlanProblem): string {
  const where = p.row === 0 ? (p.line ? `line ${p.line}` : 'file') : `row ${p.row}${p.line !== undefined ? ` (line ${p.line})` : ''}`
  return `${p.file}: ${where}${p.column ? `, column ${p.column}` : ''}: ${p.message}`
}
