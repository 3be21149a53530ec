import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import { type AddressInfo, isIP } from 'node:net'
import t from 'tap'
import { createServices } from '../../src/services/index.ts'
import { createKeyring } from '../../src/services/secrets.ts'
import { aWindow, buildTestApp, offlineResolve, TEST_SECRETS_KEY } from '../helpers/test-app.ts'

// A receiver on loopback that checks every delivery the Standard Webhooks way, written here
// independently of the service's signer: HMAC-SHA256 over "id.timestamp.body" with the base64 part
// of the whsec_ secret, compared against each "v1,<sig>" in the header.
type Received = {
  path: string
  headers: IncomingHttpHeaders
  body: string
  event: {
    id: string
    type: string
    subject: string
    time: string
    specversion: string
    source: string
    datacontenttype: string
    data: Record<string, unknown>
  }
  signatureOk: boolean
}
const secrets = new Map<string, string>() // path → secret
let mode: 'ok' | 'fail' | 'slow' | 'redirect' = 'ok'
let slowMs = 1500
let onRequest: (() => void) | undefined
const failing = new Set<string>() // paths answering 503
const received: Received[] = []

function verify(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const id = String(headers['webhook-id'] ?? '')
  const ts = String(headers['webhook-timestamp'] ?? '')
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest()
  return String(headers['webhook-signature'] ?? '')
    .split(' ')
    .some((s) => {
      const [v, sig] = s.split(',')
      const got = Buffer.from(sig ?? '', 'base64')
      return v === 'v1' && got.length === expected.length && timingSafeEqual(got, expected)
    })
}

const receiver = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    onRequest?.()
    const reply = () => {
      if (mode === 'fail' || failing.has(req.url ?? '')) return res.writeHead(503).end('down for maintenance')
      if (mode === 'redirect' && req.url !== '/elsewhere') return res.writeHead(302, { location: '/elsewhere' }).end()
      const body = Buffer.concat(chunks).toString('utf8')
      const secret = secrets.get(req.url ?? '') ?? ''
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        body,
        event: JSON.parse(body),
        signatureOk: verify(secret, req.headers, body),
      })
      res.writeHead(204).end()
    }
    if (mode === 'slow') setTimeout(reply, slowMs)
    else reply()
  })
})
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
const port = (receiver.address() as AddressInfo).port
t.teardown(() => new Promise<void>((r) => receiver.close(() => r())))

// The test's DNS: a name resolves only as a test says (none by default); nothing reaches the network.
const dns = new Map<string, string[]>()
const resolve = async (host: string) => {
  const answer = dns.get(host)
  return answer ? answer.map((address) => ({ address, family: isIP(address) })) : offlineResolve(host)
}
// The receiver is on loopback, a non-public range: WEBHOOK_ALLOWED_HOSTS opens it, and only admin keys
// may point a subscription there, so the subscriptions that receive are owned by admin keys.
const LOOPBACK = ['127.0.0.0/8', '::1/128']
const ctx = await buildTestApp(t, { now: '2021-10-01T09:00:00Z', webhooks: { allowedHosts: LOOPBACK, resolve } })
const { app } = ctx
const dsp = await ctx.keyFor('submitter', ['DSP'])
const cspn = await ctx.keyFor('submitter', ['CSP-N'])
const reviewer = await ctx.keyFor('reviewer')
const viewer = await ctx.keyFor('viewer')
async function adminKey(name: string) {
  const k = await ctx.services.keys.create({ name, role: 'admin' }, null)
  return { authorization: `Bearer ${k.key}`, keyId: k.id }
}
const ops = await adminKey('DSP operations (admin)')
const north = await adminKey('CSP-N operations (admin)')
const watcher = await adminKey('watcher (admin)')
const opsActor = { keyId: ops.keyId, role: 'admin' as const, parties: [] }
const run = () => ctx.services.webhooks.runOnce(ctx.clock.now())

async function subscribe(headers: Record<string, string>, path: string, body: Record<string, unknown> = {}, host = '127.0.0.1') {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers,
    payload: {
      url: `http://${host}:${port}${path}`,
      events: [
        'window.proposed',
        'window.changed',
        'window.cancelled',
        'window.decided',
        'window.starting',
        'schedule.published',
        'waiver.granted',
        'finding.raised',
      ],
      ...body,
    },
  })
  if (res.statusCode !== 201) throw new Error(res.body)
  secrets.set(path, res.json().secret)
  return res.json() as { id: string; secret: string }
}

/**
 * A non-admin's subscription that reaches the local receiver: its name does not resolve when it is
 * made, and resolves to loopback (an opened range) by the time of delivery, so every attempt's check
 * passes. Its answers are then for admins only.
 */
async function subscribeByName(headers: Record<string, string>, path: string, body: Record<string, unknown> = {}) {
  dns.delete('receiver.example.test')
  const s = await subscribe(headers, path, body, 'receiver.example.test')
  dns.set('receiver.example.test', ['127.0.0.1'])
  return s
}

async function createWindow(over: Record<string, unknown> = {}, headers = dsp) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/windows',
    headers,
    payload: aWindow({ reference: `W-${Math.random().toString(36).slice(2, 9)}`, ...over }),
  })
  if (res.statusCode !== 201) throw new Error(res.body)
  return res.json() as {
    id: string
    version: number
    assessment: { findings: { key: string; code: string; severity: string; waivable: boolean }[] }
  }
}

const count = async (table: 'outbox_events' | 'webhook_deliveries' | 'webhook_subscriptions') =>
  Number(
    (
      await ctx.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  )
const at = (path: string) => received.filter((r) => r.path === path)
/** The error a promise is rejected with (a test fails if it is not rejected). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (err) {
    return err
  }
  return new Error('not rejected')
}

t.beforeEach(async () => {
  for (const table of ['webhook_reminders', 'webhook_deliveries', 'outbox_events', 'webhook_subscriptions'] as const)
    await ctx.db.deleteFrom(table).execute()
  await ctx.reset()
  ctx.clock.set('2021-10-01T09:00:00Z')
  received.length = 0
  dns.clear()
  mode = 'ok'
  onRequest = undefined
  failing.clear()
})

t.test('subscriptions: own ones only, secret shown once, bad input named by field', async (t) => {
  const created = await app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: dsp,
    payload: { url: 'https://hooks.dsp.example.test/a', events: ['window.changed'], filter: { parties: ['DSP'] }, description: 'DSP ops' },
  })
  t.equal(created.statusCode, 201, created.body)
  const s = created.json()
  t.match(s.secret, /^whsec_[A-Za-z0-9+/]{43}=$/)
  t.match(created.headers.location, new RegExp(`/v1/webhooks/${s.id}$`))
  const got = await app.inject({ url: `/v1/webhooks/${s.id}`, headers: dsp })
  t.equal(got.statusCode, 200)
  t.notOk('secret' in got.json(), 'the secret is not shown again')
  t.equal((await app.inject({ url: `/v1/webhooks/${s.id}`, headers: cspn })).statusCode, 404, "another key's subscription is not found")
  t.equal((await app.inject({ url: '/v1/webhooks', headers: cspn })).json().items.length, 0)
  t.equal((await app.inject({ url: '/v1/webhooks', headers: ctx.admin })).json().items.length, 1, 'an admin sees every subscription')
  const bad: [Record<string, unknown>, string][] = [
    [{ url: 'ftp://127.0.0.1/x', events: ['window.changed'] }, '/url'],
    [{ url: 'not a url', events: ['window.changed'] }, '/url'],
    [{ url: 'http://user:pw@127.0.0.1/x', events: ['window.changed'] }, '/url'],
    [{ url: 'http://127.0.0.1/x', events: ['window.changed', 'window.exploded'] }, '/events/1'],
    [{ url: 'http://127.0.0.1/x', events: [] }, '/events'],
    [{ url: 'http://127.0.0.1/x', events: ['window.changed'], filter: { parties: ['DSP', 'NOPE'] } }, '/filter/parties/1'],
    [{ url: 'http://127.0.0.1/x', events: ['window.changed'], filter: { services: ['no-such-service'] } }, '/filter/services/0'],
  ]
  for (const [payload, pointer] of bad) {
    const r = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: dsp, payload })
    t.equal(r.statusCode, 400, `${JSON.stringify(payload)} → 400`)
    t.match(r.headers['content-type'], /problem\+json/)
    t.ok(
      r.json().errors.some((e: { pointer: string }) => e.pointer === pointer),
      `names ${pointer}: ${r.body.slice(0, 300)}`,
    )
  }
  const patched = await app.inject({
    method: 'PATCH',
    url: `/v1/webhooks/${s.id}`,
    headers: dsp,
    payload: { events: ['window.changed', 'window.cancelled'], description: 'renamed' },
  })
  t.equal(patched.statusCode, 200, patched.body)
  t.same(patched.json().events, ['window.changed', 'window.cancelled'])
  t.equal((await app.inject({ method: 'PATCH', url: `/v1/webhooks/${s.id}`, headers: dsp, payload: { events: ['nope'] } })).statusCode, 400)
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/webhooks/${s.id}`, headers: cspn })).statusCode, 404)
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/webhooks/${s.id}`, headers: dsp })).statusCode, 204)
  t.equal((await app.inject({ url: `/v1/webhooks/${s.id}`, headers: dsp })).statusCode, 404)
})

t.test('every event type, once per subscription per change, in order per window, signed', async (t) => {
  await subscribe(ops, '/all')
  await subscribe(north, '/north', { filter: { parties: ['CSP-N'] } })
  await subscribe(watcher, '/decisions', { events: ['window.decided', 'window.cancelled'] })

  const w1 = await createWindow()
  const v1 = await app.inject({
    method: 'PATCH',
    url: `/v1/windows/${w1.id}`,
    headers: { ...dsp, 'if-match': `"${w1.version}"` },
    payload: { start: '2021-12-05T00:00:00Z', end: '2021-12-05T06:00:00Z' },
  })
  t.equal(v1.statusCode, 200, v1.body.slice(0, 300))
  const winter = (v1.json().assessment.findings as { key: string; code: string; severity: string; waivable: boolean }[]).filter(
    (f) => f.severity === 'objection' || f.severity === 'breach',
  )
  t.ok(winter.length > 0, 'the move into December raises a finding')
  const pub = await app.inject({ method: 'POST', url: '/v1/schedules/2021-12/publish', headers: dsp, payload: {} })
  t.equal(pub.statusCode, 200, pub.body.slice(0, 300))
  const waivable = winter.find((f) => f.waivable)
  t.ok(waivable, 'a waivable finding to waive')
  if (waivable) {
    const wv = await app.inject({
      method: 'POST',
      url: '/v1/waivers',
      headers: reviewer,
      payload: {
        findingKey: waivable.key,
        approvedBy: 'sec-panel',
        decisionRef: 'Panel 2021-10',
        decidedAt: '2021-10-01T08:00:00Z',
        reason: 'Essential',
      },
    })
    t.equal(wv.statusCode, 201, wv.body.slice(0, 300))
  }
  const agree = await app.inject({
    method: 'POST',
    url: `/v1/windows/${w1.id}/status`,
    headers: reviewer,
    payload: { to: 'agreed', reason: 'OPSG agreed', decisionRef: 'OPSG-58' },
  })
  t.equal(agree.statusCode, 200, agree.body.slice(0, 300))
  const w2 = await createWindow()
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: `/v1/windows/${w2.id}/status`,
        headers: dsp,
        payload: { to: 'cancelled', reason: 'no longer needed' },
      })
    ).statusCode,
    200,
  )
  ctx.clock.set('2021-11-28T00:00:00Z') // 7 days before W1's start
  const r = await run()
  t.equal(r.failed, 0)

  const all = at('/all')
  t.ok(
    all.every((x) => x.signatureOk),
    'every delivery carries a valid Standard Webhooks signature',
  )
  t.same(new Set(all.map((x) => x.headers['webhook-id'])).size, all.length, 'each event once')
  const forW1 = all.filter((x) => x.event.subject === `windows/${w1.id}`).map((x) => x.event.type)
  t.same(
    forW1,
    ['window.proposed', 'window.changed', 'finding.raised', ...(waivable ? ['waiver.granted'] : []), 'window.decided', 'window.starting'],
    'W1 in order',
  )
  t.same(
    all.filter((x) => x.event.subject === `windows/${w2.id}`).map((x) => x.event.type),
    ['window.proposed', 'window.cancelled'],
  )
  const schedule = all.find((x) => x.event.type === 'schedule.published')!
  t.equal(schedule.event.subject, 'schedules/2021-12')
  t.same(
    (schedule.event.data.windows as { id: string }[]).map((w) => w.id),
    [w1.id],
    'the month and every window in it',
  )
  const first = all[0]!
  t.match(first.event, { specversion: '1.0', source: '/mwp', datacontenttype: 'application/json', time: '2021-10-01T09:00:00.000Z' })
  t.equal(first.headers['webhook-id'], first.event.id)
  t.match(first.headers['content-type'], /application\/cloudevents\+json/)
  const changed = all.find((x) => x.event.type === 'window.changed')!
  t.match(changed.event.data.changes, [
    { field: 'start', old: '2022-05-14T23:00:00.000Z', new: '2021-12-05T00:00:00.000Z' },
    { field: 'end' },
  ])
  const raised = all.find((x) => x.event.type === 'finding.raised')!
  const raisedData = raised.event.data as { compliance: string; findings: { code: string; certainty: string; provenance: string }[] }
  t.ok(['red', 'amber'].includes(raisedData.compliance), `finding.raised carries the window's colour: ${raisedData.compliance}`)
  t.ok(raisedData.findings.length > 0)
  t.ok(
    raisedData.findings.every((f) => ['confirmed', 'unconfirmed'].includes(f.certainty) && typeof f.provenance === 'string'),
    'each raised finding says how sure it is',
  )
  const decided = all.find((x) => x.event.type === 'window.decided')!
  t.match(decided.event.data, { decision: 'agreed', decisionRef: 'OPSG-58' })
  t.same(at('/north'), [], 'a filter on CSP-N hears nothing of DSP windows')
  t.same(
    at('/decisions').map((x) => x.event.type),
    ['window.decided', 'window.cancelled'],
    'only the events asked for',
  )
  const again = await run()
  t.equal(again.attempted, 0, 'nothing is sent twice')

  const notices = await app.inject({ url: `/v1/windows/${w1.id}/notices`, headers: viewer })
  t.equal(notices.statusCode, 200)
  const items = notices.json().items as {
    event: { type: string }
    acknowledgedAt: string
    subscription: { ownerKeyId: string }
    attempts: { statusCode: number }[]
  }[]
  t.ok(items.length >= forW1.length + 1, 'each delivery about W1 (and its schedule) is listed')
  t.ok(
    items.every((n) => n.acknowledgedAt === '2021-11-28T00:00:00.000Z' && n.attempts[0]!.statusCode === 204),
    'acknowledged with a 2xx, and when',
  )
  t.ok(
    items.some((n) => n.event.type === 'schedule.published'),
    'the schedule that carried the window is evidence too',
  )
})

t.test('a rolled-back change sends nothing', async (t) => {
  await subscribe(ops, '/all')
  const bad = await app.inject({ method: 'POST', url: '/v1/windows', headers: dsp, payload: aWindow({ end: '2022-05-14T00:00:00Z' }) })
  t.equal(bad.statusCode, 400)
  const w = await createWindow()
  const eventsBefore = await count('outbox_events')
  const stale = await app.inject({
    method: 'PATCH',
    url: `/v1/windows/${w.id}`,
    headers: { ...dsp, 'if-match': '"7"' },
    payload: { title: 'never' },
  })
  t.equal(stale.statusCode, 412)
  const badMove = await app.inject({
    method: 'PATCH',
    url: `/v1/windows/${w.id}`,
    headers: { ...dsp, 'if-match': `"${w.version}"` },
    payload: { regions: ['NOWHERE'] },
  })
  t.equal(badMove.statusCode, 400)
  t.equal(await count('outbox_events'), eventsBefore, 'no outbox row for a change that did not happen')
  await run()
  t.same(
    at('/all').map((x) => x.event.type),
    ['window.proposed'],
    'only the change that was stored',
  )
})

t.test('a receiver down for a while gets everything, in order, when it comes back; the log keeps every attempt', async (t) => {
  const s = await subscribe(ops, '/all')
  mode = 'fail'
  const w = await createWindow()
  let version = w.version
  let r = await run()
  t.equal(r.failed, 1)
  for (const title of ['one', 'two', 'three']) {
    const p = await app.inject({
      method: 'PATCH',
      url: `/v1/windows/${w.id}`,
      headers: { ...dsp, 'if-match': `"${version}"` },
      payload: { title },
    })
    version = p.json().version
    ctx.clock.advance(60_000)
    r = await run()
  }
  const waiting = (await app.inject({ url: `/v1/webhooks/${s.id}/deliveries`, headers: ops })).json().items as { attempts: unknown[] }[]
  t.same(
    waiting.map((d) => d.attempts.length > 0),
    [false, false, false, true],
    'while the oldest keeps failing (with backoff), later events of the window wait behind it',
  )
  ctx.clock.advance(3 * 3_600_000)
  r = await run()
  t.equal(r.attempted, 1, 'one retry of the oldest, still failing')
  mode = 'ok'
  ctx.clock.advance(6 * 3_600_000)
  r = await run()
  t.equal(r.delivered, 4)
  t.same(
    at('/all').map((x) => `${x.event.type}:${(x.event.data.window as { title: string }).title}`),
    ['window.proposed:DSP Technical Refresh 1', 'window.changed:one', 'window.changed:two', 'window.changed:three'],
  )
  const log = await app.inject({ url: `/v1/webhooks/${s.id}/deliveries`, headers: ops })
  t.equal(log.statusCode, 200)
  const oldest = log.json().items.at(-1)
  t.equal(oldest.state, 'delivered')
  const codes = oldest.attempts.map((a: { statusCode: number }) => a.statusCode)
  t.ok(codes.length >= 3 && codes.slice(0, -1).every((c: number) => c === 503) && codes.at(-1) === 204, `every attempt kept: ${codes}`)
  t.match(oldest.attempts[0], { at: '2021-10-01T09:00:00.000Z', ok: false, responseExcerpt: 'down for maintenance', error: 'HTTP 503' })
  t.type(oldest.attempts[0].latencyMs, 'number')
  t.equal((await app.inject({ url: `/v1/webhooks/${s.id}`, headers: ops })).json().failingSince, null, 'healthy again')
})

t.test('24 hours of failure: the delivery is dead-lettered and the subscription disabled, with the reason', async (t) => {
  const s = await subscribe(ops, '/all')
  mode = 'fail'
  await createWindow()
  for (let h = 0; h <= 25; h++) {
    await run()
    ctx.clock.advance(3_600_000)
  }
  const log = (await app.inject({ url: `/v1/webhooks/${s.id}/deliveries`, headers: ops })).json()
  t.equal(log.items[0].state, 'dead')
  t.match(log.items[0].deadReason, /24 hours/)
  t.ok(log.items[0].attempts.length >= 8, `retried with backoff (${log.items[0].attempts.length} attempts)`)
  const sub = (await app.inject({ url: `/v1/webhooks/${s.id}`, headers: ops })).json()
  t.equal(sub.enabled, false)
  t.match(sub.disabledReason, /failed for 24 hours/)
  await createWindow()
  mode = 'ok'
  await run()
  t.same(at('/all'), [], 'a disabled subscription gets nothing')
  const on = await app.inject({ method: 'PATCH', url: `/v1/webhooks/${s.id}`, headers: ops, payload: { enabled: true } })
  t.match(on.json(), { enabled: true, disabledReason: null, failingSince: null })
  const replay = await app.inject({ method: 'POST', url: `/v1/webhooks/${s.id}/deliveries/${log.items[0].id}/replay`, headers: ops })
  t.equal(replay.statusCode, 202, replay.body)
  await run()
  t.equal(at('/all').length, 1, 'the dead-lettered event, replayed')
})

t.test('two dispatchers over one database deliver each event exactly once', async (t) => {
  await subscribe(ops, '/all')
  const other = createServices({
    db: ctx.db,
    clock: ctx.clock,
    maxWindowHours: 72,
    webhooks: { allowedHosts: LOOPBACK, secretsKeys: [TEST_SECRETS_KEY] },
  })
  for (let i = 0; i < 25; i++)
    await createWindow({
      start: `2022-05-${String(i + 1).padStart(2, '0')}T00:00:00+01:00`,
      end: `2022-05-${String(i + 1).padStart(2, '0')}T04:00:00+01:00`,
    })
  const [a, b] = await Promise.all([run(), other.webhooks.runOnce(ctx.clock.now())])
  t.equal(a.delivered + b.delivered, 25)
  t.equal(at('/all').length, 25)
  t.equal(new Set(at('/all').map((x) => x.event.id)).size, 25)
  t.equal((await run()).attempted + (await other.webhooks.runOnce(ctx.clock.now())).attempted, 0)
})

t.test('reminders fire at the right instants across the October clock change, exactly once', async (t) => {
  await subscribe(ops, '/all', { events: ['window.starting'] })
  const other = createServices({
    db: ctx.db,
    clock: ctx.clock,
    maxWindowHours: 72,
    webhooks: { allowedHosts: LOOPBACK, secretsKeys: [TEST_SECRETS_KEY] },
  })
  // Sunday 31 October 2021, 20:00 GMT (the clocks went back at 02:00 BST that morning).
  const w = await createWindow({ start: '2021-10-31T20:00:00Z', end: '2021-10-31T23:00:00Z' })
  const expected: [string, string][] = [
    ['P7D', '2021-10-24T19:00:00.000Z'], // 20:00 BST a calendar week before
    ['P1D', '2021-10-30T19:00:00.000Z'], // 20:00 BST the day before, 25 hours earlier
    ['PT1H', '2021-10-31T19:00:00.000Z'], // exactly one hour
  ]
  for (const [offset, instant] of expected) {
    ctx.clock.set(new Date(Date.parse(instant) - 1000))
    await run()
    t.equal(
      at('/all').length,
      expected.findIndex((e) => e[0] === offset),
      `nothing a second before ${offset}`,
    )
    ctx.clock.set(instant)
    await Promise.all([run(), other.webhooks.runOnce(ctx.clock.now())])
    ctx.clock.advance(60_000)
    await run()
    const last = at('/all').at(-1)!
    t.match(last.event.data, { offset, dueAt: instant, startsAt: '2021-10-31T20:00:00.000Z' }, `${offset} at ${instant}`)
    t.equal(last.event.time, instant)
  }
  t.equal(at('/all').length, 3, 'each reminder once, whichever dispatcher took it')
  t.same(
    at('/all').map((x) => x.event.subject),
    [`windows/${w.id}`, `windows/${w.id}`, `windows/${w.id}`],
  )
  // A window moved to a new start gets reminders for its new start; one created too late for a reminder skips it.
  ctx.clock.set('2021-11-20T12:00:00Z')
  const late = await createWindow({ start: '2021-11-22T02:00:00Z', end: '2021-11-22T04:00:00Z' })
  await run()
  t.equal(at('/all').length, 3, 'the 7-day reminder was due before the window existed: skipped')
  ctx.clock.set('2021-11-21T02:00:00Z')
  await run()
  t.match(at('/all').at(-1)!.event.data, { offset: 'P1D', window: { id: late.id } })
})

t.test('a slow or redirecting receiver never blocks an API request', async (t) => {
  const s = await subscribe(ops, '/all')
  mode = 'slow'
  slowMs = 1500
  await createWindow()
  const arrived = new Promise<void>((r) => {
    onRequest = r
  })
  const pass = run()
  await arrived
  const t0 = performance.now()
  t.equal((await app.inject({ url: '/v1/windows', headers: viewer })).statusCode, 200)
  await createWindow()
  const ms = performance.now() - t0
  t.ok(ms < 1000, `a read and a write took ${ms.toFixed(0)} ms while the receiver was still thinking`)
  await pass
  t.equal(at('/all').length, 1)
  mode = 'redirect'
  ctx.clock.advance(60_000)
  await run()
  const log = (await app.inject({ url: `/v1/webhooks/${s.id}/deliveries?state=pending`, headers: ops })).json()
  t.match(log.items[0].attempts[0], { statusCode: 302, ok: false, error: /redirect .* not followed/ })
  t.same(at('/elsewhere'), [], 'nothing was sent where the redirect pointed')
})

t.test('DNS rebinding: one resolution per attempt, every address checked, the connection goes to the checked one', async (t) => {
  // A second listener on 127.0.0.2 at the receiver's port stands for an internal address; only
  // 127.0.0.1 is opened. The resolver answers the allowed address first and the forbidden one after.
  const forbidden: string[] = []
  const inside = createServer((req, res) => {
    forbidden.push(req.url ?? '')
    req.resume()
    res.writeHead(204).end()
  })
  await new Promise<void>((r, j) => inside.once('error', j).listen(port, '127.0.0.2', r))
  t.teardown(() => new Promise<void>((r) => inside.close(() => r())))
  const asked: string[] = []
  let answers: [string, ...string[]][] = [['127.0.0.1']]
  const resolve = async (host: string) => {
    asked.push(host)
    const next = answers.length > 1 ? answers.shift()! : answers[0]!
    return next.map((address) => ({ address, family: 4 }))
  }
  const svc = createServices({
    db: ctx.db,
    clock: ctx.clock,
    maxWindowHours: 72,
    webhooks: { allowedHosts: ['127.0.0.1/32'], resolve, secretsKeys: [TEST_SECRETS_KEY] },
  })
  const s = await svc.webhooks.create({ url: `http://hooks.example.test:${port}/rebind`, events: ['window.proposed'] }, opsActor)
  secrets.set('/rebind', s.secret)
  t.same(asked, ['hooks.example.test'], 'checked at subscription')

  answers = [['127.0.0.1'], ['127.0.0.2']]
  await createWindow()
  await svc.webhooks.runOnce(ctx.clock.now())
  t.equal(at('/rebind').length, 1, 'delivered to the allowed address')
  t.equal(at('/rebind')[0]!.headers.host, `hooks.example.test:${port}`, 'the Host header is the URL host')
  t.ok(at('/rebind')[0]!.signatureOk)
  t.same(forbidden, [], 'no connection to the address the name resolved to afterwards')
  t.same(asked, ['hooks.example.test', 'hooks.example.test'], 'resolved once for the attempt')

  // Now the name resolves to the forbidden address first (the rebinding happened before the check):
  // refused, and dead at once (a refused destination is not retried).
  answers = [['127.0.0.2'], ['127.0.0.1']]
  await createWindow()
  await svc.webhooks.runOnce(ctx.clock.now())
  const log = await svc.webhooks.deliveries(s.id, opsActor, { limit: 10, state: 'dead' })
  t.equal(log.length, 1)
  t.match(log[0]!.attempts, [
    {
      ok: false,
      statusCode: null,
      error: /^not sent: hooks\.example\.test resolves to 127\.0\.0\.2 \(loopback, 127\.0\.0\.0\/8\): not allowed/,
    },
  ])
  t.match(log[0]!.deadReason, /refused by the egress guard: not retried/)
  t.same(forbidden, [], 'refused before connecting')

  // One answer holding an allowed and a forbidden address: refused as a whole, nothing connects.
  answers = [['127.0.0.1', '127.0.0.2']]
  await createWindow()
  ctx.clock.advance(3_600_000)
  await svc.webhooks.runOnce(ctx.clock.now())
  const again = await svc.webhooks.deliveries(s.id, opsActor, { limit: 10, state: 'dead' })
  t.equal(again.length, 2)
  t.match(again[0]!.attempts, [{ ok: false, error: /resolves to 127\.0\.0\.1, 127\.0\.0\.2|resolves to 127\.0\.0\.2 \(loopback/ }])
  t.equal(at('/rebind').length, 1)
  t.same(forbidden, [])
  t.equal(asked.length, 4, 'one resolution per attempt')
  ctx.clock.advance(24 * 3_600_000)
  t.equal((await svc.webhooks.runOnce(ctx.clock.now())).attempted, 0, 'nothing refused is tried again')
})

t.test('a listed host name never lifts the address check: a name resolving to loopback is refused (DNS rebinding)', async (t) => {
  const svc = createServices({
    db: ctx.db,
    clock: ctx.clock,
    maxWindowHours: 72,
    webhooks: { allowedHosts: ['hooks.example.com'], resolve, secretsKeys: [TEST_SECRETS_KEY] },
  })
  const url = `http://hooks.example.com:${port}/listed`
  // Resolving to loopback now: refused at subscription, for an admin too.
  dns.set('hooks.example.com', ['127.0.0.1'])
  t.match(await rejection(svc.webhooks.create({ url, events: ['window.proposed'] }, opsActor)), {
    status: 400,
    extra: { errors: [{ pointer: '/url', message: /hooks\.example\.com resolves to 127\.0\.0\.1 \(loopback/ }] },
  })
  // A name not listed is refused whatever it resolves to.
  dns.set('other.example.com', ['93.184.215.14'])
  t.match(await rejection(svc.webhooks.create({ url: 'https://other.example.com/h', events: ['window.proposed'] }, opsActor)), {
    status: 400,
    extra: { errors: [{ pointer: '/url', message: /other\.example\.com is not one of the host names in WEBHOOK_ALLOWED_HOSTS/ }] },
  })
  // Public when subscribed, loopback when delivered: refused at the attempt, nothing reaches the receiver.
  dns.set('hooks.example.com', ['93.184.215.14'])
  const s = await svc.webhooks.create({ url, events: ['window.proposed'] }, opsActor)
  secrets.set('/listed', s.secret)
  dns.set('hooks.example.com', ['127.0.0.1'])
  await createWindow()
  const r = await svc.webhooks.runOnce(ctx.clock.now())
  t.match(r, { attempted: 1, delivered: 0, failed: 1 })
  t.same(at('/listed'), [], 'the local receiver got nothing')
  const [d] = await svc.webhooks.deliveries(s.id, opsActor, { limit: 5 })
  t.equal(d!.state, 'dead', 'not retried')
  t.match(d!.attempts, [
    { ok: false, statusCode: null, responseExcerpt: null, error: /hooks\.example\.com resolves to 127\.0\.0\.1 \(loopback/ },
  ])
})

t.test('by default only public addresses: every non-public range and numeric spelling is refused at subscription', async (t) => {
  // The default policy (nothing opened), as a service without WEBHOOK_ALLOWED_HOSTS runs.
  const svc = createServices({ db: ctx.db, clock: ctx.clock, maxWindowHours: 72, webhooks: { resolve, secretsKeys: [TEST_SECRETS_KEY] } })
  const refused: [string, RegExp][] = [
    ['127.0.0.1', /loopback/],
    ['[::1]', /loopback/],
    ['10.0.0.1', /private, 10\.0\.0\.0\/8/],
    ['172.16.0.1', /private/],
    ['192.168.0.1', /private/],
    ['[fd00::1]', /private, fc00::\/7/],
    ['169.254.169.254', /link-local/],
    ['[fe80::1]', /link-local/],
    ['100.64.0.1', /CGNAT/],
    ['224.0.0.1', /multicast/],
    ['[ff02::1]', /multicast/],
    ['0.0.0.0', /unspecified/],
    ['[::]', /unspecified/],
    ['192.0.2.10', /documentation/],
    ['198.18.0.1', /benchmarking/],
    ['240.0.0.1', /reserved/],
    ['[::ffff:127.0.0.1]', /loopback, 127\.0\.0\.0\/8 \(IPv4-mapped\)/],
    ['[::ffff:169.254.169.254]', /link-local/],
    // numeric spellings of 127.0.0.1, normalised by URL parsing before the check
    ['2130706433', /^127\.0\.0\.1 \(loopback/],
    ['0x7f.1', /^127\.0\.0\.1 \(loopback/],
    ['0177.0.0.1', /^127\.0\.0\.1 \(loopback/],
    ['127.1', /^127\.0\.0\.1 \(loopback/],
    ['0x7f000001', /^127\.0\.0\.1 \(loopback/],
  ]
  for (const [host, why] of refused)
    t.match(
      await rejection(svc.webhooks.create({ url: `http://${host}:${port}/x`, events: ['window.proposed'] }, opsActor)),
      { status: 400, extra: { errors: [{ pointer: '/url', message: why }] } },
      `${host} refused, for an admin too`,
    )
  dns.set('localhost', ['127.0.0.1', '::1'])
  t.match(await rejection(svc.webhooks.create({ url: `http://localhost:${port}/x`, events: ['window.proposed'] }, opsActor)), {
    status: 400,
    extra: { errors: [{ pointer: '/url', message: /localhost resolves to 127\.0\.0\.1 \(loopback.*::1 \(loopback/ }] },
  })
  dns.set('hooks.example.org', ['93.184.215.14'])
  t.ok(
    await svc.webhooks.create({ url: 'https://hooks.example.org/h', events: ['window.proposed'] }, opsActor),
    'a public name is accepted',
  )
  t.ok(await svc.webhooks.create({ url: 'https://8.8.8.8/h', events: ['window.proposed'] }, opsActor), 'a public address is accepted')
  const pending = await svc.webhooks.create({ url: 'https://not-yet.example.org/h', events: ['window.proposed'] }, opsActor)
  t.ok(pending, 'a name that does not resolve yet is accepted (each attempt checks it)')
  // Refused again at the attempt, here when the name resolves by then to a metadata address.
  dns.set('not-yet.example.org', ['169.254.169.254'])
  await createWindow()
  await svc.webhooks.runOnce(ctx.clock.now())
  const [d] = await svc.webhooks.deliveries(pending.id, opsActor, { limit: 5 })
  t.match(d, { state: 'dead', attempts: [{ ok: false, error: /169\.254\.169\.254 \(link-local/ }] })
  // A name that still does not resolve is a failure retried as usual, not a refusal.
  const lost = await svc.webhooks.create({ url: 'https://lost.example.org/h', events: ['window.proposed'] }, opsActor)
  await createWindow()
  await svc.webhooks.runOnce(ctx.clock.now())
  const [l] = await svc.webhooks.deliveries(lost.id, opsActor, { limit: 5 })
  t.match(l, { state: 'pending', attempts: [{ ok: false, error: /cannot resolve lost\.example\.org: .*ENOTFOUND/ }] })
})

t.test('an opened range (loopback): only admins may point a subscription there, and only admins read its answers', async (t) => {
  const refused = async (method: 'POST' | 'PATCH', url: string, headers: Record<string, string>, hook: string) => {
    const r = await app.inject({
      method,
      url,
      headers,
      payload: { url: hook, ...(method === 'POST' ? { events: ['window.proposed'] } : {}) },
    })
    t.equal(r.statusCode, 403, `${method} ${hook} by a non-admin → 403`)
    t.match(r.headers['content-type'], /problem\+json/)
    t.match(r.json(), { code: 'forbidden', errors: [{ pointer: '/url', in: 'body', message: /only an admin may point a webhook/ }] })
  }
  for (const key of [dsp, viewer, reviewer])
    for (const host of ['127.0.0.1', '2130706433', '0x7f.1', '[::ffff:127.0.0.1]', '[::1]'])
      await refused('POST', '/v1/webhooks', key, `http://${host}:${port}/mine`)
  dns.set('dev.example.test', ['127.0.0.1'])
  await refused('POST', '/v1/webhooks', viewer, `http://dev.example.test:${port}/mine`)
  t.equal(await count('webhook_subscriptions'), 0, 'nothing stored')
  // Other ranges stay closed, for admins too.
  const closed = await app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: ctx.admin,
    payload: { url: 'http://10.0.0.1/h', events: ['window.proposed'] },
  })
  t.equal(closed.statusCode, 400)
  t.match(closed.json().errors, [
    { pointer: '/url', message: /10\.0\.0\.1 \(private, 10\.0\.0\.0\/8\): not allowed by WEBHOOK_ALLOWED_HOSTS/ },
  ])

  // A submitter's subscription to a name that does not resolve yet is accepted; moving it to the
  // receiver on loopback is for an admin.
  const mine = await app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: dsp,
    payload: { url: 'https://hooks.dsp.example.test/x', events: ['window.proposed'] },
  })
  t.equal(mine.statusCode, 201, mine.body)
  const id = mine.json().id as string
  await refused('PATCH', `/v1/webhooks/${id}`, dsp, `http://127.0.0.1:${port}/dsp`)
  const moved = await app.inject({
    method: 'PATCH',
    url: `/v1/webhooks/${id}`,
    headers: ctx.admin,
    payload: { url: `http://127.0.0.1:${port}/dsp` },
  })
  t.equal(moved.statusCode, 200, moved.body)
  mode = 'fail' // the receiver answers 503 "down for maintenance"
  const w = await createWindow()
  await run()
  const owners = (await app.inject({ url: `/v1/webhooks/${id}/deliveries`, headers: dsp })).json().items
  t.match(owners[0].attempts[0], { statusCode: 503, ok: false, responseExcerpt: null }, 'the owner sees the status, not the answer')
  t.notOk('nonPublic' in owners[0].attempts[0], 'the internal mark is not shown')
  const admins = (await app.inject({ url: `/v1/webhooks/${id}/deliveries`, headers: ctx.admin })).json().items
  t.match(admins[0].attempts[0], { statusCode: 503, responseExcerpt: 'down for maintenance' }, 'an admin reads it')
  const notices = async (headers: Record<string, string>) =>
    (await app.inject({ url: `/v1/windows/${w.id}/notices`, headers })).json().items[0].attempts[0]
  t.match(await notices(viewer), { statusCode: 503, responseExcerpt: null }, 'nor does anyone else through the notices')
  t.match(await notices(ctx.admin), { responseExcerpt: 'down for maintenance' })
  // Public receivers' answers stay readable by their owners (the mark says public).
  await ctx.db
    .updateTable('webhook_deliveries')
    .set({ attempts: JSON.stringify([{ ...admins[0].attempts[0], nonPublic: false }]) })
    .where('id', '=', admins[0].id)
    .execute()
  const publicOnes = (await app.inject({ url: `/v1/webhooks/${id}/deliveries`, headers: dsp })).json().items
  t.match(publicOnes[0].attempts[0], { responseExcerpt: 'down for maintenance' })
})

t.test(
  'signing secrets are sealed at rest; clear-text rows still sign and are sealed at start; a wrong key is a clear error',
  async (t) => {
    const s = await subscribe(ops, '/all', { events: ['window.proposed'] })
    const row = await ctx.db.selectFrom('webhook_subscriptions').select('secret').where('id', '=', s.id).executeTakeFirstOrThrow()
    t.notOk(row.secret.includes(s.secret.slice('whsec_'.length)), 'the column does not hold the secret')
    t.notOk(row.secret.includes('whsec_'))
    t.match(row.secret, /^mwp:v1:[0-9a-f]{16}:/, 'sealed, naming its key')
    t.equal(createKeyring([TEST_SECRETS_KEY]).open(row.secret, `webhook-subscription:${s.id}`), s.secret, 'it opens with the key')
    const other = (await ctx.db.selectFrom('webhook_subscriptions').select('secret').where('id', '=', s.id).executeTakeFirstOrThrow())
      .secret
    t.not(
      createKeyring([TEST_SECRETS_KEY]).seal(s.secret, `webhook-subscription:${s.id}`),
      other,
      'a random IV per sealing: the same secret seals differently',
    )
    await createWindow()
    await run()
    t.equal(at('/all').length, 1)
    t.ok(at('/all')[0]!.signatureOk, 'the delivery verifies with the Standard Webhooks algorithm')

    // An instance with another key: the delivery is not sent, and the log says why.
    const wrongKey = Buffer.alloc(32, 'another key')
    const wrong = createServices({
      db: ctx.db,
      clock: ctx.clock,
      maxWindowHours: 72,
      webhooks: { allowedHosts: LOOPBACK, secretsKeys: [wrongKey] },
    })
    await createWindow()
    await wrong.webhooks.runOnce(ctx.clock.now())
    t.equal(at('/all').length, 1, 'nothing sent with a wrong key (no garbage signature)')
    const log = await ctx.services.webhooks.deliveries(s.id, opsActor, { limit: 5, state: 'pending' })
    t.match(log[0]!.attempts[0], {
      ok: false,
      statusCode: null,
      error: /signing secret cannot be opened: it was sealed with key [0-9a-f]{16}, which is not in SECRETS_KEY/,
    })
    // Rotation: the new key first, the old one after; the start re-seals with the new key.
    const rotated = createServices({
      db: ctx.db,
      clock: ctx.clock,
      maxWindowHours: 72,
      webhooks: { allowedHosts: LOOPBACK, secretsKeys: [wrongKey, TEST_SECRETS_KEY] },
    })
    t.match(await rotated.webhooks.sealStoredSecrets(), { resealed: 1, sealed: 0, unreadable: 0 })
    ctx.clock.advance(3_600_000)
    await rotated.webhooks.runOnce(ctx.clock.now())
    t.equal(at('/all').length, 2, 'delivered by the instance with the rotated keyring')
    t.ok(at('/all')[1]!.signatureOk)
    t.match((await wrong.webhooks.sealStoredSecrets()).resealed, 0)

    // A row from before secrets were sealed (clear text) still signs, and the start seals it.
    const legacy = `whsec_${Buffer.alloc(32, 'legacy').toString('base64')}`
    await ctx.db.updateTable('webhook_subscriptions').set({ secret: legacy }).where('id', '=', s.id).execute()
    secrets.set('/all', legacy)
    await createWindow()
    await ctx.services.webhooks.runOnce(ctx.clock.now())
    t.equal(at('/all').length, 3)
    t.ok(at('/all')[2]!.signatureOk, 'a clear-text secret still signs')
    t.match(await ctx.services.webhooks.sealStoredSecrets(), { sealed: 1 })
    const sealed = (await ctx.db.selectFrom('webhook_subscriptions').select('secret').where('id', '=', s.id).executeTakeFirstOrThrow())
      .secret
    t.notOk(sealed.includes(legacy.slice('whsec_'.length)), 'sealed at start')
    await createWindow()
    await run()
    t.equal(at('/all').length, 4)
    t.ok(at('/all')[3]!.signatureOk, 'and signs the same after sealing')

    // A sealed value moved to another row does not open there.
    const s2 = await subscribe(ops, '/moved', { events: ['window.proposed'] })
    await ctx.db.updateTable('webhook_subscriptions').set({ secret: sealed }).where('id', '=', s2.id).execute()
    await createWindow()
    await run()
    t.equal(at('/moved').length, 0)
    const moved = await ctx.services.webhooks.deliveries(s2.id, opsActor, { limit: 5 })
    t.match(moved[0]!.attempts[0], { ok: false, error: /does not authenticate/ })

    // A server without SECRETS_KEY refuses new subscriptions with a problem naming the setting.
    const keyless = createServices({ db: ctx.db, clock: ctx.clock, maxWindowHours: 72 })
    await t.rejects(keyless.webhooks.create({ url: `http://127.0.0.1:${port}/x`, events: ['window.proposed'] }, opsActor), {
      code: 'secrets-key-missing',
      status: 503,
      detail: /SECRETS_KEY/,
    })
  },
)

t.test('an admin delivers to a local receiver in an opened range; test events and bulk replay', async (t) => {
  const outside = await app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: ops,
    payload: { url: 'http://192.0.2.10/hook', events: ['window.proposed'] },
  })
  t.equal(outside.statusCode, 400, 'a documentation address is refused at subscription')
  t.match(outside.json().errors, [{ pointer: '/url', message: /192\.0\.2\.10 \(documentation/ }])
  await createWindow()
  await run()

  const s = await subscribe(ops, '/all')
  const test = await app.inject({ method: 'POST', url: `/v1/webhooks/${s.id}/test`, headers: ops })
  t.equal(test.statusCode, 202, test.body)
  await run()
  t.same(
    at('/all').map((x) => x.event.type),
    ['webhook.test'],
    'the window created before the subscription is not sent; the test event is',
  )
  t.ok(at('/all')[0]!.signatureOk)
  const replay = await app.inject({
    method: 'POST',
    url: `/v1/webhooks/${s.id}/replay`,
    headers: ops,
    payload: { from: '2021-10-01T00:00:00Z' },
  })
  t.equal(replay.statusCode, 202, replay.body)
  t.same(replay.json(), { queued: 1 })
  await run()
  t.same(
    at('/all').map((x) => x.event.type),
    ['webhook.test', 'window.proposed'],
  )
  t.equal(
    (await app.inject({ method: 'POST', url: `/v1/webhooks/${s.id}/replay`, headers: cspn, payload: { from: '2021-10-01T00:00:00Z' } }))
      .statusCode,
    404,
  )
  t.equal(
    (await app.inject({ method: 'POST', url: `/v1/webhooks/${s.id}/replay`, headers: ops, payload: { from: 'yesterday' } })).statusCode,
    400,
  )
})

t.test('the compliance report shows when each subscriber acknowledged a window’s notice, as of asOf', async (t) => {
  // Owned by keys of parties (the report names them), so by names resolving to the receiver only later.
  await subscribeByName(dsp, '/all')
  await subscribeByName(reviewer, '/opsg', { events: ['window.proposed', 'schedule.published'] })
  await subscribeByName(viewer, '/cancellations', { events: ['window.cancelled'] })
  failing.add('/opsg')
  const w = await createWindow({ start: '2022-05-15T00:00:00+01:00', end: '2022-05-15T04:00:00+01:00' })
  const other = await createWindow({ start: '2022-05-20T00:00:00+01:00', end: '2022-05-20T04:00:00+01:00' })
  await run() // 09:00: DSP acknowledges both; OPSG's receiver is down
  ctx.clock.set('2021-10-01T10:00:00Z')
  failing.clear()
  await run() // 10:00: OPSG acknowledges
  t.equal(at('/opsg').length, 2)
  const PERIOD = `from=${encodeURIComponent('2022-05-01T00:00:00+01:00')}&to=${encodeURIComponent('2022-06-01T00:00:00+01:00')}`
  const report = async (extra = '', format = 'json') =>
    app.inject({ url: `/v1/reports/compliance?${PERIOD}${extra}&format=${format}`, headers: viewer })
  const now = (await report()).json()
  const row = now.windows.find((x: { id: string }) => x.id === w.id)
  t.same(
    row.notices.map((n: Record<string, unknown>) => [n.parties, n.event, n.firstSentAt, n.acknowledgedAt]),
    [
      [[], 'window.proposed', '2021-10-01T09:00:00.000Z', '2021-10-01T10:00:00.000Z'],
      [['DSP'], 'window.proposed', '2021-10-01T09:00:00.000Z', '2021-10-01T09:00:00.000Z'],
    ],
    'one row per subscription and notice event (by first sending, then owner); a subscription not asking for notice events is absent',
  )
  t.match(row.notices[0], { owner: /reviewer/, subscriptionId: /^[0-9a-f-]{36}$/ })
  t.equal(now.windows.find((x: { id: string }) => x.id === other.id).notices.length, 2, 'each window has its own notices')

  const asOf = `&asOf=${encodeURIComponent('2021-10-01T09:30:00Z')}`
  const then = (await report(asOf)).json()
  t.same(
    then.windows.find((x: { id: string }) => x.id === w.id).notices.map((n: Record<string, unknown>) => n.acknowledgedAt),
    [null, '2021-10-01T09:00:00.000Z'],
    'an acknowledgement after asOf is not shown',
  )
  const csv = (await report(asOf, 'csv')).body.replace(/^\uFEFF/, '').split('\r\n')
  const header = csv[0]!.split(',')
  t.equal(header.at(-1), 'acknowledged_by')
  const line = csv.find((l) => l.startsWith(w.id))!
  t.ok(line.endsWith(',DSP@2021-10-01T09:00:00.000Z'), line.slice(-80))
  const csvNow = (await report('', 'csv')).body.split('\r\n').find((l) => l.startsWith(w.id))!
  t.match(csvNow, /,"?DSP@2021-10-01T09:00:00\.000Z;reviewer[^@]*@2021-10-01T10:00:00\.000Z"?$/)
  const html = (await report(asOf, 'html')).body
  t.match(html, /Notice acknowledged/)
  t.match(html, /DSP <span class="small">window\.proposed<\/span>: acknowledged 2021-10-01 10:00 BST/)
  t.match(html, /not acknowledged<\/span> \(sent 2021-10-01 10:00 BST\)/)

  // Publication is a notice too: sent and acknowledged after the window's proposal.
  const pub = await app.inject({ method: 'POST', url: '/v1/schedules/2022-05/publish', headers: dsp, payload: {} })
  t.equal(pub.statusCode, 200, pub.body)
  ctx.clock.set('2021-10-01T11:00:00Z')
  await run()
  const after = (await report()).json().windows.find((x: { id: string }) => x.id === w.id)
  t.same(
    after.notices
      .filter((n: { event: string }) => n.event === 'schedule.published')
      .map((n: { acknowledgedAt: string }) => n.acknowledgedAt),
    ['2021-10-01T11:00:00.000Z', '2021-10-01T11:00:00.000Z'],
  )
})
