import { readFileSync } from 'node:fs'
import t from 'tap'
import { DEFAULT_RULESET } from '../../src/domain/index.ts'
import { aWindow, buildTestApp } from '../helpers/test-app.ts'
import { ROOT } from '../helpers/subprocess.ts'

const plan = JSON.parse(readFileSync(`${ROOT}/examples/opsg-58-plan.json`, 'utf8')) as { windows: Record<string, unknown>[] }
const ctx = await buildTestApp(t, { now: '2021-10-05T09:00:00Z' })
const { app } = ctx
const dsp = await ctx.keyFor('submitter', ['DSP'])
const reviewer = await ctx.keyFor('reviewer')
const viewer = await ctx.keyFor('viewer')

type F = {
  code: string
  severity: string
  key: string
  message: string
  waivable: boolean
  waiver?: unknown
  evidence: Record<string, unknown>
}
type A = { reference: string; findings: F[]; months: { month: string; plannedMinutes: number; status: string }[] }
const has = (a: A, code: string, severity: string) => a.findings.some((f) => f.code === code && f.severity === severity)

t.beforeEach(async () => {
  await ctx.reset()
  ctx.clock.set('2021-10-05T09:00:00Z')
})

t.test('dry run of the OPSG 58 plan says what OPSG said, and stores nothing', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/v1/assessments', headers: dsp, payload: { windows: plan.windows } })
  t.equal(res.statusCode, 200, res.body.slice(0, 500))
  const body = res.json() as { windows: A[]; months: A['months'] }
  t.equal(body.windows.length, 14)
  const notice = body.windows.map((a, i) => (has(a, 'NOTICE_PERIOD', 'breach') ? i + 1 : 0)).filter(Boolean)
  t.same(notice, [1, 2], 'notice breaches on windows 1–2 only')
  const winter = body.windows.map((a, i) => (has(a, 'WINTER', 'objection') ? i + 1 : 0)).filter(Boolean)
  t.same(winter, [1, 2, 3, 4, 5, 6, 7, 8, 9], 'winter objections on windows 1–9 only')
  const peak = body.windows.map((a, i) => (has(a, 'PREPAYMENT_PEAK', 'objection') ? i + 1 : 0)).filter(Boolean)
  t.same(peak, [1, 2], 'November top-up objection on windows 1–2')
  const minutes = Object.fromEntries(body.months.map((m) => [m.month, m.plannedMinutes]))
  t.same(minutes, {
    '2021-11': 720,
    '2021-12': 720,
    '2022-01': 720,
    '2022-02': 720,
    '2022-03': 360,
    '2022-04': 360,
    '2022-05': 360,
    '2022-06': 360,
    '2022-07': 720,
  })
  t.same(
    body.months.filter((m) => m.status === 'breach').map((m) => m.month),
    ['2021-11', '2021-12', '2022-01', '2022-02', '2022-07'],
  )
  const first = body.windows[0]!.findings.find((f) => f.code === 'NOTICE_PERIOD')!
  t.match(first.message, /deadline for November 2021 was 2021-10-04/)
  t.equal((first as unknown as { rule: { provenance: string } }).rule.provenance, 'recalled')
  const impact = (
    body.windows[0] as unknown as {
      impact: { metersAffected: number; rating: { rating: string }; availability: { percentIfNotAgreed: number; minutes: number } }
    }
  ).impact
  t.equal(impact.metersAffected, 16_300_000, 'a DSP outage reaches every meter')
  t.equal(impact.rating.rating, 'red', 'impact rated from impact alone: 1.3 m prepayment customers')
  const summary = (body as unknown as { summary: Record<string, Record<string, number>> }).summary
  t.same(
    summary.confirmed,
    { breach: 2, objection: 11, warning: 14, info: 0 },
    'summary by severity and certainty (14 missing Change Requests, inferred)',
  )
  t.same(summary.unconfirmed?.breach, 10)
  const colours = (body.windows as unknown as { compliance: { rating: string } }[]).map((w) => w.compliance.rating)
  t.same(colours.slice(0, 3), ['red', 'red', 'amber'], 'November red; December amber (its breach rests on the assumed cap)')
  t.equal(impact.availability.minutes, 360)
  t.equal(Math.round(impact.availability.percentIfNotAgreed * 100) / 100, 99.17)
  const count = await ctx.db
    .selectFrom('windows')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  t.equal(Number(count.n), 0, 'a dry run stores nothing')
})

t.test("a dry run's months carry the cap's label: assumed by default, verified once a ruleset gives the SEC's value", async (t) => {
  type M = { month: string; capMinutes: number; plannedMinutes: number; capProvenance?: string }
  const months = async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/assessments', headers: dsp, payload: { windows: plan.windows } })
    t.equal(r.statusCode, 200, r.body.slice(0, 300))
    return (r.json() as { months: M[] }).months
  }
  const before = await months()
  t.equal(before.length, 9)
  t.same([...new Set(before.map((m) => m.capProvenance))], ['assumed'], 'the default cap (360) is assumed')
  t.match(
    before.find((m) => m.month === '2021-11'),
    { plannedMinutes: 720, capMinutes: 360 },
  )
  const verified = {
    ...DEFAULT_RULESET,
    version: '2021.9-board-test',
    effectiveFrom: '2021-06-01',
    cap: { ...DEFAULT_RULESET.cap, minutesPerMonth: { value: 360, provenance: 'verified', source: 'test: SEC H8' } },
  }
  const created = await app.inject({ method: 'POST', url: '/v1/rulesets', headers: ctx.admin, payload: verified })
  t.equal(created.statusCode, 201, created.body.slice(0, 300))
  const after = await months()
  t.same([...new Set(after.map((m) => m.capProvenance))], ['verified'], 'the same months, measured against a verified cap')
})

t.test('programme + publication on 5 Oct 2021: stored assessments carry the same findings', async (t) => {
  const windows = plan.windows.map(({ party: _p, notifiedAt: _n, ...w }) => w)
  const created = await app.inject({
    method: 'POST',
    url: '/v1/programmes',
    headers: dsp,
    payload: { name: 'DSP Technical Refresh', party: 'DSP', windows },
  })
  t.equal(created.statusCode, 201, created.body.slice(0, 500))
  const programme = created.json()
  t.equal(programme.windows.length, 14)
  t.equal(programme.windows[0].status, 'proposed')
  t.ok(has(programme.windows[0].assessment, 'NOTICE_PERIOD', 'breach'), 'not yet notified: assessed as if notified now')
  for (const month of ['2021-11', '2021-12', '2022-01', '2022-02', '2022-03', '2022-04', '2022-05', '2022-06', '2022-07']) {
    const r = await app.inject({
      method: 'POST',
      url: `/v1/schedules/${month}/publish`,
      headers: ctx.admin,
      payload: { publishedAt: '2021-10-05T18:00:00+01:00' },
    })
    t.equal(r.statusCode, 200, r.body.slice(0, 300))
  }
  const assessments: A[] = []
  for (const w of programme.windows) {
    const one = await app.inject({ url: `/v1/windows/${w.id}`, headers: viewer })
    t.equal(one.json().status, 'notified')
    t.equal(one.json().notifiedAt, '2021-10-05T17:00:00.000Z')
    const a = await app.inject({ url: `/v1/windows/${w.id}/assessment`, headers: viewer })
    t.equal(a.statusCode, 200)
    assessments.push(a.json())
  }
  t.same(assessments.map((a, i) => (has(a, 'NOTICE_PERIOD', 'breach') ? i + 1 : 0)).filter(Boolean), [1, 2])
  t.same(assessments.map((a, i) => (has(a, 'WINTER', 'objection') ? i + 1 : 0)).filter(Boolean), [1, 2, 3, 4, 5, 6, 7, 8, 9])
  t.same(assessments.map((a, i) => (has(a, 'MONTHLY_CAP', 'breach') ? i + 1 : 0)).filter(Boolean), [1, 2, 3, 4, 5, 6, 7, 8, 13, 14])
  const pa = await app.inject({ url: `/v1/programmes/${programme.programme.id}/assessment`, headers: viewer })
  t.equal(pa.statusCode, 200)
  t.equal(pa.json().windows.length, 14)
  const sched = await app.inject({ url: '/v1/schedules/2021-11', headers: viewer })
  t.equal(sched.json().publications.length, 1)
  t.equal(sched.json().publications[0].windows.length, 2)
  const history = await app.inject({ url: `/v1/windows/${programme.windows[0].id}/history`, headers: viewer })
  const published = history.json().items.at(-1)
  t.equal(published.action, 'published')
  t.equal(published.effectiveAt, '2021-10-05T17:00:00.000Z', 'business time is the publication instant')
  t.equal(published.recordedAt, '2021-10-05T09:00:00.000Z', 'recorded when the service wrote it')

  // A waiver by the SEC Panel: the finding stays visible, marked waived.
  ctx.clock.set('2021-10-12T12:00:00Z')
  const future = await app.inject({
    method: 'POST',
    url: '/v1/waivers',
    headers: reviewer,
    payload: { findingKey: 'x', approvedBy: 'sec-panel', decisionRef: 'P', decidedAt: '2021-10-13T10:00:00Z', reason: 'x' },
  })
  t.equal(future.statusCode, 400)
  const breach = assessments[0]!.findings.find((f) => f.code === 'NOTICE_PERIOD')!
  const byDsp = await app.inject({
    method: 'POST',
    url: '/v1/waivers',
    headers: dsp,
    payload: {
      findingKey: breach.key,
      approvedBy: 'sec-panel',
      decisionRef: 'Panel 2021-10',
      decidedAt: '2021-10-12T10:00:00Z',
      reason: 'Essential',
    },
  })
  t.equal(byDsp.statusCode, 403, 'never by the submitting party')
  const granted = await app.inject({
    method: 'POST',
    url: '/v1/waivers',
    headers: reviewer,
    payload: {
      findingKey: breach.key,
      approvedBy: 'sec-panel',
      decisionRef: 'Panel 2021-10',
      decidedAt: '2021-10-12T10:00:00Z',
      reason: 'End-of-life hardware',
    },
  })
  t.equal(granted.statusCode, 201, granted.body.slice(0, 400))
  const after = (await app.inject({ url: `/v1/windows/${programme.windows[0].id}/assessment`, headers: viewer })).json() as A
  const waived = after.findings.find((f) => f.key === breach.key)!
  t.ok(waived, 'still visible')
  t.match(waived.waiver, { decisionRef: 'Panel 2021-10', approvedBy: 'sec-panel' })
  const unknown = await app.inject({
    method: 'POST',
    url: '/v1/waivers',
    headers: reviewer,
    payload: {
      findingKey: `${programme.windows[9].id}:NOTICE_PERIOD:notice`,
      approvedBy: 'sec-panel',
      decisionRef: 'x',
      decidedAt: '2021-10-12T10:00:00Z',
      reason: 'x',
    },
  })
  t.equal(unknown.statusCode, 422, 'a finding that does not exist')
  // A material change lapses the waiver and takes the notice away.
  const w1 = (await app.inject({ url: `/v1/windows/${programme.windows[0].id}`, headers: viewer })).json()
  const moved = await app.inject({
    method: 'PATCH',
    url: `/v1/windows/${w1.id}`,
    headers: { ...dsp, 'if-match': `"${w1.version}"` },
    payload: { end: '2021-11-14T07:00:00Z' },
  })
  t.equal(moved.statusCode, 200)
  t.equal(moved.json().status, 'proposed')
  t.notOk(
    moved.json().assessment.findings.some((f: F) => f.waiver),
    'waiver lapsed',
  )
  const list = (await app.inject({ url: '/v1/waivers', headers: viewer })).json()
  t.match(list.items[0].lapsedReason, /material change/)
})

t.test('publication rules: own parties only, past dates only for admins, bad months refused', async (t) => {
  const w = await app.inject({ method: 'POST', url: '/v1/windows', headers: dsp, payload: aWindow() })
  t.equal(w.statusCode, 201)
  t.ok(w.json().assessment, 'the 201 answer carries the assessment')
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: '/v1/schedules/2022-05/publish',
        headers: dsp,
        payload: { publishedAt: '2021-01-01T00:00:00Z' },
      })
    ).statusCode,
    403,
  )
  const cspN = await ctx.keyFor('submitter', ['CSP-N'])
  const other = await app.inject({ method: 'POST', url: '/v1/schedules/2022-05/publish', headers: cspN, payload: {} })
  t.equal(other.statusCode, 200)
  t.equal(other.json().windows.length, 0, 'CSP-N publishing does not notify DSP windows')
  t.equal((await app.inject({ method: 'POST', url: '/v1/schedules/2022-13/publish', headers: dsp, payload: {} })).statusCode, 400)
  const mine = await app.inject({ method: 'POST', url: '/v1/schedules/2022-05/publish', headers: dsp, payload: {} })
  t.equal(mine.json().windows.length, 1)
  t.equal(mine.json().windows[0].notifiedAt, '2021-10-05T09:00:00.000Z')
  const stored = await app.inject({ url: `/v1/windows/${w.json().id}/assessment?rulesetVersion=2021.1`, headers: viewer })
  t.equal(stored.statusCode, 200)
  const bad = await app.inject({ url: `/v1/windows/${w.json().id}/assessment?rulesetVersion=1999`, headers: viewer })
  t.equal(bad.statusCode, 400)
})

t.test('a reduced-redundancy window overlapping another on the same region is a REDUNDANCY_LOSS objection', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/assessments',
    headers: viewer,
    payload: {
      windows: [
        aWindow({
          reference: 'N-LINK',
          party: 'CSP-N',
          regions: ['N'],
          impact: 'reduced-redundancy',
          services: ['sm-wan'],
          notifiedAt: '2022-03-01T12:00:00Z',
        }),
        aWindow({
          reference: 'DSP-X',
          start: '2022-05-15T02:00:00+01:00',
          end: '2022-05-15T05:00:00+01:00',
          notifiedAt: '2022-03-01T12:00:00Z',
        }),
      ],
    },
  })
  t.equal(res.statusCode, 200)
  const [n, d] = res.json().windows as (A & { impact: { overlaps: { windows: string[] }[] } })[]
  t.ok(has(n!, 'REDUNDANCY_LOSS', 'objection'))
  t.ok(has(d!, 'REDUNDANCY_LOSS', 'objection'))
  t.same(n!.impact.overlaps[0]!.windows.sort(), ['DSP-X', 'N-LINK'])
})

t.test('a recurring programme keeps local wall-clock times across clock changes', async (t) => {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/programmes',
    headers: dsp,
    payload: {
      name: 'Weekly CSP patching',
      party: 'DSP',
      recurrence: {
        rrule: 'FREQ=WEEKLY;BYDAY=SU;COUNT=4',
        dtstart: '2022-03-13',
        startTime: '01:30',
        endTime: '03:30',
        zone: 'Europe/London',
        referencePrefix: 'WK',
        template: { title: 'Weekly patching', impact: 'degraded', services: ['alerts'], regions: ['N'] },
      },
    },
  })
  t.equal(res.statusCode, 201, res.body.slice(0, 300))
  const body = res.json()
  t.same(
    body.windows.map((w: { startLocal: string }) => w.startLocal),
    ['2022-03-13T01:30:00+00:00[Europe/London]', '2022-03-20T01:30:00+00:00[Europe/London]', '2022-04-03T01:30:00+01:00[Europe/London]'],
  )
  t.equal(body.skipped.length, 1, '27 March 01:30 does not exist and is skipped')
  t.match(body.skipped[0].localStart, /2022-03-27/)
  const bad = await app.inject({
    method: 'POST',
    url: '/v1/programmes',
    headers: dsp,
    payload: {
      name: 'x',
      party: 'DSP',
      recurrence: {
        ...body.programme.recurrence,
        rrule: 'FREQ=SOMETIMES',
        dtstart: '2022-03-13',
        startTime: '01:30',
        endTime: '03:30',
        zone: 'Europe/London',
        referencePrefix: 'Z',
        template: { title: 'x', impact: 'degraded' },
      },
    },
  })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().errors[0].pointer, /^\/recurrence\/rrule/)
  const dup = await app.inject({
    method: 'POST',
    url: '/v1/programmes',
    headers: dsp,
    payload: {
      name: 'dup',
      party: 'DSP',
      windows: [aWindow({ party: undefined, reference: 'A' }), aWindow({ party: undefined, reference: 'A' })].map(
        ({ party: _p, ...w }) => w,
      ),
    },
  })
  t.equal(dup.statusCode, 409, 'one bad window: none created')
  t.equal(dup.json().errors[0].pointer, '/windows/1/reference')
  const n = await ctx.db
    .selectFrom('windows')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('reference', '=', 'A')
    .executeTakeFirstOrThrow()
  t.equal(Number(n.n), 0)
})

t.test('a programme for an unknown party is 400 naming /party, also for a submitter key; another party is 403', async (t) => {
  const { party: _p, notifiedAt: _n, ...w } = plan.windows[0]!
  const post = (party: string) =>
    app.inject({ method: 'POST', url: '/v1/programmes', headers: dsp, payload: { name: 'x', party, windows: [w] } })
  const typo = await post('ACME')
  t.equal(typo.statusCode, 400, typo.body)
  t.match(typo.json().errors, [{ pointer: '/party', message: /^unknown party "ACME"; known: [A-Z, -]*\bDSP\b/ }])
  const other = await post('CSP-N')
  t.equal(other.statusCode, 403, other.body)
  t.match(other.json().detail, 'may not plan windows for CSP-N (it plans for DSP): use a submitter key for CSP-N, or an admin key.')
})

/** The app listening on a loopback port (once for the file): the demo talks HTTP to a running service. */
let listening: string | undefined
async function serviceUrl(): Promise<string> {
  if (!listening) {
    await app.listen({ port: 0, host: '127.0.0.1' })
    listening = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  }
  return listening
}

t.test('npm run demo loads OPSG 58 through the API and prints what OPSG said', async (t) => {
  const { runDemo } = await import('../../src/cli/demo.ts')
  const server = await serviceUrl()
  const adminKey = ctx.admin.authorization!.replace('Bearer ', '')
  const lines: string[] = []
  const r = await runDemo({ server, key: adminKey, out: (l) => lines.push(l) })
  t.equal(r.windows, 14)
  t.equal(r.breaches, 2, '2 notice breaches (confirmed)')
  t.equal(r.unconfirmed, 10, '10 cap breaches on the assumed cap')
  t.equal(r.objections, 11, '9 winter and 2 November top-up objections')
  const text = lines.join('\n')
  t.notMatch(text, /already loaded/)
  t.match(text, /deadline for November 2021 was 2021-10-04/)
  t.match(text, /2021-11 {3}720 min {2}over the cap/)
  t.match(
    text,
    /The programme: 14 windows, 84 outage hours in 9 months, 2 of 14 notified late; 2 confirmed breaches \(10 more rest on an assumed parameter\)/,
  )
  t.match(
    text,
    / 1 {2}DSP-TR-01 2021-11-14T00:00 {2}red {6}✖\? MONTHLY_CAP {2}✖ NOTICE_PERIOD {2}▲ PREPAYMENT_PEAK {2}▲ WINTER {2}· SCHEDULE_CONTENT\n/,
  )
  const again: string[] = []
  const r2 = await runDemo({ server, key: adminKey, out: (l) => again.push(l) })
  t.same(r2, r, 'running it twice shows the same scenario, nothing duplicated')
  t.match(again.join('\n'), /already loaded; showing it again/, 'recognised by its Idempotency-Key')
  t.match(again.join('\n'), /14 {2}DSP-TR-14 2022-07-/)

  // After 24 hours the Idempotency-Key is forgotten: the 409 on its references is its own programme (by name).
  await ctx.db.deleteFrom('idempotency_records').execute()
  const third: string[] = []
  const r3 = await runDemo({ server, key: adminKey, out: (l) => third.push(l) })
  t.same(r3, r, 'recognised by its programme name: all 14 windows, not 1')
  t.match(third.join('\n'), /already loaded; showing it again/)
  const n = await ctx.db
    .selectFrom('windows')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  t.equal(Number(n.n), 14, 'nothing created twice')
})

t.test('the demo stops, naming the window and what to do, when another window holds one of its references', async (t) => {
  const { DemoConflictError, runDemo } = await import('../../src/cli/demo.ts')
  const server = await serviceUrl()
  const adminKey = ctx.admin.authorization!.replace('Bearer ', '')
  // What the README's old walk-through left behind: DSP-TR-01 created on its own.
  const res = await app.inject({
    method: 'POST',
    url: '/v1/windows',
    headers: dsp,
    payload: aWindow({
      reference: 'DSP-TR-01',
      title: 'DSP Technical Refresh 1',
      start: '2021-11-14T00:00:00Z',
      end: '2021-11-14T06:00:00Z',
    }),
  })
  t.equal(res.statusCode, 201, res.body)
  const id = (res.json() as { id: string }).id
  const lines: string[] = []
  const err = await runDemo({ server, key: adminKey, out: (l) => lines.push(l) }).catch((e: unknown) => e)
  t.ok(err instanceof DemoConflictError, String(err))
  const message = (err as Error).message
  t.match(message, `DSP-TR-01 is held by window ${id} ("DSP Technical Refresh 1", 2021-11-14T00:00 Europe/London, proposed)`)
  t.match(message, `PATCH /v1/windows/${id}`, 'says how to free the reference')
  t.match(message, /fresh service \(an empty DATA_DIR\)/)
  t.notMatch(lines.join('\n'), /already loaded/)
  const n = await ctx.db
    .selectFrom('windows')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  t.equal(Number(n.n), 1, 'the programme was not created')
})
