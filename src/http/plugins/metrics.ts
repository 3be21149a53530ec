import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { sql } from 'kysely'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { z } from 'zod'
import { type Db, poolStatsOf } from '../../db/database.ts'
import { AppError } from '../../services/errors.ts'
import type { AppInstance } from '../app.ts'
import { problemResponses } from '../schemas/common.ts'

/**
 * `GET /metrics` in the Prometheus text format: requests and their latency by route pattern and
 * status class, the database pool, assessments run (and windows per assessment), the webhook
 * outbox. One registry per app (tests build many). Off by default: the route then answers 404;
 * with a token, `Authorization: Bearer <token>` is required (401 otherwise).
 *
 * @example
 * buildApp({ ...deps, metrics: { enabled: true, token: 'a-long-scrape-token' } })
 * // curl -H 'Authorization: Bearer a-long-scrape-token' localhost:8080/metrics
 */
export interface MetricsSettings {
  enabled: boolean
  /** When set, scrapes must send `Authorization: Bearer <token>`. */
  token?: string | undefined
}

export interface MetricsDeps {
  settings: MetricsSettings | undefined
  db: Db
  databaseKind: 'embedded' | 'server'
  /** Calls back with the number of windows of every assessment run; answers the unsubscribe. */
  onAssessed?: (listener: (windows: number) => void) => () => void
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const WINDOW_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]

const notFound = () =>
  new AppError('not-found', 404, 'Not Found', 'Metrics are not enabled on this service (METRICS_ENABLED=true turns them on).')
const unauthorized = (detail: string) =>
  new AppError('unauthorized', 401, 'Unauthorized', detail, { headers: { 'www-authenticate': 'Bearer realm="mwp-metrics"' } })

const digest = (s: string) => createHash('sha256').update(s).digest()

/** The hooks (only when enabled) and the route (always, so that it is documented and answers 404 when off), at the root. */
export default fp(
  async function metrics(app: FastifyInstance, deps: MetricsDeps) {
    metricsRoute(app.withTypeProvider<ZodTypeProvider>(), deps)
  },
  { name: 'metrics' },
)

function metricsRoute(app: AppInstance, deps: MetricsDeps): void {
  const enabled = deps.settings?.enabled === true
  const registry = enabled ? createRegistry(app, deps) : undefined
  const expected = deps.settings?.token ? digest(deps.settings.token) : undefined

  app.get(
    '/metrics',
    {
      config: { access: 'public' },
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics (text format 0.0.4); 404 unless METRICS_ENABLED, Bearer METRICS_TOKEN when one is set',
        // The metrics token when the operator set one, else nothing: never an API key.
        security: [{ metricsToken: [] }, {}],
        headers: z.object({ authorization: z.string().max(400).optional() }).passthrough(),
        response: {
          200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: z.string() } } },
          ...problemResponses(401, 404),
        },
      },
    },
    async (req, reply) => {
      if (!registry) throw notFound()
      if (expected) {
        const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')
        if (!m) throw unauthorized('Send the metrics token as Authorization: Bearer <METRICS_TOKEN>.')
        if (!timingSafeEqual(digest(m[1]!), expected)) throw unauthorized('The metrics token is wrong.')
      }
      const text = await registry.metrics()
      return reply.code(200).header('cache-control', 'no-store').type(registry.contentType).send(text)
    },
  )
}

function createRegistry(app: AppInstance, deps: MetricsDeps): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'mwp_' })
  const labelNames = ['method', 'route', 'status_class'] as const
  const requests = new Counter({
    name: 'mwp_http_requests_total',
    help: 'HTTP requests answered, by route pattern and status class',
    labelNames,
    registers: [registry],
  })
  const latency = new Histogram({
    name: 'mwp_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route pattern and status class',
    labelNames,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  })
  app.addHook('onResponse', async (req, reply) => {
    // The route pattern, never the raw URL (ids and tokens would explode the label set and leak).
    const labels = {
      method: req.method,
      route: req.routeOptions.url ?? 'unmatched',
      status_class: `${Math.floor(reply.statusCode / 100)}xx`,
    }
    requests.inc(labels)
    latency.observe(labels, reply.elapsedTime / 1000)
  })

  new Gauge({
    name: 'mwp_db_pool_connections',
    help: 'Database pool connections by state (the embedded database has one connection)',
    labelNames: ['state', 'database'] as const,
    registers: [registry],
    collect() {
      const s = poolStatsOf(deps.db)
      if (!s) return
      this.set({ state: 'total', database: deps.databaseKind }, s.total)
      this.set({ state: 'idle', database: deps.databaseKind }, s.idle)
      this.set({ state: 'waiting', database: deps.databaseKind }, s.waiting)
    },
  })

  const assessments = new Counter({
    name: 'mwp_assessments_total',
    help: 'Compliance assessments run (a dry run, a write, a re-assessment: each counts once)',
    registers: [registry],
  })
  const windows = new Histogram({
    name: 'mwp_assessment_windows',
    help: 'Windows judged together per assessment',
    buckets: WINDOW_BUCKETS,
    registers: [registry],
  })
  const off = deps.onAssessed?.((n) => {
    assessments.inc()
    windows.observe(n)
  })
  if (off) app.addHook('onClose', async () => off())

  new Gauge({
    name: 'mwp_webhook_outbox_depth',
    help: 'Webhook work waiting: events not yet fanned out to subscriptions, and deliveries pending',
    labelNames: ['stage'] as const,
    registers: [registry],
    async collect() {
      try {
        const r = await sql<{ events: number; deliveries: number }>`
          select (select count(*) from outbox_events where fanned_out_at is null)::int as events,
                 (select count(*) from webhook_deliveries where state = 'pending')::int as deliveries`.execute(deps.db)
        const row = r.rows[0]
        if (!row) return
        this.set({ stage: 'events' }, Number(row.events))
        this.set({ stage: 'deliveries' }, Number(row.deliveries))
      } catch {
        // The database is away: the scrape still answers, without this figure.
      }
    },
  })
  return registry
}
