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

/**
 * Sorts an API error into the form's fields (by the pointers its `errors[]` name) and a general
 * message (a 403 says plainly that the key may not do this).
 *
 * @example problemsOf(new ApiError(400, 'Invalid', '', { errors: [{ pointer: '/reason', message: 'required' }] }), ['/reason'])
 * // { byField: { '/reason': 'required' }, general: null }
 */
export function problemsOf(e: unknown, fields: readonly string[]): Problems {
  if (!isProblemAnswer(e)) return { byField: {}, general: `Not recorded: ${String(e)}` }
  if (e.status === 403) return { byField: {}, general: `Refused (403): ${e.detail || 'this key may not record decisions.'}` }
  const errors = ((e.body as { errors?: { pointer?: string; message?: string }[] } | null)?.errors ?? []).filter(
    (x) => x.pointer !== undefined,
  )
  const byField: Record<string, string> = {}
  const rest: string[] = []
  for (const x of errors) {
    if (fields.includes(x.pointer!))
      byField[x.pointer!] = byField[x.pointer!] ? `${byField[x.pointer!]}; ${x.message}` : (x.message ?? 'invalid')
    else rest.push(`${x.pointer || '/'}: ${x.message}`)
  }
  const named = Object.keys(byField).length > 0
  const general =
    rest.length > 0 ? `Not recorded: ${rest.join('; ')}` : named ? null : `Not recorded: ${e.title}${e.detail ? `: ${e.detail}` : ''}`
  return { byField, general }
}
