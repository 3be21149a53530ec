import type { InjectOptions } from 'fastify'
import t, { type Test } from 'tap'
import { aWindow, buildTestApp } from '../helpers/test-app.ts'
import { SQLI, violation } from './kit.ts'

// Hand-picked hostile inputs, each with the answer it must get: injection strings stored as data,
// oversized and absurdly nested bodies, bytes that are not UTF-8, rules that would expand for ever,
// instants at the ends of the calendar, odd zones, huge query strings, repeated headers, wrong types.

const ctx = await buildTestApp(t)
const { app } = ctx
const admin = ctx.admin
const dsp = await ctx.keyFor('submitter', ['DSP'])
type Inject = InjectOptions

/** Sends a request and checks the invariants every answer keeps (no 5xx, problem+json on 4xx). */
async function send(t: Test, opts: Inject, expect?: number | number[]) {
  const res = await app.inject(opts)
  const req = { method: (opts.method ?? 'GET') as 'GET', url: String(opts.url), label: '', payload: opts.payload }
  const wrong = violation(req, res as never)
  t.equal(wrong, null, `${opts.method ?? 'GET'} ${String(opts.url).slice(0, 80)}: ${wrong ?? 'ok'} ${res.body.slice(0, 200)}`)
  if (expect !== undefined) t.ok([expect].flat().includes(res.statusCode), `answer ${res.statusCode}, expected ${expect}`)
  return res
}
const json = { 'content-type': 'application/json' }
const count = async (table: 'windows' | 'api_keys' | 'parties') =>
  Number(
    (
      await ctx.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  )

t.test('SQL injection strings: data in text fields, 4xx in typed fields and query parameters, never SQL', async (t) => {
  const keysBefore = await count('api_keys')
  for (const [i, s] of SQLI.entries()) {
    // free text is stored and read back exactly
    const w = await send(
      t,
      {
        method: 'POST',
        url: '/v1/windows',
        headers: admin,
        payload: aWindow({ reference: `SQLI-${i}`, title: s, description: s, riskToService: s, justification: s }),
      },
      201,
    )
    const got = (await app.inject({ url: `/v1/windows/${w.json().id}`, headers: admin })).json()
    t.same([got.title, got.description, got.riskToService, got.justification], [s.trim(), s, s, s], 'stored verbatim')
    // identifiers and enumerations refuse it, naming the field
    for (const field of ['reference', 'party', 'impact', 'zone', 'start', 'changeRef', 'programmeId', 'kind', 'status'])
      await send(t, { method: 'POST', url: '/v1/windows', headers: admin, payload: aWindow({ reference: `SQ-${i}`, [field]: s }) }, 400)
    await send(t, { method: 'POST', url: '/v1/windows', headers: admin, payload: aWindow({ services: [s] }) }, 400)
    const q = encodeURIComponent(s)
    for (const url of [
      `/v1/windows?party=${q}`,
      `/v1/windows?status=${q}`,
      `/v1/windows?from=${q}`,
      `/v1/windows?cursor=${q}`,
      `/v1/windows?programme=${q}`,
      `/v1/windows/${q}`,
      `/v1/rulesets/${q}`,
      `/v1/blackouts/${q}`,
      `/v1/calendars/${q}`,
      `/v1/schedules/${q}`,
      `/v1/programmes/${q}`,
      `/v1/reports/compliance?from=2022-01-01T00:00:00Z&to=2022-02-01T00:00:00Z&party=${q}`,
      `/v1/slots?duration=${q}&from=2022-01-01T00:00:00Z&to=2022-02-01T00:00:00Z&party=DSP`,
      `/v1/availability?month=2022-01&party=${q}`,
      `/v1/webhooks/${q}/deliveries`,
      `/feeds/${q}.ics`,
      `/problems/${q}`,
    ])
      await send(t, { url, headers: admin }, [200, 400, 404])
    await send(t, { url: '/v1/windows', headers: { authorization: `Bearer ${s.padEnd(20, 'x').replace(/\s/g, '_')}` } }, 401)
    await send(t, { method: 'POST', url: '/v1/keys', headers: admin, payload: { name: s, role: 'submitter', party: s } }, 400)
    await send(t, { method: 'POST', url: '/v1/parties', headers: admin, payload: { id: s, name: s } }, 400)
  }
  t.equal(await count('api_keys'), keysBefore, 'no key added or removed')
  t.ok((await count('windows')) >= SQLI.length, 'the windows table is still there, with the injected text as data')
})

t.test('a 10 MB body is 413 problem+json on every body route; the limit is configurable', async (t) => {
  const big = `{"title":"${'x'.repeat(10 * 1024 * 1024)}"}`
  for (const [method, url] of [
    ['POST', '/v1/windows'],
    ['POST', '/v1/assessments'],
    ['PATCH', '/v1/windows/00000000-0000-4000-8000-000000000000'],
    ['PUT', '/v1/reference/estate'],
    ['POST', '/v1/rulesets'],
    ['POST', '/v1/webhooks'],
  ] as const) {
    const res = await send(t, { method, url, headers: { ...admin, ...json, 'if-match': '"1"' }, payload: big }, 413)
    t.equal(res.json().code, 'payload-too-large')
  }
  // just under the 1 MiB default is read (and judged on its merits)
  const under = await send(t, {
    method: 'POST',
    url: '/v1/windows',
    headers: { ...admin, ...json },
    payload: `{"title":"${'x'.repeat(1_000_000)}"}`,
  })
  t.equal(under.statusCode, 400, 'read, then refused for its fields, not its size')
})

t.test('deeply nested JSON is 400 naming where, with no stack overflow', async (t) => {
  const n = 100_000
  const bodies = ['['.repeat(n) + ']'.repeat(n), `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`, `{"windows":${'['.repeat(n)}${']'.repeat(n)}}`]
  for (const url of ['/v1/rulesets', '/v1/blackouts', '/v1/windows', '/v1/assessments'])
    for (const payload of bodies) {
      const res = await send(t, { method: 'POST', url, headers: { ...admin, ...json }, payload }, 400)
      t.ok(res.json().errors?.[0]?.pointer, `${url}: the place is named`)
    }
  // 64 levels is the limit: a ruleset body nested 60 deep is read and judged by the domain
  const ok = `${'{"a":'.repeat(60)}1${'}'.repeat(60)}`
  const res = await send(t, { method: 'POST', url: '/v1/rulesets', headers: { ...admin, ...json }, payload: ok }, 400)
  t.notMatch(res.json().errors?.[0]?.message ?? '', /nested/, 'shallow enough to reach the ruleset checks')
})

t.test('bytes that are not UTF-8, NUL and unpaired surrogates: 400, in bodies, paths and queries', async (t) => {
  const before = await count('windows')
  const bytes = (...b: number[]) => Buffer.concat([Buffer.from('{"title":"'), Buffer.from(b), Buffer.from('"}')])
  for (const payload of [bytes(0xc3, 0x28), bytes(0xff, 0xfe), bytes(0xed, 0xa0, 0x80), bytes(0xf8, 0x88, 0x80, 0x80, 0x80)])
    await send(t, { method: 'POST', url: '/v1/windows', headers: { ...admin, ...json }, payload }, 400)
  for (const payload of [
    JSON.stringify(aWindow({ reference: 'NUL-1', description: 'a\u0000b' })),
    JSON.stringify(aWindow({ reference: 'NUL-2', title: '\ud800' })),
    '{"reference":"NUL-3","title":"x\\u0000"}',
  ]) {
    const res = await send(t, { method: 'POST', url: '/v1/windows', headers: { ...admin, ...json }, payload }, 400)
    t.match(res.json().errors[0].pointer, /^\/(description|title)$/, 'names the field')
  }
  await send(t, { method: 'POST', url: '/v1/rulesets', headers: { ...admin, ...json }, payload: '{"id":"x\\ud800"}' }, 400)
  for (const url of [
    '/v1/rulesets/%C3%28',
    '/v1/windows/%FF',
    '/v1/blackouts/%ED%A0%80',
    '/v1/calendars/%00',
    '/v1/rulesets/a%00b',
    '/feeds/%FF.ics',
    '/feeds/%00.ics',
  ])
    await send(t, { url, headers: admin }, [400, 404])
  for (const url of [
    '/v1/windows?party=%FF',
    '/v1/windows?cursor=%00',
    '/v1/blackouts/state?at=%C3%28',
    '/v1/reports/compliance?from=%00&to=%00',
  ])
    await send(t, { url, headers: admin }, 400)
  t.equal(await count('windows'), before, 'none of them stored a window')
})

t.test('RRULEs that would expand for ever are refused or bounded', async (t) => {
  const recurrence = (rrule: string, over: Record<string, unknown> = {}) => ({
    name: 'forever',
    party: 'DSP',
    recurrence: {
      rrule,
      dtstart: '2023-01-01',
      startTime: '01:00',
      endTime: '02:00',
      zone: 'Europe/London',
      referencePrefix: `F${Math.random().toString(36).slice(2, 7)}`,
      template: { title: 'Forever', impact: 'degraded' },
      ...over,
    },
  })
  for (const rrule of [
    'FREQ=SECONDLY',
    'FREQ=MINUTELY;INTERVAL=1',
    'FREQ=HOURLY;UNTIL=99991231T000000Z',
    'FREQ=DAILY;BYHOUR=0,1,2,3',
    'FREQ=SECONDLY;COUNT=999999999',
  ]) {
    const res = await send(t, { method: 'POST', url: '/v1/programmes', headers: dsp, payload: recurrence(rrule) }, 400)
    t.equal(res.json().errors[0].pointer, '/recurrence/rrule', rrule)
  }
  // a yearly rule with no end stops at five years and says so
  const yearly = await send(t, { method: 'POST', url: '/v1/programmes', headers: dsp, payload: recurrence('FREQ=YEARLY') }, 201)
  t.equal(yearly.json().windows.length, 5)
  t.match(yearly.json().truncated, /5 years/)
  const layer = {
    id: 'forever',
    name: 'Forever',
    category: 'custom',
    severity: 'warning',
    scope: {},
    owner: 'DCC',
    legalBasis: 'test',
    provenance: 'assumed',
  }
  for (const recurrenceOfLayer of [
    { rrule: 'FREQ=SECONDLY', dtstart: '1970-01-01', startTime: '00:00', zone: 'UTC', duration: 'PT1S' },
    { rrule: 'FREQ=DAILY', dtstart: '0001-01-01', startTime: '00:00', zone: 'UTC', duration: 'PT1H' },
    { rrule: 'FREQ=DAILY', dtstart: '2022-01-01', startTime: '00:00', zone: 'UTC', duration: 'P9999Y' },
  ]) {
    const res = await send(
      t,
      { method: 'POST', url: '/v1/blackouts', headers: admin, payload: { ...layer, recurrence: recurrenceOfLayer } },
      400,
    )
    t.match(res.json().errors[0].pointer, /^\/recurrence\//)
  }
})

t.test('instants in year 9999 and year 0001, and zones at the edges', async (t) => {
  for (const [start, end] of [
    ['9999-12-31T20:00:00Z', '9999-12-31T23:00:00Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T03:00:00Z'],
    ['+275760-09-13T00:00:00Z', '+275760-09-13T01:00:00Z'],
  ]) {
    const res = await send(t, { method: 'POST', url: '/v1/windows', headers: admin, payload: aWindow({ reference: 'Y', start, end }) }, 400)
    t.equal(res.json().errors[0].pointer, '/start')
  }
  for (const url of [
    '/v1/windows?from=0001-01-01T00:00:00Z&to=9999-12-31T00:00:00Z',
    '/v1/reports/compliance?from=2022-01-01T00:00:00Z&to=9999-01-01T00:00:00Z',
    '/v1/slots?duration=PT6H&from=0001-01-01T00:00:00Z&to=2022-01-01T00:00:00Z&party=DSP',
    '/v1/blackouts/state?at=9999-01-01T00:00:00Z',
    '/v1/calendars/england-and-wales?year=9999',
  ])
    await send(t, { url, headers: admin }, 400)
  await send(
    t,
    {
      method: 'POST',
      url: '/v1/assessments',
      headers: admin,
      payload: { windows: [aWindow({ notifiedAt: '0001-01-01T00:00:00Z' })] },
    },
    400,
  )
  await send(
    t,
    {
      method: 'POST',
      url: '/v1/programmes',
      headers: dsp,
      payload: {
        name: 'x',
        party: 'DSP',
        recurrence: {
          rrule: 'FREQ=YEARLY',
          dtstart: '9999-01-01',
          startTime: '01:00',
          endTime: '02:00',
          zone: 'UTC',
          referencePrefix: 'Y9',
          template: { title: 't', impact: 'degraded' },
        },
      },
    },
    400,
  )
  await send(
    t,
    {
      method: 'POST',
      url: '/v1/blackouts',
      headers: admin,
      payload: {
        id: 'ages',
        name: 'Ages',
        category: 'custom',
        severity: 'warning',
        scope: {},
        owner: 'DCC',
        legalBasis: 'test',
        provenance: 'assumed',
        periods: [{ start: '0001-01-01T00:00:00Z', end: '9999-12-31T00:00:00Z', label: 'all' }],
      },
    },
    400,
  )
  // Etc/GMT-14 (UTC+14) exists; Etc/GMT+14 does not (the Etc signs are inverted and stop at +12)
  const kiribati = await send(
    t,
    { method: 'POST', url: '/v1/windows', headers: admin, payload: aWindow({ reference: 'Z-14', zone: 'Etc/GMT-14' }) },
    201,
  )
  t.match(kiribati.json().startLocal, /\+14:00\[Etc\/GMT-14\]$/)
  for (const zone of ['Etc/GMT+14', 'Etc/GMT+15', 'Mars/Olympus_Mons', 'europe/london ', 'UTC+1', '../../etc/passwd', ''])
    t.equal(
      (await send(t, { method: 'POST', url: '/v1/windows', headers: admin, payload: aWindow({ reference: 'Z-x', zone }) }, 400)).json()
        .errors[0].pointer,
      '/zone',
      zone,
    )
})

t.test('huge query strings, repeated headers and wrong content types', async (t) => {
  await send(t, { url: `/v1/windows?party=${'A'.repeat(1_000_000)}`, headers: admin }, 400)
  await send(t, { url: `/v1/windows?${Array.from({ length: 20_000 }, (_, i) => `p${i}=1`).join('&')}`, headers: admin }, 400)
  await send(t, { url: `/v1/windows?party=DSP&party=${'CSP-N&party='.repeat(5000)}DCO`, headers: admin }, [200, 400])
  await send(t, { url: `/v1/rulesets/${'a'.repeat(5000)}`, headers: admin }, 414)
  // repeated headers: a second key, content type, idempotency key or If-Match never confuses the service
  await send(t, { url: '/v1/windows', headers: { authorization: [admin.authorization!, dsp.authorization!] } as never }, [200, 400, 401])
  await send(
    t,
    { url: '/v1/windows', headers: { authorization: ['Bearer nope-nope-nope-nope', admin.authorization!] } as never },
    [400, 401],
  )
  await send(
    t,
    {
      method: 'POST',
      url: '/v1/windows',
      headers: { ...admin, 'idempotency-key': ['a', 'b'] } as never,
      payload: aWindow({ reference: 'DUP-1' }),
    },
    [201, 400],
  )
  await send(
    t,
    {
      method: 'PATCH',
      url: '/v1/windows/00000000-0000-4000-8000-000000000000',
      headers: { ...admin, 'if-match': ['"1"', '"2"'] } as never,
      payload: { title: 'x' },
    },
    [400, 404, 412],
  )
  await send(
    t,
    {
      method: 'POST',
      url: '/v1/windows',
      headers: { ...admin, 'content-type': ['application/json', 'text/plain'] } as never,
      payload: JSON.stringify(aWindow({ reference: 'DUP-2' })),
    },
    [201, 400, 415],
  )
  for (const ct of [
    'text/plain',
    'application/xml',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'text/csv',
    'application/octet-stream',
    'application/jsonx',
    'json',
  ])
    t.equal(
      (
        await send(
          t,
          { method: 'POST', url: '/v1/windows', headers: { ...admin, 'content-type': ct }, payload: JSON.stringify(aWindow()) },
          415,
        )
      ).json().code,
      'unsupported-media-type',
      ct,
    )
  await send(t, { method: 'POST', url: '/v1/windows', headers: admin, payload: Buffer.from(JSON.stringify(aWindow())) }, 415)
  await send(t, { method: 'POST', url: '/v1/windows', headers: { ...admin, ...json }, payload: '' }, 400)
  await send(t, { method: 'POST', url: '/v1/windows', headers: { ...admin, ...json }, payload: '{"__proto__":{"admin":true}}' }, 400)
  await send(
    t,
    { method: 'POST', url: '/v1/windows', headers: { ...admin, ...json }, payload: '{"constructor":{"prototype":{"x":1}}}' },
    400,
  )
})
