import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Db, DbOrTx } from '../db/database.ts'
import { type Claim, idempotencyRepository } from '../db/repositories/idempotency-repository.ts'
import type { Clock } from '../services/clock.ts'
import { AppError } from '../services/errors.ts'
import { appendingAtEnd } from '../services/audit-service.ts'
import { actorOf } from './plugins/auth.ts'

export interface HttpResult {
  status: number
  headers?: Record<string, string>
  body: unknown
}

const TTL_MS = 24 * 3_600_000
/** A claim still `running` after this long belongs to a request that died; its write rolled back. */
const STALE_MS = 60_000
const KEY_FORMAT = /^[\x21-\x7e]{1,200}$/

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`
  if (v && typeof v === 'object')
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`
  return JSON.stringify(v) ?? 'null'
}

/** What makes two requests "the same": the URL and the validated body, key order ignored. */
export function requestHashOf(url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${url}\n${canonical(body)}`)
    .digest('hex')
}

/**
 * Runs a POST's write once per Idempotency-Key (scoped to API key and route, kept 24 hours).
 * The key is claimed, the work done and the answer stored in one transaction, so all of it commits
 * or none: the same key and body replay the first answer; another body gets 422; a duplicate while
 * the first still runs gets 409 with Retry-After; a 5xx is never stored, and a request that failed
 * (database away, process killed) leaves nothing that would hold up its retry.
 *
 * @example return idempotent({ db, clock }, req, reply, async (trx) => ({ status: 201, body: await svc.create(input, actor, { trx }) }))
 */
export async function idempotent(
  deps: { db: Db; clock: Clock; baseUrl: string },
  req: FastifyRequest,
  reply: FastifyReply,
  work: (trx: DbOrTx) => Promise<HttpResult>,
): Promise<FastifyReply> {
  const header = req.headers['idempotency-key']
  const send = (r: HttpResult) => {
    for (const [k, v] of Object.entries(r.headers ?? {})) reply.header(k, v)
    return reply.code(r.status).send(r.body)
  }
  if (header === undefined) return send(await deps.db.transaction().execute((trx) => appendingAtEnd(trx, () => work(trx))))
  const key = Array.isArray(header) ? header[0]! : header
  if (!KEY_FORMAT.test(key))
    throw new AppError('validation-failed', 400, 'Bad Idempotency-Key', 'Idempotency-Key must be 1–200 visible ASCII characters.', {
      errors: [{ pointer: '/idempotency-key', in: 'headers', message: 'must be 1–200 visible ASCII characters' }],
    })
  const scope = { apiKeyId: actorOf(req).keyId, route: `${req.method} ${req.routeOptions.url}`, key }
  const requestHash = requestHashOf(req.url, req.body)
  const now = deps.clock.now()
  let outcome: Exclude<Claim, { kind: 'claimed' }> | { kind: 'fresh'; result: HttpResult }
  try {
    outcome = await deps.db.transaction().execute(async (trx) => {
      const claim = await idempotencyRepository.claim(trx, { ...scope, requestHash, now, ttlMs: TTL_MS, staleAfterMs: STALE_MS })
      if (claim.kind !== 'claimed') return claim
      const result = await appendingAtEnd(trx, () => work(trx))
      await idempotencyRepository.complete(trx, scope, {
        statusCode: result.status,
        headers: result.headers ?? {},
        body: JSON.stringify(result.body),
      })
      return { kind: 'fresh' as const, result }
    })
  } catch (err) {
    // The claim rolled back with the work. A 4xx answer is part of the contract and is replayed,
    // so it is stored now; anything else leaves the key free for a retry.
    if (err instanceof AppError && err.status < 500) {
      const problem = {
        type: `${deps.baseUrl}/problems/${err.code}`,
        title: err.title,
        status: err.status,
        detail: err.detail,
        instance: req.url,
        code: err.code,
        ...err.extra,
      }
      delete (problem as { headers?: unknown }).headers
      await idempotencyRepository
        .store(
          deps.db,
          { ...scope, requestHash, now, ttlMs: TTL_MS },
          {
            statusCode: err.status,
            headers: { 'content-type': 'application/problem+json', ...(err.extra.headers ?? {}) },
            body: JSON.stringify(problem),
          },
        )
        .catch(() => {})
    }
    throw err
  }
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
