import { createHash } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'
import { AppError, type FieldProblem, invalid } from '../../services/errors.ts'

/** Requests allowed per caller in each window; `false` turns limiting off (tests, benchmarks). */
export type RateLimitSettings = { max: number; windowMs: number } | false

/**
 * The API answers JSON and problem+json: nothing may be framed, loaded or run from it. The HTML
 * report sets its own policy (inline SVG and CSS, nothing fetched) and Swagger UI gets `DOCS_CSP`.
 */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

/**
 * Swagger UI at /docs: its own scripts and styles (it sets some styles inline), images from itself
 * and data: URLs, the OpenAPI document from this origin; no framing, no plugins, no inline script.
 */
export const DOCS_CSP =
  "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src 'self' data:; form-action 'self'; frame-ancestors 'none'; " +
  "img-src 'self' data:; object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' 'unsafe-inline'"

/** Deeper JSON than this is refused: no real body nests so far, and recursive code must not meet it. */
export const MAX_JSON_DEPTH = 64
/** A NUL or an unpaired surrogate escaped in JSON text: PostgreSQL text and jsonb cannot hold either. */
const SUSPICIOUS_ESCAPE = /\\u(0000|[dD][89abAB][0-9a-fA-F]{2}|[dD][c-fC-F][0-9a-fA-F]{2})/
const UNSTORABLE = /\u0000|\p{Cs}/u

const escapePointer = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1')

/**
 * The first place in a parsed JSON value nested deeper than MAX_JSON_DEPTH or, when `strings` is
 * set, holding a string (or key) with a NUL or an unpaired surrogate; null when there is none.
 *
 * @example hostileJson(JSON.parse('{"a":"x\\u0000"}'), true) // { pointer: '/a', message: '…' }
 */
export function hostileJson(v: unknown, strings: boolean, pointer = '', depth = 0): { pointer: string; message: string } | null {
  if (typeof v === 'string')
    return strings && UNSTORABLE.test(v) ? { pointer, message: 'must not contain NUL characters or unpaired surrogates' } : null
  if (v === null || typeof v !== 'object') return null
  if (depth >= MAX_JSON_DEPTH) return { pointer, message: `nested more than ${MAX_JSON_DEPTH} levels deep` }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const found = hostileJson(v[i], strings, `${pointer}/${i}`, depth + 1)
      if (found) return found
    }
    return null
  }
  for (const k in v) {
    const at = `${pointer}/${escapePointer(k)}`
    if (strings && UNSTORABLE.test(k)) return { pointer: at, message: 'field names must not contain NUL characters or unpaired surrogates' }
    const found = hostileJson((v as Record<string, unknown>)[k], strings, at, depth + 1)
    if (found) return found
  }
  return null
}

const FEED_PATH = /^\/feeds\/([^/?]+)\.ics(?:\?|$)/
/** Paths never rate limited (probes). */
export const UNLIMITED: ReadonlySet<string> = new Set(['/healthz', '/readyz'])

const digest = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 22)

/**
 * Who a request counts against: the feed token for `/feeds/{token}.ics`, the bearer key (a hash,
 * so secrets never sit in the limiter's memory), else the client address.
 *
 * @example rateLimitKey(req) // 'key:3q2-7w…' | 'feed:…' | 'ip:127.0.0.1'
 */
export function rateLimitKey(req: FastifyRequest): string {
  const feed = FEED_PATH.exec(req.url)
  if (feed) return `feed:${digest(feed[1]!)}`
  const auth = req.headers.authorization
  if (auth) return `key:${digest(auth)}`
  return `ip:${req.ip}`
}

/**
 * Security headers (helmet's, computed once) on every answer and per-caller rate limits
 * (@fastify/rate-limit, in this process's memory: each instance counts on its own). The limit runs
 * before authentication, so a flood of requests is refused before it reaches the database.
 *
 * @example await app.register(hardening, { baseUrl, rateLimit: { max: 3000, windowMs: 60_000 } })
 */
export default fp(
  async function hardening(app: FastifyInstance, opts: { rateLimit: RateLimitSettings }) {
    // JSON bodies: the framework's parser (prototype poisoning refused), then no absurd nesting and
    // no text the database cannot store, each answered 400 naming the place.
    const json = app.getDefaultJsonParser('error', 'error')
    const parser = (req: FastifyRequest, body: string | Buffer, done: (err: Error | null, value?: unknown) => void) =>
      json(req, body as string, (err: Error | null, value?: unknown) => {
        if (err) return done(err)
        const found = hostileJson(value, SUSPICIOUS_ESCAPE.test(body as string))
        if (found) return done(invalid([{ pointer: found.pointer, in: 'body', message: found.message }]))
        done(null, value)
      })
    app.removeContentTypeParser(['application/json', 'application/merge-patch+json'])
    app.addContentTypeParser(['application/json', 'application/merge-patch+json'], { parseAs: 'string' }, parser)
    // Path and query values go into SQL parameters: NUL and unpaired surrogates are refused there too.
    app.addHook('preValidation', async (req) => {
      const problems: FieldProblem[] = []
      for (const [where, values] of [
        ['params', req.params],
        ['query', req.query],
      ] as const)
        for (const [k, v] of Object.entries((values ?? {}) as Record<string, unknown>))
          for (const s of Array.isArray(v) ? v : [v])
            if (typeof s === 'string' && UNSTORABLE.test(s))
              problems.push({
                pointer: `/${escapePointer(k)}`,
                in: where,
                message: 'must not contain NUL characters or unpaired surrogates',
              })
      if (problems.length) throw invalid(problems)
    })

    // The same headers on every answer: computed once, set before the route runs (a route may
    // replace one, as the HTML report and /docs do with their own Content-Security-Policy).
    const headers = securityHeaders(API_SECURITY)
    app.addHook('onRequest', (_req, reply, done) => {
      reply.headers(headers)
      done()
    })
    const settings = opts.rateLimit
    if (!settings) return
    await app.register(rateLimit, { global: false })
    const limit = app.createRateLimit({ max: settings.max, timeWindow: settings.windowMs, keyGenerator: rateLimitKey })
    app.addHook('onRequest', async (req, reply) => {
      if (UNLIMITED.has(req.url)) return
      const r = await limit(req)
      if (r.isAllowed) return
      reply.header('x-ratelimit-limit', r.max).header('x-ratelimit-remaining', r.remaining).header('x-ratelimit-reset', r.ttlInSeconds)
      if (r.isExceeded)
        throw new AppError(
          'rate-limited',
          429,
          'Too many requests',
          `More than ${r.max} requests in ${Math.round(settings.windowMs / 1000)} s from this caller; retry after ${r.ttlInSeconds} s.`,
          { headers: { 'retry-after': String(Math.max(1, r.ttlInSeconds)) } },
        )
    })
  },
  { name: 'hardening', dependencies: ['problems'] },
)

/** What helmet is asked for on the API: nothing framed, fetched or run; HSTS for this host only. */
const API_SECURITY: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: false, directives: parseCsp(API_CSP) },
  // The service may sit behind a TLS-terminating proxy on a shared domain: this host only.
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: false },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  referrerPolicy: { policy: 'no-referrer' },
  xFrameOptions: { action: 'deny' },
}

/**
 * The headers helmet sets with `options`, computed once: they do not depend on the request, and
 * building helmet's middleware on every request (as @fastify/helmet does) costs ~20 µs each time.
 *
 * @example securityHeaders({ xFrameOptions: { action: 'deny' } })['x-frame-options'] // 'DENY'
 */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {}
  const res = {
    setHeader: (name: string, value: string | number) => {
      headers[name.toLowerCase()] = String(value)
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()]
    },
  }
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err
  })
  return headers
}

/** `"a x; b y z"` → `{ a: ['x'], b: ['y', 'z'] }`, the shape helmet takes. */
function parseCsp(policy: string): Record<string, string[]> {
  return Object.fromEntries(
    policy.split(';').flatMap((d) => {
      const [name, ...values] = d.trim().split(/\s+/)
      return name ? [[name, values]] : []
    }),
  )
}
