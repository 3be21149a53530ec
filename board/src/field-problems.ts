/**
 * A problem+json answer sorted for a form: the messages beside the fields its JSON Pointers name.
 * (No import of api.ts: this module is also tested in Node, where the page's fetch types differ.)
 */

/** What an ApiError (api.ts) carries: the status, title and detail, and the parsed body. */
export interface ProblemAnswer extends Error {
  status: number
  title: string
  detail: string
  body: unknown
}

const isProblemAnswer = (e: unknown): e is ProblemAnswer =>
  e instanceof Error && typeof (e as Partial<ProblemAnswer>).status === 'number' && typeof (e as Partial<ProblemAnswer>).title === 'string'

/** Messages by JSON Pointer (`/reason`), and what names no field of the form. */
export interface Problems {
  byField: Record<string, string>
  general: string | null
}

export const NO_PROBLEMS: Problems = { byField: {}, general: null }

/** One entry of a problem+json answer's `errors[]`: the JSON Pointer it names and what is wrong. */
export interface FieldProblem {
  pointer: string
  message: string
}

/**
 * The one place the board sorts a problem+json answer's `errors[]` for a form: those beside a field
 * (`fieldOf` says which field a pointer names, undefined for none of the form's) and the rest,
 * worded `pointer: message` (a problem with no pointer is its message alone).
 *
 * @example groupByField([{ pointer: '/end', message: 'end must be after start' }, { pointer: '/zone', message: 'bad' }], (p) => (p === '/end' ? 'end' : undefined))
 * // { byField: { end: ['end must be after start'] }, other: ['/zone: bad'] }
 */
export function groupByField<F extends string>(
  errors: readonly FieldProblem[],
  fieldOf: (pointer: string) => F | undefined,
): { byField: Partial<Record<F, string[]>>; other: string[] } {
  const byField: Partial<Record<F, string[]>> = {}
  const other: string[] = []
  for (const e of errors) {
    const field = fieldOf(e.pointer)
    if (field !== undefined) (byField[field] ??= []).push(e.message)
    else other.push(e.pointer ? `${e.pointer}: ${e.message}` : e.message)
  }
  return { byField, other }
}

/**
 * Sorts an API error into a decision form's fields (named by their whole pointers, `/reason`) and a
 * general message (a 403 says plainly that the key may not do this).
 *
 * @example problemsOf(new ApiError(400, 'Invalid', '', { errors: [{ pointer: '/reason', message: 'required' }] }), ['/reason'])
 * // { byField: { '/reason': 'required' }, general: null }
 */
export function problemsOf(e: unknown, fields: readonly string[]): Problems {
  if (!isProblemAnswer(e)) return { byField: {}, general: `Not recorded: ${String(e)}` }
  if (e.status === 403) return { byField: {}, general: `Refused (403): ${e.detail || 'this key may not record decisions.'}` }
  const errors = ((e.body as { errors?: Partial<FieldProblem>[] } | null)?.errors ?? []).filter(
    (x): x is FieldProblem => typeof x.pointer === 'string',
  )
  const found = groupByField(
    errors.map((x) => ({ pointer: x.pointer, message: x.message ?? 'invalid' })),
    (pointer) => (fields.includes(pointer) ? pointer : undefined),
  )
  const byField: Record<string, string> = {}
  for (const [field, messages] of Object.entries(found.byField)) byField[field] = (messages as string[]).join('; ')
  const named = Object.keys(byField).length > 0
  const general =
    found.other.length > 0
      ? `Not recorded: ${found.other.join('; ')}`
      : named
        ? null
        : `Not recorded: ${e.title}${e.detail ? `: ${e.detail}` : ''}`
  return { byField, general }
}
