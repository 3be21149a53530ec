import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../services/errors.ts'
import type { IdempotencyService, StoredResponse, WriteTx } from '../services/idempotency-service.ts'
import { actorOf } from './plugins/auth.ts'
import { PROBLEM_MEDIA_TYPE } from './plugins/openapi.ts'
import { problemBody } from './plugins/problems.ts'
import { canonicalJson } from '../domain/canonical-json.ts'

export interface HttpResult {
  status: number
  headers?: Record<string, string>
  body: unknown
}

const KEY_FORMAT = /^[\x21-\x7e]{1,200}$/

/** What makes two requests "the same": the URL and the validated body, key order ignored. */
export function requestHashOf(url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${url}\n${canonicalJson(body)}`)
    .digest('hex')
}

/**
 * Runs a POST's write once per Idempotency-Key (scoped to API key and route, kept 24 hours; the
 * records are the idempotency service's). The same key and body replay the first answer; another
 * body gets 422; a duplicate while the first still runs gets 409 with Retry-After; a 5xx is never
 * stored, and a request that failed (database away, process killed) leaves nothing that would hold
 * up its retry.
 *
 * @example return idempotent({ idempotency, baseUrl }, req, reply, async (trx) => ({ status: 201, body: await svc.create(input, actor, { trx }) }))
 */
export async function idempotent(
  deps: { idempotency: IdempotencyService; baseUrl: string },
  req: FastifyRequest,
  reply: FastifyReply,
  work: (trx: WriteTx) => Promise<HttpResult>,
): Promise<FastifyReply> {
  const header = req.headers['idempotency-key']
  const send = (r: HttpResult) => {
    for (const [k, v] of Object.entries(r.headers ?? {})) reply.header(k, v)
    return reply.code(r.status).send(r.body)
  }
  if (header === undefined) return send(await deps.idempotency.once(work))
  const key = Array.isArray(header) ? header[0]! : header
  if (!KEY_FORMAT.test(key))
    throw new AppError('validation-failed', 400, 'Bad Idempotency-Key', 'Idempotency-Key must be 1–200 visible ASCII characters.', {
      errors: [{ pointer: '/idempotency-key', in: 'headers', message: 'must be 1–200 visible ASCII characters' }],
    })
  const scope = { apiKeyId: actorOf(req).keyId, route: `${req.method} ${req.routeOptions.url}`, key }
  const requestHash = requestHashOf(req.url, req.body)
  const answer = (result: HttpResult): StoredResponse => ({
    statusCode: result.status,
    headers: result.headers ?? {},
    body: JSON.stringify(result.body),
  })
  // The claim rolled back with the work. A 4xx answer is part of the contract and is replayed, so it
  // is stored; anything else leaves the key free for a retry.
  const rejected = (err: unknown): StoredResponse | undefined => {
    if (!(err instanceof AppError && err.status < 500)) return undefined
    const { headers: _headers, ...extra } = err.extra
    const problem = problemBody(
      deps.baseUrl,
      { status: err.status, code: err.code, title: err.title, detail: err.detail, instance: req.url },
      extra,
    )
    return {
      statusCode: err.status,
      headers: { 'content-type': PROBLEM_MEDIA_TYPE, ...(err.extra.headers ?? {}) },
      body: JSON.stringify(problem),
    }
  }
  const outcome = await deps.idempotency.run(scope, requestHash, work, answer, rejected)
  if (outcome.kind === 'fresh') return send(outcome.result)
  if (outcome.requestHash !== undefined && outcome.requestHash !== requestHash)
    throw new AppError(
      'idempotency-key-reused',
      422,
      'Idempotency-Key reused',
      `The Idempotency-Key "${key}" was used before with a different request body.`,
    )
  if (outcome.kind === 'running')
    throw new AppError(
      'idempotency-in-progress',
      409,
      'Request still running',
      `A request with Idempotency-Key "${key}" is still being processed.`,
      { headers: { 'retry-after': '1' } },
    )
  reply.header('idempotent-replayed', 'true')
  for (const [k, v] of Object.entries(outcome.response.headers)) reply.header(k, v)
  if (!outcome.response.headers['content-type']) reply.type('application/json; charset=utf-8')
  return reply
    .code(outcome.response.statusCode)
    .serializer((x: unknown) => x as string)
    .send(outcome.response.body)
}
