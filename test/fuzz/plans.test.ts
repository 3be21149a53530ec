import fc from 'fast-check'
import t from 'tap'
import { buildTestApp } from '../helpers/test-app.ts'
import { EPOCH, interval, PARTIES, rfc3339, SERVICES, startEnd, text, title, windowBody, ZONES } from './arbitraries.ts'
import { enc, fuzz, fuzzTimeout, headerNoise, junkString, mutate, mutation, pick, type Res, type Step, sometimes, WEIRD } from './kit.ts'

// Plans: dry-run assessments, programmes (a list or an RRULE) and their re-planning, schedule
// publication and waivers.
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
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000'
const DAY = 86_400_000

interface State {
  n: number
  programmes: { id: string; version: number }[]
  findings: string[]
}
const state: State = { n: 0, programmes: [], findings: [] }

/** Remembers programmes and the waivable findings of every window an answer shows. */
function remember(s: State, _req: unknown, res: Res) {
  if (res.statusCode >= 300 || !String(res.headers['content-type']).startsWith('application/json')) return
  const body = res.json() as {
    programme?: { id?: string; version?: number }
    windows?: { assessment?: { findings?: { key: string; waivable?: boolean }[] } }[]
  }
  if (body.programme?.id) {
    const known = s.programmes.find((p) => p.id === body.programme!.id)
    if (known) known.version = body.programme.version ?? known.version
    else s.programmes.push({ id: body.programme.id, version: body.programme.version ?? 1 })
  }
  for (const w of body.windows ?? [])
    for (const f of w.assessment?.findings ?? []) if (f.waivable && !s.findings.includes(f.key)) s.findings.push(f.key)
  if (s.findings.length > 500) s.findings.splice(0, 250)
}

// --- POST /v1/assessments (dry run)
const dryRun = fc
  .record({
    windows: fc.array(windowBody(), { minLength: 1, maxLength: 5 }),
    extra: fc.record(
      {
        notifiedAt: interval.map((i) => startEnd({ ...i, day: Math.max(0, i.day - 100) }).start),
        status: fc.constantFrom('proposed', 'notified', 'agreed'),
      },
      { requiredKeys: [] },
    ),
    context: sometimes(fc.constantFrom('plan-only', 'with-stored'), 0.5),
    rulesetVersion: sometimes(fc.constantFrom('2021.1', 'nope', ...WEIRD.slice(0, 5)), 0.1),
    as: fc.constantFrom<Who>('admin', 'dsp', 'reviewer', 'viewer'),
    m: mutation(0.6),
    noise: headerNoise,
  })
  .map(
    (g): Step<State> =>
      (s) => {
        const body: Record<string, unknown> = {
          windows: g.windows.map((w, i) => ({ ...w, ...(i === 0 ? g.extra : {}), reference: `D-${s.n++}` })),
          ...(g.context ? { context: g.context } : {}),
          ...(g.rulesetVersion ? { rulesetVersion: g.rulesetVersion } : {}),
        }
        const { payload, mutated } = mutate(body, g.m)
        return {
          method: 'POST',
          url: '/v1/assessments',
          headers: { ...auth(g.as), ...g.noise },
          payload,
          mutated,
          label: 'POST /v1/assessments',
        }
      },
  )

// --- POST /v1/programmes (a list of windows or an RRULE)
const RRULES = [
  'FREQ=WEEKLY;BYDAY=SU;COUNT=3',
  'FREQ=MONTHLY;BYMONTHDAY=1;COUNT=2',
  'FREQ=DAILY;INTERVAL=10;COUNT=4',
  'RRULE:FREQ=WEEKLY;BYDAY=SA,SU;COUNT=4',
  'FREQ=WEEKLY;INTERVAL=4;UNTIL=20300101',
  // would expand for ever (or nearly): the service refuses them or stops at five years
  'FREQ=SECONDLY',
  'FREQ=MINUTELY;INTERVAL=1',
  'FREQ=HOURLY',
  'FREQ=DAILY;BYHOUR=1,2,3',
  'FREQ=YEARLY;COUNT=999999999',
  'FREQ=SECONDLY;UNTIL=99991231T235959Z',
  'FREQ=WEEKLY;BYDAY=MO;BYSETPOS=400',
  'FREQ=MONTHLY;BYMONTHDAY=31;COUNT=3',
] as const
const hhmm = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`)
const programme = fc
  .record({
    name: title(),
    party: fc.constantFrom(...PARTIES),
    description: text(100),
    list: fc.boolean(),
    windows: fc.array(windowBody(['DSP']), { minLength: 1, maxLength: 4 }),
    rrule: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...RRULES.slice(0, 5)) },
      { weight: 2, arbitrary: fc.constantFrom(...RRULES.slice(5)) },
    ),
    day: fc.integer({ min: 0, max: 7 * 365 }),
    startTime: hhmm,
    endTime: hhmm,
    zone: fc.constantFrom(...ZONES),
    exdates: sometimes(fc.array(fc.constantFrom('2022-03-20', '2025-01-05', 'not-a-date', '9999-12-31'), { maxLength: 3 }), 0.2),
    template: fc.record({
      title: title(),
      impact: fc.constantFrom('degraded', 'outage', 'no-impact'),
      services: fc.subarray([...SERVICES], { maxLength: 2 }),
    }),
    as: fc.constantFrom<Who>('admin', 'admin', 'dsp', 'dsp', 'viewer'),
    m: mutation(0.6),
  })
  .map(
    (g): Step<State> =>
      (s) => {
        const n = s.n++
        const party = g.as === 'dsp' ? 'DSP' : g.party
        const body: Record<string, unknown> = { name: g.name, party, description: g.description }
        if (g.list) body.windows = g.windows.map(({ party: _p, ...w }, i) => ({ ...w, reference: `P${n}-${i}` }))
        else
          body.recurrence = {
            rrule: g.rrule,
            dtstart: new Date(EPOCH + g.day * DAY).toISOString().slice(0, 10),
            startTime: g.startTime,
            endTime: g.endTime === g.startTime ? '23:59' : g.endTime,
            zone: g.zone,
            ...(g.exdates ? { exdates: g.exdates } : {}),
            referencePrefix: `R${n}`,
            template: g.template,
          }
        const { payload, mutated } = mutate(body, g.m)
        return { method: 'POST', url: '/v1/programmes', headers: auth(g.as), payload, mutated, label: 'POST /v1/programmes' }
      },
  )

// --- GET /v1/programmes/:id[/assessment]; POST …/replan[/apply]
const programmeRead = fc
  .record({
    pick: fc.nat(),
    sub: fc.constantFrom('', '/assessment'),
    bad: sometimes(junkString, 0.1),
    rv: sometimes(fc.constantFrom('2021.1', 'x'), 0.2),
  })
  .map(
    (g): Step<State> =>
      (s) => {
        const id = g.bad !== null ? enc(g.bad) : (pick(s.programmes, g.pick)?.id ?? UNKNOWN_ID)
        const q = g.rv && g.sub ? `?rulesetVersion=${g.rv}` : ''
        return { method: 'GET', url: `/v1/programmes/${id}${g.sub}${q}`, headers: auth('viewer'), label: `GET /v1/programmes/:id${g.sub}` }
      },
  )
const replan = fc
  .record({
    pick: fc.nat(),
    apply: fc.boolean(),
    publishedAt: fc.integer({ min: -60, max: 400 }).map((d) => rfc3339(Date.UTC(2021, 9, 1) + d * DAY, 60)),
    until: sometimes(
      fc.integer({ min: 30, max: 900 }).map((d) => rfc3339(EPOCH + d * DAY, 0)),
      0.5,
    ),
    ifMatch: fc.constantFrom('ok', 'ok', 'stale', 'none', 'junk'),
    as: fc.constantFrom<Who>('admin', 'dsp', 'viewer'),
    m: mutation(0.7),
  })
  .map(
    (g): Step<State> =>
      (s) => {
        const p = pick(s.programmes, g.pick)
        const { payload, mutated } = mutate({ publishedAt: g.publishedAt, ...(g.until ? { until: g.until } : {}) }, g.m)
        const headers: Record<string, string> = auth(g.as)
        if (g.apply && g.ifMatch !== 'none')
          headers['if-match'] = g.ifMatch === 'ok' ? `"${p?.version ?? 1}"` : g.ifMatch === 'stale' ? '"999"' : 'W/x'
        return {
          method: 'POST',
          url: `/v1/programmes/${p?.id ?? UNKNOWN_ID}/replan${g.apply ? '/apply' : ''}`,
          headers,
          payload,
          mutated,
          label: `POST /v1/programmes/:id/replan${g.apply ? '/apply' : ''}`,
        }
      },
  )

// --- schedules
const month = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .tuple(fc.integer({ min: 2021, max: 2030 }), fc.integer({ min: 1, max: 12 }))
      .map(([y, m]) => `${y}-${String(m).padStart(2, '0')}`),
  },
  { weight: 1, arbitrary: fc.constantFrom('2021-13', '2021-00', '0001-01', '9999-12', '21-11', '2021-1', "1'--", 'x', '%00') },
)
const publish = fc
  .record({
    month,
    publishedAt: sometimes(
      fc.integer({ min: -400, max: 0 }).map((d) => rfc3339(Date.UTC(2021, 9, 1) + d * DAY, 60)),
      0.3,
    ),
    parties: sometimes(fc.subarray([...PARTIES], { minLength: 1 }), 0.3),
    as: fc.constantFrom<Who>('admin', 'admin', 'dsp', 'viewer'),
    m: mutation(0.65),
  })
  .map(
    (g): Step<State> =>
      () => {
        const body: Record<string, unknown> = {}
        if (g.publishedAt && g.as === 'admin') body.publishedAt = g.publishedAt
        if (g.parties) body.parties = g.as === 'dsp' ? ['DSP'] : g.parties
        const { payload, mutated } = mutate(body, g.m)
        return {
          method: 'POST',
          url: `/v1/schedules/${enc(g.month)}/publish`,
          headers: auth(g.as),
          payload,
          mutated,
          label: 'POST /v1/schedules/:month/publish',
        }
      },
  )
const schedule = month.map(
  (m): Step<State> =>
    () => ({ method: 'GET', url: `/v1/schedules/${enc(m)}`, headers: auth('viewer'), label: 'GET /v1/schedules/:month' }),
)

// --- waivers
const waiver = fc
  .record({
    pick: fc.nat(),
    approvedBy: fc.constantFrom('sec-panel', 'opsg-delegated'),
    decisionRef: title(40),
    decidedDaysAgo: fc.integer({ min: -2, max: 300 }),
    reason: title(),
    expires: sometimes(fc.integer({ min: -10, max: 900 }), 0.4),
    as: fc.constantFrom<Who>('admin', 'reviewer', 'reviewer', 'dsp'),
    m: mutation(0.65),
  })
  .map(
    (g): Step<State> =>
      (s) => {
        const now = Date.UTC(2021, 9, 1, 9)
        const decidedAt = now - g.decidedDaysAgo * DAY
        const body: Record<string, unknown> = {
          findingKey: pick(s.findings, g.pick) ?? `${UNKNOWN_ID}:NOTICE_PERIOD:x`,
          approvedBy: g.approvedBy,
          decisionRef: g.decisionRef,
          decidedAt: rfc3339(decidedAt, 0),
          reason: g.reason,
          ...(g.expires !== null ? { expiresAt: rfc3339(decidedAt + g.expires * DAY, 0) } : {}),
        }
        const { payload, mutated } = mutate(body, g.m)
        return { method: 'POST', url: '/v1/waivers', headers: auth(g.as), payload, mutated, label: 'POST /v1/waivers' }
      },
  )
const waivers = fc.constant(
  (): ReturnType<Step<State>> => ({ method: 'GET', url: '/v1/waivers', headers: auth('viewer'), label: 'GET /v1/waivers' }),
)

const opts = { onAnswer: remember }
t.test('dry-run assessments', async (t) => {
  await fuzz(t, 'assessments', ctx, state, dryRun, { ...opts, seed: 2, readOnly: true })
})
t.test('programmes and re-planning', async (t) => {
  await fuzz(
    t,
    'programmes',
    ctx,
    state,
    fc.oneof({ weight: 4, arbitrary: programme }, { weight: 2, arbitrary: programmeRead }, { weight: 3, arbitrary: replan }),
    { ...opts, seed: 3 },
  )
})
t.test('schedules: publication and reading', async (t) => {
  await fuzz(
    t,
    'schedules',
    ctx,
    state,
    fc.oneof({ weight: 1, arbitrary: programme }, { weight: 3, arbitrary: publish }, { weight: 2, arbitrary: schedule }),
    {
      ...opts,
      seed: 4,
    },
  )
})
t.test('waivers', async (t) => {
  await fuzz(
    t,
    'waivers',
    ctx,
    state,
    fc.oneof({ weight: 1, arbitrary: programme }, { weight: 4, arbitrary: waiver }, { weight: 1, arbitrary: waivers }),
    {
      ...opts,
      seed: 5,
    },
  )
})
