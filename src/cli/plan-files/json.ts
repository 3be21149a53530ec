import type { PlanRecord } from './fields.ts'
import { type PlanProblem, type PlanRow, type ReadPlan, unreadable, validateRow } from './rows.ts'

/**
 * The JSON plan: `{windows: [...]}` (the body of POST /v1/assessments, with its optional
 * `rulesetVersion`) or a bare array of windows. Problems name the array position (row) and the field.
 *
 * @example
 * readJsonPlan('plan.json', '{"windows": [{"reference": "X"}]}').problems[0]
 * // { file: 'plan.json', row: 1, column: 'title', message: 'required, missing' }
 */
export function readJsonPlan(file: string, text: string): ReadPlan {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (err) {
    return unreadable('json', { file, row: 0, message: `not JSON: ${(err as Error).message}` })
  }
  const list = Array.isArray(body) ? body : (body as { windows?: unknown })?.windows
  if (!Array.isArray(list))
    return unreadable('json', {
      file,
      row: 0,
      column: 'windows',
      message: 'expected {"windows": [...]} (the body of POST /v1/assessments) or an array of windows',
    })
  const rulesetVersion = (body as { rulesetVersion?: unknown }).rulesetVersion
  const problems: PlanProblem[] = []
  const rows: PlanRow[] = []
  list.forEach((raw, i) => {
    const row = i + 1
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push({ file, row, message: 'a window must be an object' })
      return
    }
    const window = validateRow(file, row, undefined, raw as Record<string, unknown>, problems)
    if (window) rows.push({ row, raw: raw as Record<string, unknown>, window })
  })
  return { format: 'json', rows, problems, total: list.length, ...(typeof rulesetVersion === 'string' ? { rulesetVersion } : {}) }
}

/** The windows as a JSON plan that `readJsonPlan` (and POST /v1/assessments) reads back. */
export function writePlanJson(windows: readonly PlanRecord[]): string {
  return `${JSON.stringify({ windows }, null, 2)}\n`
}
