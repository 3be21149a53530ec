import t from 'tap'
import { type AppDeps, buildApp } from '../../src/http/app.ts'
import { createServices } from '../../src/services/index.ts'
import { fixedClock } from '../helpers/clock.ts'
import { openTestDatabase } from '../helpers/databases.ts'
import { aWindow, BASE_URL, checkContract, TEST_SECRETS_KEY } from '../helpers/test-app.ts'

// GET /metrics: off (404) by default, Bearer-token guarded when a token is set, and counters that
// move with the requests and assessments of the app they belong to (one registry per app).

const database = await openTestDatabase()
const clock = fixedClock('2021-10-01T09:00:00Z')
const services = createServices({
  db: database.db,
  clock,
  maxWindowHours: 72,
  tzdbVersion: process.versions.tz,
  webhooks: { secretsKeys: [TEST_SECRETS_KEY] },
})
const admin = { authorization: `Bearer ${(await services.keys.create({ name: 'metrics admin', role: 'admin' }, null)).key}` }
const apps: Awaited<ReturnType<typeof buildApp>>[] = []
t.teardown(async () => {
  for (const a of apps) await a.close()
  await database.close()
})

async function appWith(metrics: AppDeps['metrics']) {
  const app = checkContract(
    await buildApp({
      db: database.db,
      databaseKind: database.kind,
      services,
      clock,
      baseUrl: BASE_URL,
      logger: false,
      ...(metrics ? { metrics } : {}),
    }),
  )
  apps.push(app)
  return app
}

/** The value of one sample line, e.g. value(text, 'mwp_assessments_total') or with labels in the given order. */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return undefined
}

t.test('disabled (the default): the route is there and answers 404 problem+json', async (t) => {
  for (const settings of [undefined, { enabled: false }]) {
    const app = await appWith(settings)
    const res = await app.inject({ url: '/metrics' })
    t.equal(res.statusCode, 404)
    t.match(res.headers['content-type'], /application\/problem\+json/)
    t.match(res.json(), { status: 404, detail: /METRICS_ENABLED/ })
  }
})

t.test('enabled without a token: Prometheus text; requests counted by route pattern and status class', async (t) => {
  const app = await appWith({ enabled: true })
  const before = await app.inject({ url: '/metrics' })
  t.equal(before.statusCode, 200)
  t.match(before.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  t.match(before.body, /# TYPE mwp_http_requests_total counter/)
  t.match(before.body, /# TYPE mwp_http_request_duration_seconds histogram/)

  const created = await app.inject({ method: 'POST', url: '/v1/windows', headers: admin, payload: aWindow({ reference: 'MET-1' }) })
  t.equal(created.statusCode, 201, created.body.slice(0, 300))
  const id = created.json().id as string
  for (let i = 0; i < 3; i++) t.equal((await app.inject({ url: `/v1/windows/${id}`, headers: admin })).statusCode, 200)
  t.equal((await app.inject({ url: `/v1/windows/${id}` })).statusCode, 401)
  t.equal((await app.inject({ url: '/no/such/route' })).statusCode, 404)

  const text = (await app.inject({ url: '/metrics' })).body
  const byId = { method: 'GET', route: '/v1/windows/:id' }
  t.equal(value(text, 'mwp_http_requests_total', { ...byId, status_class: '2xx' }), 3, 'three 200s on the route pattern')
  t.equal(value(text, 'mwp_http_requests_total', { ...byId, status_class: '4xx' }), 1, 'one 401')
  t.equal(value(text, 'mwp_http_request_duration_seconds_count', { ...byId, status_class: '2xx' }), 3, 'latency observed per request')
  t.equal(value(text, 'mwp_http_requests_total', { method: 'POST', route: '/v1/windows', status_class: '2xx' }), 1)
  t.equal(value(text, 'mwp_http_requests_total', { route: 'unmatched', status_class: '4xx' }), 1, 'unknown URLs share one label')
  t.notMatch(text, new RegExp(id), 'no raw URL (window id) in any label')
  t.notMatch(text, /no\/such\/route/)
  t.equal(value(text, 'mwp_http_requests_total', { route: '/metrics', status_class: '2xx' }), 1, 'the first scrape is counted too')

  t.equal(value(text, 'mwp_db_pool_connections', { state: 'total', database: database.kind }) !== undefined, true, 'pool size reported')
  t.ok((value(text, 'mwp_db_pool_connections', { state: 'total' }) ?? 0) >= 1)
  t.equal(value(text, 'mwp_db_pool_connections', { state: 'waiting' }), 0)
  t.equal(value(text, 'mwp_webhook_outbox_depth', { stage: 'deliveries' }), 0, 'no subscription: nothing pending')
  t.ok((value(text, 'mwp_webhook_outbox_depth', { stage: 'events' }) ?? -1) >= 0, 'outbox events reported')
  t.match(text, /mwp_process_cpu_user_seconds_total/, 'process metrics')
})

t.test('assessments: counted once per run, with the number of windows judged together', async (t) => {
  const app = await appWith({ enabled: true })
  const scrape = async () => (await app.inject({ url: '/metrics' })).body
  const before = await scrape()
  const count0 = value(before, 'mwp_assessments_total') ?? 0
  const plan = {
    windows: [
      aWindow({ reference: 'A-1' }),
      aWindow({ reference: 'A-2', start: '2022-05-22T00:00:00+01:00', end: '2022-05-22T06:00:00+01:00' }),
    ],
  }
  const dry = await app.inject({ method: 'POST', url: '/v1/assessments', headers: admin, payload: plan })
  t.equal(dry.statusCode, 200, dry.body.slice(0, 300))
  const after = await scrape()
  t.equal(value(after, 'mwp_assessments_total'), count0 + 1, 'one dry run: one assessment')
  t.equal(value(after, 'mwp_assessment_windows_sum'), (value(before, 'mwp_assessment_windows_sum') ?? 0) + 2, 'of two windows')
  t.equal(value(after, 'mwp_assessment_windows_bucket', { le: '1' }), value(before, 'mwp_assessment_windows_bucket', { le: '1' }) ?? 0)
  t.equal(
    value(after, 'mwp_assessment_windows_bucket', { le: '2' }),
    (value(before, 'mwp_assessment_windows_bucket', { le: '2' }) ?? 0) + 1,
  )

  // A second app on the same services has its own registry: it saw the assessment too, but none of the first app's requests.
  const other = await appWith({ enabled: true })
  const otherText = (await other.inject({ url: '/metrics' })).body
  t.equal(value(otherText, 'mwp_http_requests_total', { route: '/v1/assessments' }), undefined, 'requests are per app')
  await other.close()
  await app.inject({ method: 'POST', url: '/v1/assessments', headers: admin, payload: plan })
  t.equal(value(await scrape(), 'mwp_assessments_total'), count0 + 2, 'a closed app stops listening; this one still counts')
})

t.test('with a token: Bearer required, 401 problem+json otherwise (an API key is not enough)', async (t) => {
  const token = 'scrape-token-0123456789'
  const app = await appWith({ enabled: true, token })
  const none = await app.inject({ url: '/metrics' })
  t.equal(none.statusCode, 401)
  t.match(none.headers['content-type'], /application\/problem\+json/)
  t.match(none.headers['www-authenticate'], /Bearer/)
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}x` } })).statusCode, 401, 'wrong token')
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: token } })).statusCode, 401, 'not a Bearer header')
  t.equal((await app.inject({ url: '/metrics', headers: admin })).statusCode, 401, 'an admin API key is not the metrics token')
  const ok = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } })
  t.equal(ok.statusCode, 200)
  t.match(ok.body, /mwp_http_requests_total\{method="GET",route="\/metrics",status_class="4xx"\} 4/, 'the refusals were counted')
})

t.test('configuration: METRICS_ENABLED and METRICS_TOKEN', async (t) => {
  const { ConfigError, loadConfig } = await import('../../src/config.ts')
  t.same(loadConfig({}).metrics, { enabled: false, token: undefined }, 'off by default')
  t.same(loadConfig({ METRICS_ENABLED: 'true', METRICS_TOKEN: 'scrape-token-0123456789' }).metrics, {
    enabled: true,
    token: 'scrape-token-0123456789',
  })
  t.throws(() => loadConfig({ METRICS_ENABLED: 'yes' }), ConfigError)
  try {
    loadConfig({ METRICS_TOKEN: 'short-secret' })
    t.fail('a short token is refused')
  } catch (err) {
    t.match((err as Error).message, /^METRICS_TOKEN: must be at least 16 characters$/, 'named, and the value is not echoed')
  }
})
