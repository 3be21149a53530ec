/**
 * Errors with a stable code. The HTTP layer turns each into an `application/problem+json` answer
 * (RFC 9457) in one place; nothing else builds error responses.
 *
 * @example throw new AppError('not-found', 404, 'Window not found', `no window ${id}`)
 */
export interface FieldProblem {
  /** RFC 6901 JSON Pointer into the request, e.g. `/end` or `/windows/3/zone`. */
  pointer: string
  /** `body`, `query`, `params` or `headers`. */
  in: 'body' | 'query' | 'params' | 'headers'
  message: string
}

export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extra: { errors?: FieldProblem[]; headers?: Record<string, string>; [k: string]: unknown } = {},
  ) {
    super(detail)
    this.name = 'AppError'
  }
}

export const notFound = (what: string, id: string) =>
  new AppError('not-found', 404, `${what} not found`, `There is no ${what.toLowerCase()} with id ${id}.`)

export const forbidden = (detail: string) => new AppError('forbidden', 403, 'Forbidden', detail)

/** A request whose fields are wrong: 400 with every offending field as a JSON Pointer. */
export const invalid = (errors: FieldProblem[], detail?: string) =>
  new AppError(
    'validation-failed',
    400,
    'The request is not valid',
    detail ?? errors.map((e) => `${e.in} ${e.pointer || '/'}: ${e.message}`).join('; '),
    { errors },
  )

export const bodyField = (pointer: string, message: string): FieldProblem => ({ pointer, in: 'body', message })
