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
  'GET /v1/programmes/:id': ALL,
  'GET /v1/programmes/:id/assessment': ALL,
  'GET /v1/rulesets': ALL,
  'POST /v1/rulesets': ['admin'],
  'GET /v1/rulesets/:id': ALL,
  'GET /v1/blackouts': ALL,
  'GET /v1/blackouts/state': ALL,
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
