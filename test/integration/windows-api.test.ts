import t from 'tap'
import { requestHashOf } from '../../src/http/idempotency.ts'
import { WindowCreate } from '../../src/http/schemas/windows.ts'
import { aWindow, buildTestApp } from '../helpers/test-app.ts'

const ctx = await buildTestApp(t)
const { app } = ctx
const dsp = await ctx.keyFor('submitter', ['DSP'])
const cspN = await ctx.keyFor('submitter', ['CSP-N'])
const viewer = await ctx.keyFor('viewer')

const post = (body: unknown, headers: Record<string, string> = dsp) =>
  app.inject({ method: 'POST', url: '/v1/windows', headers, payload: body as object })

t.beforeEach(() => ctx.reset())

t.test('create answers 201 with Location, ETag and UTC instants beside the zone', async (t) => {
  const res = await post(aWindow())
  t.equal(res.statusCode, 201, res.body)
  const w = res.json()
  t.equal(res.headers.location, `http://mwp.test/v1/windows/${w.id}`)
  t.equal(res.headers.etag, '"1"')
  t.equal(w.start, '2022-05-14T23:00:00.000Z')
  t.equal(w.end, '2022-05-15T05:00:00.000Z')
  t.equal(w.startLocal, '2022-05-15T00:00:00+01:00[Europe/London]')
  t.equal(w.status, 'proposed')
  t.equal(w.durationMinutes, 360)
  t.same(w.services, ['service-requests', 'prepayment-top-up'])
  t.ok(w.assessment, 'the 201 answer carries the stored assessment')
  const got = await app.inject({ url: `/v1/windows/${w.id}`, headers: viewer })
  t.equal(got.statusCode, 200)
  const { assessment: _a, ...plain } = w
  t.same(got.json(), plain)
  t.equal(got.headers.etag, '"1"')
})

t.test('regions default to the reach of the party', async (t) => {
  const { regions, ...body } = aWindow({ party: 'CSP-N', reference: 'CSPN-1' })
  t.ok(regions)
  const res = await post(body, cspN)
  t.equal(res.statusCode, 201, res.body)
  t.same(res.json().regions, ['N'])
})

t.test('a window across the October clock change keeps its instants', async (t) => {
  const res = await post(aWindow({ start: '2021-10-31T00:00:00+01:00', end: '2021-10-31T06:00:00+00:00' }))
  t.equal(res.statusCode, 201, res.body)
  const w = res.json()
  t.equal(w.start, '2021-10-30T23:00:00.000Z')
  t.equal(w.end, '2021-10-31T06:00:00.000Z')
  t.equal(w.durationMinutes, 420)
  t.equal(w.startLocal, '2021-10-31T00:00:00+01:00[Europe/London]')
  t.equal(w.endLocal, '2021-10-31T06:00:00+00:00[Europe/London]')
  const again = (await app.inject({ url: `/v1/windows/${w.id}`, headers: viewer })).json()
  t.equal(again.start, w.start)
  t.equal(again.end, w.end)
})

t.test('bad input is a problem+json naming the field, and nothing is written', async (t) => {
  const cases: [string, Record<string, unknown>, string, number][] = [
    ['no offset', aWindow({ start: '2022-05-15T00:00:00' }), '/start', 400],
    ['unknown zone', aWindow({ zone: 'Europe/Londn' }), '/zone', 400],
    ['unknown field', aWindow({ colour: 'red' }), '/colour', 400],
    ['wrong type', aWindow({ services: 'service-requests' }), '/services', 400],
    ['unknown party', aWindow({ party: 'XYZ' }), '/party', 400],
    ['unknown service', aWindow({ services: ['nope'] }), '/services/0', 400],
    ['unknown region', aWindow({ regions: ['N', 'Q'] }), '/regions/1', 400],
    ['end before start', aWindow({ end: '2022-05-14T23:00:00Z' }), '/end', 400],
    ['end equals start', aWindow({ end: '2022-05-15T00:00:00+01:00' }), '/end', 400],
    ['too long', aWindow({ end: '2022-05-19T00:00:00+01:00' }), '/end', 400],
    ['bad impact', aWindow({ impact: 'catastrophic' }), '/impact', 400],
    ['emergency without justification', aWindow({ kind: 'emergency' }), '/justification', 400],
    ['empty title', aWindow({ title: '' }), '/title', 400],
    ['year 9999', aWindow({ start: '9999-01-01T00:00:00Z', end: '9999-01-01T01:00:00Z' }), '/start', 400],
  ]
  for (const [name, body, pointer, status] of cases) {
    const res = await post(body)
    t.equal(res.statusCode, status, `${name}: ${res.body}`)
    t.match(res.headers['content-type'], /application\/problem\+json/, name)
    const p = res.json()
    t.equal(p.status, status, name)
    t.type(p.detail, 'string', name)
    t.match(p.type, /^http:\/\/mwp\.test\/problems\//, name)
    if (status === 400)
      t.ok(
        p.errors.some((e: { pointer: string }) => e.pointer === pointer),
        `${name} names ${pointer}: ${JSON.stringify(p.errors)}`,
      )
  }
  // A submitter naming a party that does not exist is told so (a typo), not refused as a permission.
  const typo = (await post(aWindow({ party: 'ACME' }))).json()
  t.match(typo.errors[0], { pointer: '/party', message: /^unknown party "ACME"; known: [A-Z, -]*\bCSP-N, [A-Z, -]*\bDSP\b/ })
  const notMine = await post(aWindow({ party: 'CSP-N', regions: ['N'] }))
  t.equal(notMine.statusCode, 403, 'a known party the key does not plan for stays 403')
  t.match(
    notMine.json().detail,
    'This key may not plan windows for CSP-N (it plans for DSP): use a submitter key for CSP-N, or an admin key.',
  )
  const admin = await app.inject({ method: 'POST', url: '/v1/windows', headers: ctx.admin, payload: aWindow({ party: 'XYZ' }) })
  t.equal(admin.statusCode, 400)
  t.equal(admin.json().errors[0].pointer, '/party')
  const list = await app.inject({ url: '/v1/windows', headers: viewer })
  t.equal(list.json().items.length, 0, 'nothing written')
  const versions = await ctx.db.selectFrom('window_versions').selectAll().execute()
  t.equal(versions.length, 0, 'no half-written history')
})

t.test('malformed JSON, wrong content type and oversized bodies', async (t) => {
  const bad = await app.inject({
    method: 'POST',
    url: '/v1/windows',
    headers: { ...dsp, 'content-type': 'application/json' },
    payload: '{"reference": ',
  })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().code, 'malformed-json')
  const ct = await app.inject({ method: 'POST', url: '/v1/windows', headers: { ...dsp, 'content-type': 'text/plain' }, payload: 'hello' })
  t.equal(ct.statusCode, 415)
  t.equal(ct.json().code, 'unsupported-media-type')
  const big = await app.inject({
    method: 'POST',
    url: '/v1/windows',
    headers: { ...dsp, 'content-type': 'application/json' },
    payload: JSON.stringify(aWindow({ description: 'x'.repeat(2_000_000) })),
  })
  t.equal(big.statusCode, 413)
  t.equal(big.json().code, 'payload-too-large')
  const unknownId = await app.inject({ url: '/v1/windows/6f1c0f49-3f83-4e4c-9d59-2c1a4a1c0e4d', headers: viewer })
  t.equal(unknownId.statusCode, 404)
  const badId = await app.inject({ url: '/v1/windows/not-a-uuid', headers: viewer })
  t.equal(badId.statusCode, 400)
  t.equal(badId.json().errors[0].pointer, '/id')
})

t.test('duplicate reference for the same party is 409; another party may reuse it', async (t) => {
  t.equal((await post(aWindow())).statusCode, 201)
  const dup = await post(aWindow())
  t.equal(dup.statusCode, 409)
  t.equal(dup.json().code, 'duplicate-reference')
  t.equal((await post(aWindow({ party: 'CSP-N', regions: ['N'] }), cspN)).statusCode, 201)
})

t.test('list filters on overlap, party, status, services and regions, and pages with Link', async (t) => {
  for (let i = 0; i < 5; i++) {
    const day = String(1 + i * 7).padStart(2, '0')
    const r = await post(
      aWindow({
        reference: `DSP-${i}`,
        start: `2022-05-${day}T00:00:00+01:00`,
        end: `2022-05-${day}T06:00:00+01:00`,
        services: i % 2 ? ['alerts'] : ['service-requests'],
      }),
    )
    t.equal(r.statusCode, 201)
  }
  t.equal(
    (
      await post(
        aWindow({ party: 'CSP-N', reference: 'N-1', regions: ['N'], start: '2022-05-02T00:00:00+01:00', end: '2022-05-02T04:00:00+01:00' }),
        cspN,
      )
    ).statusCode,
    201,
  )
  const q = async (qs: string) => {
    const r = await app.inject({ url: `/v1/windows?${qs}`, headers: viewer })
    t.equal(r.statusCode, 200, qs)
    return r
  }
  t.equal((await q('')).json().items.length, 6)
  t.same(
    (await q('party=CSP-N')).json().items.map((w: { reference: string }) => w.reference),
    ['N-1'],
  )
  t.equal((await q('party=DSP,CSP-N')).json().items.length, 6)
  t.equal((await q('services=alerts')).json().items.length, 2)
  t.equal((await q('regions=S')).json().items.length, 5)
  // [from, to) is half-open: a window ending exactly at `from` is outside
  const refs = async (qs: string) => (await q(qs)).json().items.map((w: { reference: string }) => w.reference)
  t.same(await refs('from=2022-05-08T05:00:00Z&to=2022-05-14T23:00:00Z'), [], 'touching both ends is outside')
  t.same(await refs('from=2022-05-08T04:59:00Z&to=2022-05-14T23:01:00Z'), ['DSP-1', 'DSP-2'])
  const empty = await app.inject({ url: '/v1/windows?from=2022-05-09T00:00:00Z&to=2022-05-08T00:00:00Z', headers: viewer })
  t.equal(empty.statusCode, 400)
  t.equal(empty.json().errors[0].pointer, '/to')
  const page1 = await q('limit=3')
  t.equal(page1.json().items.length, 3)
  t.match(page1.headers.link, /<http:\/\/mwp\.test\/v1\/windows\?limit=3&cursor=[^>]+>; rel="next"/)
  const seen = [...page1.json().items]
  let next: string | null = page1.json().next
  while (next) {
    const r = await q(next.split('?')[1]!)
    seen.push(...r.json().items)
    next = r.json().next
  }
  t.equal(seen.length, 6)
  t.equal(new Set(seen.map((w) => w.id)).size, 6, 'no window twice across pages')
  const bad = await app.inject({ url: '/v1/windows?cursor=garbage', headers: viewer })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().errors[0].pointer, '/cursor')
  const badStatus = await app.inject({ url: '/v1/windows?status=proposed,sleeping', headers: viewer })
  t.equal(badStatus.statusCode, 400)
  t.match(badStatus.json().errors[0].pointer, /^\/status/)
})

t.test('PATCH needs If-Match (428), rejects stale versions (412) and keeps history', async (t) => {
  const w = (await post(aWindow())).json()
  const patch = (body: object, headers: Record<string, string>) =>
    app.inject({
      method: 'PATCH',
      url: `/v1/windows/${w.id}`,
      headers: { ...dsp, 'content-type': 'application/merge-patch+json', ...headers },
      payload: JSON.stringify(body),
    })
  t.equal((await patch({ title: 'x' }, {})).statusCode, 428)
  const p1 = await patch({ title: 'Refresh, part one', description: null }, { 'if-match': '"1"' })
  t.equal(p1.statusCode, 200, p1.body)
  t.equal(p1.headers.etag, '"2"')
  t.equal(p1.json().description, '')
  const stale = await patch({ title: 'Late' }, { 'if-match': '"1"' })
  t.equal(stale.statusCode, 412)
  t.equal(stale.json().code, 'stale-version')
  const p2 = await patch({ end: '2022-05-15T05:00:00+01:00', services: ['service-requests'] }, { 'if-match': '"2"' })
  t.equal(p2.statusCode, 200, p2.body)
  const nullTitle = await patch({ title: null }, { 'if-match': '"3"' })
  t.equal(nullTitle.statusCode, 400)
  t.equal(nullTitle.json().errors[0].pointer, '/title')
  const other = await app.inject({
    method: 'PATCH',
    url: `/v1/windows/${w.id}`,
    headers: { ...cspN, 'if-match': '"3"' },
    payload: { title: 'mine now' },
  })
  t.equal(other.statusCode, 403)
  const h = await app.inject({ url: `/v1/windows/${w.id}/history`, headers: viewer })
  const items = h.json().items
  t.same(
    items.map((v: { version: number }) => v.version),
    [1, 2, 3],
  )
  t.same(
    items.map((v: { action: string }) => v.action),
    ['created', 'updated', 'updated'],
  )
  t.same(items[1].changes, [
    { field: 'title', old: 'DSP Technical Refresh 1', new: 'Refresh, part one' },
    { field: 'description', old: 'Replace end-of-life database servers', new: '' },
  ])
  t.same(items[2].changes, [
    { field: 'services', old: ['service-requests', 'prepayment-top-up'], new: ['service-requests'] },
    { field: 'end', old: '2022-05-15T05:00:00.000Z', new: '2022-05-15T04:00:00.000Z' },
  ])
  t.equal(items[2].changedBy, dsp.keyId)
})

t.test('concurrent PATCHes with the same ETag: exactly one wins, the other gets 412', async (t) => {
  const w = (await post(aWindow())).json()
  const results = await Promise.all(
    ['A', 'B', 'C'].map((x) =>
      app.inject({ method: 'PATCH', url: `/v1/windows/${w.id}`, headers: { ...dsp, 'if-match': '"1"' }, payload: { title: `title ${x}` } }),
    ),
  )
  const codes = results.map((r) => r.statusCode).sort()
  t.same(codes, [200, 412, 412])
  const final = (await app.inject({ url: `/v1/windows/${w.id}`, headers: viewer })).json()
  t.equal(final.version, 2)
  const winner = results.find((r) => r.statusCode === 200)!.json()
  t.equal(final.title, winner.title)
})

t.test('Idempotency-Key: replay, mismatch, and a duplicate while the first still runs', async (t) => {
  const h = { ...dsp, 'idempotency-key': 'create-DSP-TR-01' }
  const first = await post(aWindow(), h)
  t.equal(first.statusCode, 201)
  const replay = await post(aWindow(), h)
  t.equal(replay.statusCode, 201)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), first.json())
  t.equal(replay.headers.location, first.headers.location)
  const mismatch = await post(aWindow({ title: 'Other' }), h)
  t.equal(mismatch.statusCode, 422)
  t.equal(mismatch.json().code, 'idempotency-key-reused')
  // the same key on another API key is another scope
  const otherKey = await ctx.keyFor('submitter', ['DSP'])
  const scoped = await post(aWindow({ reference: 'DSP-TR-09' }), { ...otherKey, 'idempotency-key': 'create-DSP-TR-01' })
  t.equal(scoped.statusCode, 201)
  // a 4xx answer is replayed too
  const bad = { ...dsp, 'idempotency-key': 'bad-one' }
  t.equal((await post(aWindow({ services: ['nope'] }), bad)).statusCode, 400)
  const badAgain = await post(aWindow({ services: ['nope'] }), bad)
  t.equal(badAgain.statusCode, 400)
  t.equal(badAgain.headers['idempotent-replayed'], 'true')
  t.match(badAgain.headers['content-type'], /problem\+json/)
  // in flight: simulate a first request that has claimed the key and not yet committed
  await ctx.db
    .insertInto('idempotency_records')
    .values({
      api_key_id: dsp.keyId,
      route: 'POST /v1/windows',
      key: 'in-flight',
      request_hash: 'x',
      state: 'running',
      created_at: ctx.clock.now(),
      expires_at: new Date(ctx.clock.now().getTime() + 86_400_000),
    })
    .execute()
  const dupe = await post(aWindow({ reference: 'DSP-TR-02' }), { ...dsp, 'idempotency-key': 'in-flight' })
  t.equal(dupe.statusCode, 422, 'another body under a running key is still a mismatch')
  await ctx.db.updateTable('idempotency_records').set({ request_hash: '' }).where('key', '=', 'in-flight').execute()
  const same = aWindow({ reference: 'DSP-TR-03' })
  const hash = requestHashOf('/v1/windows', WindowCreate.parse(same))
  await ctx.db.updateTable('idempotency_records').set({ request_hash: hash }).where('key', '=', 'in-flight').execute()
  const running = await post(same, { ...dsp, 'idempotency-key': 'in-flight' })
  t.equal(running.statusCode, 409)
  t.equal(running.headers['retry-after'], '1')
  t.equal(running.json().code, 'idempotency-in-progress')
  // two identical requests at once: one creates, the other replays or is told to retry; never two windows
  const both = await Promise.all([1, 2].map(() => post(aWindow({ reference: 'DSP-TR-04' }), { ...dsp, 'idempotency-key': 'race' })))
  t.ok(both.some((r) => r.statusCode === 201))
  t.ok(
    both.every((r) => r.statusCode === 201 || r.statusCode === 409),
    both.map((r) => r.statusCode).join(','),
  )
  const count = await ctx.db
    .selectFrom('windows')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('reference', '=', 'DSP-TR-04')
    .executeTakeFirstOrThrow()
  t.equal(Number(count.n), 1)
})
