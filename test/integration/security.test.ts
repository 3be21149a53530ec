import { connect } from 'node:net'
import t, { type Test } from 'tap'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { API_CSP, DOCS_CSP } from '../../src/http/plugins/hardening.ts'
import { aWindow, BASE_URL, buildTestApp } from '../helpers/test-app.ts'

// Rate limits (per API key, per feed token, else per address), security headers, body limits, and
// the HTTP parser's own refusals on a real socket.

const limited = await buildTestApp(t, { rateLimit: { max: 5, windowMs: 60_000 } })
const { app } = limited
const a = await limited.keyFor('viewer')
const b = await limited.keyFor('viewer')

const problem = (
  t: Test,
  res: { statusCode: number; headers: Record<string, unknown>; json(): Record<string, unknown> },
  status: number,
) => {
  t.equal(res.statusCode, status)
  t.match(String(res.headers['content-type']), /^application\/problem\+json/)
  const p = res.json()
  t.equal(p.status, status)
  t.match(p.type, /^http:\/\/mwp\.test\/problems\//)
  t.type(p.title, 'string')
  return p
}

t.test('429 per API key: problem+json with Retry-After; another key is not held back', async (t) => {
  for (let i = 0; i < 5; i++) {
    const res = await app.inject({ url: '/v1/parties', headers: a })
    t.equal(res.statusCode, 200, `request ${i + 1} of 5`)
    t.equal(res.headers['x-ratelimit-remaining'], String(4 - i))
  }
  const over = await app.inject({ url: '/v1/parties', headers: a })
  const p = problem(t, over, 429)
  t.equal(p.code, 'rate-limited')
  const retry = Number(over.headers['retry-after'])
  t.ok(retry >= 1 && retry <= 60, `Retry-After ${retry} s`)
  t.equal(over.headers['x-ratelimit-limit'], '5')
  t.equal(over.headers['x-ratelimit-remaining'], '0')
  // the limit runs before authentication: a flood with the same header never reaches the database
  t.equal((await app.inject({ method: 'POST', url: '/v1/windows', headers: a, payload: aWindow() })).statusCode, 429)
  t.equal((await app.inject({ url: '/v1/parties', headers: b })).statusCode, 200, 'another key has its own budget')
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'health checks are never limited')
  for (let i = 0; i < 10; i++) t.equal((await app.inject({ url: '/readyz' })).statusCode, 200)
})

t.test('429 per feed token on /feeds/*.ics; the feed owner’s key and other feeds keep their budgets', async (t) => {
  const owner = await limited.keyFor('viewer')
  const mk = async (name: string) =>
    (await app.inject({ method: 'POST', url: '/v1/feeds', headers: owner, payload: { name } })).json().url.slice(BASE_URL.length) as string
  const one = await mk('one')
  const two = await mk('two')
  for (let i = 0; i < 5; i++) t.equal((await app.inject({ url: one })).statusCode, 200)
  const over = await app.inject({ url: one })
  problem(t, over, 429)
  t.ok(Number(over.headers['retry-after']) >= 1)
  t.equal((await app.inject({ url: two })).statusCode, 200, 'another feed token')
  t.equal((await app.inject({ url: '/v1/feeds', headers: owner })).statusCode, 200, 'the owner’s key')
})

t.test('without a key or token, requests count against the address', async (t) => {
  const from = (ip: string) => ({ url: '/openapi.json', remoteAddress: ip })
  for (let i = 0; i < 5; i++) t.equal((await app.inject(from('192.0.2.7'))).statusCode, 200)
  problem(t, await app.inject(from('192.0.2.7')), 429)
  t.equal((await app.inject(from('192.0.2.8'))).statusCode, 200, 'another address')
})

t.test('security headers on JSON, problems, feeds and docs; the HTML report keeps its own policy', async (t) => {
  const ctx = await buildTestApp(t)
  const feed = (await ctx.app.inject({ method: 'POST', url: '/v1/feeds', headers: ctx.admin, payload: { name: 'f' } })).json()
  const answers = {
    json: await ctx.app.inject({ url: '/v1/parties', headers: ctx.admin }),
    problem: await ctx.app.inject({ url: '/v1/parties' }),
    feed: await ctx.app.inject({ url: feed.url.slice(BASE_URL.length) }),
    notFound: await ctx.app.inject({ url: '/nowhere' }),
    docs: await ctx.app.inject({ url: '/docs/' }),
    docsAsset: await ctx.app.inject({ url: '/docs/static/swagger-ui.css' }),
    report: await ctx.app.inject({
      url: '/v1/reports/compliance?from=2021-11-01T00:00:00Z&to=2021-12-01T00:00:00Z&format=html',
      headers: ctx.admin,
    }),
  }
  for (const [name, res] of Object.entries(answers)) {
    t.ok(res.statusCode < 500, `${name} answered ${res.statusCode}`)
    t.equal(res.headers['x-content-type-options'], 'nosniff', `${name}: nosniff`)
    t.equal(res.headers['x-frame-options'], 'DENY', `${name}: no framing`)
    t.equal(res.headers['referrer-policy'], 'no-referrer', `${name}: no referrer`)
    t.match(String(res.headers['strict-transport-security']), /^max-age=31536000$/, `${name}: HSTS for this host only`)
    t.equal(res.headers['cross-origin-opener-policy'], 'same-origin', `${name}: COOP`)
    t.notOk(res.headers['x-powered-by'], `${name}: no x-powered-by`)
  }
  for (const name of ['json', 'problem', 'feed', 'notFound'] as const)
    t.equal(answers[name].headers['content-security-policy'], API_CSP.replace(/; /g, ';'), `${name}: nothing may load or frame`)
  t.equal(answers.docs.headers['content-security-policy'], DOCS_CSP, 'Swagger UI: its own scripts and styles only')
  t.equal(answers.docsAsset.headers['content-security-policy'], DOCS_CSP)
  t.equal(answers.report.statusCode, 200)
  t.equal(
    answers.report.headers['content-security-policy'],
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    'the report: inline CSS and SVG, nothing fetched',
  )
})

t.test('body limit: 1 MiB by default, configurable; 413 problem+json', async (t) => {
  const small = await buildTestApp(t, { bodyLimit: 2048 })
  const body = JSON.stringify(aWindow({ description: 'x'.repeat(3000) }))
  const p = problem(
    t,
    await small.app.inject({
      method: 'POST',
      url: '/v1/windows',
      headers: { ...small.admin, 'content-type': 'application/json' },
      payload: body,
    }),
    413,
  )
  t.match(p.detail, /2048-byte limit/)
  const fresh = await buildTestApp(t)
  const ok = await fresh.app.inject({
    method: 'POST',
    url: '/v1/windows',
    headers: { ...fresh.admin, 'content-type': 'application/json' },
    payload: body,
  })
  t.equal(ok.statusCode, 201, '3 KB is well under the default')
})

t.test('configuration: rate limit and body limit settings', async (t) => {
  const c = loadConfig({})
  t.same(c.rateLimit, { max: 3000, windowMs: 60_000 }, 'on by default: 3000 requests a minute per caller')
  t.equal(c.bodyLimitBytes, 1_048_576)
  t.equal(loadConfig({ RATE_LIMIT_ENABLED: 'false' }).rateLimit, false)
  t.same(loadConfig({ RATE_LIMIT_MAX: '10', RATE_LIMIT_WINDOW_SECONDS: '1' }).rateLimit, { max: 10, windowMs: 1000 })
  t.equal(loadConfig({ BODY_LIMIT_BYTES: '65536' }).bodyLimitBytes, 65_536)
  for (const [env, variable] of [
    [{ RATE_LIMIT_ENABLED: 'yes' }, 'RATE_LIMIT_ENABLED'],
    [{ RATE_LIMIT_MAX: '0' }, 'RATE_LIMIT_MAX'],
    [{ RATE_LIMIT_WINDOW_SECONDS: 'a minute' }, 'RATE_LIMIT_WINDOW_SECONDS'],
    [{ BODY_LIMIT_BYTES: '10' }, 'BODY_LIMIT_BYTES'],
  ] as const)
    try {
      loadConfig(env)
      t.fail(`${variable} should be refused`)
    } catch (err) {
      t.ok(err instanceof ConfigError && err.variable === variable, `${variable} is named`)
    }
})

t.test('on a real socket: oversized headers and a malformed request line are problem+json, not a bare 400', async (t) => {
  const ctx = await buildTestApp(t)
  await ctx.app.listen({ port: 0, host: '127.0.0.1' })
  const port = (ctx.app.server.address() as { port: number }).port
  const raw = (request: string) =>
    new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => s.end(request))
      let out = ''
      s.on('data', (d) => (out += d))
      s.on('end', () => resolve(out))
      s.on('error', reject)
    })
  const big = await raw(`GET /v1/windows?party=${'A'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`)
  t.match(big, /^HTTP\/1\.1 431 /)
  t.match(big, /Content-Type: application\/problem\+json/)
  t.match(JSON.parse(big.slice(big.indexOf('\r\n\r\n') + 4)), { status: 431, code: 'headers-too-large' })
  const header = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`)
  t.match(header, /^HTTP\/1\.1 431 /)
  const garbage = await raw('NOT-HTTP\r\n\r\n')
  t.match(garbage, /^HTTP\/1\.1 400 /)
  t.match(garbage, /application\/problem\+json/)
  const fine = await fetch(`http://127.0.0.1:${port}/healthz`)
  t.equal(fine.status, 200, 'and the server still answers')
})
