import fc from 'fast-check'
import t from 'tap'
import { buildTestApp } from '../helpers/test-app.ts'
import { IMPACTS, PARTIES, REGIONS, SERVICES, STATUSES, startEnd, interval, text, title, windowBody } from './arbitraries.ts'
import { enc, fuzz, fuzzTimeout, headerNoise, junkString, mutation, mutate, pick, qs, sometimes, type Step } from './kit.ts'

// Windows: create, edit (merge patch with If-Match), lifecycle moves, list filters, reads.
t.setTimeout(fuzzTimeout(1))

const ctx = await buildTestApp(t)
const keys = {
  admin: ctx.admin,
  dsp: await ctx.keyFor('submitter', ['DSP']),
  reviewer: await ctx.keyFor('reviewer'),
  viewer: await ctx.keyFor('viewer'),
}
type Who = keyof typeof keys
interface State {
  n: number
  windows: { id: string; version: number; party: string }[]
}
const state: State = { n: 0, windows: [] }
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000'

// Mostly the admin (any party) or the DSP planner on its own party; now and then a role that may not.
const who = fc.constantFrom<Who>('admin', 'admin', 'admin', 'dsp', 'dsp', 'reviewer', 'viewer')
const auth = (w: Who) => ({ ...keys[w] }) as Record<string, string>
const target = (s: State, n: number) => pick(s.windows, n)

const create = fc
  .record({
    body: windowBody(),
    as: who,
    m: mutation(0.6),
    prefix: fc.stringMatching(/^[A-Z][A-Z0-9]{0,7}$/),
    noise: headerNoise,
    idem: sometimes(fc.uuid(), 0.2),
  })
  .map(
    (g): Step<State> =>
      (s) => {
        const body: Record<string, unknown> = { ...g.body, reference: `${g.prefix}-${s.n++}` }
        if (g.as === 'dsp') body.party = 'DSP'
        const { payload, mutated } = mutate(body, g.m)
        const headers = { ...auth(g.as), ...(g.idem ? { 'idempotency-key': g.idem } : {}), ...g.noise }
        return { method: 'POST', url: '/v1/windows', headers, payload, mutated, label: 'POST /v1/windows' }
      },
  )

const patchBody = fc.record(
  {
    title: title(),
    description: fc.option(text(200), { nil: null }),
    impact: fc.constantFrom(...IMPACTS),
    services: fc.option(fc.subarray([...SERVICES], { maxLength: 3 }), { nil: null }),
    regions: fc.option(fc.subarray([...REGIONS]), { nil: null }),
    when: interval,
    riskToService: fc.option(text(), { nil: null }),
  },
  { requiredKeys: [] },
)
const patch = fc
  .record({ body: patchBody, as: who, pick: fc.nat(), m: mutation(0.65), stale: fc.nat(9), json: fc.boolean(), noise: headerNoise })
  .map(
    (g): Step<State> =>
      (s) => {
        const w = target(s, g.pick)
        const { when, ...rest } = g.body
        const body: Record<string, unknown> = { ...rest, ...(when && g.pick % 2 ? startEnd(when) : {}) }
        const { payload, mutated } = mutate(body, g.m)
        const version = g.stale === 0 ? 99 : (w?.version ?? 1)
        const headers: Record<string, string | string[]> = {
          ...auth(g.as === 'reviewer' ? 'dsp' : g.as),
          'content-type': g.json ? 'application/json' : 'application/merge-patch+json',
          ...(g.stale === 1 ? {} : { 'if-match': g.stale === 2 ? `W/"${version}"` : `"${version}"` }),
          ...g.noise,
        }
        return {
          method: 'PATCH',
          url: `/v1/windows/${w?.id ?? UNKNOWN_ID}`,
          headers,
          payload: JSON.stringify(payload),
          mutated,
          label: 'PATCH /v1/windows/:id',
        }
      },
  )

const status = fc
  .record({
    to: fc.constantFrom(...STATUSES),
    reason: title(),
    decisionRef: fc.option(fc.constantFrom('OPSG-58', 'SEC-PANEL-1'), { nil: undefined }),
    as: who,
    pick: fc.nat(),
    m: mutation(0.7),
  })
  .map(
    (g): Step<State> =>
      (s) => {
        const w = target(s, g.pick)
        const body = { to: g.to, reason: g.reason, ...(g.decisionRef ? { decisionRef: g.decisionRef } : {}) }
        const { payload, mutated } = mutate(body, g.m)
        return {
          method: 'POST',
          url: `/v1/windows/${w?.id ?? UNKNOWN_ID}/status`,
          headers: auth(g.as),
          payload,
          mutated,
          label: 'POST /v1/windows/:id/status',
        }
      },
  )

const listQuery = fc.record(
  {
    from: interval.map((i) => startEnd(i).start),
    to: interval.map((i) => startEnd({ ...i, day: i.day + 400 }).end),
    party: fc.subarray([...PARTIES], { minLength: 1, maxLength: 3 }).map((a) => a.join(',')),
    status: fc.subarray([...STATUSES], { minLength: 1, maxLength: 3 }).map((a) => a.join(',')),
    services: fc.subarray([...SERVICES], { minLength: 1, maxLength: 2 }).map((a) => a.join(',')),
    regions: fc.subarray([...REGIONS], { minLength: 1 }).map((a) => a.join(',')),
    limit: fc.integer({ min: 1, max: 500 }).map(String),
  },
  { requiredKeys: [] },
)
const list = fc
  .record({
    q: listQuery,
    as: who,
    bad: sometimes(
      fc.record({
        key: fc.constantFrom('from', 'to', 'party', 'status', 'limit', 'cursor', 'programme', 'services', 'regions', 'unknown'),
        value: junkString,
      }),
      0.3,
    ),
  })
  .map(
    (g): Step<State> =>
      () => {
        const q: Record<string, unknown> = { ...g.q }
        if (g.bad) q[g.bad.key] = g.bad.value
        return { method: 'GET', url: `/v1/windows${qs(q)}`, headers: auth(g.as), label: 'GET /v1/windows' }
      },
  )

const read = fc
  .record({
    sub: fc.constantFrom('', '', '/history', '/assessment', '/notices'),
    as: who,
    pick: fc.nat(),
    badId: sometimes(junkString, 0.15),
  })
  .map(
    (g): Step<State> =>
      (s) => {
        const id = g.badId !== null ? enc(g.badId) : (target(s, g.pick)?.id ?? UNKNOWN_ID)
        return { method: 'GET', url: `/v1/windows/${id}${g.sub}`, headers: auth(g.as), label: `GET /v1/windows/:id${g.sub}` }
      },
  )

t.test('windows: create, patch, status, list and reads under fuzzing', async (t) => {
  await fuzz(
    t,
    'windows',
    ctx,
    state,
    fc.oneof(
      { weight: 5, arbitrary: create },
      { weight: 3, arbitrary: patch },
      { weight: 2, arbitrary: status },
      { weight: 2, arbitrary: list },
      { weight: 3, arbitrary: read },
    ),
    {
      seed: 1,
      onAnswer: (s, req, res) => {
        if (res.statusCode >= 300 || req.method === 'GET') return
        const w = res.json() as { id?: string; version?: number; party?: string }
        if (!w.id || w.version === undefined) return
        const known = s.windows.find((x) => x.id === w.id)
        if (known) known.version = w.version
        else s.windows.push({ id: w.id, version: w.version, party: w.party ?? '' })
      },
    },
  )
})
