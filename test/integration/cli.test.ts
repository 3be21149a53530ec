import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { parseCsv } from '../../src/cli/csv.ts'
import type { PlanRecord } from '../../src/cli/plan-files.ts'
import { writePlanCsv } from '../../src/cli/plan-files/csv.ts'
import { rulesetChoice } from '../../src/cli/ruleset-choice.ts'
import { type CliRun, freePort, ROOT, runMwp, serviceDatabaseEnv, startService } from '../helpers/subprocess.ts'

// The command line as a planner runs it: a child process, its exit code, its stdout and stderr.
// `check` needs nothing else; import and export talk to a real service started here.

type Run = CliRun
const mwp = (args: string[], opts: { onSpawn?: (c: ChildProcess) => void } = {}) => runMwp(args, opts)

// The import test's size: the 10,000 rows against a PostgreSQL server; 1,500 on the embedded
// database, whose one connection makes each create wait for the one before (the same code either way).
// MWP_CLI_IMPORT_ROWS sets it. Each row is a create assessed against the stored plan: a minute or two.
const N = Number(process.env.MWP_CLI_IMPORT_ROWS ?? (process.env.DATABASE_URL ? 10_000 : 1_500))
t.setTimeout(N > 2_000 ? 30 * 60_000 : 8 * 60_000)

const dir = mkdtempSync(join(tmpdir(), 'mwp-cli-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const OPSG_JSON = join(ROOT, 'examples/opsg-58-plan.json')
const OPSG_CSV = join(ROOT, 'examples/opsg-58-plan.csv')
const PLAN_ICS = join(ROOT, 'examples/plan.ics')

type CheckJson = {
  summary: {
    rows: number
    checked: number
    badRows: number
    exitCode: number
    findings: Record<string, number>
    findingsByCertainty: Record<string, Record<string, number>>
  }
  problems: { file: string; row: number; line?: number; column?: string; message: string }[]
  windows: {
    row: number
    reference: string
    compliance: { rating: string }
    findings: { key: string; code: string; severity: string; certainty: string; rule: { basis: { parameter: string }[] } }[]
  }[]
}
const findingsOf = (j: CheckJson) => j.windows.map((w) => [w.reference, w.findings.map((f) => `${f.code}/${f.severity}/${f.key}`).sort()])

t.test('check: the OPSG 58 plan, JSON and CSV, fails on its breaches (exit 1) with the same findings', async (t) => {
  const json = await mwp(['check', OPSG_JSON, '--format', 'json'])
  t.equal(json.code, 1, json.err)
  const a = JSON.parse(json.out) as CheckJson
  t.equal(a.summary.checked, 14)
  t.equal(a.problems.length, 0)
  const notice = a.windows.flatMap((w) =>
    w.findings.filter((f) => f.code === 'NOTICE_PERIOD' && f.severity === 'breach').map(() => w.reference),
  )
  t.same(notice, ['DSP-TR-01', 'DSP-TR-02'], 'two NOTICE_PERIOD breaches: November windows notified on 5 October')
  t.ok(
    a.windows.every((w) => w.findings.some((f) => f.code === 'MONTHLY_CAP')),
    'every window is in a month at or over the cap',
  )
  // Issue 18: exactly two confirmed breaches; every cap breach rests on the assumed 360 minutes.
  const breaches = a.windows.flatMap((w) => w.findings.filter((f) => f.severity === 'breach').map((f) => ({ ...f, ref: w.reference })))
  t.same(
    breaches.filter((f) => f.certainty === 'confirmed').map((f) => `${f.ref} ${f.code}`),
    ['DSP-TR-01 NOTICE_PERIOD', 'DSP-TR-02 NOTICE_PERIOD'],
  )
  const cap = breaches.filter((f) => f.code === 'MONTHLY_CAP')
  t.equal(cap.length, 10)
  t.ok(
    cap.every((f) => f.certainty === 'unconfirmed' && f.rule.basis[0]?.parameter === '/cap/minutesPerMonth'),
    'every MONTHLY_CAP breach is unconfirmed and names the cap',
  )
  t.same(a.summary.findingsByCertainty, {
    // 14 warnings for the missing Change Request (inferred: confirmed).
    confirmed: { breach: 2, objection: 11, warning: 14, info: 0 },
    unconfirmed: { breach: 10, objection: 0, warning: 5, info: 0 },
  })
  const colours = a.windows.map((w) => w.compliance.rating)
  t.same(colours.slice(0, 2), ['red', 'red'], 'November red')
  t.ok(new Set(colours).size >= 2, `at least two colours: ${[...new Set(colours)].join(', ')}`)

  // A ruleset that sets the cap from a source turns the same cap findings confirmed.
  const sourced = join(dir, 'sourced-cap.json')
  const rs = rulesetChoice('default')
  writeFileSync(
    sourced,
    JSON.stringify({
      ...rs,
      version: 'sourced-cap',
      cap: { ...rs.cap, minutesPerMonth: { value: 360, provenance: 'verified', source: 'SEC H8' } },
    }),
  )
  const confirmedRun = JSON.parse((await mwp(['check', OPSG_JSON, '--format', 'json', '--ruleset', sourced])).out) as CheckJson
  const capNow = confirmedRun.windows.flatMap((w) => w.findings.filter((f) => f.code === 'MONTHLY_CAP' && f.severity === 'breach'))
  t.equal(capNow.length, 10)
  t.ok(
    capNow.every((f) => f.certainty === 'confirmed'),
    'a verified cap makes its breaches confirmed',
  )

  const csv = await mwp(['check', OPSG_CSV, '--format', 'json'])
  t.equal(csv.code, 1, csv.err)
  t.same(findingsOf(JSON.parse(csv.out) as CheckJson), findingsOf(a), 'the CSV plan reads as the JSON plan')

  const table = await mwp(['check', OPSG_CSV])
  t.equal(table.code, 1)
  t.match(table.out, /DSP-TR-01 .*breach.*NOTICE_PERIOD/)
  t.match(table.out, /2021-11\s+720 \/ 360 min\s+breach/)
  t.notMatch(table.out, /\x1b\[/, 'no colour when stdout is not a terminal')
  t.match(table.out, /exit 1: 2 unwaived findings at or above breach/)
  t.match(table.out, /DSP-TR-03 .*amber.*✖\? MONTHLY_CAP/, 'a breach on an assumed limit has its own mark')
  t.match(table.out, /2 breaches, 10 breaches on an assumed limit, 11 objections/)
  t.match(table.out, /✖\? limit assumed: set the SEC value in a ruleset to confirm/)
  const strict = await mwp(['check', OPSG_CSV, '--strict'])
  t.equal(strict.code, 1)
  t.match(strict.out, /exit 1: 12 unwaived findings at or above breach \(strict/, '--strict counts the unconfirmed breaches too')

  const rows = await mwp(['check', OPSG_CSV, '--format', 'csv'])
  const parsed = parseCsv(rows.out).records.map((r) => r.fields)
  t.same(parsed[0], [
    'row',
    'reference',
    'party',
    'start',
    'end',
    'assessed',
    'worstSeverity',
    'compliance',
    'impactRating',
    'realMinutes',
    'breach',
    'unconfirmedBreach',
    'objection',
    'warning',
    'info',
    'codes',
  ])
  t.equal(parsed.length, 15)
  t.same(parsed[1]?.slice(0, 3), ['1', 'DSP-TR-01', 'DSP'])
  t.match(parsed[1]?.[15], /NOTICE_PERIOD/)
  t.same(parsed[3]?.slice(7, 11), ['amber', 'red', '360', '1'], 'DSP-TR-03: amber by compliance, red by impact, one unconfirmed breach')
})

t.test('check: exit 0 when nothing reaches --fail-on, and --fail-on lowers the bar', async (t) => {
  const ok = await mwp(['check', PLAN_ICS, '--notified-at', '2022-03-01T12:00:00Z', '--format', 'json'])
  t.equal(ok.code, 0, ok.err)
  const j = JSON.parse(ok.out) as CheckJson
  t.same(
    j.windows.map((w) => w.reference),
    ['CSP-N-2022-04-RTR', 'CSP-N-2022-05-DB'],
  )
  // OPSG 58, March to June (one window a month): no breach, but each month reaches the cap (warnings)
  // and March is still winter (objection). July has two windows again.
  const plan = JSON.parse(readFileSync(OPSG_JSON, 'utf8')) as { windows: { start: string }[] }
  const spring = join(dir, 'spring.json')
  writeFileSync(spring, JSON.stringify({ windows: plan.windows.filter((w) => w.start >= '2022-03' && w.start < '2022-07') }))
  t.equal((await mwp(['check', spring])).code, 0, 'no breach')
  // July (two windows) breaches the assumed cap only: it fails --fail-on breach with --strict alone.
  const july = join(dir, 'july.json')
  writeFileSync(july, JSON.stringify({ windows: plan.windows.filter((w) => w.start >= '2022-07') }))
  t.equal((await mwp(['check', july])).code, 0, 'an unconfirmed breach alone does not fail --fail-on breach')
  t.equal((await mwp(['check', july, '--strict'])).code, 1, '--strict: it does')
  t.equal((await mwp(['check', july, '--fail-on', 'objection'])).code, 1, 'it counts as an objection')
  t.equal((await mwp(['check', spring, '--fail-on', 'objection'])).code, 1, 'the winter objection fails --fail-on objection')
  t.equal((await mwp(['check', spring, '--fail-on', 'warning'])).code, 1)
  const late = join(dir, 'late.json')
  writeFileSync(late, JSON.stringify({ windows: plan.windows.filter((w) => w.start >= '2022-04' && w.start < '2022-07') }))
  t.equal((await mwp(['check', late, '--fail-on', 'objection'])).code, 0, 'April on: only cap warnings')
})

t.test('check: a bad row 7 is named with its row and column, and the other 13 are still checked (exit 2)', async (t) => {
  const lines = readFileSync(OPSG_CSV, 'utf8').split('\r\n')
  lines[7] = lines[7]!.replace('2022-02-13T00:00:00+00:00', '13/02/2022 00:00') // data row 7 is line 8
  const bad = join(dir, 'bad-row-7.csv')
  writeFileSync(bad, lines.join('\r\n'))
  const r = await mwp(['check', bad, '--format', 'json'])
  t.equal(r.code, 2)
  t.match(r.err, `${bad}: row 7 (line 8), column start: must be an RFC 3339 instant`)
  const j = JSON.parse(r.out) as CheckJson
  t.same(
    j.problems.map((p) => [p.row, p.line, p.column]),
    [[7, 8, 'start']],
  )
  t.equal(j.summary.checked, 13)
  t.equal(j.summary.rows, 14)
  t.notOk(j.windows.some((w) => w.row === 7))
  t.ok(j.windows.find((w) => w.row === 8)?.findings.length, 'row 8 is assessed')

  const json = JSON.parse(readFileSync(OPSG_JSON, 'utf8')) as { windows: Record<string, unknown>[] }
  json.windows[6]!.impact = 'catastrophic'
  json.windows[9]!.colour = 'red'
  const badJson = join(dir, 'bad.json')
  writeFileSync(badJson, JSON.stringify(json))
  const rj = await mwp(['check', badJson])
  t.equal(rj.code, 2)
  t.match(rj.err, /row 7, column impact: /)
  t.match(rj.err, /row 10, column colour: Unrecognized key/)
  t.match(rj.out, /12 of 14 windows checked/)

  const header = join(dir, 'header.csv')
  writeFileSync(header, readFileSync(OPSG_CSV, 'utf8').replace('riskToService', 'risk'))
  const rh = await mwp(['check', header])
  t.equal(rh.code, 2, 'an unknown column is a mistake, not silence')
  t.match(rh.err, /line 1, column risk: unknown column/)

  const missing = await mwp(['check', join(dir, 'nowhere.csv')])
  t.equal(missing.code, 2)
  t.match(missing.err, /nowhere\.csv: cannot read: ENOENT/)
  const ruleset = await mwp(['check', OPSG_CSV, '--ruleset', 'no-such-ruleset'])
  t.equal(ruleset.code, 2)
  t.match(ruleset.err, /no built-in ruleset no-such-ruleset; known: default/)
})

t.test('--help for every command, and --version', async (t) => {
  for (const cmd of [
    [],
    ['check'],
    ['import'],
    ['export'],
    ['serve'],
    ['db', 'migrate'],
    ['db', 'backup'],
    ['db', 'restore'],
    ['keys', 'create'],
    ['slots'],
    ['demo'],
  ]) {
    const r = await mwp([...cmd, '--help'])
    t.equal(r.code, 0, `mwp ${cmd.join(' ')} --help`)
    t.match(r.out, /^Usage: mwp/)
  }
  const v = await mwp(['--version'])
  t.match(v.out, /^\d+\.\d+\.\d+\n$/)
})

t.test('mwp demo looks where npm start listens with the same environment (HOST and PORT, PUBLIC_BASE_URL) or at --server', async (t) => {
  const port = await freePort() // nothing listens there
  const key = { MWP_API_KEY: 'demo-admin-key-0123456789' }
  const byPort = await runMwp(['demo'], { env: { ...key, PORT: String(port) } })
  t.equal(byPort.code, 1)
  t.match(
    byPort.err,
    `no service answering at http://127.0.0.1:${port} (from HOST and PORT): start it with npm start, or give its address with --server URL`,
  )
  const byHost = await runMwp(['demo'], { env: { ...key, PORT: String(port), HOST: '0.0.0.0' } })
  t.match(byHost.err, `no service answering at http://127.0.0.1:${port} (from HOST and PORT)`, '0.0.0.0 is reached on loopback')
  const byBase = await runMwp(['demo'], { env: { ...key, PUBLIC_BASE_URL: `http://localhost:${port}/` } })
  t.match(byBase.err, `no service answering at http://localhost:${port} (from PUBLIC_BASE_URL)`)
  const byOption = await runMwp(['demo', '--server', `http://127.0.0.1:${port}`], { env: { ...key, PORT: '1' } })
  t.match(byOption.err, `no service answering at http://127.0.0.1:${port} (from --server)`, '--server wins')
  const badPort = await runMwp(['demo'], { env: { ...key, PORT: 'eighty' } })
  t.equal(badPort.code, 2)
  t.match(badPort.err, /configuration error: PORT/)
})

// ---------- against a running service ----------

const PARTIES: [string, string[]][] = [
  ['DSP', ['N', 'C', 'S']],
  ['CSP-N', ['N']],
  ['CSP-C', ['C']],
  ['CSP-S', ['S']],
]
/** N windows, one a night per party, written the way `mwp export` writes them. */
function generated(n: number): PlanRecord[] {
  const from = Date.UTC(2022, 3, 1)
  return Array.from({ length: n }, (_, i) => {
    const [party, regions] = PARTIES[i % 4]!
    const start = from + Math.floor(i / 4) * 86_400_000 + ((i * 7) % 8) * 1_800_000
    return {
      reference: `GEN-${String(i).padStart(5, '0')}`,
      title: `Generated window ${i}, "quoted", with commas`,
      party,
      kind: 'planned',
      impact: (['outage', 'degraded', 'reduced-redundancy', 'no-impact'] as const)[i % 4]!,
      start: new Date(start).toISOString(),
      end: new Date(start + (1 + (i % 6)) * 1_800_000).toISOString(),
      zone: 'Europe/London',
      services: i % 3 ? ['sm-wan'] : ['service-requests', 'alerts'],
      regions,
      description: i % 5 ? '' : 'line one\nline two; with a semicolon',
      justification: null,
      riskToService: 'rollback rehearsed',
      changeRef: i % 2 ? null : `CRQ${String(i).padStart(9, '0')}`,
      programmeId: null,
      notifiedAt: null,
      status: 'proposed',
    }
  })
}

type Summary = { rows: number; created: number; replayed: number; skipped: number; failed: number; badRows: number }
const summaryOf = (r: Run) => JSON.parse(r.out.trim().split('\n').at(-1)!) as Summary
const bodies = (r: Run) =>
  r.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { row: number; idempotencyKey: string; body: { reference: string } })
    .map(({ idempotencyKey, body }) => ({ idempotencyKey, body })) // an export is in start order, not in the file's
    .sort((a, b) => a.body.reference.localeCompare(b.body.reference))

t.test('import, resume, import again, export and back: against a service started here', async (t) => {
  const adminKey = 'test-admin-key-cli-0123456789abcdef'
  const dbEnv = await serviceDatabaseEnv()
  t.teardown(() => dbEnv.cleanup())
  const svc = await startService({ ...dbEnv.env, ADMIN_API_KEY: adminKey })
  t.teardown(() => void svc.child.kill('SIGKILL'))
  const server = ['--server', svc.base, '--key', adminKey]

  await t.test('mwp check agrees with POST /v1/assessments on the OPSG 58 plan', async (t) => {
    const body = readFileSync(OPSG_JSON, 'utf8')
    const res = await fetch(`${svc.base}/v1/assessments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body,
    })
    t.equal(res.status, 200)
    const api = (await res.json()) as { windows: CheckJson['windows'] }
    const cli = JSON.parse((await mwp(['check', OPSG_JSON, '--format', 'json'])).out) as CheckJson
    t.same(findingsOf(cli), findingsOf({ windows: api.windows } as CheckJson))
  })

  const plan = generated(N)
  const file = join(dir, `plan-${N}.csv`)
  writeFileSync(file, writePlanCsv(plan))

  await t.test('failing rows are written with their problem details; the rest is imported', async (t) => {
    // In 2031: outside the range exported below.
    const at = (d: number) => ({ start: `2031-01-0${d}T01:00:00.000Z`, end: `2031-01-0${d}T02:00:00.000Z` })
    const first = join(dir, 'first.csv')
    writeFileSync(first, writePlanCsv([{ ...plan[1]!, ...at(1), reference: 'MIX-0' }]))
    t.equal((await mwp(['import', first, ...server])).code, 0)
    const rows = [
      { ...plan[0]!, ...at(2), reference: 'MIX-1' },
      { ...plan[1]!, ...at(1), reference: 'MIX-0', title: 'same reference, other content' },
      { ...plan[2]!, ...at(3), reference: 'MIX-2', start: 'not a date' },
      { ...plan[3]!, ...at(4), reference: 'MIX-3', party: 'NOBODY' },
    ]
    const f = join(dir, 'mixed.csv')
    writeFileSync(f, writePlanCsv(rows))
    const r = await mwp(['import', f, ...server])
    t.equal(r.code, 2, 'a row could not be read')
    const s = summaryOf(r)
    t.equal(s.created, 1)
    t.equal(s.badRows, 1)
    t.equal(s.failed, 2)
    const failed = JSON.parse(readFileSync(`${f}.failed.json`, 'utf8')) as {
      failed: { row: number; problem: { code?: string; detail: string } }[]
    }
    t.same(
      failed.failed.map((x) => x.row),
      [2, 3, 4],
    )
    t.equal(failed.failed[0]!.problem.code, 'duplicate-reference')
    t.match(failed.failed[1]!.problem.detail, /row 3 \(line 5\), column start/, 'row 1 holds a line break in a quoted field')
    t.ok(failed.failed[2]!.problem.code, 'the service problem details are kept')
  })

  await t.test('an import killed part-way is resumed from its journal, and nothing is created twice', async (t) => {
    const journal = `${file}.import-journal.ndjson`
    const lines = () => (existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').filter(Boolean).length : 0)
    const first = await mwp(['import', file, ...server], {
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (lines() >= 300) {
            clearInterval(poll)
            child.kill('SIGKILL')
          }
        }, 50)
        child.on('exit', () => clearInterval(poll))
      },
    })
    t.equal(first.code, null, 'killed')
    const before = lines()
    t.ok(before >= 300 && before < N, `${before} rows in the journal when it was killed`)

    const resumed = await mwp(['import', file, ...server])
    t.equal(resumed.code, 0, resumed.err)
    const s = summaryOf(resumed)
    t.equal(s.rows, N)
    t.equal(s.skipped, before, 'rows in the journal are not sent again')
    t.equal(s.created + s.replayed + s.skipped, N)
    t.ok(s.replayed <= 4 * 4, 'at most the requests in flight at the kill are replayed')
    t.match(resumed.err, /resuming: \d+ rows already imported/)
    t.notOk(existsSync(journal), 'a complete import leaves no journal')
    t.notOk(existsSync(`${file}.failed.json`))
  })

  await t.test('imported again: the service replays every row, nothing is duplicated', async (t) => {
    const again = await mwp(['import', file, ...server, '--concurrency', '8'])
    t.equal(again.code, 0, again.err)
    t.same(summaryOf(again), { rows: N, created: 0, replayed: N, skipped: 0, failed: 0, badRows: 0 })
  })

  const exported: Record<string, string> = {}
  await t.test('export writes what import reads back unchanged (CSV, JSON, ICS)', async (t) => {
    for (const format of ['csv', 'json', 'ics']) {
      const out = join(dir, `export.${format}`)
      const r = await mwp([
        'export',
        ...server,
        '--from',
        '2022-01-01T00:00:00Z',
        '--to',
        '2030-01-01T00:00:00Z',
        '--format',
        format,
        '--out',
        out,
      ])
      t.equal(r.code, 0, r.err)
      t.match(r.err, `exported ${N} windows`)
      exported[format] = out
    }
    t.equal(parseCsv(readFileSync(exported.csv!, 'utf8')).records.length, N + 1, 'a header and N rows')
    const original = bodies(await mwp(['import', file, '--dry-run']))
    for (const format of ['csv', 'json', 'ics']) {
      const back = await mwp(['import', exported[format]!, '--dry-run'])
      t.equal(back.code, 0, back.err)
      t.same(bodies(back), original, `${format}: the same requests, the same Idempotency-Keys`)
    }
  })
})
