import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ROOT, runMwp, serviceDatabaseEnv, startService } from '../helpers/subprocess.ts'

// `mwp slots` as a planner runs it: offline (no server, no database) with the service's own search,
// and through a running service with --server; output shapes, exit codes, the explanation when
// nothing fits, and agreement between the two.

const mwp = (args: string[], env: Record<string, string> = {}) => runMwp(['slots', ...args], { env })

t.setTimeout(5 * 60_000)
const dir = mkdtempSync(join(tmpdir(), 'mwp-cli-slots-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

interface Answer {
  slots: {
    start: string
    end: string
    localStart: string
    localEnd: string
    expectedFailedTopUps: number
    assessment: { worstSeverity: string | null; findings: { code: string; severity: string }[] }
  }[]
  complete: boolean
  progress: { candidates: number; assessed: number }
  explanation: {
    passing: number
    removed: { code: string; minutes: number; monthsEmptied: string[]; message: string }[]
    nearest: { code: string; localStart: string } | null
    message: string
  } | null
  ruleset: { id: string; version: string }
}

// Spring 2022, notified in good time (January): the months a planner would look at after OPSG 58.
const SPRING = ['--duration', 'PT6H', '--from', '2022-04-01T00:00:00+01:00', '--to', '2022-05-01T00:00:00+01:00']
const NOTIFIED = ['--notified-at', '2022-01-05T12:00:00Z']
const PREPAYMENT = ['--services', 'service-requests,prepayment-top-up']

t.test('offline: --count slots, JSON as GET /v1/slots answers it, each a passing alternative (exit 0)', async (t) => {
  const r = await mwp([...SPRING, ...NOTIFIED, ...PREPAYMENT, '--count', '3', '--format', 'json'])
  t.equal(r.code, 0, r.err)
  const a = JSON.parse(r.out) as Answer
  t.equal(a.slots.length, 3)
  t.equal(a.explanation, null, 'no explanation when every slot asked for was found')
  t.equal(a.complete, true)
  t.match(a.ruleset, { id: 'sec-planned-maintenance-default' })
  const days = new Set(a.slots.map((s) => s.localStart.slice(0, 10)))
  t.equal(days.size, 3, 'at most one slot a local day')
  for (const s of a.slots) {
    t.equal(Date.parse(s.end) - Date.parse(s.start), 6 * 3_600_000, `${s.localStart}: six hours`)
    t.ok(
      Date.parse(s.start) >= Date.parse('2022-03-31T23:00:00Z') && Date.parse(s.end) <= Date.parse('2022-04-30T23:00:00Z'),
      'inside the range',
    )
    t.notOk(
      s.assessment.findings.some((f) => f.severity === 'breach' || f.severity === 'objection'),
      `${s.localStart}: no breach, no objection`,
    )
  }
  const failed = a.slots.map((s) => s.expectedFailedTopUps)
  t.same(
    failed,
    [...failed].sort((x, y) => x - y),
    'ranked by expected failed top-ups',
  )

  const table = await mwp([...SPRING, ...NOTIFIED, ...PREPAYMENT, '--count', '3'])
  t.equal(table.code, 0, table.err)
  t.match(table.out, /^3 of 3 slot\(s\) of PT6H for DSP/)
  t.match(table.out, /offline, against 0 planned window\(s\)/)
  for (const s of a.slots) t.match(table.out, s.localStart, 'the table lists the same slots')
  t.match(table.out, /exit 0\n$/)
})

t.test('a plan file is the background: its windows take the cap and the nights they use', async (t) => {
  const before = JSON.parse((await mwp([...SPRING, ...NOTIFIED, '--count', '2', '--format', 'json'])).out) as Answer
  const first = before.slots[0]!
  // Two DSP outages of six hours in April 2022 fill its monthly cap (360 minutes, assumed).
  const plan = {
    windows: [0, 1].map((i) => ({
      reference: `PLANNED-${i + 1}`,
      title: 'already planned',
      party: 'DSP',
      impact: 'outage',
      services: ['service-requests'],
      regions: ['N', 'C', 'S'],
      riskToService: 'low',
      start: new Date(Date.parse('2022-04-09T23:00:00Z') + i * 7 * 86_400_000).toISOString(),
      end: new Date(Date.parse('2022-04-10T05:00:00Z') + i * 7 * 86_400_000).toISOString(),
      notifiedAt: '2022-01-05T12:00:00Z',
    })),
  }
  const file = join(dir, 'april.json')
  writeFileSync(file, JSON.stringify(plan))
  const r = await mwp([...SPRING, ...NOTIFIED, '--count', '2', '--plan', file, '--format', 'json'])
  t.equal(r.code, 1, 'fewer than asked: exit 1')
  const a = JSON.parse(r.out) as Answer
  t.equal(a.slots.length, 0, 'April is full')
  t.ok(first, 'there were slots without the plan')
  const cap = a.explanation?.removed.find((x) => x.code === 'MONTHLY_CAP')
  t.ok(cap, 'the explanation names the monthly cap')
  t.same(cap?.monthsEmptied, ['2022-04'])

  const table = await mwp([...SPRING, ...NOTIFIED, '--count', '2', '--plan', file])
  t.equal(table.code, 1)
  t.match(table.out, /against 2 planned window\(s\)/)
  t.match(table.out, /Why not 2: 0 of \d+ candidate start\(s\)/)
  t.match(table.out, /MONTHLY_CAP removed .* left no start in 2022-04/)

  const bad = join(dir, 'bad.csv')
  writeFileSync(bad, 'reference,title,party,impact,start,end\nX-1,x,DSP,outage,not a date,2022-04-10T05:00:00Z\n')
  const b = await mwp([...SPRING, '--plan', bad])
  t.equal(b.code, 2, 'an unreadable plan row: exit 2, no search')
  t.match(b.err, /bad\.csv: row 1 \(line 2\), column start/)
  t.equal(b.out, '')
})

t.test('nothing fits: the answer says why, and the nearest slot with one constraint waived (exit 1)', async (t) => {
  const winter = ['--duration', 'PT6H', '--from', '2022-11-01T00:00:00Z', '--to', '2023-01-15T00:00:00Z', ...NOTIFIED]
  const r = await mwp([...winter, '--count', '3', '--format', 'json'])
  t.equal(r.code, 1, r.err)
  const a = JSON.parse(r.out) as Answer
  t.equal(a.slots.length, 0)
  t.equal(a.explanation?.passing, 0)
  t.equal(a.explanation?.removed[0]?.code, 'WINTER', 'the winter objection removes the time')
  t.same(a.explanation?.removed[0]?.monthsEmptied, ['2022-11', '2022-12', '2023-01'])
  t.equal(a.explanation?.nearest?.code, 'WINTER')

  const table = await mwp([...winter, '--count', '3'])
  t.equal(table.code, 1)
  t.match(table.out, /^0 of 3 slot/)
  t.match(table.out, /WINTER removed \d+ days/)
  t.match(table.out, /Nearest slot with one constraint waived: \d{4}-\d\d-\d\d \d\d:\d\d \(waive WINTER\)/)

  const tolerated = await mwp([...winter, '--count', '1', '--tolerate', 'objection', '--format', 'json'])
  t.equal(tolerated.code, 0, 'tolerating objections, winter nights are slots')
  t.equal((JSON.parse(tolerated.out) as Answer).slots.length, 1)

  const short = await mwp([
    '--duration',
    'PT6H',
    '--from',
    '2022-04-01T00:00:00Z',
    '--to',
    '2022-05-01T00:00:00Z',
    '--notified-at',
    '2022-03-20T00:00:00Z',
    '--format',
    'json',
  ])
  t.equal(short.code, 1)
  t.equal((JSON.parse(short.out) as Answer).explanation?.removed[0]?.code, 'NOTICE_PERIOD', 'notice too short for April')
})

// The new user's search (issue 21): DSP over May 2022, six hours, nothing else said.
const MAY = ['--duration', 'PT6H', '--from', '2022-05-01T00:00:00+01:00', '--to', '2022-06-01T00:00:00+01:00', '--party', 'DSP']
const OPSG58 = 'examples/opsg-58-plan.json'
interface Told {
  services: { ids: string[]; from: string }
  notes: string[]
  explanation: { nearest: { expectedFailedTopUps: number } | null; removed: { code: string }[] } | null
}

t.test("DSP over May 2022 without --services: the party's own services are assumed, so top-ups fail", async (t) => {
  const r = await mwp([...MAY, ...NOTIFIED, '--format', 'json'])
  t.equal(r.code, 0, r.err)
  const a = JSON.parse(r.out) as Answer & Told
  t.same(a.services.from, 'reference', 'no plan: the reference default for DSP')
  t.ok(a.services.ids.includes('prepayment-top-up'), a.services.ids.join(','))
  t.equal(a.slots.length, 5)
  for (const s of a.slots) t.ok(s.expectedFailedTopUps > 0, `${s.localStart}: ${s.expectedFailedTopUps} failed top-ups`)
  t.same(a.notes.length, 1, 'only the services note: --notified-at was given')

  const table = await mwp([...MAY, ...NOTIFIED])
  t.equal(table.code, 0, table.err)
  t.match(table.out, /\nNote: services not given: assumed service-requests, prepayment-top-up, .*\(reference data\)\n/)
  for (const s of a.slots) t.match(table.out, `${s.localStart}  ${s.localEnd}  ${s.expectedFailedTopUps.toFixed(1).padStart(14)}`)
  t.notMatch(table.out, / 0\.0 {4}/, 'no slot with no failed top-ups')
})

t.test('DSP over May 2022 without --notified-at: the answer says first that notice is judged as of now', async (t) => {
  const r = await mwp([...MAY, '--format', 'json'])
  t.equal(r.code, 1, r.err)
  const a = JSON.parse(r.out) as Answer & Told
  t.equal(a.slots.length, 0)
  t.match(a.notes[1], /^the range starts in the past and no notifiedAt was given: notice is judged as of now \(\d{4}-/)
  t.equal(a.explanation?.removed[0]?.code, 'NOTICE_PERIOD')
  t.ok((a.explanation?.nearest?.expectedFailedTopUps ?? 0) > 0, 'the nearest slot (notice waived) fails top-ups')

  const table = await mwp(MAY)
  t.equal(table.code, 1)
  const lines = table.out.split('\n')
  t.match(
    lines[2],
    /^Note: the range starts in the past and no notifiedAt was given: notice is judged as of now/,
    'up front, under the header',
  )
  t.match(table.out, /Nearest slot with one constraint waived: 2022-05-01 00:00 \(waive NOTICE_PERIOD\), [1-9]\d*\.\d failed top-ups/)
})

t.test('with the OPSG 58 plan: its DSP services are assumed and no slot lies on one of its windows', async (t) => {
  const plan = JSON.parse(readFileSync(join(ROOT, OPSG58), 'utf8')) as { windows: { reference: string; start: string; end: string }[] }
  const onAWindow = (s: { start: string; end: string }) =>
    plan.windows.filter((w) => Date.parse(s.start) < Date.parse(w.end) && Date.parse(w.start) < Date.parse(s.end)).map((w) => w.reference)

  const r = await mwp([...MAY, ...NOTIFIED, '--plan', OPSG58, '--format', 'json'])
  t.equal(r.code, 1, r.err)
  const a = JSON.parse(r.out) as Answer & Told
  t.same(a.services.from, 'plan')
  t.same(a.slots, [], 'the cap is full in May (DSP-TR-11), and its own night is no slot')
  t.same(
    a.explanation?.removed.map((x) => x.code),
    ['MONTHLY_CAP', 'OVERLAP'],
  )

  const summer = await mwp([
    '--duration',
    'PT6H',
    '--from',
    '2022-07-01T00:00:00+01:00',
    '--to',
    '2022-09-01T00:00:00+01:00',
    ...NOTIFIED,
    '--count',
    '5',
    '--plan',
    OPSG58,
    '--format',
    'json',
  ])
  t.equal(summer.code, 0, summer.err)
  const b = JSON.parse(summer.out) as Answer
  t.equal(b.slots.length, 5)
  for (const s of b.slots) {
    t.same(onAWindow(s), [], `${s.localStart}: on no planned window`)
    t.notOk(
      s.assessment.findings.some((f) => f.code === 'OVERLAP'),
      `${s.localStart}: no OVERLAP`,
    )
    t.ok(s.expectedFailedTopUps > 0)
  }
})

t.test('bad input: exit 2, the option named, nothing on standard output', async (t) => {
  const cases: [string[], RegExp][] = [
    [['--duration', 'PT0S', '--from', '2022-04-01T00:00:00Z', '--to', '2022-05-01T00:00:00Z'], /--duration: the duration must be positive/],
    [['--duration', 'PT100H', '--from', '2022-04-01T00:00:00Z', '--to', '2022-05-01T00:00:00Z'], /--duration: at most 72 hours/],
    [
      ['--duration', 'six hours', '--from', '2022-04-01T00:00:00Z', '--to', '2022-05-01T00:00:00Z'],
      /--duration: must be an ISO 8601 duration/,
    ],
    [['--duration', 'PT6H', '--from', '2022-04-01', '--to', '2022-05-01T00:00:00Z'], /--from: must be an RFC 3339 instant/],
    [
      ['--duration', 'PT6H', '--from', '2022-04-01T00:00:00Z', '--to', '2025-05-01T00:00:00Z'],
      /--to: the range may span at most two years/,
    ],
    [['--duration', 'PT6H', '--from', '2022-04-01T00:00:00Z', '--to', '2022-05-01T00:00:00Z', '--count', '101'], /--count: /],
    [
      ['--duration', 'PT6H', '--from', '2022-04-01T00:00:00Z', '--to', '2022-05-01T00:00:00Z', '--party', 'ACME'],
      /--party: unknown party ACME/,
    ],
    [
      ['--duration', 'PT6H', '--from', '2022-04-01T00:00:00Z', '--to', '2022-05-01T00:00:00Z', '--regions', 'Q'],
      /--regions: unknown regions Q/,
    ],
    [
      ['--duration', 'PT6H', '--from', '2022-04-01T00:00:00Z', '--to', '2022-05-01T00:00:00Z', '--ruleset', 'nope@1'],
      /--ruleset: no built-in ruleset nope@1/,
    ],
    [
      ['--duration', 'PT6H', '--from', '2022-04-01T00:00:00Z', '--to', '2022-05-01T00:00:00Z', '--plan', join(dir, 'missing.csv')],
      /missing\.csv: cannot read: ENOENT/,
    ],
  ]
  for (const [args, message] of cases) {
    const r = await mwp(args)
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`)
    t.match(r.err, message)
    t.equal(r.out, '')
  }
})

t.test('--server asks GET /v1/slots of a running service, and agrees with the offline search on a fresh one', async (t) => {
  const adminKey = `mwp-test-admin-${'s'.repeat(24)}`
  const dbEnv = await serviceDatabaseEnv()
  t.teardown(() => dbEnv.cleanup())
  const svc = await startService({ ...dbEnv.env, ADMIN_API_KEY: adminKey }, 120_000)
  t.teardown(() => void svc.child.kill('SIGKILL'))

  const args = [...SPRING, ...NOTIFIED, ...PREPAYMENT, '--count', '4', '--format', 'json']
  const online = await mwp([...args, '--server', svc.base, '--key', adminKey])
  t.equal(online.code, 0, online.err)
  const offline = await mwp(args)
  t.equal(offline.code, 0, offline.err)
  const shape = (a: Answer) => a.slots.map((s) => [s.start, s.end, s.expectedFailedTopUps, s.assessment.findings.map((f) => f.code).sort()])
  t.same(shape(JSON.parse(online.out) as Answer), shape(JSON.parse(offline.out) as Answer), 'the same slots, the same findings')

  const table = await mwp([...SPRING, ...NOTIFIED, '--count', '2', '--server', svc.base], { MWP_API_KEY: adminKey })
  t.equal(table.code, 0, table.err)
  t.match(table.out, `asked of ${svc.base}`)

  const refused = await mwp([...SPRING, '--party', 'ACME', '--server', svc.base, '--key', adminKey])
  t.equal(refused.code, 2, "the service's 400: exit 2")
  t.match(refused.err, /--party: unknown party ACME/)
  const wrongKey = await mwp([...SPRING, '--server', svc.base, '--key', 'mwp_not_a_real_key_at_all_000000'])
  t.equal(wrongKey.code, 3, '401: exit 3')
  t.match(wrongKey.err, /answered 401/)
  const offlineOnly = await mwp([...SPRING, '--server', svc.base, '--key', adminKey, '--plan', 'x.csv'])
  t.equal(offlineOnly.code, 2)
  t.match(offlineOnly.err, /--plan and --ruleset are for the offline search/)
  const down = await mwp([...SPRING, '--server', 'http://127.0.0.1:9', '--key', adminKey])
  t.equal(down.code, 3, 'unreachable: exit 3')
  t.match(down.err, /cannot reach http:\/\/127\.0\.0\.1:9/)
})
