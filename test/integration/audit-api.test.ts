import { sql } from 'kysely'
import t from 'tap'
import { DEFAULT_RULESET } from '../../src/domain/index.ts'
import { entryHash } from '../../src/services/audit-chain.ts'
import { aWindow, buildTestApp } from '../helpers/test-app.ts'

// The audit log through the API on the real database: every write appends one hash-chained entry
// in its own transaction; tampering done with SQL behind the service's back is caught.

const ctx = await buildTestApp(t, { now: '2021-10-05T09:00:00Z' })
const { app, db } = ctx
const dsp = await ctx.keyFor('submitter', ['DSP'])
const reviewer = await ctx.keyFor('reviewer')
const viewer = await ctx.keyFor('viewer')
const adminId = (
  (await app.inject({ url: '/v1/keys', headers: ctx.admin })).json() as { items: { id: string; name: string }[] }
).items.find((k) => k.name === 'test admin')!.id

type Entry = {
  seq: number
  recordedAt: string
  actorKeyId: string | null
  action: string
  entityType: string
  entityId: string
  payload: Record<string, unknown>
  prevHash: string
  hash: string
}
type Head = { seq: number; hash: string }
type Verdict = { ok: boolean; checked: number; head: Head; broken?: { seq: number | null; kind: string; message: string } }

async function head(): Promise<Head> {
  const r = await app.inject({ url: '/v1/audit?limit=1', headers: reviewer })
  if (r.statusCode !== 200) throw new Error(r.body)
  return r.json().head
}
async function since(h: Head): Promise<Entry[]> {
  const r = await app.inject({ url: `/v1/audit?after=${h.seq}&limit=1000`, headers: reviewer })
  if (r.statusCode !== 200) throw new Error(r.body)
  return r.json().items
}
async function verify(expectHead?: string): Promise<Verdict> {
  const r = await app.inject({
    url: `/v1/audit/verify${expectHead ? `?expectHead=${encodeURIComponent(expectHead)}` : ''}`,
    headers: ctx.admin,
  })
  if (r.statusCode !== 200) throw new Error(r.body)
  return r.json()
}
async function call(method: string, url: string, headers: Record<string, string>, payload?: Record<string, unknown>) {
  const r = await app.inject({ method: method as 'POST', url, headers, ...(payload === undefined ? {} : { payload }) })
  if (r.statusCode >= 300) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body.slice(0, 400)}`)
  return r.statusCode === 204 ? undefined : r.json()
}
const pick = (e: Entry) => [e.action, e.entityType, e.actorKeyId]

t.test('every write appends one entry, in order, naming its action, entity, actor and what changed', async (t) => {
  const h0 = await head()
  const expected: [string, string, string | null][] = []
  const expect = (action: string, entityType: string, actor: string | null, n = 1) => {
    for (let i = 0; i < n; i++) expected.push([action, entityType, actor])
  }

  const key = await call('POST', '/v1/keys', ctx.admin, { name: 'audited', role: 'viewer' })
  expect('key.created', 'api-key', adminId)
  const w = await call('POST', '/v1/windows', dsp, aWindow({ reference: 'AUD-1' }))
  expect('window.created', 'window', dsp.keyId)
  await call(
    'PATCH',
    `/v1/windows/${w.id}`,
    { ...dsp, 'if-match': '"1"', 'content-type': 'application/merge-patch+json' },
    { title: 'Renamed' },
  )
  expect('window.changed', 'window', dsp.keyId)
  // An admin loads history: the publication is backdated, and the business time is in the payload.
  await call('POST', '/v1/schedules/2022-05/publish', ctx.admin, { publishedAt: '2021-10-04T17:00:00+01:00', parties: ['DSP'] })
  expect('window.transitioned', 'window', adminId)
  expect('schedule.published', 'schedule-publication', adminId)
  await call('POST', `/v1/windows/${w.id}/status`, reviewer, { to: 'agreed', reason: 'OPSG agreed', decisionRef: 'OPSG-58' })
  expect('window.transitioned', 'window', reviewer.keyId)
  const late = await call(
    'POST',
    '/v1/windows',
    dsp,
    aWindow({ reference: 'AUD-2', start: '2021-11-14T00:00:00Z', end: '2021-11-14T06:00:00Z' }),
  )
  expect('window.created', 'window', dsp.keyId)
  const finding = (late.assessment.findings as { key: string; waivable: boolean }[]).find((f) => f.waivable)!
  await call('POST', '/v1/waivers', reviewer, {
    findingKey: finding.key,
    approvedBy: 'sec-panel',
    decisionRef: 'Panel 2021-10 #7',
    decidedAt: '2021-10-04T10:00:00Z',
    reason: 'End-of-life hardware',
  })
  expect('waiver.granted', 'waiver', reviewer.keyId)
  await call('POST', '/v1/rulesets', ctx.admin, { ...DEFAULT_RULESET, version: 'audit-test-1' })
  expect('ruleset.created', 'ruleset', adminId)
  await call('POST', '/v1/calendars/england-and-wales/overrides', ctx.admin, {
    date: '2022-09-19',
    action: 'add',
    name: 'State funeral',
    reason: 'proclaimed',
  })
  expect('calendar-override.added', 'calendar-override', adminId)
  const layer = {
    id: 'audit-freeze',
    name: 'Audit freeze',
    category: 'custom',
    severity: 'objection',
    scope: { parties: [], services: [], regions: ['N'] },
    owner: 'DCC',
    legalBasis: 'test',
    provenance: 'assumed',
    periods: [{ start: '2022-06-14T00:00:00Z', end: '2022-06-16T00:00:00Z', label: 'batch' }],
  }
  await call('POST', '/v1/blackouts', ctx.admin, layer)
  expect('blackout-layer.created', 'blackout-layer', adminId)
  await call('PATCH', '/v1/blackouts/audit-freeze', { ...ctx.admin, 'if-match': '"1"' }, { severity: 'warning' })
  expect('blackout-layer.changed', 'blackout-layer', adminId)
  await call('POST', '/v1/parties', ctx.admin, { id: 'AUD-P', name: 'Audited party', regions: ['N'] })
  expect('reference.party-added', 'party', adminId)
  await call('POST', '/v1/regions', ctx.admin, { id: 'AUDR', name: 'Audited region', nations: ['wales'] })
  expect('reference.region-added', 'region', adminId)
  await call('POST', '/v1/services', ctx.admin, { id: 'audit-svc', name: 'Audited service' })
  expect('reference.service-added', 'service', adminId)
  const estate = (await call('GET', '/v1/reference/estate', viewer)).data
  await call('PUT', '/v1/reference/estate', ctx.admin, estate)
  expect('reference.estate-versioned', 'reference-data', adminId)
  const programme = await call('POST', '/v1/programmes', dsp, {
    name: 'Audited programme',
    party: 'DSP',
    windows: [
      aWindow({ reference: 'AUD-P1', start: '2022-07-10T00:00:00+01:00', end: '2022-07-10T04:00:00+01:00' }),
      aWindow({ reference: 'AUD-P2', start: '2022-07-24T00:00:00+01:00', end: '2022-07-24T04:00:00+01:00' }),
    ].map(({ party: _p, ...x }) => x),
  })
  expect('programme.created', 'programme', dsp.keyId)
  expect('window.created', 'window', dsp.keyId, 2)
  const feed = await call('POST', '/v1/feeds', viewer, { name: 'DSP outages', filter: { parties: ['DSP'] } })
  expect('feed.created', 'feed', viewer.keyId)
  await call('DELETE', `/v1/feeds/${feed.id}`, viewer)
  expect('feed.revoked', 'feed', viewer.keyId)
  await call('DELETE', `/v1/keys/${key.id}`, ctx.admin)
  expect('key.revoked', 'api-key', adminId)
  ctx.clock.set('2022-05-15T00:30:00+01:00')
  await call('POST', `/v1/windows/${w.id}/actuals`, dsp, { actualStart: '2022-05-15T00:05:00+01:00' })
  expect('window.actuals-recorded', 'window', dsp.keyId)
  ctx.clock.set('2021-10-05T09:00:00Z')

  const entries = await since(h0)
  t.same(entries.map(pick), expected, 'one entry per write, in the order of the writes')
  t.same(
    entries.map((e) => e.seq),
    expected.map((_, i) => h0.seq + 1 + i),
    'seq strictly increasing without gaps',
  )
  for (const [i, e] of entries.entries())
    t.equal(e.prevHash, i === 0 ? h0.hash : entries[i - 1]!.hash, `entry ${e.seq} links to the one before`)
  t.same(await head(), { seq: entries.at(-1)!.seq, hash: entries.at(-1)!.hash }, 'the head is the last entry')

  const by = (action: string) => entries.filter((e) => e.action === action)
  t.equal(by('window.created')[0]!.entityId, w.id)
  t.same(by('window.changed')[0]!.payload.changes, [{ field: 'title', old: 'DSP Technical Refresh 1', new: 'Renamed' }], 'the field diff')
  const published = by('schedule.published')[0]!.payload
  t.equal(published.publishedAt, '2021-10-04T16:00:00.000Z', 'the backdated business time')
  t.equal(published.backdated, true)
  t.same(published.windowIds, [w.id])
  t.equal(by('window.transitioned')[0]!.payload.effectiveAt, '2021-10-04T16:00:00.000Z', 'the window is notified at the publication')
  t.match(by('window.transitioned')[1]!.payload, {
    reason: 'OPSG agreed [OPSG-58]',
    changes: [{ field: 'status', old: 'notified', new: 'agreed' }],
  })
  t.match(by('waiver.granted')[0]!.payload, {
    findingKey: finding.key,
    decidedAt: '2021-10-04T10:00:00.000Z',
    decisionRef: 'Panel 2021-10 #7',
  })
  t.equal(by('ruleset.created')[0]!.entityId, `${DEFAULT_RULESET.id}@audit-test-1`)
  t.match(by('blackout-layer.changed')[0]!.payload, { version: 2, patch: { severity: 'warning' } })
  t.equal(by('programme.created')[0]!.entityId, programme.programme.id)
  t.same(by('key.created')[0]!.payload, { name: 'audited', role: 'viewer', parties: [] })
  t.notOk(JSON.stringify(entries).includes(key.key), 'no key secret in the log')
  t.notOk(JSON.stringify(entries).includes(new URL(feed.url).pathname.split('/').pop()!.replace('.ics', '')), 'no feed token in the log')
  t.match(by('window.actuals-recorded')[0]!.recordedAt, /^2022-05-14T23:30:00/, 'recorded at the service clock')
  t.same(await verify(), { ok: true, checked: entries.at(-1)!.seq, head: await head() })
})

t.test('a write that fails or rolls back appends nothing; an idempotent replay appends nothing', async (t) => {
  const h = await head()
  // The programme's first window is inserted (and audited) before the second one's duplicate
  // reference fails: the whole transaction, audit entries included, rolls back.
  const dup = await app.inject({
    method: 'POST',
    url: '/v1/programmes',
    headers: dsp,
    payload: {
      name: 'Half a programme',
      party: 'DSP',
      windows: [aWindow({ reference: 'DUP-1' }), aWindow({ reference: 'DUP-1' })].map(({ party: _p, ...x }) => x),
    },
  })
  t.equal(dup.statusCode, 409, dup.body.slice(0, 300))
  t.equal((await db.selectFrom('windows').select('id').where('reference', '=', 'DUP-1').execute()).length, 0, 'no window stored')
  t.same(await head(), h, 'no audit entry either')
  const refused = await app.inject({ method: 'POST', url: '/v1/windows', headers: viewer, payload: aWindow({ reference: 'V-1' }) })
  t.equal(refused.statusCode, 403)
  const invalid = await app.inject({
    method: 'POST',
    url: '/v1/windows',
    headers: dsp,
    payload: aWindow({ reference: 'I-1', party: 'NOPE' }),
  })
  t.equal(invalid.statusCode, 400, 'an unknown party is a bad request naming /party')
  const stale = await app.inject({
    method: 'PATCH',
    url: `/v1/windows/${(await call('GET', '/v1/windows?limit=1', viewer)).items[0].id}`,
    headers: { ...dsp, 'if-match': '"999"', 'content-type': 'application/merge-patch+json' },
    payload: { title: 'x' },
  })
  t.equal(stale.statusCode, 412)
  t.same(await head(), h, 'refused writes append nothing')
  const once = { ...dsp, 'idempotency-key': 'audit-once' }
  const first = await app.inject({ method: 'POST', url: '/v1/windows', headers: once, payload: aWindow({ reference: 'IDEM-1' }) })
  const again = await app.inject({ method: 'POST', url: '/v1/windows', headers: once, payload: aWindow({ reference: 'IDEM-1' }) })
  t.equal(first.statusCode, 201)
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.same((await since(h)).map(pick), [['window.created', 'window', dsp.keyId]], 'one entry for the window')
})

t.test('concurrent writes take consecutive seqs and keep the chain intact', async (t) => {
  const h = await head()
  const n = 20
  const answers = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      app.inject({
        method: 'POST',
        url: '/v1/windows',
        headers: dsp,
        payload: aWindow({ reference: `PAR-${i}`, start: '2022-08-15T00:00:00+01:00', end: '2022-08-15T02:00:00+01:00' }),
      }),
    ),
  )
  t.same(
    answers.map((a) => a.statusCode),
    Array(n).fill(201),
  )
  const entries = await since(h)
  t.equal(entries.length, n)
  t.same(
    entries.map((e) => e.seq),
    Array.from({ length: n }, (_, i) => h.seq + 1 + i),
  )
  t.same(new Set(entries.map((e) => e.entityId)), new Set(answers.map((a) => a.json().id)), 'one entry per created window')
  t.equal((await verify()).ok, true)
})

t.test('GET /v1/audit: pages by seq with Link rel="next", filters by recorded time, returns the head', async (t) => {
  const all = await since({ seq: 0, hash: '' })
  const seen: number[] = []
  let url: string | null = '/v1/audit?limit=7'
  let pages = 0
  while (url) {
    const r = await app.inject({ url, headers: ctx.admin })
    t.equal(r.statusCode, 200)
    const body = r.json() as { items: Entry[]; next: string | null; head: Head }
    seen.push(...body.items.map((e) => e.seq))
    if (body.next) t.equal(r.headers.link, `<${body.next}>; rel="next"`)
    url = body.next ? body.next.replace('http://mwp.test', '') : null
    pages++
  }
  t.same(
    seen,
    all.map((e) => e.seq),
    'every entry once, in order',
  )
  t.equal(pages, Math.ceil(all.length / 7) + (all.length % 7 === 0 ? 1 : 0))

  ctx.clock.set('2023-01-02T03:04:05Z')
  await call('POST', '/v1/windows', dsp, aWindow({ reference: 'WHEN-1' }))
  ctx.clock.set('2021-10-05T09:00:00Z')
  const when = await call('GET', '/v1/audit?from=2023-01-02T03:04:05Z&to=2023-01-02T03:04:06Z', reviewer)
  t.same(
    when.items.map((e: Entry) => e.action),
    ['window.created'],
    'from/to select by recorded time',
  )
  t.equal(when.items[0].payload.reference, 'WHEN-1')

  t.equal((await app.inject({ url: '/v1/audit?from=2022-01-02T00:00:00Z&to=2022-01-01T00:00:00Z', headers: reviewer })).statusCode, 400)
  t.equal((await app.inject({ url: '/v1/audit?after=-1', headers: reviewer })).statusCode, 400)
  t.equal((await app.inject({ url: '/v1/audit/verify?expectHead=nope', headers: reviewer })).statusCode, 400)
  t.equal((await app.inject({ url: '/v1/audit', headers: viewer })).statusCode, 403)
  t.equal((await app.inject({ url: '/v1/audit', headers: dsp })).statusCode, 403)
})

t.test('the compliance report carries the head in its provenance, and verify accepts it', async (t) => {
  const q = '/v1/reports/compliance?from=2022-05-01T00:00:00Z&to=2022-06-01T00:00:00%2B01:00'
  const before = await head()
  const report = await call('GET', q, viewer)
  t.same(report.provenance.auditHead, before, 'the head when the report was generated')
  t.same(await verify(`${before.seq}:${before.hash}`), { ok: true, checked: before.seq, head: before })
  const html = await app.inject({ url: `${q}&format=html`, headers: viewer })
  t.match(html.body, new RegExp(`Audit log head</th><td>${before.seq}:${before.hash}<`))
  await call('POST', '/v1/windows', dsp, aWindow({ reference: 'AFTER-REPORT' }))
  const later = await verify(`${before.seq}:${before.hash}`)
  t.equal(later.ok, true, 'a head taken earlier stays in a growing chain')
  t.equal(later.head.seq, before.seq + 1)
})

t.test('webhook subscriptions: created, changed and deleted are logged, never with the signing secret', async (t) => {
  const h = await head()
  const hook = await call('POST', '/v1/webhooks', dsp, { url: 'https://hooks.dsp.example.test/hook', events: ['window.changed'] })
  await call('PATCH', `/v1/webhooks/${hook.id}`, dsp, { description: 'ops channel' })
  await call('DELETE', `/v1/webhooks/${hook.id}`, dsp)
  const entries = await since(h)
  t.same(entries.map(pick), [
    ['webhook.created', 'webhook', dsp.keyId],
    ['webhook.changed', 'webhook', dsp.keyId],
    ['webhook.deleted', 'webhook', dsp.keyId],
  ])
  t.same(
    entries.map((e) => e.entityId),
    [hook.id, hook.id, hook.id],
  )
  t.match(entries[0]!.payload, { url: 'https://hooks.dsp.example.test/hook', events: ['window.changed'] })
  t.same(entries[1]!.payload, { patch: { description: 'ops channel' } })
  t.ok(hook.secret, 'the secret is in the answer')
  t.notOk(JSON.stringify(entries).includes(hook.secret), 'and nowhere in the log')
})

// Tampering, as someone with the database's owner rights would do it: the trigger that keeps the
// table append-only must be switched off first.
async function asOwner<T>(work: () => Promise<T>): Promise<T> {
  await sql`ALTER TABLE audit_log DISABLE TRIGGER USER`.execute(db)
  try {
    return await work()
  } finally {
    await sql`ALTER TABLE audit_log ENABLE TRIGGER USER`.execute(db)
  }
}
const rows = () => db.selectFrom('audit_log').selectAll().orderBy('seq').execute()
type Row = Awaited<ReturnType<typeof rows>>[number]
const insertRows = (list: Row[]) =>
  db
    .insertInto('audit_log')
    .values(list.map((r) => ({ ...r, payload: JSON.stringify(r.payload) })))
    .execute()
/** Puts the log back as it was (rows as read before tampering). */
async function restore(saved: Row[]) {
  await asOwner(async () => {
    await db.deleteFrom('audit_log').execute()
    await insertRows(saved)
  })
  t.equal((await verify()).ok, true, 'restored')
}

t.test('the log is append-only for the service: UPDATE, DELETE and TRUNCATE are refused', async (t) => {
  await t.rejects(sql`UPDATE audit_log SET action = 'x' WHERE seq = 1`.execute(db), /append-only/)
  await t.rejects(sql`DELETE FROM audit_log WHERE seq = 1`.execute(db), /append-only/)
  await t.rejects(sql`TRUNCATE audit_log`.execute(db), /append-only/)
})

t.test('tampering: an edited row is caught at its seq', async (t) => {
  const saved = await rows()
  const k = saved[Math.floor(saved.length / 2)]!
  await asOwner(() =>
    sql`UPDATE audit_log SET payload = jsonb_set(payload, '{reason}', '"edited afterwards"') WHERE seq = ${k.seq}`.execute(db),
  )
  const r = await verify()
  t.equal(r.ok, false)
  t.same(r.broken && [r.broken.seq, r.broken.kind], [k.seq, 'altered'])
  t.match(r.broken?.message, `entry ${k.seq} (${k.action} ${k.entity_type} ${k.entity_id}) was altered`)
  t.equal(r.checked, k.seq - 1)
  const signed = saved.find((r) => r.actor_key_id !== null && r.seq < k.seq)!
  await asOwner(() => sql`UPDATE audit_log SET actor_key_id = NULL WHERE seq = ${signed.seq}`.execute(db))
  t.equal((await verify()).broken?.seq, signed.seq, 'an erased actor too (the earlier break is reported first)')
  await restore(saved)
})

t.test('tampering: a deleted row in the middle is a gap', async (t) => {
  const saved = await rows()
  const k = saved[Math.floor(saved.length / 3)]!
  await asOwner(() => db.deleteFrom('audit_log').where('seq', '=', k.seq).execute())
  const r = await verify()
  t.same(r.broken && [r.broken.seq, r.broken.kind], [k.seq, 'missing'])
  t.match(r.broken?.message, `entry ${k.seq} is missing`)
  await restore(saved)
})

t.test('tampering: deleted last rows are caught against a head taken earlier', async (t) => {
  const saved = await rows()
  const taken = { seq: saved.at(-1)!.seq, hash: saved.at(-1)!.hash }
  await asOwner(() =>
    db
      .deleteFrom('audit_log')
      .where('seq', '>', taken.seq - 3)
      .execute(),
  )
  t.equal((await verify()).ok, true, 'a shorter chain is still a chain')
  const r = await verify(`${taken.seq}:${taken.hash}`)
  t.same(r.broken && [r.broken.seq, r.broken.kind], [taken.seq - 2, 'head'])
  t.match(r.broken?.message, `the chain ends at entry ${taken.seq - 3}, before entry ${taken.seq}`)
  const byHash = await verify(taken.hash)
  t.same(byHash.broken && [byHash.broken.seq, byHash.broken.kind], [null, 'head'])
  await restore(saved)
})

t.test('tampering: a tail rewritten with recomputed hashes is caught against a head taken earlier', async (t) => {
  const saved = await rows()
  const taken = { seq: saved.at(-1)!.seq, hash: saved.at(-1)!.hash }
  const from = saved.length - 4
  const forged: Row[] = saved.slice(0, from)
  for (const r of saved.slice(from)) {
    const prev = forged.at(-1)!.hash
    const content = {
      seq: Number(r.seq),
      recordedAt: r.recorded_at,
      actor: r.actor_key_id,
      action: r.action,
      entityType: r.entity_type,
      entityId: r.entity_id,
      payload: { forged: true },
      prevHash: prev,
    }
    forged.push({ ...r, payload: content.payload, prev_hash: prev, hash: entryHash(content) })
  }
  await asOwner(async () => {
    await db
      .deleteFrom('audit_log')
      .where('seq', '>', Number(saved[from - 1]!.seq))
      .execute()
    await insertRows(forged.slice(from))
  })
  t.equal((await verify()).ok, true, 'a consistent forgery verifies on its own')
  const r = await verify(`${taken.seq}:${taken.hash}`)
  t.same(r.broken && [r.broken.seq, r.broken.kind], [taken.seq, 'head'])
  t.match(r.broken?.message, `entry ${taken.seq} now has the hash`)
  t.equal((await verify(taken.hash)).ok, false, 'by hash alone too')
  await restore(saved)
})
