import { IANAZone } from 'luxon'
import { z } from 'zod'
import { LONDON_ZONE } from '../../domain/time.ts'
import { DryRunWindow } from '../../schemas/windows.ts'

/**
 * What every plan file format reads into: rows, each validated on its own with the API's own schema
 * (DryRunWindow), and problems naming file, row, line and column, so that a bad row is reported and
 * the rest is still read.
 *
 * @example
 * const problems: PlanProblem[] = []
 * validateRow('plan.csv', 7, 8, { reference: 'X', start: '13/02/2022' }, problems)
 * // undefined; problems[0]: { file: 'plan.csv', row: 7, line: 8, column: 'start', message: 'must be an RFC 3339 instant …' }
 */

export type PlanFormat = 'json' | 'csv' | 'ics'
/** A window as the API validates it (instants as Date). */
type PlanWindow = z.infer<typeof DryRunWindow>

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

/** A plan of which nothing could be read: one problem about the file itself. */
export function unreadable(format: PlanFormat, problem: PlanProblem): ReadPlan {
  return { format, rows: [], total: 0, problems: [problem] }
}

/** Problems in row order (a stable sort: a row's problems keep their order). */
export function inRowOrder(problems: PlanProblem[]): PlanProblem[] {
  return problems.sort((a, b) => a.row - b.row)
}

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
    }, `must be an IANA time zone such as ${LONDON_ZONE}`)
    .optional(),
})

/**
 * Validates one raw window with the API schema: the window, or undefined with its problems added to
 * `problems`, each naming the column (`columnOf` maps a field to the format's name for it).
 */
export function validateRow(
  file: string,
  row: number,
  line: number | undefined,
  raw: Record<string, unknown>,
  problems: PlanProblem[],
  columnOf: (field: string) => string = (f) => f,
): PlanWindow | undefined {
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
