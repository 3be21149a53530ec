import { readFileSync } from 'node:fs'
import { sql } from 'kysely'
import t, { type Test } from 'tap'
import { DEFAULT_RULESET } from '../../src/domain/index.ts'
import { golden } from '../helpers/golden.ts'
import { buildTestApp } from '../helpers/test-app.ts'
import { ROOT } from '../helpers/subprocess.ts'

// OPSG 58 (domain.md §6): the 14 DSP Technical Refresh windows, created and published on 5 Oct 2021.
const plan = JSON.parse(readFileSync(`${ROOT}/examples/opsg-58-plan.json`, 'utf8')) as { windows: Record<string, unknown>[] }
const ctx = await buildTestApp(t, { now: '2021-10-05T09:00:00Z' })
const { app } = ctx
const dsp = await ctx.keyFor('submitter', ['DSP'])
const reviewer = await ctx.keyFor('reviewer')
const viewer = await ctx.keyFor('viewer')

const PUBLISHED_AT = '2021-10-05T18:00:00+01:00'
const PERIOD = 'from=2021-11-01T00:00:00Z&to=2022-08-01T00:00:00%2B01:00'
const goldenDir = new URL('../fixtures/golden/', import.meta.url)
/** Every table a report reads (the service's own reads and those of the compliance, impact and reference services). */
const REPORT_TABLES = [
  'windows',
  'window_versions',
  'assessments',
  'waivers',
  'schedule_publications',
  'programmes',
  'rulesets',
  'calendar_overrides',
  'blackout_layers',
  'reference_data',
  'parties',
  'regions',
  'services',
  'audit_log',
  'webhook_subscriptions',
  'webhook_deliveries',
  'api_keys',
]

type RegisterCounts = { open: number; waived: number; remediated: number; resolvedBeforeNotice: number }
type Finding = { key: string; code: string; severity: string; status: string; waiver: { decisionRef: string } | null }
type Row = { id: string; reference: string; findings: Finding[]; compliance: string; impactRating: string | null }
type Entry = {
  key: string
  code: string
  severity: string
  status: string
  certainty: string
  reference: string
  message: string
  remediatedAt: string | null
  waiver: { decisionRef: string; id: string } | null
}
type PartyMonth = {
  party: string
  month: string
  plannedMinutes: number
  capMinutes: number
  overCap: boolean
  windowsInWinter: number
  windowsInTopUpPeak: number
  availabilityIfNotAgreedPercent: number
}
type Report = {
  asOf: string | null
  generatedAt: string
  summary: {
    windows: number
    windowsByCompliance: Record<string, number>
    breaches: RegisterCounts
    unconfirmedBreaches: RegisterCounts
    objections: RegisterCounts
    findings: { byCode: Record<string, Record<string, number>> }
  }
  months: PartyMonth[]
  windows: Row[]
  breachRegister: Entry[]
  publications: { month: string; publishedAt: string }[]
  provenance: {
    rulesets: { version: string }[]
    timeBasis: string
    asOf: string | null
    calendars: Record<string, string>
    tzdbVersion: string
    referenceData: Record<string, string>
  }
}

async function report(query: string, headers: Record<string, string> = viewer) {
  return app.inject({ url: `/v1/reports/compliance?${query}`, headers })
}
async function json(query: string): Promise<Report> {
  const r = await report(query)
  if (r.statusCode !== 200) throw new Error(`${r.statusCode} ${r.body.slice(0, 500)}`)
  return r.json() as Report
}
const asOfQ = (at: string) => `asOf=${encodeURIComponent(at)}`

/** UUIDs (window, programme, waiver ids) in order of first appearance → <id-1>, <id-2>, …; the tz database version. */
function normalise(text: string): string {
  const ids = new Map<string, string>()
  return text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => {
      if (!ids.has(id)) ids.set(id, `<id-${ids.size + 1}>`)
      return ids.get(id)!
    })
    .replace(/"tzdbVersion":"[^"]*"/g, '"tzdbVersion":"<tzdb>"')
    .replace(/("auditHead": \{\s*"seq": )\d+(,\s*"hash": ")[0-9a-f]{64}"/g, '$1"<seq>"$2<sha256>"')
}

function matchGolden(t: Test, name: string, actual: string) {
  // To regenerate after a deliberate change: UPDATE_GOLDEN=1 npx tap test/integration/reports-api.test.ts, then review the diff.
  t.equal(actual, golden(new URL(name, goldenDir), actual), `${name} byte for byte (ids normalised)`)
}

/** Creates the OPSG 58 programme at `enteredAt` (the meeting's morning by default) and publishes its schedules on 5 Oct 2021. */
async function loadOpsg58(enteredAt = '2021-10-05T09:00:00Z') {
  await ctx.reset()
  ctx.clock.set(enteredAt)
  const windows = plan.windows.map(({ party: _p, notifiedAt: _n, ...w }) => w)
  const created = await app.inject({
    method: 'POST',
    url: '/v1/programmes',
    headers: dsp,
    payload: { name: 'DSP Technical Refresh', party: 'DSP', windows },
  })
  if (created.statusCode !== 201) throw new Error(created.body)
  for (const month of ['2021-11', '2021-12', '2022-01', '2022-02', '2022-03', '2022-04', '2022-05', '2022-06', '2022-07']) {
    const r = await app.inject({
      method: 'POST',
      url: `/v1/schedules/${month}/publish`,
      headers: ctx.admin,
      payload: { publishedAt: PUBLISHED_AT },
    })
    if (r.statusCode !== 200) throw new Error(r.body)
  }
  // The report is read the morning after the meeting (asOf may not lie in the service's future).
  ctx.clock.set('2021-10-06T09:00:00Z')
  return created.json() as { programme: { id: string }; windows: { id: string; reference: string }[] }
}

const withCode = (r: Report, code: string, severity: string) => r.breachRegister.filter((e) => e.code === code && e.severity === severity)

t.test('OPSG 58 as of the meeting: the hand-worked numbers of domain.md §6', async (t) => {
  const programme = await loadOpsg58()
  const r = await json(`${PERIOD}&${asOfQ(PUBLISHED_AT)}`)
  t.equal(r.asOf, '2021-10-05T17:00:00.000Z')
  t.equal(r.summary.windows, 14)
  t.same(
    withCode(r, 'NOTICE_PERIOD', 'breach').map((e) => [e.reference, e.status]),
    [
      ['DSP-TR-01', 'open'],
      ['DSP-TR-02', 'open'],
    ],
    '2 notice breaches: windows 1 and 2',
  )
  t.equal(withCode(r, 'WINTER', 'objection').length, 9, '9 winter objections (windows 1–9)')
  t.equal(withCode(r, 'PREPAYMENT_PEAK', 'objection').length, 2, 'November top-up objection on windows 1–2')
  t.equal(withCode(r, 'MONTHLY_CAP', 'breach').length, 10, '10 cap breaches (two-window months)')
  t.same(r.summary.breaches, { open: 2, waived: 0, remediated: 0, resolvedBeforeNotice: 0 }, 'confirmed: the two notice breaches')
  t.same(
    r.summary.unconfirmedBreaches,
    { open: 10, waived: 0, remediated: 0, resolvedBeforeNotice: 0 },
    'the cap breaches rest on the assumed cap: counted apart',
  )
  t.same(r.summary.objections, { open: 11, waived: 0, remediated: 0, resolvedBeforeNotice: 0 })
  t.ok(
    withCode(r, 'MONTHLY_CAP', 'breach').every((e) => e.certainty === 'unconfirmed'),
    'the register says which breaches rest on an assumed limit',
  )
  t.same(r.summary.windowsByCompliance, { red: 2, amber: 9, green: 3, unrated: 0 })
  const totals = (r as unknown as { programmes: { programmeId: string; totals: Record<string, unknown> }[] }).programmes
  t.match(
    totals,
    [
      {
        programmeId: programme.programme.id,
        totals: { windows: 14, outageHours: 84, notifiedLate: { windows: 2, share: 2 / 14 }, breaches: { confirmed: 2, unconfirmed: 10 } },
      },
    ],
    'the programme totals: 14 windows, 84 outage hours, 2 of 14 notified late',
  )
  const nov = r.months.find((m) => m.party === 'DSP' && m.month === '2021-11')!
  t.equal(nov.plannedMinutes, 720, '720 planned minutes in November')
  t.equal(nov.capMinutes, 360)
  t.equal(nov.overCap, true)
  t.equal(nov.windowsInWinter, 2)
  t.equal(nov.windowsInTopUpPeak, 2)
  t.equal(nov.availabilityIfNotAgreedPercent, 98.33, 'November availability if not agreed: 1 − 720/43,200')
  t.same(
    r.months.filter((m) => m.party === 'DSP').map((m) => m.plannedMinutes),
    [720, 720, 720, 720, 360, 360, 360, 360, 720],
  )
  t.equal(r.publications.length, 9)
  t.match(r.provenance.timeBasis, /business time/)
  t.equal(r.provenance.rulesets[0]!.version, DEFAULT_RULESET.version)
  t.ok(r.provenance.calendars['england-and-wales'])
  t.equal(r.windows[0]!.compliance, 'red')
  t.equal(r.windows[2]!.compliance, 'amber', 'December: its breach rests on the assumed cap')
  t.equal(r.windows[10]!.compliance, 'green', 'May: warnings only')
  t.equal(r.windows[10]!.impactRating, 'red', 'impact rated apart: a GB-wide prepayment outage')

  const byProgramme = await json(`${PERIOD}&programme=${programme.programme.id}&party=DSP`)
  t.equal(byProgramme.summary.windows, 14, 'filters by programme and party')
  const other = await json(`${PERIOD}&party=CSP-N`)
  t.equal(other.summary.windows, 0, 'another party has no windows')
  t.same(
    other.months.map((m) => m.plannedMinutes),
    [0, 0, 0, 0, 0, 0, 0, 0, 0],
  )

  const before = await json(`${PERIOD}&${asOfQ('2021-10-05T12:00:00+01:00')}`)
  t.equal(before.summary.windows, 14, 'created at 10:00 BST')
  t.equal(before.publications.length, 0, 'not yet published')

  const goldenJson = await report(`${PERIOD}&${asOfQ(PUBLISHED_AT)}`)
  matchGolden(t, 'report-opsg58.json', `${normalise(JSON.stringify(JSON.parse(goldenJson.body), null, 2))}\n`)
  const csv = await report(`${PERIOD}&${asOfQ(PUBLISHED_AT)}&format=csv`)
  t.equal(csv.statusCode, 200)
  t.match(csv.headers['content-type'], /^text\/csv; charset=utf-8/)
  t.ok(csv.body.startsWith('\uFEFFwindow_id,'), 'UTF-8 BOM then the header')
  t.notOk(/[^\r]\n/.test(csv.body), 'CRLF only')
  const lines = csv.body.slice(1).split('\r\n').slice(1, -1)
  const findings = r.windows.reduce((n, w) => n + Math.max(1, w.findings.length), 0)
  t.equal(lines.length, findings, 'one row per finding')
  t.match(csv.body, /2021-11-14T00:00:00.000Z,2021-11-14T06:00:00.000Z,2021-11-14 00:00 GMT,2021-11-14 06:00 GMT/)
  t.match(csv.body, /service-requests;prepayment-top-up/, 'lists joined with ;')
  matchGolden(t, 'report-opsg58.csv', normalise(csv.body))
})

t.test('asOf before and after a waiver, and after a ruleset change', async (t) => {
  const programme = await loadOpsg58()
  const first = programme.windows[0]!
  const atMeeting = await json(`${PERIOD}&${asOfQ(PUBLISHED_AT)}`)
  const notice = withCode(atMeeting, 'NOTICE_PERIOD', 'breach')[0]!

  // 12 Oct 2021: the SEC Panel waives window 1's notice breach (decided 11:00 BST).
  ctx.clock.set('2021-10-12T12:00:00Z')
  const granted = await app.inject({
    method: 'POST',
    url: '/v1/waivers',
    headers: reviewer,
    payload: {
      findingKey: notice.key,
      approvedBy: 'sec-panel',
      decisionRef: 'Panel 2021-10 #7',
      decidedAt: '2021-10-12T10:00:00Z',
      reason: 'End-of-life hardware',
    },
  })
  t.equal(granted.statusCode, 201, granted.body.slice(0, 300))

  const still = await json(`${PERIOD}&${asOfQ(PUBLISHED_AT)}`)
  t.same(
    withCode(still, 'NOTICE_PERIOD', 'breach').map((e) => e.status),
    ['open', 'open'],
    'as of the meeting: both open, the later waiver does not count',
  )
  const after = await json(`${PERIOD}&${asOfQ('2021-10-12T11:00:00Z')}`)
  const waived = withCode(after, 'NOTICE_PERIOD', 'breach')
  t.same(
    waived.map((e) => e.status),
    ['waived', 'open'],
  )
  t.equal(waived[0]!.waiver?.decisionRef, 'Panel 2021-10 #7', 'the register quotes the waiver reference')
  t.same(after.summary.breaches, { open: 1, waived: 1, remediated: 0, resolvedBeforeNotice: 0 })
  const now = await json(PERIOD)
  t.equal(now.asOf, null)
  t.same(now.summary.breaches, { open: 1, waived: 1, remediated: 0, resolvedBeforeNotice: 0 }, 'current state: waived')

  // 20 Oct 2021: a ruleset version allowing 720 minutes a month, effective for every window.
  ctx.clock.set('2021-10-20T09:00:00Z')
  const v2 = {
    ...DEFAULT_RULESET,
    version: '2021.2',
    effectiveFrom: '2021-07-01',
    cap: { ...DEFAULT_RULESET.cap, minutesPerMonth: { value: 720, provenance: 'assumed', source: 'test: OPSG agrees 12 h' } },
  }
  t.equal((await app.inject({ method: 'POST', url: '/v1/rulesets', headers: ctx.admin, payload: v2 })).statusCode, 201)
  ctx.clock.set('2021-10-20T12:00:00Z')
  const beforeChange = await json(`${PERIOD}&${asOfQ('2021-10-19T12:00:00Z')}`)
  t.equal(withCode(beforeChange, 'MONTHLY_CAP', 'breach').length, 10, 'as of 19 Oct: the 2021.1.1 cap of 360 minutes')
  t.same(
    beforeChange.provenance.rulesets.map((x) => x.version),
    ['2021.1.1'],
  )
  const afterChange = await json(`${PERIOD}&${asOfQ('2021-10-20T10:00:00Z')}`)
  t.equal(withCode(afterChange, 'MONTHLY_CAP', 'breach').length, 0, 'as of 20 Oct: 720 minutes fit the new cap')
  t.same(
    afterChange.provenance.rulesets.map((x) => x.version),
    ['2021.2'],
  )
  t.equal(afterChange.months.find((m) => m.month === '2021-11')!.capMinutes, 720)
  t.equal(withCode(afterChange, 'NOTICE_PERIOD', 'breach').length, 2, 'the notice breaches stay')

  // A material change to window 1 (1 Nov: one hour longer) lapses its waiver: as of 12 Oct it was waived, now it is not.
  ctx.clock.set('2021-11-01T09:00:00Z')
  const w1 = (await app.inject({ url: `/v1/windows/${first.id}`, headers: viewer })).json()
  const moved = await app.inject({
    method: 'PATCH',
    url: `/v1/windows/${first.id}`,
    headers: { ...dsp, 'if-match': `"${w1.version}"` },
    payload: { end: '2021-11-14T07:00:00Z' },
  })
  t.equal(moved.statusCode, 200, moved.body.slice(0, 300))
  t.same(
    withCode(await json(`${PERIOD}&${asOfQ('2021-10-12T11:00:00Z')}`), 'NOTICE_PERIOD', 'breach').map((e) => e.status),
    ['waived', 'open'],
    'lapsed later: still waived as of 12 Oct',
  )
  const lapsed = await json(PERIOD)
  t.notOk(
    lapsed.breachRegister.some((e) => e.status === 'waived'),
    'now: the waiver has lapsed',
  )
  t.equal(lapsed.months.find((m) => m.month === '2021-11')!.plannedMinutes, 780, 'window 1 now lasts seven hours')
  t.equal(
    (await json(`${PERIOD}&${asOfQ('2021-10-12T11:00:00Z')}`)).months.find((m) => m.month === '2021-11')!.plannedMinutes,
    720,
    'as of 12 Oct: six hours',
  )
})

t.test('a breach fixed later is remediated, quoting the stored finding', async (t) => {
  const programme = await loadOpsg58()
  const first = programme.windows[0]!
  const open = withCode(await json(`${PERIOD}&${asOfQ(PUBLISHED_AT)}`), 'NOTICE_PERIOD', 'breach').find(
    (e) => e.reference === first.reference,
  )!
  t.equal(open.status, 'open')

  // 7 Oct 2021: window 1 moves to July 2022, with nine months' notice: no notice breach any more.
  ctx.clock.set('2021-10-07T09:00:00Z')
  const w1 = (await app.inject({ url: `/v1/windows/${first.id}`, headers: viewer })).json()
  const moved = await app.inject({
    method: 'PATCH',
    url: `/v1/windows/${first.id}`,
    headers: { ...dsp, 'if-match': `"${w1.version}"` },
    payload: { start: '2022-07-17T00:00:00+01:00', end: '2022-07-17T06:00:00+01:00' },
  })
  t.equal(moved.statusCode, 200, moved.body.slice(0, 300))
  ctx.clock.set('2021-10-07T10:00:00Z')

  const now = await json(PERIOD)
  t.notOk(
    withCode(now, 'NOTICE_PERIOD', 'breach').some((e) => e.key === open.key && e.status === 'open'),
    'no longer found on the window',
  )
  const remediated = now.breachRegister.filter((e) => e.status === 'remediated' && e.code === 'NOTICE_PERIOD')
  t.same(
    remediated.map((e) => [e.key, e.reference, e.severity, e.message, e.remediatedAt]),
    [[open.key, first.reference, 'breach', open.message, '2021-10-05T17:00:00.000Z']],
    'remediated: the stored key, reference and message, last seen on the assessment stored at publication',
  )
  t.equal(
    now.summary.breaches.remediated + now.summary.unconfirmedBreaches.remediated,
    now.breachRegister.filter((e) => e.status === 'remediated' && e.severity === 'breach').length,
    'the summary counts every remediated breach of the register',
  )
  t.equal(now.summary.breaches.remediated, 1, 'the notice breach, fixed after notice')
  const before = await json(`${PERIOD}&${asOfQ('2021-10-06T09:00:00Z')}`)
  t.notOk(
    before.breachRegister.some((e) => e.status === 'remediated'),
    'as of the day before the move nothing is remediated',
  )
})

t.test('remediated means it happened: findings gone before the schedule was published are not remediated', async (t) => {
  // As `npm run demo` does on a fresh service: the windows are created today (their notice judged as
  // if given now, years late), then the schedules are published with their real date, 5 October 2021.
  await loadOpsg58('2026-12-07T09:00:00Z')
  ctx.clock.set('2026-12-07T10:00:00Z')
  const r = await json(PERIOD)
  t.same(r.summary.breaches, { open: 2, waived: 0, remediated: 0, resolvedBeforeNotice: 12 }, 'nothing remediated')
  t.equal(r.summary.unconfirmedBreaches.remediated, 0)
  t.equal(r.summary.objections.remediated, 0)
  const resolved = r.breachRegister.filter((e) => e.status === 'resolved-before-notice')
  t.equal(resolved.length, 12, 'the notice findings judged before publication are listed as resolved before notice')
  t.ok(
    resolved.every((e) => e.code === 'NOTICE_PERIOD'),
    'only notice findings',
  )
  t.notOk(
    r.breachRegister.some((e) => e.status === 'remediated'),
    'none remediated',
  )
  const html = await report(`${PERIOD}&format=html`)
  t.match(
    html.body,
    /Breaches \(confirmed\)<\/th><td class="num">2<\/td><td class="num">0<\/td><td class="num">0<\/td><td class="num">12<\/td>/,
  )
})

/**
 * Counts the reports produced (each assesses its windows once) and can hold a report after its
 * assessment until released, so that requests can be sent while it is being produced.
 */
function watchProduction(t: Test) {
  const compliance = ctx.services.compliance
  const original = compliance.assessPlan
  let release: () => void = () => {}
  let held = Promise.resolve()
  let assessed: () => void = () => {}
  const watch = {
    produced: 0,
    /** Holds the next report; resolves once it has assessed its windows. */
    hold(): Promise<void> {
      held = new Promise<void>((r) => (release = r))
      return new Promise<void>((r) => (assessed = r))
    },
    release: () => release(),
    joined: () => ctx.services.reports.sharing().joined,
    async until(what: string, ok: () => boolean) {
      for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10))
      if (!ok()) throw new Error(`timed out waiting until ${what}`)
    },
  }
  compliance.assessPlan = async (...args) => {
    watch.produced++
    const views = await original(...args)
    assessed()
    await held
    return views
  }
  t.teardown(() => {
    compliance.assessPlan = original
  })
  return watch
}

t.test('identical requests share one report while it is produced, until a change is committed', async (t) => {
  const programme = await loadOpsg58()
  const watch = watchProduction(t)

  // Five requests for one report (the same instants written two ways, JSON and CSV) while it is produced: one production.
  const q = `${PERIOD}&${asOfQ(PUBLISHED_AT)}`
  let started = watch.hold()
  const first = report(q)
  await started
  const joinedBefore = watch.joined()
  const others = [
    report(q),
    report(q),
    report(`from=2021-11-01T00:00:00%2B00:00&to=2022-07-31T23:00:00Z&${asOfQ('2021-10-05T17:00:00Z')}`),
    report(`${q}&format=csv`),
  ]
  await watch.until('four requests joined', () => watch.joined() === joinedBefore + 4)
  watch.release()
  const answers = await Promise.all([first, ...others])
  t.same(
    answers.map((r) => r.statusCode),
    [200, 200, 200, 200, 200],
  )
  t.equal(watch.produced, 1, 'one report produced for five requests')
  t.equal(new Set(answers.slice(0, 4).map((r) => r.body)).size, 1, 'the JSON answers are the same bytes')
  t.match(answers[4]!.headers['content-type'], /^text\/csv/, 'the CSV is rendered from the same report')
  t.equal(ctx.services.reports.sharing().producing, 0, 'nothing kept once answered')

  // Afterwards a request produces its own report.
  watch.produced = 0
  t.equal((await report(q)).statusCode, 200)
  t.equal(watch.produced, 1, 'a request after the report was answered produces a new one')

  // A change committed while a report is produced: requests before it join, requests after it produce their own.
  watch.produced = 0
  started = watch.hold()
  const before = report(PERIOD)
  await started
  const joinedAtStart = watch.joined()
  const joiner = report(PERIOD)
  await watch.until('a request joined', () => watch.joined() === joinedAtStart + 1)
  const w1 = programme.windows[0]!
  const current = (await app.inject({ url: `/v1/windows/${w1.id}`, headers: viewer })).json()
  const renamed = await app.inject({
    method: 'PATCH',
    url: `/v1/windows/${w1.id}`,
    headers: { ...dsp, 'if-match': `"${current.version}"` },
    payload: { title: 'Renamed while a report was produced' },
  })
  t.equal(renamed.statusCode, 200, 'renamed')
  const after = report(PERIOD)
  await watch.until('the request after the change produces its own report', () => watch.produced === 2)
  watch.release()
  const [a, b, c] = await Promise.all([before, joiner, after])
  const titleOf = (r: { json(): unknown }) =>
    (r.json() as { windows: { id: string; title: string }[] }).windows.find((w) => w.id === w1.id)!.title
  t.equal(watch.produced, 2, 'two reports produced for three requests')
  t.equal(a.body, b.body, 'the request before the change shared the report under way')
  t.not(titleOf(a), 'Renamed while a report was produced', 'that report was read before the change')
  t.equal(titleOf(c), 'Renamed while a report was produced', 'the request after the change sees it')
  t.equal(watch.joined(), joinedAtStart + 1, 'the request after the change did not join')
})

t.test('a change committed to any table a report reads, from any path, ends sharing', async (t) => {
  await loadOpsg58()
  const watch = watchProduction(t)
  const q = `${PERIOD}&${asOfQ(PUBLISHED_AT)}`
  // A statement-level trigger announces even a statement that touches no row (here: plain SQL, as psql would send).
  for (const table of REPORT_TABLES) {
    watch.produced = 0
    const started = watch.hold()
    const first = report(q)
    await started
    await sql`DELETE FROM ${sql.table(table)} WHERE false`.execute(ctx.db)
    const second = report(q)
    await watch.until(`a request after a change to ${table} produces its own report`, () => watch.produced === 2)
    watch.release()
    t.same(
      (await Promise.all([first, second])).map((r) => r.statusCode),
      [200, 200],
      table,
    )
  }
})

t.test('format by parameter or Accept; any role', async (t) => {
  await loadOpsg58()
  const q = `${PERIOD}&${asOfQ(PUBLISHED_AT)}`
  t.match((await report(q, { ...viewer, accept: 'text/csv' })).headers['content-type'], /^text\/csv/)
  const html = await report(q, { ...viewer, accept: 'text/html,application/xhtml+xml;q=0.9' })
  t.match(html.headers['content-type'], /^text\/html/)
  t.match(html.body, /^<!doctype html>/i)
  t.match(
    (await report(`${q}&format=html`, { ...viewer, accept: 'application/json' })).headers['content-type'],
    /^text\/html/,
    'format wins over Accept',
  )
  t.match((await report(q, { ...viewer, accept: 'application/json' })).headers['content-type'], /^application\/json/)
  t.match((await report(q, { ...viewer, accept: '*/*' })).headers['content-type'], /^application\/json/)
  for (const format of ['json', 'csv', 'html']) {
    const r = await report(`${q}&format=${format}`)
    t.equal(Number(r.headers['content-length']), r.rawPayload.length, `${format}: sent in chunks, with its length`)
    const head = await app.inject({ method: 'HEAD', url: `/v1/reports/compliance?${q}&format=${format}`, headers: viewer })
    t.equal(head.statusCode, 200, `${format}: HEAD answers`)
    t.equal(head.rawPayload.length, 0, `${format}: HEAD sends no body`)
    t.equal(head.headers['content-length'], r.headers['content-length'], `${format}: HEAD gives the length of the body`)
  }
  const none = await report(q, { ...viewer, accept: 'image/png' })
  t.equal(none.statusCode, 406)
  t.match(none.headers['content-type'], /problem\+json/)
  for (const who of [ctx.admin, reviewer, dsp, viewer]) t.equal((await report(q, who)).statusCode, 200)
  t.equal((await report(q, {})).statusCode, 401)
})

t.test('bad input: problem+json naming the field', async (t) => {
  await loadOpsg58()
  const cases: [string, string][] = [
    ['from=2022-01-01T00:00:00Z&to=2021-11-01T00:00:00Z', '/from'],
    ['from=2021-01-01T00:00:00Z&to=2026-01-02T00:00:00Z', '/to'],
    [`${PERIOD}&party=NOPE`, '/party'],
    [`${PERIOD}&programme=00000000-0000-4000-8000-000000000000`, '/programme'],
    [`${PERIOD}&programme=not-a-uuid`, '/programme'],
    [`${PERIOD}&${asOfQ('2021-01-01T00:00:00Z')}`, '/asOf'],
    [`${PERIOD}&${asOfQ('2030-01-01T00:00:00Z')}`, '/asOf'],
    [`${PERIOD}&asOf=yesterday`, '/asOf'],
    ['to=2021-11-01T00:00:00Z', '/from'],
    [`${PERIOD}&format=pdf`, '/format'],
  ]
  for (const [q, pointer] of cases) {
    const r = await report(q)
    t.equal(r.statusCode, 400, q)
    t.match(r.headers['content-type'], /problem\+json/)
    t.ok(
      (r.json().errors as { pointer: string }[]).some((e) => e.pointer === pointer),
      `${q} names ${pointer}: ${r.body.slice(0, 300)}`,
    )
  }
  t.equal((await report('from=2021-01-01T00:00:00Z&to=2026-01-01T00:00:00Z')).statusCode, 200, 'five years exactly is allowed')
  await ctx.reset()
  const empty = await report(`${PERIOD}&${asOfQ(PUBLISHED_AT)}`)
  t.equal(empty.statusCode, 400, 'no data at all: asOf is before any data')
})
