import fc from 'fast-check'
import t from 'tap'
import { BASE_URL, buildTestApp } from '../helpers/test-app.ts'
import { EPOCH, interval, PARTIES, REGIONS, rfc3339, SERVICES, startEnd, STATUSES, text, title, windowBody } from './arbitraries.ts'
import {
  enc,
  fuzz,
  fuzzTimeout,
  headerNoise,
  junkString,
  mutate,
  mutation,
  pick,
  qs,
  type Res,
  type Step,
  sometimes,
  WEIRD,
} from './kit.ts'

// What the service hands out: calendar feeds (and the .ics capability URL), compliance reports,
// compliant slots, and webhook subscriptions with their delivery logs.
t.setTimeout(fuzzTimeout(4))

const ctx = await buildTestApp(t)
const keys = {
  admin: ctx.admin,
  dsp: await ctx.keyFor('submitter', ['DSP']),
  reviewer: await ctx.keyFor('reviewer'),
  viewer: await ctx.keyFor('viewer'),
}
type Who = keyof typeof keys
const auth = (w: Who) => ({ ...keys[w] }) as Record<string, string>
const anyone = fc.constantFrom<Who>('admin', 'dsp', 'reviewer', 'viewer')
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000'
const DAY = 86_400_000

// Something to report on, list in feeds and plan around: 40 windows over two years.
const seed = fc.sample(windowBody(['DSP']), { seed: 10, numRuns: 40 })
for (const [i, w] of seed.entries())
  await ctx.app.inject({ method: 'POST', url: '/v1/windows', headers: keys.dsp, payload: { ...w, reference: `S-${i}` } })
const someWindow = (await ctx.app.inject({ url: '/v1/windows?limit=1', headers: ctx.admin })).json().items[0]?.id as string | undefined

interface State {
  n: number
  feeds: { id: string; token: string; etag?: string; owner: Who }[]
  hooks: { id: string; owner: Who; deliveries: string[] }[]
}
const state: State = { n: 0, feeds: [], hooks: [] }

// --- feeds
const feedFilter = fc.record(
  {
    parties: fc.subarray([...PARTIES], { maxLength: 3 }),
    services: fc.subarray([...SERVICES], { maxLength: 3 }),
    regions: fc.subarray([...REGIONS]),
    statuses: fc.subarray(['proposed', 'notified', 'agreed', 'in-progress', 'completed', 'cancelled', 'rejected']),
    includeBlackouts: fc.boolean(),
    includeBankHolidays: fc.boolean(),
    timeMode: fc.constantFrom('utc', 'europe-london'),
  },
  { requiredKeys: [] },
)
const createFeed = fc.record({ name: title(), filter: feedFilter, as: anyone, m: mutation(0.6) }).map(
  (g): Step<State> =>
    () => {
      const { payload, mutated } = mutate({ name: g.name, filter: g.filter }, g.m)
      return { method: 'POST', url: '/v1/feeds', headers: auth(g.as), payload, mutated, label: 'POST /v1/feeds' }
    },
)
const feedOps = fc
  .record({
    op: fc.constantFrom('list', 'delete', 'ics', 'ics', 'ics', 'head', 'bad-ics'),
    pick: fc.nat(),
    as: anyone,
    bad: junkString,
    cached: fc.boolean(),
  })
  .map(
    (g): Step<State> =>
      (s) => {
        const f = pick(s.feeds, g.pick)
        if (g.op === 'list') return { method: 'GET', url: '/v1/feeds', headers: auth(g.as), label: 'GET /v1/feeds' }
        if (g.op === 'delete') {
          if (f && f.owner === g.as) s.feeds.splice(s.feeds.indexOf(f), 1)
          return { method: 'DELETE', url: `/v1/feeds/${f?.id ?? UNKNOWN_ID}`, headers: auth(g.as), label: 'DELETE /v1/feeds/:id' }
        }
        if (g.op === 'bad-ics') return { method: 'GET', url: `/feeds/${enc(g.bad)}.ics`, label: 'GET /feeds/:token.ics' }
        const headers: Record<string, string> = g.cached && f?.etag ? { 'if-none-match': f.etag } : {}
        return {
          method: g.op === 'head' ? 'HEAD' : 'GET',
          url: `/feeds/${f?.token ?? 'nope'}.ics`,
          headers,
          label: 'GET /feeds/:token.ics',
        }
      },
  )

// --- reports
const report = fc
  .record({
    from: interval,
    months: fc.integer({ min: 1, max: 14 }),
    party: sometimes(fc.constantFrom(...PARTIES), 0.3),
    asOf: sometimes(fc.integer({ min: -200, max: 800 }), 0.2),
    format: sometimes(fc.constantFrom('json', 'csv', 'html'), 0.5),
    accept: sometimes(
      fc.constantFrom(
        'text/csv',
        'text/html',
        'application/json;q=0.5, text/csv',
        '*/*',
        'image/png',
        'text/*;q=0',
        'application/json;q=abc',
      ),
      0.4,
    ),
    bad: sometimes(
      fc.record({ key: fc.constantFrom('from', 'to', 'party', 'programme', 'asOf', 'format', 'extra'), value: junkString }),
      0.3,
    ),
    as: anyone,
  })
  .map(
    (g): Step<State> =>
      () => {
        const from = startEnd(g.from).start
        const q: Record<string, unknown> = {
          from,
          to: rfc3339(EPOCH + (g.from.day + g.months * 31) * DAY, 0),
          party: g.party ?? undefined,
          asOf: g.asOf === null ? undefined : rfc3339(Date.UTC(2021, 9, 1) + g.asOf * DAY, 60),
          format: g.format ?? undefined,
        }
        if (g.bad) q[g.bad.key] = g.bad.value
        return {
          method: 'GET',
          url: `/v1/reports/compliance${qs(q)}`,
          headers: { ...auth(g.as), ...(g.accept ? { accept: g.accept } : {}) },
          label: 'GET /v1/reports/compliance',
        }
      },
  )

// --- slots
const slots = fc
  .record({
    duration: fc.constantFrom('PT1H', 'PT6H', 'PT30M', 'PT4H30M', 'P1D', 'PT0S', 'P99999Y', '-PT1H', 'PT1S', 'x'),
    from: fc.integer({ min: 0, max: 2000 }),
    days: fc.integer({ min: 1, max: 90 }),
    party: fc.constantFrom(...PARTIES),
    services: sometimes(fc.subarray([...SERVICES], { minLength: 1, maxLength: 3 }), 0.4),
    regions: sometimes(fc.subarray([...REGIONS], { minLength: 1 }), 0.4),
    count: sometimes(fc.integer({ min: 1, max: 20 }), 0.5),
    tolerate: sometimes(fc.constantFrom('warning', 'objection', 'breach', 'info', 'none'), 0.3),
    bad: sometimes(
      fc.record({ key: fc.constantFrom('duration', 'from', 'to', 'party', 'count', 'notifiedAt', 'tolerate', 'extra'), value: junkString }),
      0.3,
    ),
    as: anyone,
  })
  .map(
    (g): Step<State> =>
      () => {
        const q: Record<string, unknown> = {
          duration: g.duration,
          from: rfc3339(EPOCH + g.from * DAY, 60),
          to: rfc3339(EPOCH + (g.from + g.days) * DAY, 60),
          party: g.party,
          services: g.services?.join(','),
          regions: g.regions?.join(','),
          count: g.count === null ? undefined : String(g.count),
          tolerate: g.tolerate ?? undefined,
        }
        if (g.bad) q[g.bad.key] = g.bad.value
        return { method: 'GET', url: `/v1/slots${qs(q)}`, headers: auth(g.as), label: 'GET /v1/slots' }
      },
  )

// --- webhooks
const EVENTS = [
  'window.proposed',
  'window.changed',
  'window.cancelled',
  'window.decided',
  'window.starting',
  'schedule.published',
  'waiver.granted',
  'finding.raised',
] as const
// The test app opens no range and resolves no name: names are accepted (each delivery checks them),
// loopback and other non-public addresses are refused.
const hookUrl = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom('http://hooks.example.test:9/hook', 'https://hooks.example.test/h?x=1', 'http://dsp.example.test/h'),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'http://127.0.0.1:9/hook',
      'http://[::1]:9/h',
      'http://169.254.169.254/latest/meta-data',
      'file:///etc/passwd',
      'gopher://x',
      'http://example.org/h',
      'javascript:alert(1)',
      ...WEIRD.slice(0, 6),
    ),
  },
)
const hookBody = fc.record(
  {
    url: hookUrl,
    events: fc.subarray([...EVENTS], { minLength: 1 }),
    filter: fc.record({ parties: fc.subarray([...PARTIES], { maxLength: 2 }), regions: fc.subarray([...REGIONS]) }, { requiredKeys: [] }),
    description: text(),
  },
  { requiredKeys: ['url', 'events'] },
)
const createHook = fc.record({ body: hookBody, as: anyone, m: mutation(0.6), noise: headerNoise }).map(
  (g): Step<State> =>
    () => {
      const { payload, mutated } = mutate(g.body, g.m)
      return { method: 'POST', url: '/v1/webhooks', headers: { ...auth(g.as), ...g.noise }, payload, mutated, label: 'POST /v1/webhooks' }
    },
)
const hookOps = fc
  .record({
    op: fc.constantFrom('list', 'get', 'patch', 'patch', 'delete', 'test', 'deliveries', 'replay-one', 'replay-from', 'notices'),
    pick: fc.nat(),
    body: hookBody,
    enabled: fc.boolean(),
    as: fc.constantFrom<Who>('admin', 'dsp', 'reviewer', 'viewer', 'viewer'),
    own: fc.nat(4),
    m: mutation(0.6),
    fromDays: fc.integer({ min: -30, max: 30 }),
    limit: sometimes(fc.oneof(fc.integer({ min: 1, max: 200 }).map(String), junkString), 0.4),
    state: sometimes(fc.constantFrom('pending', 'delivered', 'dead', 'cancelled', 'lost'), 0.3),
  })
  .map(
    (g): Step<State> =>
      (s) => {
        const h = pick(s.hooks, g.pick)
        // mostly the owner, sometimes another key (which must not see it)
        const as: Who = h && g.own > 0 ? h.owner : g.as
        const id = h?.id ?? UNKNOWN_ID
        const headers = auth(as)
        switch (g.op) {
          case 'list':
            return { method: 'GET', url: '/v1/webhooks', headers, label: 'GET /v1/webhooks' }
          case 'get':
            return { method: 'GET', url: `/v1/webhooks/${id}`, headers, label: 'GET /v1/webhooks/:id' }
          case 'patch': {
            const { payload, mutated } = mutate({ description: g.body.description, events: g.body.events, enabled: g.enabled }, g.m)
            return { method: 'PATCH', url: `/v1/webhooks/${id}`, headers, payload, mutated, label: 'PATCH /v1/webhooks/:id' }
          }
          case 'delete':
            if (h && as === h.owner && g.pick % 4 === 0) s.hooks.splice(s.hooks.indexOf(h), 1)
            else return { method: 'GET', url: `/v1/webhooks/${id}`, headers, label: 'GET /v1/webhooks/:id' }
            return { method: 'DELETE', url: `/v1/webhooks/${id}`, headers, label: 'DELETE /v1/webhooks/:id' }
          case 'test':
            return { method: 'POST', url: `/v1/webhooks/${id}/test`, headers, label: 'POST /v1/webhooks/:id/test' }
          case 'deliveries':
            return {
              method: 'GET',
              url: `/v1/webhooks/${id}/deliveries${qs({ limit: g.limit ?? undefined, state: g.state ?? undefined })}`,
              headers,
              label: 'GET /v1/webhooks/:id/deliveries',
            }
          case 'replay-one':
            return {
              method: 'POST',
              url: `/v1/webhooks/${id}/deliveries/${pick(h?.deliveries ?? [], g.pick) ?? UNKNOWN_ID}/replay`,
              headers,
              label: 'POST /v1/webhooks/:id/deliveries/:deliveryId/replay',
            }
          case 'replay-from': {
            const { payload, mutated } = mutate({ from: rfc3339(Date.UTC(2021, 9, 1) + g.fromDays * DAY, 0) }, g.m)
            return { method: 'POST', url: `/v1/webhooks/${id}/replay`, headers, payload, mutated, label: 'POST /v1/webhooks/:id/replay' }
          }
          default:
            return { method: 'GET', url: `/v1/windows/${someWindow ?? UNKNOWN_ID}/notices`, headers, label: 'GET /v1/windows/:id/notices' }
        }
      },
  )
const windowChange = fc.record({ body: windowBody(['DSP']), status: fc.constantFrom(...STATUSES) }).map(
  (g): Step<State> =>
    (s) => ({
      method: 'POST',
      url: '/v1/windows',
      headers: auth('dsp'),
      payload: { ...g.body, reference: `H-${s.n++}` },
      label: 'POST /v1/windows',
    }),
)

const whoOf = (req: { headers?: Record<string, unknown> }): Who =>
  (Object.keys(keys) as Who[]).find((k) => keys[k].authorization === req.headers?.authorization) ?? 'admin'

function remember(s: State, req: { method: string; url: string; headers?: Record<string, unknown> }, res: Res) {
  if (req.url.startsWith('/feeds/') && res.statusCode === 200) {
    const f = s.feeds.find((x) => req.url === `/feeds/${x.token}.ics`)
    if (f) f.etag = String(res.headers.etag)
    return
  }
  if (res.statusCode >= 300 || req.method === 'GET' || !res.body) return
  const body = res.json() as { id?: string; url?: string }
  if (req.url === '/v1/feeds' && body.id && body.url) {
    const token = body.url.slice(`${BASE_URL}/feeds/`.length, -'.ics'.length)
    s.feeds.push({ id: body.id, token, owner: whoOf(req) })
  } else if (req.url === '/v1/webhooks' && body.id) s.hooks.push({ id: body.id, owner: whoOf(req), deliveries: [] })
  else if (/\/v1\/webhooks\/[^/]+\/(test|deliveries\/[^/]+\/replay)$/.test(req.url) && body.id) {
    const h = s.hooks.find((x) => req.url.startsWith(`/v1/webhooks/${x.id}/`))
    h?.deliveries.push(body.id)
  }
}

t.test('feeds and the .ics capability URL', async (t) => {
  await fuzz(t, 'feeds', ctx, state, fc.oneof({ weight: 2, arbitrary: createFeed }, { weight: 5, arbitrary: feedOps }), {
    seed: 11,
    onAnswer: remember,
  })
})
t.test('compliance reports', async (t) => {
  await fuzz(t, 'reports', ctx, state, report, { seed: 12, onAnswer: remember })
})
t.test('slots', async (t) => {
  await fuzz(t, 'slots', ctx, state, slots, { seed: 13, onAnswer: remember })
})
t.test('webhooks', async (t) => {
  await fuzz(
    t,
    'webhooks',
    ctx,
    state,
    fc.oneof({ weight: 2, arbitrary: createHook }, { weight: 6, arbitrary: hookOps }, { weight: 1, arbitrary: windowChange }),
    { seed: 14, onAnswer: remember },
  )
})
