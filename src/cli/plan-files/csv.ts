import { parseCsv, toCsv } from '../csv.ts'
import { PLAN_COLUMNS, type PlanRecord, RECORD_COLUMNS, REQUIRED_COLUMNS } from './fields.ts'
import { inRowOrder, type PlanProblem, type PlanRow, type ReadPlan, validateRow } from './rows.ts'

/**
 * The CSV plan: a header naming the columns (PLAN_COLUMNS, any order), then one window a row; lists
 * (services, regions) joined with `;`, an empty cell for a field not given. A row is numbered among
 * the data rows (a malformed record counts as one) and carries its physical line.
 *
 * @example
 * readCsvPlan('plan.csv', text).problems[0] // { file: 'plan.csv', row: 7, line: 8, column: 'start', message: 'must be …' }
 */

const LIST_COLUMNS = new Set<string>(['services', 'regions'])
const KNOWN_COLUMNS = new Set<string>(PLAN_COLUMNS)

export function readCsvPlan(file: string, text: string): ReadPlan {
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
  const use: { index: number; name: string }[] = []
  names.forEach((name, index) => {
    if (KNOWN_COLUMNS.has(name)) use.push({ index, name })
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
  data.forEach((rec, i) => {
    const row = i + 1 + csvProblems.filter((p) => p.line > 1 && p.line < rec.line).length
    if (rec.fields.length !== names.length) {
      problems.push({ file, row, line: rec.line, message: `${rec.fields.length} fields where the header has ${names.length}` })
      return
    }
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
    const window = validateRow(file, row, rec.line, raw, problems)
    if (window) rows.push({ row, line: rec.line, raw, window })
  })
  return { format: 'csv', rows, problems: inRowOrder(problems), total: data.length + csvProblems.filter((p) => p.line > 1).length }
}

/** The windows as a CSV plan (every column but `id`) that `readCsvPlan` reads back unchanged. */
export function writePlanCsv(windows: readonly PlanRecord[]): string {
  return toCsv(
    RECORD_COLUMNS,
    windows.map((w) =>
      RECORD_COLUMNS.map((c) => {
        const v = w[c]
        return Array.isArray(v) ? v.join(';') : v == null ? '' : String(v)
      }),
    ),
  )
}
