import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod'
import { AppError, type FieldProblem } from '../../services/errors.ts'
import { PROBLEM_MEDIA_TYPE } from './openapi.ts'

/** What each stable problem code means; served at /problems/{code} so that `type` dereferences. */
export const PROBLEM_CODES: Record<string, string> = {
  'validation-failed':
    'A field of the request is missing, has the wrong type or an impossible value. `errors` lists each field as a JSON Pointer.',
  'unknown-reference': 'The request names a party, region, service or other id that does not exist.',
  'malformed-json': 'The body is not valid JSON.',
  'unsupported-media-type': 'The Content-Type is not accepted here; send application/json (or application/merge-patch+json for PATCH).',
  'payload-too-large': 'The body is larger than the service accepts.',
  unauthorized: 'No API key, or an unknown or revoked one: send Authorization: Bearer <key>.',
  forbidden: 'The key is valid but its role or party does not allow this.',
  'not-found': 'No such resource.',
  conflict: 'The request conflicts with the current state.',
  'secrets-key-missing':
    'The service cannot store a secret encrypted: it runs on a PostgreSQL server without SECRETS_KEY. An operator sets the same SECRETS_KEY on every instance.',
  'duplicate-reference': 'The party already has a window with this reference.',
  'illegal-transition': 'The window cannot move to that status from where it is; `allowed` lists the next states.',
  'window-closed': 'The window is in a final or running state and cannot be edited.',
  'precondition-required': 'This change needs an If-Match header carrying the ETag from your last read.',
  'stale-version': 'The resource changed since the ETag you sent: read it again and reapply your change.',
  'idempotency-key-reused': 'The Idempotency-Key was already used with a different request body.',
  'idempotency-in-progress': 'A request with the same Idempotency-Key is still running; retry after Retry-After seconds.',
  'database-unavailable': 'The database cannot be reached right now; retry after Retry-After seconds.',
  'shutting-down': 'This instance is stopping (a restart or a deployment); retry after Retry-After seconds, another instance will answer.',
  'method-not-allowed': 'The path exists but not with this method.',
  'rate-limited': 'Too many requests from this API key, feed token or address in the current window; retry after Retry-After seconds.',
  'uri-too-long': 'A path segment is longer than the service accepts (200 characters).',
  'headers-too-large': 'The request line and headers are larger than the service reads (16 KiB).',
  'bad-request': 'The request could not be read (headers, URL or body framing); `detail` says what.',
  'internal-error': 'Something went wrong on our side; the request id identifies it in the logs.',
}

/** What every problem names: its stable code (the `type` URI ends in it), title, status and detail. */
export interface ProblemFields {
  status: number
  code: string
  title: string
  detail: string
  /** The request's URL, where the answer goes back to a request fastify has read. */
  instance?: string
  requestId?: string
}

/**
 * The one builder of an RFC 9457 problem+json body: `type` dereferences at /problems/{code}, and
 * members beyond the standard ones (`errors`, `allowed`, …) follow in `extra`.
 *
 * @example problemBody('https://mwp.example', { status: 404, code: 'not-found', title: 'Not found', detail: 'No window 1.' })
 * // { type: 'https://mwp.example/problems/not-found', title: 'Not found', status: 404, detail: 'No window 1.', code: 'not-found' }
 */
export function problemBody(baseUrl: string, p: ProblemFields, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: `${baseUrl}/problems/${p.code}`,
    title: p.title,
    status: p.status,
    detail: p.detail,
    ...(p.instance !== undefined ? { instance: p.instance } : {}),
    code: p.code,
    ...(p.requestId !== undefined ? { requestId: p.requestId } : {}),
    ...extra,
  }
}

/** A problem as an answer: its fields, the response headers it needs (Retry-After) and any extra members. */
type Problem = ProblemFields & { headers?: Record<string, string>; [k: string]: unknown }

export function sendProblem(reply: FastifyReply, req: FastifyRequest, baseUrl: string, p: Problem) {
  const { headers, status, code, title, detail, ...extra } = p
  if (headers) for (const [k, v] of Object.entries(headers)) reply.header(k, v)
  return reply
    .code(status)
    .type(PROBLEM_MEDIA_TYPE)
    .serializer(JSON.stringify)
    .send(problemBody(baseUrl, { status, code, title, detail, instance: req.url, requestId: req.id }, extra))
}

/**
 * Fastify's own refusals before any route runs (a URL it cannot decode, a path parameter over
 * `maxParamLength`), as problem+json like every other error.
 *
 * @example Fastify({ frameworkErrors: frameworkErrors(baseUrl) })
 */
export function frameworkErrors(baseUrl: string) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH'
    return sendProblem(reply, req, baseUrl, {
      status: tooLong ? 414 : err.statusCode && err.statusCode < 500 ? err.statusCode : 400,
      code: tooLong ? 'uri-too-long' : 'bad-request',
      title: tooLong ? 'URI too long' : 'Bad request',
      detail: tooLong ? 'A path segment is longer than 200 characters.' : `The URL cannot be read: ${err.message}`,
    })
  }
}

/**
 * Node's HTTP parser refusals (headers over 16 KiB, a malformed request line) answered as
 * problem+json on the socket, then closed.
 *
 * @example Fastify({ clientErrorHandler: clientErrorHandler(baseUrl) })
 */
export function clientErrorHandler(baseUrl: string) {
  return (err: Error & { code?: string }, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy()
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
    const code = status === 431 ? 'headers-too-large' : 'bad-request'
    const title = STATUS_CODES[status] ?? 'Bad Request'
    const body = JSON.stringify(
      problemBody(baseUrl, { status, code, title, detail: `The request could not be read (${err.code ?? 'client error'}).` }),
    )
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: ${PROBLEM_MEDIA_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  }
}

const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  '08001',
])

/** True for errors that mean "the database is away", which deserve a 503 and a retry. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string }
  if (e?.code && CONNECTION_ERRORS.has(e.code)) return true
  return /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    e?.message ?? '',
  )
}

/**
 * Where a bad value is, in the API's words (OpenAPI's `in`): fastify calls the query `querystring`.
 *
 * @example locationOf('querystring') // 'query'
 */
function locationOf(validationContext: string | undefined): FieldProblem['in'] {
  switch (validationContext) {
    case 'querystring':
    case 'query':
      return 'query'
    case 'params':
    case 'headers':
      return validationContext
    default:
      return 'body'
  }
}

function zodProblems(
  err: FastifyError & {
    validation: { instancePath: string; message?: string; params?: Record<string, unknown> }[]
    validationContext?: string
  },
): FieldProblem[] {
  const where = locationOf(err.validationContext)
  return err.validation.flatMap((v) => {
    const base = v.instancePath === '/' ? '' : v.instancePath
    const keys = v.params?.keys
    if (Array.isArray(keys) && keys.length)
      return keys.map((k) => ({
        pointer: `${base}/${String(k).replace(/~/g, '~0').replace(/\//g, '~1')}`,
        in: where,
        message: 'unknown field',
      }))
    return [{ pointer: base, in: where, message: v.message ?? 'invalid' }]
  })
}

/** What the log says of an error the client did not cause. */
type LogLine = { level: 'error' | 'warn'; message: string }

/** A problem's four fields, then its extra members (and headers). */
const problem = (status: number, code: string, title: string, detail: string, more: Omit<Problem, keyof ProblemFields> = {}): Problem => ({
  status,
  code,
  title,
  detail,
  ...more,
})

/**
 * The problem an error is answered with, and the log line it deserves (none for the client's own
 * mistakes). Raw database errors never reach a client.
 */
function problemOf(err: FastifyError, req: FastifyRequest, bodyLimit: number | undefined): { problem: Problem; log?: LogLine } {
  if (err instanceof AppError) {
    const { headers, ...extra } = err.extra
    return { problem: problem(err.status, err.code, err.title, err.detail, { ...extra, ...(headers ? { headers } : {}) }) }
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const errors = zodProblems(err as never)
    const detail = errors.map((e) => `${e.in} ${e.pointer || '/'}: ${e.message}`).join('; ')
    return { problem: problem(400, 'validation-failed', 'The request is not valid', detail, { errors }) }
  }
  if (isResponseSerializationError(err)) {
    const detail = `The answer could not be produced (request ${req.id}).`
    return {
      problem: problem(500, 'internal-error', 'Internal error', detail),
      log: { level: 'error', message: 'response did not match its schema' },
    }
  }
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const detail = `Content-Type ${req.headers['content-type'] ?? '(none)'} is not accepted; send application/json.`
    return { problem: problem(415, 'unsupported-media-type', 'Unsupported media type', detail) }
  }
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return { problem: problem(413, 'payload-too-large', 'Body too large', `The body is larger than the ${bodyLimit}-byte limit.`) }
  if (
    err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    (err.statusCode === 400 && err instanceof SyntaxError)
  ) {
    const errors = [{ pointer: '', in: 'body', message: err.message }]
    return { problem: problem(400, 'malformed-json', 'Malformed JSON', `The body is not valid JSON: ${err.message}`, { errors }) }
  }
  if (isDatabaseUnavailable(err)) {
    const detail = 'The database cannot be reached right now; retry shortly.'
    const headers = { 'retry-after': '2' }
    return {
      problem: problem(503, 'database-unavailable', 'Database unavailable', detail, { headers }),
      log: { level: 'warn', message: 'database unavailable' },
    }
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
    return { problem: problem(err.statusCode, 'bad-request', 'Bad request', err.message) }
  const detail = `Something went wrong on our side (request ${req.id}).`
  return { problem: problem(500, 'internal-error', 'Internal error', detail), log: { level: 'error', message: 'unhandled error' } }
}

/**
 * Turns every error into an RFC 9457 problem+json answer with a stable `code`, in one place.
 * Raw database errors never reach a client.
 */
export default fp(
  async function problems(app: FastifyInstance, opts: { baseUrl: string }) {
    const base = opts.baseUrl
    app.setErrorHandler((err: FastifyError, req, reply) => {
      const { problem, log } = problemOf(err, req, app.initialConfig.bodyLimit)
      if (log) req.log[log.level]({ err }, log.message)
      return sendProblem(reply, req, base, problem)
    })
    app.setNotFoundHandler((req, reply) =>
      sendProblem(reply, req, base, {
        status: 404,
        code: 'not-found',
        title: 'Not found',
        detail: `There is no route ${req.method} ${req.url.split('?')[0]}.`,
      }),
    )
  },
  { name: 'problems' },
)
