import { sql } from 'kysely'
import t from 'tap'
import type { Role } from '../../src/domain/lifecycle.ts'
import type { WindowStatus } from '../../src/domain/window.ts'
import { aWindow, buildTestApp } from '../helpers/test-app.ts'

// Who may call each route, written here independently of the routes' own declarations. A route the
// app serves that is missing from this table fails the test, so every new route gets an entry.
type Who = 'public' | readonly Role[]
const ALL: readonly Role[] = ['admin', 'reviewer', 'submitter', 'viewer']
const EXPECTED: Record<string, Who> = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /problems/:code': 'public',
  'GET /openapi.json': 'public',
  // the planning board's page and assets hold no data; every API call it makes needs a key
  'GET /board': 'public',
  'GET /board/assets/:file': 'public',
  // public to API keys; METRICS_TOKEN guards it when set, and it is 404 unless METRICS_ENABLED (test/integration/metrics.test.ts)
  'GET /metrics': 'public',
  'GET /v1/parties': ALL,
  'GET /v1/regions': ALL,
  'GET /v1/services': ALL,
  'POST /v1/parties': ['admin'],
  'POST /v1/regions': ['admin'],
  'POST /v1/services': ['admin'],
  'POST /v1/keys': ['admin'],
  'GET /v1/keys': ['admin'],
  'DELETE /v1/keys/:id': ['admin'],
  'GET /v1/me': ALL,
  'POST /v1/windows': ['admin', 'submitter'],
  'GET /v1/windows': ALL,
  'GET /v1/windows/:id': ALL,
  'PATCH /v1/windows/:id': ['admin', 'submitter'],
  'POST /v1/windows/:id/status': ['admin', 'reviewer', 'submitter'],
  'GET /v1/windows/:id/history': ALL,
  'POST /v1/assessments': ALL,
  'GET /v1/windows/:id/assessment': ALL,
  'POST /v1/schedules/:month/publish': ['admin', 'submitter'],
  'GET /v1/schedules/:month': ALL,
  'POST /v1/waivers': ['admin', 'reviewer'],
  'GET /v1/waivers': ALL,
  'POST /v1/programmes': ['admin', 'submitter'],
  'GET /v1/programmes': ALL,
  'GET /v1/programmes/:id': ALL,
  'GET /v1/programmes/:id/assessment': ALL,
  'GET /v1/rulesets': ALL,
  'POST /v1/rulesets': ['admin'],
  'GET /v1/rulesets/:id': ALL,
  'GET /v1/blackouts': ALL,
  'GET /v1/blackouts/state': ALL,
  'GET /v1/blackouts/periods': ALL,
  'GET /v1/notice-deadlines': ALL,
  'POST /v1/blackouts': ['admin'],
  'GET /v1/blackouts/:id': ALL,
  'PATCH /v1/blackouts/:id': ['admin'],
  'GET /v1/calendars/:calendar': ALL,
  'POST /v1/calendars/:calendar/overrides': ['admin'],
  'GET /v1/reference/estate': ALL,
  'PUT /v1/reference/estate': ['admin'],
  'GET /v1/reference/top-up-profile': ALL,
  'PUT /v1/reference/top-up-profile': ['admin'],
  'POST /v1/windows/:id/actuals': ['admin', 'submitter'],
  'GET /v1/availability': ALL,
  'GET /v1/slots': ALL,
  'POST /v1/programmes/:id/replan': ['admin', 'submitter'],
  'POST /v1/programmes/:id/replan/apply': ['admin', 'submitter'],
  'POST /v1/feeds': ALL,
  'GET /v1/feeds': ALL,
  'DELETE /v1/feeds/:id': ALL,
  'GET /feeds/:token.ics': 'public',
  'GET /v1/reports/compliance': ALL,
  'POST /v1/webhooks': ALL,
  'GET /v1/webhooks': ALL,
  'GET /v1/webhooks/:id': ALL,
  'PATCH /v1/webhooks/:id': ALL,
  'DELETE /v1/webhooks/:id': ALL,
  'POST /v1/webhooks/:id/test': ALL,
  'GET /v1/webhooks/:id/deliveries': ALL,
  'POST /v1/webhooks/:id/deliveries/:deliveryId/replay': ALL,
  'POST /v1/webhooks/:id/replay': ALL,
  'GET /v1/windows/:id/notices': ALL,
  'GET /v1/audit': ['admin', 'reviewer'],
  'GET /v1/audit/verify': ['admin', 'reviewer'],
  'GET /v1/events': ALL,
}

const ctx = await buildTestApp(t)
const { app } = ctx
const keys = {
  admin: ctx.admin,
  reviewer: await ctx.keyFor('reviewer'),
  submitter: await ctx.keyFor('submitter', ['DSP']),
  viewer: await ctx.keyFor('viewer'),
}
const other = await ctx.keyFor('submitter', ['CSP-N'])

async function aStoredWindow(over: Record<string, unknown> = {}) {
  const r = await app.inject({
    method: 'POST',
    url: '/v1/windows',
    headers: keys.submitter,
    payload: aWindow({ reference: `W-${Math.random().toString(36).slice(2, 9)}`, ...over }),
  })
  if (r.statusCode !== 201) throw new Error(r.body)
  return r.json() as { id: string; version: number }
}

async function countRows() {
  const n = async (table: 'windows' | 'window_versions' | 'api_keys' | 'parties') =>
    Number(
      (
        await ctx.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    )
  return { windows: await n('windows'), versions: await n('window_versions'), keys: await n('api_keys'), parties: await n('parties') }
}

t.test('every route the app serves has an entry in the access table, and the other way round', async (t) => {
  const served = app.routeCatalogue.filter((r) => !r.url.startsWith('/docs')).map((r) => `${r.method} ${r.url}`)
  for (const r of served) t.ok(r in EXPECTED, `access table entry for ${r}`)
  for (const r of Object.keys(EXPECTED)) t.ok(served.includes(r), `${r} is served`)
})

t.test('role × route matrix: allowed roles get through, others get 401/403 and change nothing', async (t) => {
  const w = await aStoredWindow()
  const victimKey = (await ctx.keyFor('viewer')).keyId
  for (const [route, who] of Object.entries(EXPECTED)) {
    const [method, path] = route.split(' ') as [string, string]
    const url = path
      .replace(':id', path.startsWith('/v1/keys') ? victimKey : w.id)
      .replace(':code', 'not-found')
      .replace(':month', '2022-05')
      .replace(':calendar', 'england-and-wales')
      .replace(':token', 'nope')
    const payload = method === 'GET' || method === 'DELETE' ? undefined : {}
    const call = (headers: Record<string, string>) =>
      app.inject({ method: method as 'GET', url, headers: { ...headers, 'if-match': '"999"' }, ...(payload ? { payload } : {}) })
    const anonymous = await call({})
    if (who === 'public') {
      t.not(anonymous.statusCode, 401, `${route} is public`)
      continue
    }
    t.equal(anonymous.statusCode, 401, `${route} without a key`)
    t.match(anonymous.headers['content-type'], /problem\+json/)
    t.equal(
      (await call({ authorization: 'Bearer mwp_AAAAAAAAAAAA_bogusbogusbogusbogusbogusbogusbogus' })).statusCode,
      401,
      `${route} with an unknown key`,
    )
    for (const role of ALL) {
      // A stream that a key may open never ends: events-api.test.ts opens it over HTTP for each role.
      if (route === 'GET /v1/events' && who.includes(role)) continue
      const before = await countRows()
      const res = await call(keys[role])
      if (who.includes(role)) {
        t.not(res.statusCode, 401, `${role} ${route}`)
        t.not(res.statusCode, 403, `${role} may ${route}: ${res.body.slice(0, 200)}`)
      } else {
        t.equal(res.statusCode, 403, `${role} may not ${route}`)
        t.same(await countRows(), before, `${role} ${route} changed nothing`)
      }
    }
  }
})

t.test('own and other party: a submitter never touches another party’s windows', async (t) => {
  const w = await aStoredWindow()
  const before = await countRows()
  const create = await app.inject({ method: 'POST', url: '/v1/windows', headers: other, payload: aWindow({ reference: 'X-1' }) })
  t.equal(create.statusCode, 403, 'create for another party')
  const patch = await app.inject({
    method: 'PATCH',
    url: `/v1/windows/${w.id}`,
    headers: { ...other, 'if-match': '"1"' },
    payload: { title: 'mine' },
  })
  t.equal(patch.statusCode, 403, 'edit another party’s window')
  const cancel = await app.inject({
    method: 'POST',
    url: `/v1/windows/${w.id}/status`,
    headers: other,
    payload: { to: 'cancelled', reason: 'not mine' },
  })
  t.equal(cancel.statusCode, 403, 'cancel another party’s window')
  t.same(await countRows(), before, 'nothing changed')
  const mine = await app.inject({
    method: 'PATCH',
    url: `/v1/windows/${w.id}`,
    headers: { ...keys.submitter, 'if-match': '"1"' },
    payload: { title: 'mine' },
  })
  t.equal(mine.statusCode, 200, 'own party may')
  const multi = await ctx.keyFor('submitter', ['DSP', 'CSP-N'])
  const dcc = await app.inject({
    method: 'POST',
    url: '/v1/windows',
    headers: multi,
    payload: aWindow({ party: 'CSP-N', regions: ['N'], reference: 'N-9' }),
  })
  t.equal(dcc.statusCode, 201, 'a planner holding several parties plans for each')
})

t.test('every lifecycle move by every role', async (t) => {
  const actors = { admin: keys.admin, reviewer: keys.reviewer, own: keys.submitter, other, viewer: keys.viewer }
  type Actor = keyof typeof actors
  const moves: [WindowStatus, WindowStatus, readonly Actor[], number?][] = [
    ['draft', 'proposed', ['admin', 'own']],
    ['draft', 'cancelled', ['admin', 'own']],
    ['proposed', 'cancelled', ['admin', 'own']],
    ['notified', 'agreed', ['admin', 'reviewer']],
    ['notified', 'rejected', ['admin', 'reviewer']],
    ['notified', 'cancelled', ['admin', 'own']],
    ['agreed', 'in-progress', ['admin', 'own']],
    ['agreed', 'cancelled', ['admin', 'own']],
    ['in-progress', 'completed', ['admin', 'own']],
  ]
  for (const [from, to, allowed] of moves) {
    for (const [name, headers] of Object.entries(actors) as [Actor, Record<string, string>][]) {
      const w = await aStoredWindow()
      await ctx.db.updateTable('windows').set({ status: from }).where('id', '=', w.id).execute()
      const res = await app.inject({
        method: 'POST',
        url: `/v1/windows/${w.id}/status`,
        headers,
        payload: { to, reason: 'test', decisionRef: 'OPSG-58' },
      })
      const after = (await app.inject({ url: `/v1/windows/${w.id}`, headers: keys.viewer })).json()
      if (allowed.includes(name)) {
        t.equal(res.statusCode, 200, `${name}: ${from} → ${to} ${res.body.slice(0, 200)}`)
        t.equal(after.status, to)
      } else {
        t.equal(res.statusCode, 403, `${name} may not move ${from} → ${to}`)
        t.equal(after.status, from, 'status unchanged')
      }
    }
  }
})

t.test('illegal moves are 409 naming the allowed next states; notified only through publication', async (t) => {
  const w = await aStoredWindow({ status: 'draft' })
  const res = await app.inject({
    method: 'POST',
    url: `/v1/windows/${w.id}/status`,
    headers: keys.admin,
    payload: { to: 'completed', reason: 'x' },
  })
  t.equal(res.statusCode, 409)
  t.equal(res.json().code, 'illegal-transition')
  t.same(res.json().allowed, ['proposed', 'cancelled'])
  t.match(res.json().detail, /allowed next: proposed, cancelled/)
  await app.inject({
    method: 'POST',
    url: `/v1/windows/${w.id}/status`,
    headers: keys.submitter,
    payload: { to: 'proposed', reason: 'ready' },
  })
  const byHand = await app.inject({
    method: 'POST',
    url: `/v1/windows/${w.id}/status`,
    headers: keys.admin,
    payload: { to: 'notified', reason: 'x' },
  })
  t.equal(byHand.statusCode, 409)
  t.match(byHand.json().detail, /publish/)
  const noRef = await aStoredWindow()
  await ctx.db.updateTable('windows').set({ status: 'notified' }).where('id', '=', noRef.id).execute()
  const decided = await app.inject({
    method: 'POST',
    url: `/v1/windows/${noRef.id}/status`,
    headers: keys.reviewer,
    payload: { to: 'agreed', reason: 'ok' },
  })
  t.equal(decided.statusCode, 400)
  t.equal(decided.json().errors[0].pointer, '/decisionRef')
  const done = await aStoredWindow()
  await ctx.db.updateTable('windows').set({ status: 'completed' }).where('id', '=', done.id).execute()
  const final = await app.inject({
    method: 'POST',
    url: `/v1/windows/${done.id}/status`,
    headers: keys.admin,
    payload: { to: 'cancelled', reason: 'x' },
  })
  t.equal(final.statusCode, 409)
  t.same(final.json().allowed, [])
})

t.test('a material change sends a notified or agreed window back to proposed; a narrowing does not', async (t) => {
  for (const status of ['notified', 'agreed'] as const) {
    const w = await aStoredWindow()
    await ctx.db
      .updateTable('windows')
      .set({ status, notified_at: new Date('2021-09-01T12:00:00Z') })
      .where('id', '=', w.id)
      .execute()
    const narrower = await app.inject({
      method: 'PATCH',
      url: `/v1/windows/${w.id}`,
      headers: { ...keys.submitter, 'if-match': '"1"' },
      payload: { end: '2022-05-15T05:00:00+01:00' },
    })
    t.equal(narrower.statusCode, 200)
    t.equal(narrower.json().status, status, 'an earlier end is not material')
    t.equal(narrower.json().notifiedAt, '2021-09-01T12:00:00.000Z')
    const wider = await app.inject({
      method: 'PATCH',
      url: `/v1/windows/${w.id}`,
      headers: { ...keys.submitter, 'if-match': '"2"' },
      payload: { regions: ['N', 'C', 'S'], impact: 'outage', start: '2022-05-14T23:30:00+01:00' },
    })
    t.equal(wider.statusCode, 200)
    t.equal(wider.json().status, 'proposed', `an earlier start sends ${status} back to proposed`)
    t.equal(wider.json().notifiedAt, null, 'and takes the notice away')
  }
})

t.test('keys: created once with the secret, listed without it, revoked keys stop working', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/keys',
    headers: keys.admin,
    payload: { name: 'DSP planner', role: 'submitter', party: 'DSP' },
  })
  t.equal(res.statusCode, 201)
  const k = res.json()
  t.match(k.key, /^mwp_[A-Za-z0-9]{12}_/)
  t.same(k.parties, ['DSP'])
  const list = await app.inject({ url: '/v1/keys', headers: keys.admin })
  t.notOk(JSON.stringify(list.json()).includes(k.key), 'secret never listed')
  const stored = await ctx.db.selectFrom('api_keys').selectAll().where('id', '=', k.id).executeTakeFirstOrThrow()
  t.notOk(JSON.stringify(stored).includes(k.key.slice(17)), 'secret not stored in clear')
  const use = { authorization: `Bearer ${k.key}` }
  t.equal((await app.inject({ url: '/v1/windows', headers: use })).statusCode, 200)
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/keys/${k.id}`, headers: keys.admin })).statusCode, 204)
  t.equal((await app.inject({ url: '/v1/windows', headers: use })).statusCode, 401)
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/keys/${k.id}`, headers: keys.admin })).statusCode, 404)
  const bad = [
    [{ name: 'x', role: 'submitter' }, '/parties'],
    [{ name: 'x', role: 'submitter', party: 'NOPE' }, '/party'],
    [{ name: 'x', role: 'viewer', party: 'DSP' }, '/party'],
    [{ name: 'x', role: 'superuser' }, '/role'],
  ] as const
  for (const [body, pointer] of bad) {
    const r = await app.inject({ method: 'POST', url: '/v1/keys', headers: keys.admin, payload: body })
    t.equal(r.statusCode, 400, JSON.stringify(body))
    t.equal(r.json().errors[0].pointer, pointer)
  }
})

// ---------------------------------------------------------------------------------------------
// Own and other party over every route, feed tokens on the JSON API, viewers and planning data.

/** How a DSP resource answers a submitter of another party (CSP-N), route by route. */
type OtherParty = 'refused' | 'not-found' | 'allowed'
const OTHER_PARTY: Record<string, OtherParty> = {
  'POST /v1/windows': 'refused',
  'PATCH /v1/windows/:id': 'refused',
  'POST /v1/windows/:id/status': 'refused',
  'POST /v1/windows/:id/actuals': 'refused',
  'POST /v1/programmes': 'refused',
  'POST /v1/programmes/:id/replan': 'refused',
  'POST /v1/programmes/:id/replan/apply': 'refused',
  'POST /v1/schedules/:month/publish': 'refused',
  // feeds and webhooks belong to the key that made them: another key cannot even see them
  'DELETE /v1/feeds/:id': 'not-found',
  'GET /v1/webhooks/:id': 'not-found',
  'PATCH /v1/webhooks/:id': 'not-found',
  'DELETE /v1/webhooks/:id': 'not-found',
  'POST /v1/webhooks/:id/test': 'not-found',
  'GET /v1/webhooks/:id/deliveries': 'not-found',
  'POST /v1/webhooks/:id/deliveries/:deliveryId/replay': 'not-found',
  'POST /v1/webhooks/:id/replay': 'not-found',
}

/** A fingerprint of planning data and subscriptions: counts, versions and the last change of each. */
async function fingerprint() {
  const r = await sql<{ f: string }>`SELECT concat_ws('|',
      (SELECT count(*) || ':' || coalesce(sum(version), 0) || ':' || coalesce(max(updated_at)::text, '') FROM windows),
      (SELECT count(*) FROM window_versions), (SELECT count(*) FROM programmes), (SELECT count(*) FROM schedule_publications),
      (SELECT count(*) FROM waivers), (SELECT count(*) FROM rulesets), (SELECT count(*) || ':' || coalesce(max(version), 0) FROM blackout_layers),
      (SELECT count(*) FROM calendar_overrides), (SELECT count(*) FROM reference_data), (SELECT count(*) FROM parties),
      (SELECT count(*) FROM regions), (SELECT count(*) FROM services), (SELECT count(*) FROM assessments),
      (SELECT count(*) || ':' || count(revoked_at) FROM api_keys), (SELECT count(*) || ':' || count(revoked_at) FROM feeds),
      (SELECT count(*) || ':' || coalesce(max(updated_at)::text, '') FROM webhook_subscriptions), (SELECT count(*) FROM webhook_deliveries)
    ) AS f`.execute(ctx.db)
  return r.rows[0]!.f
}

/** The DSP's own things, made by its submitter: a window, a programme, a feed, a webhook with a delivery. */
async function dspResources() {
  const w = await aStoredWindow()
  const p = (
    await app.inject({
      method: 'POST',
      url: '/v1/programmes',
      headers: keys.submitter,
      payload: {
        name: 'DSP refresh',
        party: 'DSP',
        windows: [{ ...aWindow({ reference: `P-${Math.random().toString(36).slice(2, 8)}` }), party: undefined }],
      },
    })
  ).json() as { programme: { id: string; version?: number } }
  const feed = (await app.inject({ method: 'POST', url: '/v1/feeds', headers: keys.submitter, payload: { name: 'DSP' } })).json() as {
    id: string
    url: string
  }
  const hook = (
    await app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: keys.submitter,
      payload: { url: 'https://hooks.dsp.example.test/dsp', events: ['window.changed'] },
    })
  ).json() as { id: string }
  const delivery = (await app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/test`, headers: keys.submitter })).json() as {
    id: string
  }
  return { w, programme: p.programme, feed, hook, delivery }
}

/** A request for a route with ids filled in and a body that would be accepted from the right caller. */
function requestFor(route: string, r: Awaited<ReturnType<typeof dspResources>>) {
  const [method, path] = route.split(' ') as [string, string]
  const isProgramme = path.startsWith('/v1/programmes')
  const id = path.startsWith('/v1/feeds') ? r.feed.id : path.startsWith('/v1/webhooks') ? r.hook.id : isProgramme ? r.programme.id : r.w.id
  const url = path.replace(':id', id).replace(':deliveryId', r.delivery.id).replace(':month', '2022-05')
  const bodies: Record<string, unknown> = {
    'POST /v1/windows': aWindow({ reference: `X-${Math.random().toString(36).slice(2, 8)}` }),
    'PATCH /v1/windows/:id': { title: 'taken over' },
    'POST /v1/windows/:id/status': { to: 'cancelled', reason: 'not mine' },
    'POST /v1/windows/:id/actuals': { actualStart: '2022-05-15T00:00:00+01:00' },
    'POST /v1/programmes': { name: 'x', party: 'DSP', windows: [{ ...aWindow({ reference: 'PX-1' }), party: undefined }] },
    'POST /v1/programmes/:id/replan': { publishedAt: '2021-10-01T09:00:00Z' },
    'POST /v1/programmes/:id/replan/apply': { publishedAt: '2021-10-01T09:00:00Z' },
    'POST /v1/schedules/:month/publish': { parties: ['DSP'] },
    'PATCH /v1/webhooks/:id': { description: 'taken over', enabled: false },
    'POST /v1/webhooks/:id/replay': { from: '2021-01-01T00:00:00Z' },
  }
  const payload = bodies[route] ?? (method === 'GET' || method === 'DELETE' ? undefined : {})
  const ifMatch = isProgramme ? `"${r.programme.version ?? 1}"` : `"${r.w.version}"`
  return { method: method as 'GET', url, headers: { 'if-match': ifMatch }, ...(payload ? { payload } : {}) }
}

t.test('other party × every route: another party’s submitter is refused or finds nothing, and changes nothing', async (t) => {
  const submitterRoutes = Object.entries(EXPECTED)
    .filter(([, who]) => who !== 'public' && who.includes('submitter'))
    .map(([route]) => route)
  const scoped = submitterRoutes.filter((r) => r.includes(':') || r.startsWith('POST ') || r.startsWith('PATCH '))
  for (const route of scoped)
    if (!(route in OTHER_PARTY))
      t.ok(
        (route.startsWith('GET ') && !route.startsWith('GET /v1/webhooks/')) || /^POST \/v1\/(assessments|feeds|webhooks)$/.test(route),
        `${route}: a read (open to every role) or the caller's own subscription, else it needs an OTHER_PARTY entry`,
      )
  for (const [route, expected] of Object.entries(OTHER_PARTY)) {
    t.ok(submitterRoutes.includes(route), `${route} is a submitter route`)
    const r = await dspResources()
    const before = await fingerprint()
    const req = requestFor(route, r)
    const res = await app.inject({ ...req, headers: { ...req.headers, ...other } })
    if (expected === 'refused') t.equal(res.statusCode, 403, `${route} by another party: 403 ${res.body.slice(0, 160)}`)
    else t.equal(res.statusCode, 404, `${route} by another key: 404 ${res.body.slice(0, 160)}`)
    t.match(res.headers['content-type'], /problem\+json/)
    t.equal(await fingerprint(), before, `${route}: nothing changed`)
    t.equal((await app.inject({ url: r.feed.url.replace(/^https?:\/\/[^/]+/, '') })).statusCode, 200, 'the DSP feed still serves')
    // the same request from the DSP's own submitter gets past the party check
    const own = await app.inject({ ...req, headers: { ...req.headers, ...keys.submitter } })
    t.notOk([401, 403, 404].includes(own.statusCode), `${route} by the owner: ${own.statusCode} ${own.body.slice(0, 160)}`)
  }
  const r = await dspResources()
  const feeds = (await app.inject({ url: '/v1/feeds', headers: other })).json().items as { id: string }[]
  t.notOk(
    feeds.some((f) => f.id === r.feed.id),
    'another key does not list the DSP feed',
  )
  const hooks = (await app.inject({ url: '/v1/webhooks', headers: other })).json().items as { id: string }[]
  t.notOk(
    hooks.some((h) => h.id === r.hook.id),
    'nor its webhooks',
  )
  for (const who of [keys.submitter, other]) {
    const before = await fingerprint()
    for (const req of [
      { method: 'GET' as const, url: '/v1/keys' },
      { method: 'POST' as const, url: '/v1/keys', payload: { name: 'mine', role: 'admin' } },
      { method: 'DELETE' as const, url: `/v1/keys/${keys.viewer.keyId}` },
      { method: 'DELETE' as const, url: `/v1/keys/${who.keyId}` },
    ])
      t.equal((await app.inject({ ...req, headers: who })).statusCode, 403, `a submitter never touches a key: ${req.method} ${req.url}`)
    t.equal(await fingerprint(), before)
  }
})

t.test('an unknown key is called unknown, whatever its length; a malformed header is told the format', async (t) => {
  const ask = async (authorization: string) => {
    const res = await app.inject({ url: '/v1/windows', headers: { authorization } })
    t.equal(res.statusCode, 401, authorization)
    t.match(res.headers['content-type'], /problem\+json/)
    t.equal(res.headers['www-authenticate'], 'Bearer realm="mwp"')
    return res.json().detail as string
  }
  for (const key of ['mwp_nope', 'mwp_AAAAAAAAAAAA_bogusbogusbogusbogusbogusbogusbogus', 'x'.repeat(400)])
    t.match(await ask(`Bearer ${key}`), /^Unknown API key: no active key matches it .*POST \/v1\/keys/, `Bearer ${key.slice(0, 40)}`)
  for (const header of ['Bearer', 'Bearer two words', 'Basic dXNlcjpwYXNz', 'mwp_AAAAAAAAAAAA_bogusbogusbogusbogus'])
    t.match(await ask(header), /^The Authorization header must be "Bearer <key>"/, header)
})

t.test('a feed token is a capability for its .ics only: as a Bearer key on the JSON API it is 401', async (t) => {
  const feed = (await app.inject({ method: 'POST', url: '/v1/feeds', headers: keys.submitter, payload: { name: 'token test' } })).json()
  const token = (feed.url as string).split('/feeds/')[1]!.replace(/\.ics$/, '')
  t.equal((await app.inject({ url: `/feeds/${token}.ics` })).statusCode, 200, 'the token serves its feed')
  const w = await aStoredWindow()
  for (const [method, url] of [
    ['GET', '/v1/windows'],
    ['GET', `/v1/windows/${w.id}`],
    ['GET', '/v1/feeds'],
    ['POST', '/v1/feeds'],
    ['GET', '/v1/reports/compliance?from=2022-01-01T00:00:00Z&to=2022-02-01T00:00:00Z'],
    ['PATCH', `/v1/windows/${w.id}`],
    ['GET', '/v1/keys'],
  ] as const) {
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, 'if-match': '"1"' },
      ...(method === 'GET' ? {} : { payload: { name: 'x', title: 'x' } }),
    })
    t.equal(res.statusCode, 401, `${method} ${url} with the feed token`)
    t.match(res.headers['content-type'], /problem\+json/)
  }
  const apiKey = keys.viewer.authorization!.replace(/^Bearer /, '')
  t.equal((await app.inject({ url: `/feeds/${apiKey}.ics` })).statusCode, 404, 'nor is an API key a feed token')
})

t.test('viewers never change planning data, whatever route they try', async (t) => {
  const r = await dspResources()
  const before = await fingerprint()
  const answers: string[] = []
  for (const route of Object.keys(EXPECTED)) {
    const [method] = route.split(' ')
    if (method === 'GET') continue
    const req = requestFor(route, r)
    const res = await app.inject({ ...req, headers: { ...req.headers, ...keys.viewer } })
    answers.push(`${route} ${res.statusCode}`)
    t.ok(res.statusCode < 500, `${route}: ${res.statusCode}`)
  }
  // a viewer may keep its own feeds and webhooks and dry-run a plan; none of that is planning data
  const planning = (f: string) => f.split('|').slice(0, 14).join('|')
  t.equal(planning(await fingerprint()), planning(before), `planning data unchanged after ${answers.length} write attempts`)
  const allowed = answers.filter((a) => !/ (401|403|404)$/.test(a))
  t.ok(
    allowed.every((a) => /^POST \/v1\/(assessments|feeds|webhooks) /.test(a)),
    `only the viewer's own subscriptions and dry runs succeeded: ${allowed.join(', ')}`,
  )
})

t.test(
  'GET /v1/me: each key sees its own name, role, parties and what the role may do (the capabilities match the access table)',
  async (t) => {
    const may = async (headers: Record<string, string>) => {
      const res = await app.inject({ url: '/v1/me', headers })
      t.equal(res.statusCode, 200)
      t.equal(res.headers['cache-control'], 'private, no-store')
      return res.json()
    }
    const sub = await may(keys.submitter)
    t.equal(sub.role, 'submitter')
    t.same(sub.parties, ['DSP'])
    t.equal(sub.keyId, keys.submitter.keyId)
    t.ok(sub.name.length > 0, 'its name')
    t.notOk('key' in sub, 'never the secret')
    const granted = (role: Role, route: string) => {
      const who = EXPECTED[route]
      return who !== undefined && who !== 'public' && who.includes(role)
    }
    for (const role of ALL) {
      const me = await may(keys[role])
      t.equal(me.role, role)
      t.equal(me.may.planWindows, granted(role, 'POST /v1/windows'), `${role}: planWindows as POST /v1/windows allows`)
      t.equal(me.may.recordWaivers, granted(role, 'POST /v1/waivers'), `${role}: recordWaivers as POST /v1/waivers allows`)
      t.equal(me.may.manageRules, granted(role, 'POST /v1/blackouts'), `${role}: manageRules as POST /v1/blackouts allows`)
      t.equal(me.may.manageKeys, granted(role, 'POST /v1/keys'), `${role}: manageKeys as POST /v1/keys allows`)
      t.equal(
        me.may.decideWindows,
        role === 'admin' || role === 'reviewer',
        `${role}: decideWindows (agree and reject: reviewers and admins)`,
      )
    }
    t.equal((await app.inject({ url: '/v1/me' })).statusCode, 401, 'no key: 401')
  },
)
