import type { AddressInfo } from 'node:net'
import t from 'tap'
import { openEvents, type SseStream } from '../helpers/sse.ts'
import { aWindow, buildTestApp } from '../helpers/test-app.ts'

// GET /v1/events over real HTTP (a stream cannot be injected): what each key hears, heartbeats,
// Last-Event-ID, the per-key cap, and a clean close with streams open.

// A subscription needs a public address: the test's DNS answers one for hooks.example.com (nothing is sent).
const resolve = async () => [{ address: '93.184.215.14', family: 4 }]
const ctx = await buildTestApp(t, { webhooks: { resolve } })
const { app } = ctx
await app.listen({ port: 0, host: '127.0.0.1' })
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
const dsp = await ctx.keyFor('submitter', ['DSP'])
const cspn = await ctx.keyFor('submitter', ['CSP-N'])
const viewer = await ctx.keyFor('viewer')
const reviewer = await ctx.keyFor('reviewer')

const streams: SseStream[] = []
t.teardown(() => {
  for (const s of streams) s.close()
})
const open = async (headers: Record<string, string>, extra: Record<string, string> = {}) => {
  const s = await openEvents(base, headers, extra)
  streams.push(s)
  return s
}

t.test('401 without a key, problem+json', async (t) => {
  const res = await app.inject({ url: '/v1/events' })
  t.equal(res.statusCode, 401)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  const s = await open({ authorization: 'Bearer not-a-key-of-this-service' })
  t.equal(s.status, 401, 'over HTTP too')
})

t.test('a window created, edited and moved on is heard with its id, party, version and status', async (t) => {
  const s = await open(ctx.admin)
  t.equal(s.status, 200)
  t.equal(s.retry, 2000, 'retry: tells the client how long to wait before reconnecting')
  const created = await app.inject({ method: 'POST', url: '/v1/windows', headers: dsp, payload: aWindow({ status: 'draft' }) })
  t.equal(created.statusCode, 201)
  const id = created.json().id as string
  const e1 = await s.next((e) => e.event === 'windows' && (e.data as { id?: string }).id === id)
  t.match(e1.data, { op: 'insert', id, party: 'DSP', version: 1, status: 'draft' })
  t.match(e1.id, /^[0-9a-f]{8}-\d+$/, 'an id for Last-Event-ID')

  const patched = await app.inject({
    method: 'PATCH',
    url: `/v1/windows/${id}`,
    headers: { ...dsp, 'if-match': '"1"', 'content-type': 'application/merge-patch+json' },
    payload: { title: 'Renamed' },
  })
  t.equal(patched.statusCode, 200)
  const e2 = await s.next((e) => e.event === 'windows' && (e.data as { version?: number }).version === 2)
  t.match(e2.data, { op: 'update', id, party: 'DSP', status: 'draft' })

  const proposed = await app.inject({
    method: 'POST',
    url: `/v1/windows/${id}/status`,
    headers: dsp,
    payload: { to: 'proposed', reason: 'ready for OPSG' },
  })
  t.equal(proposed.statusCode, 200)
  const e3 = await s.next((e) => e.event === 'windows' && (e.data as { status?: string }).status === 'proposed')
  t.match(e3.data, { op: 'update', id, party: 'DSP', version: 3 })
  t.equal(s.events.filter((e) => e.event === 'windows').length, 3, 'each change once (not once per listening connection)')
})

t.test('each key hears only what it may read', async (t) => {
  const admin = await open(ctx.admin)
  const asViewer = await open(viewer)
  const asReviewer = await open(reviewer)
  const asDsp = await open(dsp)
  const asCspn = await open(cspn)

  // Windows are read by every role (GET /v1/windows): every stream hears a DSP window.
  const created = await app.inject({ method: 'POST', url: '/v1/windows', headers: dsp, payload: aWindow({ reference: 'DSP-EV-2' }) })
  const id = created.json().id as string
  for (const [name, s] of [
    ['admin', admin],
    ['viewer', asViewer],
    ['reviewer', asReviewer],
    ['DSP submitter', asDsp],
    ['CSP-N submitter', asCspn],
  ] as const)
    t.ok(await s.next((e) => e.event === 'windows' && (e.data as { id?: string }).id === id), `${name} hears the window`)

  // Keys are admin-only (GET /v1/keys).
  const key = await app.inject({ method: 'POST', url: '/v1/keys', headers: ctx.admin, payload: { name: 'new viewer', role: 'viewer' } })
  t.equal(key.statusCode, 201)
  t.ok(await admin.next((e) => e.event === 'keys'), 'the admin hears the new key')

  // A webhook subscription is read by its owner and admins only.
  const hook = await app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: dsp,
    payload: { url: 'https://hooks.example.com/dsp', events: ['window.proposed'] },
  })
  t.equal(hook.statusCode, 201, hook.body)
  const hookId = hook.json().id as string
  t.ok(await asDsp.next((e) => e.event === 'webhooks' && (e.data as { id?: string }).id === hookId), 'the owner hears it')
  t.ok(await admin.next((e) => e.event === 'webhooks' && (e.data as { id?: string }).id === hookId), 'an admin hears it')
  t.notOk('ownerKeyId' in (admin.events.find((e) => e.event === 'webhooks')!.data as object), 'the owner key id is not sent')

  // A last window change, heard by all: whatever the others were to hear has arrived before it.
  const cancelled = await app.inject({
    method: 'POST',
    url: `/v1/windows/${id}/status`,
    headers: dsp,
    payload: { to: 'cancelled', reason: 'done' },
  })
  t.equal(cancelled.statusCode, 200)
  for (const s of [asViewer, asReviewer, asCspn])
    await s.next((e) => e.event === 'windows' && (e.data as { version?: number }).version === 2)
  t.same(
    asViewer.events.filter((e) => e.event === 'keys' || e.event === 'webhooks'),
    [],
    'the viewer heard neither the key nor the subscription',
  )
  t.same(
    asReviewer.events.filter((e) => e.event === 'keys' || e.event === 'webhooks'),
    [],
    'nor did the reviewer',
  )
  t.same(
    asCspn.events.filter((e) => e.event === 'keys' || e.event === 'webhooks'),
    [],
    'nor did another party’s submitter',
  )
  t.same(
    asDsp.events.filter((e) => e.event === 'keys'),
    [],
    'the DSP submitter did not hear the key',
  )
})

t.test('a heartbeat comment keeps an idle stream open', async (t) => {
  ctx.services.events.settings.heartbeatMs = 50
  t.teardown(() => {
    ctx.services.events.settings.heartbeatMs = 15_000
  })
  const s = await open(viewer)
  const deadline = Date.now() + 5000
  while (!s.comments.includes('heartbeat') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  t.ok(s.comments.includes('heartbeat'), 'a ": heartbeat" line arrived')
  t.equal(s.events.length, 0, 'and no event')
})

t.test('a key revoked while its stream is open stops hearing at the next heartbeat', async (t) => {
  ctx.services.events.settings.heartbeatMs = 50
  t.teardown(() => {
    ctx.services.events.settings.heartbeatMs = 15_000
  })
  const key = await ctx.keyFor('viewer')
  const s = await open(key)
  t.equal(s.status, 200)
  const revoked = await app.inject({ method: 'DELETE', url: `/v1/keys/${key.keyId}`, headers: ctx.admin })
  t.equal(revoked.statusCode, 204, 'revoked')
  const ended = await Promise.race([s.ended.then(() => true), new Promise((r) => setTimeout(() => r(false), 10_000))])
  t.ok(ended, 'the server ended the stream')
  const other = await open(await ctx.keyFor('viewer'))
  t.equal(other.status, 200, 'another key still streams')
  other.close()
})

t.test('Last-Event-ID: what was missed is sent on reconnecting; an id no longer held gives stale', async (t) => {
  const first = await open(viewer)
  const a = await app.inject({ method: 'POST', url: '/v1/windows', headers: dsp, payload: aWindow({ reference: 'DSP-EV-3' }) })
  const seen = await first.next((e) => e.event === 'windows' && (e.data as { id?: string }).id === a.json().id)
  first.close()
  const b = await app.inject({ method: 'POST', url: '/v1/windows', headers: dsp, payload: aWindow({ reference: 'DSP-EV-4' }) })
  const again = await open(viewer, { 'last-event-id': seen.id! })
  const missed = await again.next((e) => e.event === 'windows')
  t.equal((missed.data as { id?: string }).id, b.json().id, 'the missed window first')
  t.notOk(
    again.events.some((e) => (e.data as { id?: string }).id === a.json().id),
    'not the one already seen',
  )
  const unknown = await open(viewer, { 'last-event-id': 'feedbeef-1' })
  t.ok(await unknown.next((e) => e.event === 'stale'), 'an id from another instance (or too old): stale, reload everything')
})

t.test('one key may hold 5 streams on an instance; the 6th is refused with 429', async (t) => {
  const key = await ctx.keyFor('viewer')
  const five = await Promise.all([1, 2, 3, 4, 5].map(() => open(key)))
  t.same(
    five.map((s) => s.status),
    [200, 200, 200, 200, 200],
  )
  const sixth = await app.inject({ url: '/v1/events', headers: key })
  t.equal(sixth.statusCode, 429)
  t.match(sixth.json(), { title: 'Too many open event streams' })
  t.equal(sixth.headers['retry-after'], '10')
  t.equal((await open(viewer)).status, 200, 'another key is not affected')
  five[0]!.close()
  await five[0]!.ended
  let status = 429
  for (let i = 0; i < 50 && status === 429; i++) {
    const s = await open(key)
    status = s.status
    if (status === 429) await new Promise((r) => setTimeout(r, 20))
  }
  t.equal(status, 200, 'a closed stream frees its place')
})

t.test('closing the instance ends open streams at once (graceful shutdown does not hang)', async (t) => {
  const other = await buildTestApp(t)
  await other.app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(other.app.server.address() as AddressInfo).port}`
  const s1 = await openEvents(url, other.admin)
  const s2 = await openEvents(url, other.admin)
  t.equal(s1.status, 200)
  await other.app.close()
  await Promise.all([s1.ended, s2.ended])
  t.pass('app.close() returned and both streams ended')
  const refused = await fetch(`${url}/v1/events`, { headers: other.admin }).catch((e: Error) => e)
  t.ok(refused instanceof Error, 'no longer listening')
})
