import { randomUUID } from 'node:crypto'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify'
import { jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Db } from '../db/database.ts'
import type { Clock } from '../services/clock.ts'
import { AppError } from '../services/errors.ts'
import type { Services } from '../services/index.ts'
import auth, { type Access } from './plugins/auth.ts'
import hardening, { DOCS_CSP, type RateLimitSettings } from './plugins/hardening.ts'
import metrics, { type MetricsSettings } from './plugins/metrics.ts'
import { openapiTransform } from './plugins/openapi.ts'
import problems, { clientErrorHandler, frameworkErrors } from './plugins/problems.ts'
import { auditRoutes } from './routes/audit-routes.ts'
import { boardRoutes } from './routes/board-routes.ts'
import { complianceRoutes } from './routes/compliance-routes.ts'
import { eventsRoutes } from './routes/events-routes.ts'
import { feedsRoutes } from './routes/feeds-routes.ts'
import { healthRoutes } from './routes/health-routes.ts'
import { impactRoutes } from './routes/impact-routes.ts'
import { keysRoutes } from './routes/keys-routes.ts'
import { referenceRoutes } from './routes/reference-routes.ts'
import { reportsRoutes } from './routes/reports-routes.ts'
import { rulesRoutes } from './routes/rules-routes.ts'
import { slotsRoutes } from './routes/slots-routes.ts'
import { webhooksRoutes } from './routes/webhooks-routes.ts'
import { windowsRoutes } from './routes/windows-routes.ts'

export type AppInstance = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>

export interface AppDeps {
  db: Db
  databaseKind: 'embedded' | 'server'
  services: Services
  clock: Clock
  baseUrl: string
  /** pino options, or false for no logging (tests). */
  logger: boolean | { level: string }
  /** Largest body accepted, in bytes (default 1 MiB). */
  bodyLimit?: number
  /** GET /metrics: off (404) unless enabled; a token makes it Bearer-only. */
  metrics?: MetricsSettings
  /** Requests per caller (API key, feed token, else address) per window; absent or false: no limit. */
  rateLimit?: RateLimitSettings
}

/** A route as the app declares it: what the role matrix and the OpenAPI document are checked against. */
export interface RouteEntry {
  method: string
  url: string
  access: Access | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    routeCatalogue: RouteEntry[]
  }
}

export const API_VERSION = '0.1.0'

/**
 * Builds the HTTP application; it never listens (server.ts does, tests use `app.inject`).
 *
 * @example const app = await buildApp(deps); const res = await app.inject({ url: '/healthz' })
 */
export async function buildApp(deps: AppDeps): Promise<AppInstance> {
  const app = Fastify({
    logger: deps.logger,
    bodyLimit: deps.bodyLimit ?? 1_048_576,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: false,
    frameworkErrors: frameworkErrors(deps.baseUrl),
    clientErrorHandler: clientErrorHandler(deps.baseUrl),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  }).withTypeProvider<ZodTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)

  app.decorate('routeCatalogue', [] as RouteEntry[])
  app.addHook('onRoute', (route) => {
    // Swagger UI's own static routes are public documentation.
    if (route.url.startsWith('/docs')) route.config = { ...(route.config ?? {}), access: 'public' }
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods) if (method !== 'HEAD') app.routeCatalogue.push({ method, url: route.url, access: route.config?.access })
  })
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id)
  })
  // Once the instance is stopping (SIGTERM → app.close()), a new request is refused as problem+json
  // with Retry-After and Connection: close, so the client retries elsewhere; requests already
  // running finish.
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onRequest', async (_req, reply) => {
    if (!closing) return
    reply.header('connection', 'close')
    throw new AppError(
      'shutting-down',
      503,
      'Shutting down',
      'This instance is stopping; retry the request (another instance will answer).',
      {
        headers: { 'retry-after': '1' },
      },
    )
  })

  // Only JSON bodies are accepted (415 otherwise); JSON Merge Patch bodies are JSON.
  app.removeContentTypeParser('text/plain')
  app.addContentTypeParser('application/merge-patch+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'))

  await app.register(problems, { baseUrl: deps.baseUrl })
  await app.register(hardening, { rateLimit: deps.rateLimit ?? false })
  await app.register(auth, { keys: deps.services.keys })
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Maintenance Window Planner',
        version: API_VERSION,
        description:
          'Plans maintenance windows for the GB smart-metering network and checks them against the Smart Energy Code before the work happens. Errors are RFC 9457 problem details.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API key' },
          metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN (only when the operator set one)' },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: openapiTransform,
    transformObject: jsonSchemaTransformObject,
  })
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CSP })
  // After swagger, so that /metrics is in the OpenAPI document.
  await app.register(metrics, {
    settings: deps.metrics,
    db: deps.db,
    databaseKind: deps.databaseKind,
    onAssessed: deps.services.compliance.onAssessed,
  })
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger())

  const { services, db, baseUrl } = deps
  healthRoutes(app, { db, databaseKind: deps.databaseKind })
  referenceRoutes(app, { reference: services.reference, baseUrl })
  keysRoutes(app, { keys: services.keys, baseUrl })
  windowsRoutes(app, { windows: services.windows, idempotency: services.idempotency, baseUrl })
  complianceRoutes(app, { services, baseUrl })
  rulesRoutes(app, { services, baseUrl })
  impactRoutes(app, { impact: services.impact })
  feedsRoutes(app, { feeds: services.feeds, baseUrl })
  reportsRoutes(app, { reports: services.reports })
  webhooksRoutes(app, { webhooks: services.webhooks, baseUrl })
  slotsRoutes(app, { slots: services.slots })
  auditRoutes(app, { audit: services.audit, baseUrl })
  eventsRoutes(app, { events: services.events, keys: services.keys })
  boardRoutes(app)
  return app
}
