import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Actor, Role } from '../../domain/lifecycle.ts'
import { AppError } from '../../services/errors.ts'
import type { KeysService } from '../../services/keys-service.ts'

/**
 * Who may call a route: `public` (no key), or the roles allowed. Party checks (own or other
 * party's windows) happen in the services, which know the resource.
 *
 * @example app.get('/v1/keys', { config: { access: ['admin'] } }, handler)
 */
export type Access = 'public' | readonly Role[]

export const ANY_ROLE: readonly Role[] = ['admin', 'reviewer', 'submitter', 'viewer']
export const PLANNERS: readonly Role[] = ['admin', 'submitter']

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyRequest {
    actor: Actor | null
  }
}

const unauthorized = (detail: string) =>
  new AppError('unauthorized', 401, 'Unauthorized', detail, { headers: { 'www-authenticate': 'Bearer realm="mwp"' } })

/** The bearer key → Actor; every route must declare its access, or it is refused. */
export default fp(
  async function auth(app: FastifyInstance, opts: { keys: KeysService }) {
    app.decorateRequest('actor', null)
    app.addHook('onRequest', async (req: FastifyRequest) => {
      const access = req.routeOptions.config.access
      if (access === 'public') return
      if (access === undefined) {
        if (req.routeOptions.url === undefined) return // 404 handler
        throw new AppError('forbidden', 403, 'Forbidden', 'This route declares no access rule.')
      }
      const header = req.headers.authorization
      if (!header) throw unauthorized('Send an API key as Authorization: Bearer <key>.')
      const m = /^Bearer\s+(\S+)$/i.exec(header)
      if (!m) throw unauthorized('The Authorization header must be "Bearer <key>" (one key, no spaces in it).')
      // Well-formed but no key of ours (our keys and ADMIN_API_KEY are 16 to 300 characters: shorter or
      // longer ones are not looked up): unknown, as is a revoked key.
      const token = m[1]!
      const actor = token.length >= 16 && token.length <= 300 ? await opts.keys.authenticate(token) : undefined
      if (!actor)
        throw unauthorized(
          'Unknown API key: no active key matches it (mistyped, revoked, or from another service). Use the key printed at first start, or ask an admin for one (POST /v1/keys).',
        )
      if (!access.includes(actor.role))
        throw new AppError(
          'forbidden',
          403,
          'Forbidden',
          `A ${actor.role} key may not ${req.method} ${req.routeOptions.url}; allowed roles: ${access.join(', ')}.`,
        )
      req.actor = actor
    })
  },
  { name: 'auth' },
)

/** The authenticated actor of a route that is not public. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new AppError('unauthorized', 401, 'Unauthorized', 'No API key.')
  return req.actor
}
