import fc from 'fast-check'
import t from 'tap'
import { buildTestApp } from '../helpers/test-app.ts'
import { EPOCH, PARTIES, REGIONS, rfc3339, text, title, windowBody, ZONES } from './arbitraries.ts'
import { enc, fuzz, fuzzTimeout, headerNoise, junkString, mutate, mutation, pick, qs, type Res, type Step, sometimes } from './kit.ts'

// Rules (rulesets, blackout layers, calendar overrides), reference data (parties, regions,
// services), API keys, and impact (estate, top-up profile, actuals, availability).
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
const mostlyAdmin = fc.constantFrom<Who>('admin', 'admin', 'admin', 'admin', 'viewer', 'dsp')
const DAY = 86_400_000
const get = async (url: string) => (await ctx.app.inject({ url, headers: ctx.admin })).json()

const defaultRuleset = (await get('/v1/rulesets')).items[0].ruleset as Record<string, unknown>
const estate = (await get('/v1/reference/estate')).data as Record<string, unknown>
const profile = (await get('/v1/reference/top-up-profile')).data as Record<string, unknown>

interface State {
  n: number
  layers: { id: string; version: number }[]
  keys: string[]
  windows: string[]
}
const state: State = { n: 0, layers: [], keys: [], windows: [] }

// --- rules
const ruleset = fc
  .record({ minutes: fc.integer({ min: 60, max: 2000 }), year: fc.integer({ min: 2022, max: 2040 }), m: mutation(0.6), as: mostlyAdmin })
  .map(
    (g): Step<State> =>
      (s) => {
        const cap = defaultRuleset.cap as Record<string, unknown>
        const body = {
          ...defaultRuleset,
          version: `${g.year}.${s.n++}`,
          effectiveFrom: `${g.year}-01-01`,
          cap: { ...cap, minutesPerMonth: { value: g.minutes, provenance: 'assumed', source: 'fuzz' } },
        }
        const { payload, mutated } = mutate(body, g.m)
        return { method: 'POST', url: '/v1/rulesets', headers: auth(g.as), payload, mutated, label: 'POST /v1/rulesets' }
      },
  )
const layerBody = fc.record({
  name: title(),
  category: fc.constantFrom('custom', 'release-freeze'),
  severity: fc.constantFrom('warning', 'objection', 'breach', 'info'),
  regions: fc.subarray([...REGIONS]),
  parties: fc.subarray([...PARTIES], { maxLength: 2 }),
  owner: title(30),
  legalBasis: text(),
  kind: fc.constantFrom('periods', 'recurrence', 'holidays'),
  day: fc.integer({ min: 0, max: 3000 }),
  hours: fc.integer({ min: 1, max: 500 }),
  rrule: fc.constantFrom(
    'FREQ=WEEKLY;BYDAY=SU',
    'FREQ=MONTHLY;BYMONTHDAY=1;COUNT=12',
    'FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24',
    'FREQ=DAILY;INTERVAL=7',
    'FREQ=SECONDLY',
    'FREQ=HOURLY;BYMINUTE=0',
  ),
  zone: fc.constantFrom(...ZONES),
  before: fc.integer({ min: 0, max: 5 }),
})
const layer = (g: typeof layerBody extends fc.Arbitrary<infer T> ? T : never, id: string) => {
  const start = EPOCH + g.day * DAY
  const base: Record<string, unknown> = {
    id,
    name: g.name,
    category: g.category,
    severity: g.severity,
    scope: { parties: g.parties, services: [], regions: g.regions },
    owner: g.owner,
    legalBasis: g.legalBasis,
    provenance: 'assumed',
  }
  if (g.kind === 'periods') base.periods = [{ start: rfc3339(start, 60), end: rfc3339(start + g.hours * 3_600_000, 60), label: 'fuzz' }]
  else if (g.kind === 'recurrence')
    base.recurrence = {
      rrule: g.rrule,
      dtstart: new Date(start).toISOString().slice(0, 10),
      startTime: '22:00',
      zone: g.zone,
      duration: `PT${g.hours % 48 || 1}H`,
    }
  else base.holidays = { daysBefore: g.before, daysAfter: 0, includeHoliday: true, zone: 'Europe/London' }
  return base
}
const addLayer = fc.record({ l: layerBody, m: mutation(0.55), as: mostlyAdmin }).map(
  (g): Step<State> =>
    (s) => {
      const { payload, mutated } = mutate(layer(g.l, `fuzz-${s.n++}`), g.m)
      return { method: 'POST', url: '/v1/blackouts', headers: auth(g.as), payload, mutated, label: 'POST /v1/blackouts' }
    },
)
const patchLayer = fc
  .record({
    l: layerBody,
    pick: fc.nat(),
    fields: fc.subarray(['name', 'severity', 'scope', 'legalBasis'] as const, { minLength: 1 }),
    stale: fc.boolean(),
    m: mutation(0.6),
  })
  .map(
    (g): Step<State> =>
      (s) => {
        const target = pick(s.layers, g.pick)
        const full = layer(g.l, target?.id ?? 'winter')
        const body = Object.fromEntries(g.fields.map((f) => [f, full[f]]))
        const { payload, mutated } = mutate(body, g.m)
        return {
          method: 'PATCH',
          url: `/v1/blackouts/${enc(target?.id ?? 'no-such-layer')}`,
          headers: {
            ...auth('admin'),
            'content-type': 'application/merge-patch+json',
            'if-match': `"${g.stale ? 999 : (target?.version ?? 1)}"`,
          },
          payload: JSON.stringify(payload),
          mutated,
          label: 'PATCH /v1/blackouts/:id',
        }
      },
  )
const readRules = fc
  .record({
    which: fc.constantFrom('rulesets', 'ruleset', 'blackouts', 'blackout', 'state', 'calendar'),
    pick: fc.nat(),
    at: fc.integer({ min: -3000, max: 6000 }),
    bad: sometimes(junkString, 0.15),
    year: fc.integer({ min: 1990, max: 2110 }),
  })
  .map(
    (g): Step<State> =>
      (s) => {
        const bad = g.bad === null ? undefined : enc(g.bad)
        const at = rfc3339(EPOCH + g.at * DAY, 60)
        const url = {
          rulesets: '/v1/rulesets',
          ruleset: `/v1/rulesets/${bad ?? enc(String(defaultRuleset.id))}`,
          blackouts: '/v1/blackouts',
          blackout: `/v1/blackouts/${bad ?? enc(pick(s.layers, g.pick)?.id ?? 'winter')}`,
          state: `/v1/blackouts/state${qs({ at: bad ?? at, regions: g.pick % 2 ? 'N,C' : undefined })}`,
          calendar: `/v1/calendars/${bad ?? (g.pick % 2 ? 'england-and-wales' : 'scotland')}${qs({ year: String(g.year) })}`,
        }[g.which]
        return { method: 'GET', url, headers: auth('viewer'), label: `GET ${g.which}` }
      },
  )
const override = fc
  .record({
    calendar: fc.constantFrom('england-and-wales', 'england-and-wales', 'scotland', 'northern-ireland', 'gb-union', 'atlantis'),
    day: fc.integer({ min: 0, max: 3000 }),
    action: fc.constantFrom('add', 'remove'),
    name: title(),
    reason: title(),
    m: mutation(0.6),
    as: mostlyAdmin,
  })
  .map(
    (g): Step<State> =>
      () => {
        const body = { date: new Date(EPOCH + g.day * DAY).toISOString().slice(0, 10), action: g.action, name: g.name, reason: g.reason }
        const { payload, mutated } = mutate(body, g.m)
        return {
          method: 'POST',
          url: `/v1/calendars/${g.calendar}/overrides`,
          headers: auth(g.as),
          payload,
          mutated,
          label: 'POST /v1/calendars/:calendar/overrides',
        }
      },
  )

// --- reference data
const addReference = fc
  .record({
    kind: fc.constantFrom('parties', 'regions', 'services'),
    name: title(),
    regions: fc.subarray([...REGIONS]),
    nations: fc.subarray(['england', 'wales', 'scotland', 'northern-ireland']),
    prepayment: fc.boolean(),
    description: text(),
    dup: fc.nat(9),
    m: mutation(0.6),
    as: mostlyAdmin,
  })
  .map(
    (g): Step<State> =>
      (s) => {
        const n = g.dup === 0 ? 0 : s.n++
        const body =
          g.kind === 'parties'
            ? { id: `FZ-${n}`, name: g.name, regions: g.regions }
            : g.kind === 'regions'
              ? { id: `R${n}`, name: g.name, nations: g.nations }
              : { id: `fz-${n}`, name: g.name, description: g.description, prepayment: g.prepayment }
        const { payload, mutated } = mutate(body, g.m)
        return { method: 'POST', url: `/v1/${g.kind}`, headers: auth(g.as), payload, mutated, label: `POST /v1/${g.kind}` }
      },
  )
const readReference = fc
  .constantFrom('/v1/parties', '/v1/regions', '/v1/services', '/v1/reference/estate', '/v1/reference/top-up-profile')
  .map(
    (url): Step<State> =>
      () => ({ method: 'GET', url, headers: auth('viewer'), label: `GET ${url}` }),
  )

// --- keys
const createKey = fc
  .record({
    name: title(),
    role: fc.constantFrom('admin', 'reviewer', 'submitter', 'viewer'),
    parties: fc.subarray([...PARTIES], { minLength: 1, maxLength: 3 }),
    single: fc.boolean(),
    m: mutation(0.6),
    as: mostlyAdmin,
    noise: headerNoise,
  })
  .map(
    (g): Step<State> =>
      () => {
        const body: Record<string, unknown> = { name: g.name, role: g.role }
        if (g.role === 'submitter') {
          if (g.single) body.party = g.parties[0]
          else body.parties = g.parties
        }
        const { payload, mutated } = mutate(body, g.m)
        return { method: 'POST', url: '/v1/keys', headers: { ...auth(g.as), ...g.noise }, payload, mutated, label: 'POST /v1/keys' }
      },
  )
const keyOps = fc
  .record({ op: fc.constantFrom('list', 'revoke', 'revoke'), pick: fc.nat(), bad: sometimes(junkString, 0.1), as: mostlyAdmin })
  .map(
    (g): Step<State> =>
      (s) =>
        g.op === 'list'
          ? { method: 'GET', url: '/v1/keys', headers: auth(g.as), label: 'GET /v1/keys' }
          : {
              method: 'DELETE',
              url: `/v1/keys/${g.bad !== null ? enc(g.bad) : (s.keys.splice(g.pick % Math.max(1, s.keys.length), 1)[0] ?? '00000000-0000-4000-8000-000000000000')}`,
              headers: auth(g.as),
              label: 'DELETE /v1/keys/:id',
            },
  )

// --- impact
const figure = (value: unknown) => ({ value, source: 'fuzz', confidence: 'assumed' })
const putEstate = fc
  .record({
    premises: fc.integer({ min: 0, max: 10_000_000 }),
    share: fc.double({ min: 0, max: 1, noNaN: true }),
    m: mutation(0.55),
    as: mostlyAdmin,
  })
  .map(
    (g): Step<State> =>
      () => {
        const body = structuredClone(estate) as { regions: Record<string, Record<string, unknown>> }
        body.regions.N!.premises = figure(g.premises)
        body.regions.C!.prepaymentShare = figure(g.share)
        const { payload, mutated } = mutate(body, g.m)
        return { method: 'PUT', url: '/v1/reference/estate', headers: auth(g.as), payload, mutated, label: 'PUT /v1/reference/estate' }
      },
  )
const putProfile = fc
  .record({
    rate: fc.double({ min: 0, max: 10, noNaN: true }),
    mult: fc.double({ min: 0, max: 5, noNaN: true }),
    m: mutation(0.55),
    as: mostlyAdmin,
  })
  .map(
    (g): Step<State> =>
      () => {
        const body = structuredClone(profile) as Record<string, unknown>
        body.baseRatePerCustomerPerWeek = figure(g.rate)
        body.preHolidayMultiplier = figure(g.mult)
        const { payload, mutated } = mutate(body, g.m)
        return {
          method: 'PUT',
          url: '/v1/reference/top-up-profile',
          headers: auth(g.as),
          payload,
          mutated,
          label: 'PUT /v1/reference/top-up-profile',
        }
      },
  )
const createWindow = fc.record({ body: windowBody(['DSP']) }).map(
  (g): Step<State> =>
    (s) => ({
      method: 'POST',
      url: '/v1/windows',
      headers: auth('dsp'),
      payload: { ...g.body, reference: `I-${s.n++}` },
      label: 'POST /v1/windows',
    }),
)
const actuals = fc
  .record({
    pick: fc.nat(),
    startShift: fc.integer({ min: -600, max: 600 }),
    len: sometimes(fc.integer({ min: -60, max: 3000 }), 0.7),
    reason: sometimes(title(), 0.3),
    m: mutation(0.6),
    as: fc.constantFrom<Who>('admin', 'dsp', 'dsp', 'viewer'),
  })
  .map(
    (g): Step<State> =>
      (s) => {
        const id = pick(s.windows, g.pick) ?? '00000000-0000-4000-8000-000000000000'
        const start = Date.UTC(2021, 9, 1, 9) + g.startShift * 60_000
        const body: Record<string, unknown> = {
          actualStart: rfc3339(start, 0),
          ...(g.len !== null ? { actualEnd: rfc3339(start + g.len * 60_000, 0) } : {}),
        }
        if (g.reason) body.reason = g.reason
        const { payload, mutated } = mutate(body, g.m)
        return {
          method: 'POST',
          url: `/v1/windows/${id}/actuals`,
          headers: auth(g.as),
          payload,
          mutated,
          label: 'POST /v1/windows/:id/actuals',
        }
      },
  )
const availability = fc
  .record({
    y: fc.integer({ min: 1999, max: 2031 }),
    mo: fc.integer({ min: 1, max: 12 }),
    party: sometimes(fc.constantFrom(...PARTIES), 0.5),
    bad: sometimes(junkString, 0.15),
  })
  .map(
    (g): Step<State> =>
      () => ({
        method: 'GET',
        url: `/v1/availability${qs({ month: g.bad ?? `${g.y}-${String(g.mo).padStart(2, '0')}`, party: g.party ?? undefined })}`,
        headers: auth('viewer'),
        label: 'GET /v1/availability',
      }),
  )

function remember(s: State, req: { method: string; url: string }, res: Res) {
  if (res.statusCode >= 300 || req.method === 'GET' || !res.body) return
  const body = res.json() as { id?: string; version?: number }
  if (req.url === '/v1/blackouts' && body.id) s.layers.push({ id: body.id, version: body.version ?? 1 })
  else if (req.url.startsWith('/v1/blackouts/') && body.id) {
    const l = s.layers.find((x) => x.id === body.id)
    if (l) l.version = body.version ?? l.version
  } else if (req.url === '/v1/keys' && body.id) s.keys.push(body.id)
  else if (req.url === '/v1/windows' && body.id) s.windows.push(body.id)
}

t.test('rules: rulesets, blackout layers, calendar overrides', async (t) => {
  await fuzz(
    t,
    'rules',
    ctx,
    state,
    fc.oneof(
      { weight: 1, arbitrary: ruleset },
      { weight: 3, arbitrary: addLayer },
      { weight: 2, arbitrary: patchLayer },
      { weight: 3, arbitrary: readRules },
      { weight: 2, arbitrary: override },
    ),
    { seed: 6, onAnswer: remember },
  )
})
t.test('reference data: parties, regions, services', async (t) => {
  await fuzz(t, 'reference', ctx, state, fc.oneof({ weight: 3, arbitrary: addReference }, { weight: 2, arbitrary: readReference }), {
    seed: 7,
    onAnswer: remember,
  })
})
t.test('keys: issue, list, revoke', async (t) => {
  await fuzz(t, 'keys', ctx, state, fc.oneof({ weight: 3, arbitrary: createKey }, { weight: 2, arbitrary: keyOps }), {
    seed: 8,
    onAnswer: remember,
  })
})
t.test('impact: estate, top-up profile, actuals, availability', async (t) => {
  await fuzz(
    t,
    'impact',
    ctx,
    state,
    fc.oneof(
      { weight: 2, arbitrary: putEstate },
      { weight: 2, arbitrary: putProfile },
      { weight: 1, arbitrary: createWindow },
      { weight: 3, arbitrary: actuals },
      { weight: 2, arbitrary: availability },
    ),
    { seed: 9, onAnswer: remember },
  )
})
