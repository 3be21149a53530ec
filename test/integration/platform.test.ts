import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { Validator } from '@seriousme/openapi-schema-validator'
import t from 'tap'
import { parse } from 'yaml'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { DatabaseInUseError, openDatabase } from '../../src/db/database.ts'
import { contractChecker } from '../helpers/contract.ts'
import { aWindow, buildTestApp } from '../helpers/test-app.ts'
import { ROOT, serviceDatabaseEnv, startService } from '../helpers/subprocess.ts'

const ctx = await buildTestApp(t)
const { app } = ctx

t.test('health, readiness and the problem-type pages', async (t) => {
  const h = await app.inject({ url: '/healthz' })
  t.same(h.json(), { status: 'ok' })
  const r = await app.inject({ url: '/readyz' })
  t.equal(r.statusCode, 200)
  t.equal(r.json().status, 'ready')
  t.equal(r.json().database, ctx.kind)
  const p = await app.inject({ url: '/problems/stale-version' })
  t.equal(p.statusCode, 200)
  t.match(p.json().description, /ETag/)
  t.equal((await app.inject({ url: '/problems/no-such-code' })).statusCode, 404)
  const unknown = await app.inject({ url: '/v2/nothing' })
  t.equal(unknown.statusCode, 404)
  t.match(unknown.headers['content-type'], /problem\+json/)
  t.ok(unknown.headers['x-request-id'], 'request id on every answer')
})

t.test('/readyz says 503 while a migration is pending', async (t) => {
  const rows = await ctx.db
    .selectFrom('kysely_migration' as never)
    .selectAll()
    .execute()
  await ctx.db.deleteFrom('kysely_migration' as never).execute()
  try {
    const r = await app.inject({ url: '/readyz' })
    t.equal(r.statusCode, 503)
    t.equal(r.json().detail, 'migrations pending')
    t.ok(r.headers['retry-after'])
  } finally {
    await ctx.db
      .insertInto('kysely_migration' as never)
      .values(rows as never)
      .execute()
  }
  t.equal((await app.inject({ url: '/readyz' })).statusCode, 200)
})

t.test('OpenAPI 3.1 document is valid and covers every route', async (t) => {
  const res = await app.inject({ url: '/openapi.json' })
  t.equal(res.statusCode, 200)
  const doc = res.json()
  t.equal(doc.openapi, '3.1.0')
  const result = await new Validator().validate(doc)
  t.ok(result.valid, JSON.stringify(result.errors)?.slice(0, 2000))
  const documented = new Set(
    Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    ),
  )
  for (const r of app.routeCatalogue) {
    // The Swagger UI and the planning board are web pages, not API operations: hidden from the document.
    if (r.url.startsWith('/docs') || r.url.startsWith('/board') || r.url === '/openapi.json') continue
    const key = `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`
    t.ok(documented.has(key), `${key} is documented`)
  }
  const ui = await app.inject({ url: '/docs/' })
  t.equal(ui.statusCode, 200)
  t.match(ui.headers['content-type'], /text\/html/)
})

interface Op {
  responses: Record<string, { content: Record<string, unknown> }>
  security?: unknown
  parameters?: { in: string; name: string; required?: boolean }[]
}
t.test('OpenAPI tells the truth: explicit statuses, problem+json errors, public routes without a key, If-Match where 428', async (t) => {
  const doc = (await app.inject({ url: '/openapi.json' })).json()
  const publicOps = new Set(['GET /healthz', 'GET /readyz', 'GET /problems/{code}', 'GET /feeds/{token}.ics'])
  let operations = 0
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Op>>))
    for (const [method, op] of Object.entries(ops)) {
      operations++
      const name = `${method.toUpperCase()} ${path}`
      const statuses = Object.keys(op.responses)
      t.ok(
        statuses.every((s) => /^\d{3}$/.test(s)),
        `${name}: explicit status codes only (${statuses})`,
      )
      for (const s of ['400', '431', '500', '503']) t.ok(op.responses[s], `${name} documents ${s}`)
      for (const s of statuses.filter((x) => Number(x) >= 400))
        t.same(
          op.responses[s]?.content['application/problem+json'],
          { schema: { $ref: '#/components/schemas/Problem' } },
          `${name} ${s} is problem+json`,
        )
      if (publicOps.has(name)) t.same(op.security, [], `${name} needs no key`)
      else if (name === 'GET /metrics') t.same(op.security, [{ metricsToken: [] }, {}], 'metrics: its own token, when set')
      else t.ok(op.security === undefined && op.responses['401'] && op.responses['403'], `${name} needs a key: 401 and 403`)
      if (op.responses['428'])
        t.ok(
          op.parameters?.some((p) => p.in === 'header' && p.name === 'if-match' && p.required),
          `${name}: If-Match required`,
        )
    }
  t.equal(operations, 69)
  const problem = doc.components.schemas.Problem
  t.same(problem.properties.errors.items.required, ['pointer', 'in', 'message'], 'errors[] of pointers')
  t.same(doc.paths['/v1/schedules/{month}'].get.parameters[0].schema.pattern, '^\\d{4}-(0[1-9]|1[0-2])$')
  t.same(Object.keys(doc.paths['/v1/reports/compliance'].get.responses['200'].content), ['application/json', 'text/csv', 'text/html'])
  t.same(Object.keys(doc.paths['/feeds/{token}.ics'].get.responses['200'].content), ['text/calendar'])
})

t.test('the contract check refuses what the document does not say', async (t) => {
  const c = contractChecker((await app.inject({ url: '/openapi.json' })).json())
  const answer = (statusCode: number, contentType: string, body: unknown) => ({
    statusCode,
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const problem = { type: 'x', title: 'x', status: 404, detail: 'x', code: 'not-found' }
  t.equal(c.check('GET', '/healthz', answer(200, 'application/json; charset=utf-8', { status: 'ok' })), null, 'documented')
  t.match(c.check('GET', '/healthz', answer(418, 'application/json', {})), /418 is not documented/)
  t.match(
    c.check('GET', '/v1/windows/00000000-0000-4000-8000-000000000000', answer(404, 'application/json', problem)),
    /application\/json is not documented/,
  )
  t.match(c.check('GET', '/healthz', answer(200, 'application/json', { status: 7 })), /does not match/)
  t.match(
    c.check('GET', '/v1/windows', answer(400, 'application/problem+json', { ...problem, errors: [{ pointer: 1 }] })),
    /does not match/,
  )
  t.match(c.check('GET', '/nowhere', answer(200, 'application/json', {})), /no such operation/)
  t.equal(c.check('GET', '/nowhere', answer(404, 'application/problem+json', problem)), null, 'the not-found handler, held against Problem')
  t.same(c.tally, { validated: 5, outside: 2, skipped: {} })
})

t.test('configuration: one schema, a clear message naming the variable', async (t) => {
  const c = loadConfig({})
  t.equal(c.port, 8080)
  t.equal(c.host, '127.0.0.1')
  t.equal(c.databaseUrl, undefined)
  t.equal(c.dataDir, './data')
  t.equal(c.maxWindowHours, 72)
  t.ok(Object.isFrozen(c))
  t.equal(loadConfig({ PORT: '9000', DATABASE_URL: '' }).databaseUrl, undefined, 'empty counts as unset')
  t.same(c.webhookAllowedHosts, [], 'webhooks reach public addresses only unless a range is opened')
  t.same(loadConfig({ WEBHOOK_ALLOWED_HOSTS: ' 127.0.0.0/8, ::1/128 ,hooks.example.org' }).webhookAllowedHosts, [
    '127.0.0.0/8',
    '::1/128',
    'hooks.example.org',
  ])
  const bad: [Record<string, string>, string, RegExp][] = [
    [{ PORT: 'eighty' }, 'PORT', /number/],
    [{ PORT: '70000' }, 'PORT', /65535/],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL', /postgres/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /info/],
    [{ MAX_WINDOW_HOURS: '0' }, 'MAX_WINDOW_HOURS', />=1|1/],
    [{ ADMIN_API_KEY: 'short' }, 'ADMIN_API_KEY', /16/],
    [{ WEBHOOK_ALLOWED_HOSTS: '127.0.0.0/33' }, 'WEBHOOK_ALLOWED_HOSTS', /CIDR ranges and host names.*"127\.0\.0\.0\/33"/],
    [{ WEBHOOK_ALLOWED_HOSTS: 'http://hooks.example.org' }, 'WEBHOOK_ALLOWED_HOSTS', /CIDR ranges and host names/],
  ]
  for (const [env, variable, message] of bad) {
    try {
      loadConfig(env)
      t.fail(`${variable} should be refused`)
    } catch (err) {
      t.ok(err instanceof ConfigError)
      t.equal((err as ConfigError).variable, variable)
      t.match((err as Error).message, message)
    }
  }
  const proc = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/server.ts')], {
    env: { PATH: process.env.PATH ?? '', PORT: 'eighty' },
    encoding: 'utf8',
    cwd: ROOT,
  })
  t.equal(proc.status, 2, 'the process stops at start')
  const lines = proc.stderr.trim().split('\n')
  t.equal(lines.length, 1, 'one line')
  t.match(lines[0], /^mwp: configuration error: PORT: /)
})

t.test('docker-compose wires DATABASE_URL to the database service and listens on all interfaces', async (t) => {
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'))
  const svc = compose.services.mwp
  const url = new URL(svc.environment.DATABASE_URL)
  t.equal(url.protocol, 'postgres:')
  t.ok(url.hostname in compose.services, 'the URL names the compose database service')
  t.equal(compose.services[url.hostname].image, 'postgres:16')
  t.equal(url.pathname.slice(1), compose.services[url.hostname].environment.POSTGRES_DB)
  t.equal(svc.environment.HOST, '0.0.0.0')
  t.ok(svc.healthcheck && compose.services.db.healthcheck)
  t.match(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'), /FROM node:26-slim/)
})

t.test('the service process: readiness, the embedded lock, and SIGTERM finishing an in-flight request', async (t) => {
  const adminKey = 'test-admin-key-0123456789abcdef'
  const dbEnv = await serviceDatabaseEnv()
  t.teardown(() => dbEnv.cleanup())
  const svc = await startService({ ...dbEnv.env, ADMIN_API_KEY: adminKey, LOG_LEVEL: 'info' })
  t.teardown(() => void svc.child.kill('SIGKILL'))

  if (dbEnv.dataDir) {
    await t.rejects(
      openDatabase({ databaseUrl: undefined, dataDir: dbEnv.dataDir }),
      DatabaseInUseError,
      'a second process never opens the embedded database',
    )
  }
  const ok = await fetch(`${svc.base}/v1/parties`, { headers: { authorization: `Bearer ${adminKey}` } })
  t.equal(ok.status, 200, 'the configured admin key works')

  // Send the headers and half the body, then SIGTERM, then the rest: the request must still complete.
  const body = JSON.stringify(aWindow({ reference: 'SIGTERM-1' }))
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      `${svc.base}/v1/windows`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let b = ''
        res.on('data', (d) => (b += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }))
      },
    )
    req.on('error', reject)
    req.write(body.slice(0, 40))
    setTimeout(() => {
      svc.child.kill('SIGTERM')
      setTimeout(() => req.end(body.slice(40)), 300)
    }, 200)
  })
  const res = await answer
  t.equal(res.status, 201, `in-flight request completed: ${res.body.slice(0, 200)}`)
  t.equal(await svc.exited, 0, 'clean exit')
  t.match(svc.output(), /shutting down/)
  if (dbEnv.dataDir) {
    const again = await openDatabase({ databaseUrl: undefined, dataDir: dbEnv.dataDir })
    const rows = await again.db.selectFrom('windows').select('reference').execute()
    await again.close()
    t.same(
      rows.map((r) => r.reference),
      ['SIGTERM-1'],
      'the write was kept and the lock released',
    )
  }
})
