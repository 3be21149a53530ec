import t from 'tap'
import { DEFAULT_RULESET } from '../../src/domain/index.ts'
import { aWindow, buildTestApp } from '../helpers/test-app.ts'

const ctx = await buildTestApp(t, { now: '2021-10-04T09:00:00Z' })
const { app, admin } = ctx
const viewer = await ctx.keyFor('viewer')

type F = { code: string; severity: string; message: string }
const dryRun = async (windows: Record<string, unknown>[], extra: Record<string, unknown> = {}) => {
  const r = await app.inject({ method: 'POST', url: '/v1/assessments', headers: viewer, payload: { windows, ...extra } })
  if (r.statusCode !== 200) throw new Error(r.body)
  return r.json() as {
    windows: { findings: F[]; ruleset: { version: string } }[]
    months: { month: string; capMinutes: number; status: string }[]
  }
}
const sunday = (date: string, over: Record<string, unknown> = {}) =>
  aWindow({ reference: `W-${date}`, start: `${date}T00:00:00Z`, end: `${date}T06:00:00Z`, notifiedAt: '2021-09-01T12:00:00Z', ...over })

t.test('a window is judged by the ruleset version in force at its start', async (t) => {
  const list = await app.inject({ url: '/v1/rulesets', headers: viewer })
  t.equal(list.json().items[0].ruleset.id, DEFAULT_RULESET.id)
  t.equal(list.json().items[0].builtIn, true)
  const bad = await app.inject({
    method: 'POST',
    url: '/v1/rulesets',
    headers: admin,
    payload: {
      ...DEFAULT_RULESET,
      version: 'bad',
      cap: { ...DEFAULT_RULESET.cap, headroomMinutes: { value: 400, provenance: 'assumed' } },
    },
  })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().errors[0].pointer, /^\/cap\/headroomMinutes/)
  const v2 = {
    ...DEFAULT_RULESET,
    version: '2022.1',
    effectiveFrom: '2022-01-01',
    cap: { ...DEFAULT_RULESET.cap, minutesPerMonth: { value: 720, provenance: 'assumed', source: 'test' } },
  }
  const created = await app.inject({ method: 'POST', url: '/v1/rulesets', headers: admin, payload: v2 })
  t.equal(created.statusCode, 201, created.body.slice(0, 300))
  t.equal(
    (await app.inject({ method: 'POST', url: '/v1/rulesets', headers: admin, payload: v2 })).statusCode,
    409,
    'versions are never overwritten',
  )
  t.equal((await app.inject({ method: 'POST', url: '/v1/rulesets', headers: viewer, payload: v2 })).statusCode, 403)
  const r = await dryRun([sunday('2021-12-05'), sunday('2021-12-12'), sunday('2022-01-16'), sunday('2022-01-30')])
  const dec = r.months.find((m) => m.month === '2021-12')!
  const jan = r.months.find((m) => m.month === '2022-01')!
  t.equal(dec.capMinutes, 360)
  t.equal(dec.status, 'breach')
  t.equal(jan.capMinutes, 720)
  t.not(jan.status, 'breach', 'the 2022 version allows 720 minutes')
  t.same(
    r.windows.map((w) => w.ruleset.version),
    ['2021.1.1', '2021.1.1', '2022.1', '2022.1'],
  )
  const pinned = await dryRun([sunday('2022-01-16'), sunday('2022-01-30')], { rulesetVersion: '2021.1' })
  t.equal(pinned.months[0]!.status, 'breach', 'a request may name another version')
  const versions = await app.inject({ url: `/v1/rulesets/${DEFAULT_RULESET.id}`, headers: viewer })
  t.equal(versions.json().items.length, 3, '2021.1, its relabelled successor 2021.1.1, and 2022.1')
})

t.test('blackout layers: built-in list, an operator layer with its own severity, edits with If-Match, state at an instant', async (t) => {
  const list = (await app.inject({ url: '/v1/blackouts', headers: viewer })).json().items as { category: string }[]
  for (const c of ['winter', 'prepayment-peak', 'bank-holiday', 'release-freeze'])
    t.ok(
      list.some((l) => l.category === c),
      c,
    )
  const layer = {
    id: 'csp-n-migration-freeze',
    name: 'CSP N migration batch',
    category: 'custom',
    severity: 'objection',
    scope: { parties: [], services: [], regions: ['N'] },
    owner: 'DCC',
    legalBasis: 'SMETS1 migration plan',
    provenance: 'assumed',
    periods: [{ start: '2022-05-14T00:00:00Z', end: '2022-05-16T00:00:00Z', label: 'batch 42' }],
  }
  const bad = await app.inject({ method: 'POST', url: '/v1/blackouts', headers: admin, payload: { ...layer, severity: 'apocalyptic' } })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().errors[0].pointer, /severity/)
  const created = await app.inject({ method: 'POST', url: '/v1/blackouts', headers: admin, payload: layer })
  t.equal(created.statusCode, 201, created.body.slice(0, 300))
  const hit = await dryRun([
    aWindow({ start: '2022-05-15T00:00:00+01:00', end: '2022-05-15T04:00:00+01:00', notifiedAt: '2022-03-01T12:00:00Z' }),
  ])
  const f = hit.windows[0]!.findings.find((x) => x.code === 'BLACKOUT')
  t.ok(f, 'BLACKOUT finding')
  t.equal(f?.severity, 'objection')
  const south = await dryRun([
    aWindow({
      party: 'CSP-S',
      regions: ['S'],
      start: '2022-05-15T00:00:00+01:00',
      end: '2022-05-15T04:00:00+01:00',
      notifiedAt: '2022-03-01T12:00:00Z',
    }),
  ])
  t.notOk(
    south.windows[0]!.findings.some((x) => x.code === 'BLACKOUT'),
    'out of the layer’s scope',
  )
  const got = await app.inject({ url: '/v1/blackouts/csp-n-migration-freeze', headers: viewer })
  t.equal(got.headers.etag, '"1"')
  const stale = await app.inject({
    method: 'PATCH',
    url: '/v1/blackouts/csp-n-migration-freeze',
    headers: { ...admin, 'if-match': '"7"' },
    payload: { severity: 'warning' },
  })
  t.equal(stale.statusCode, 412)
  const edited = await app.inject({
    method: 'PATCH',
    url: '/v1/blackouts/csp-n-migration-freeze',
    headers: { ...admin, 'if-match': '"1"' },
    payload: { severity: 'warning' },
  })
  t.equal(edited.statusCode, 200)
  t.equal(edited.json().severity, 'warning')
  const builtIn = list[0] as unknown as { id: string }
  t.equal(
    (await app.inject({ method: 'PATCH', url: `/v1/blackouts/${builtIn.id}`, headers: admin, payload: { severity: 'info' } })).statusCode,
    409,
  )
  const state = await app.inject({ url: '/v1/blackouts/state?at=2021-11-14T02:00:00Z', headers: viewer })
  t.equal(state.statusCode, 200)
  const active = state.json().active.map((a: { category: string }) => a.category)
  t.ok(active.includes('winter') && active.includes('prepayment-peak'), JSON.stringify(active))
  t.ok(state.json().nextChangeAt, 'says when it next changes')
  t.equal((await app.inject({ url: '/v1/blackouts/state?at=yesterday', headers: viewer })).statusCode, 400)
})

t.test("GET /v1/blackouts/periods: every layer's concrete periods in a range, each nation's bank holidays apart", async (t) => {
  const res = await app.inject({ url: '/v1/blackouts/periods?from=2021-10-01T00:00:00Z&to=2022-08-01T00:00:00Z', headers: viewer })
  t.equal(res.statusCode, 200, res.body)
  const items = res.json().items as {
    layerId: string
    category: string
    start: string
    end: string
    nation?: string
    label?: string
    provenance: string
  }[]
  const starts = items.map((p) => p.start)
  t.same(starts, [...starts].sort(), 'sorted by start')
  const winter = items.filter((p) => p.category === 'winter')
  t.ok(winter.length >= 1, 'winter is there')
  t.ok(
    winter.every((p) => p.start < '2022-08-01T00:00:00.000Z' && p.end > '2021-10-01T00:00:00.000Z'),
    'within the range',
  )
  t.equal(winter[0]?.provenance, 'inferred', "each period carries its layer's label")
  const holidays = items.filter((p) => p.category === 'bank-holiday')
  const nations = new Set(holidays.map((p) => p.nation))
  t.same([...nations].sort(), ['england-and-wales', 'northern-ireland', 'scotland'], 'one set of bank holidays per nation')
  const stAndrew = holidays.filter((p) => p.label && /Andrew/.test(p.label))
  t.ok(
    stAndrew.length >= 1 && stAndrew.every((p) => p.nation === 'scotland'),
    `St Andrew's Day only in Scotland: ${JSON.stringify(stAndrew)}`,
  )
  const stPatrick = holidays.filter((p) => p.label && /Patrick/.test(p.label))
  t.ok(stPatrick.length >= 1 && stPatrick.every((p) => p.nation === 'northern-ireland'), "St Patrick's Day only in Northern Ireland")
  t.ok(
    items.some((p) => p.category === 'prepayment-peak' && p.start.startsWith('2021-10-31')),
    'the November top-up peak starts at local midnight (GMT)',
  )

  const backwards = await app.inject({ url: '/v1/blackouts/periods?from=2022-01-01T00:00:00Z&to=2021-01-01T00:00:00Z', headers: viewer })
  t.equal(backwards.statusCode, 400)
  t.same(
    backwards.json().errors.map((e: { pointer: string; in: string }) => [e.in, e.pointer]),
    [['query', '/to']],
  )
  const tooLong = await app.inject({ url: '/v1/blackouts/periods?from=2000-01-01T00:00:00Z&to=2020-01-01T00:00:00Z', headers: viewer })
  t.equal(tooLong.statusCode, 400)
  t.match(tooLong.json().errors[0].message, /3653 days/)
  const missing = await app.inject({ url: '/v1/blackouts/periods?from=2022-01-01T00:00:00Z', headers: viewer })
  t.equal(missing.statusCode, 400)
  t.ok(
    missing.json().errors.some((e: { pointer: string }) => e.pointer === '/to'),
    missing.body,
  )
  t.equal((await app.inject({ url: '/v1/blackouts/periods?from=2021-10-01T00:00:00Z&to=2022-08-01T00:00:00Z' })).statusCode, 401)
})

t.test("GET /v1/notice-deadlines: each month's deadline, moved by a proclaimed holiday like the rule itself", async (t) => {
  const res = await app.inject({ url: '/v1/notice-deadlines?from=2021-10&to=2022-07', headers: viewer })
  t.equal(res.statusCode, 200, 'answered')
  const items = res.json().items as { month: string; deadline: { lastDay: string; before: string; calendar: string; provenance: string } }[]
  t.same(
    items.map((i) => i.month),
    ['2021-10', '2021-11', '2021-12', '2022-01', '2022-02', '2022-03', '2022-04', '2022-05', '2022-06', '2022-07'],
  )
  const nov = items.find((i) => i.month === '2021-11')!.deadline
  t.equal(nov.lastDay, '2021-10-04', 'OPSG 58: November windows had to be notified by 4 October')
  t.equal(nov.before, '2021-10-04T23:00:00.000Z')
  t.equal(nov.provenance, 'assumed', 'as sure as the assumed calendar choice')
  t.ok(
    items.every((i, k) => k === 0 || i.deadline.before > items[k - 1]!.deadline.before),
    'later months, later deadlines',
  )

  const bad = await app.inject({ url: '/v1/notice-deadlines?from=2022-07&to=2021-10', headers: viewer })
  t.equal(bad.statusCode, 400)
  t.same(
    bad.json().errors.map((e: { pointer: string }) => e.pointer),
    ['/to'],
  )
  const tooMany = await app.inject({ url: '/v1/notice-deadlines?from=2000-01&to=2020-01', headers: viewer })
  t.equal(tooMany.statusCode, 400)
  t.equal((await app.inject({ url: '/v1/notice-deadlines?from=2021-13&to=2022-01', headers: viewer })).statusCode, 400)
})

t.test('a proclaimed holiday (calendar override) moves a notice deadline, and the calendar version changes', async (t) => {
  const w = sunday('2021-11-14', { notifiedAt: '2021-10-04T12:00:00+01:00' })
  const before = await dryRun([w])
  t.notOk(
    before.windows[0]!.findings.some((f) => f.code === 'NOTICE_PERIOD' && f.severity === 'breach'),
    'notified on the deadline day: in time',
  )
  const cal0 = (await app.inject({ url: '/v1/calendars/england-and-wales?year=2021', headers: viewer })).json()
  const added = await app.inject({
    method: 'POST',
    url: '/v1/calendars/england-and-wales/overrides',
    headers: admin,
    payload: { date: '2021-10-15', action: 'add', name: 'Proclaimed holiday', reason: 'test proclamation' },
  })
  t.equal(added.statusCode, 201, added.body)
  t.not(added.json().calendarVersion, cal0.version, 'calendar version changes')
  const after = await dryRun([w])
  const breach = after.windows[0]!.findings.find((f) => f.code === 'NOTICE_PERIOD' && f.severity === 'breach')
  t.ok(breach, 'now late')
  t.match(breach?.message, /deadline for November 2021 was 2021-10-01/)
  const moved = (await app.inject({ url: '/v1/notice-deadlines?from=2021-11&to=2021-11', headers: viewer })).json().items[0].deadline
  t.equal(moved.lastDay, '2021-10-01', 'the published deadline moves with the proclaimed holiday, as the rule did')
  const cal = (await app.inject({ url: '/v1/calendars/england-and-wales?year=2021', headers: viewer })).json()
  t.equal(cal.overrides.length, 1)
  t.equal((await app.inject({ url: '/v1/calendars/narnia', headers: viewer })).statusCode, 404)
  const bad = await app.inject({
    method: 'POST',
    url: '/v1/calendars/england-and-wales/overrides',
    headers: admin,
    payload: { date: '2021-02-30', action: 'add', reason: 'x' },
  })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().errors[0].pointer, '/date')
})
