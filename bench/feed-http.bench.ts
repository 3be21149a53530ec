/**
 * Feed HTTP benchmark: 10,000 stored windows (a quarter with a stored assessment), one feed over all
 * of them, timed through app.inject against the real database:
 * - cold 200: a new feed each run, so nothing is cached (queries + render + hash);
 * - warm 200: the same feed again (validated feed: the cached body, no query);
 * - 304: If-None-Match with the current ETag (validated feed: no query);
 * - 304 after a change elsewhere: a draft (never in a feed) edited before each request, so each one
 *   validates the feed again with the aggregate query and finds the cached body;
 * - bare route: GET /healthz, for comparison.
 * The services hear committed changes as the server's do (database.changes), which is what lets an
 * unchanged feed be answered from memory.
 * Prints median / min wall-clock times; asserts nothing.
 *
 * Run: node --import tsx bench/feed-http.bench.ts [windows=10000] [runs=30]
 * (DATABASE_URL=postgres://… for the server database; the embedded one otherwise.)
 */
import { randomUUID } from 'node:crypto'
import { buildApp } from '../src/http/app.ts'
import { buildWindow } from '../src/services/windows-service.ts'
import { createServices } from '../src/services/index.ts'
import { fixedClock } from '../test/helpers/clock.ts'
import { buildTemplate, openTestDatabase } from '../test/helpers/databases.ts'

const count = Number(process.argv[2] ?? 10_000)
const runs = Number(process.argv[3] ?? 30)

await buildTemplate()
const database = await openTestDatabase()
const clock = fixedClock('2021-10-01T09:00:00Z')
const services = createServices({ db: database.db, clock, maxWindowHours: 72, changes: database.changes })
const app = await buildApp({
  db: database.db,
  databaseKind: database.kind,
  services,
  clock,
  baseUrl: 'https://mwp.example.org',
  logger: false,
})
const admin = await services.keys.create({ name: 'bench admin', role: 'admin' }, null)
const headers = { authorization: `Bearer ${admin.key}` }
const actor = { keyId: admin.id, role: 'admin' as const, parties: [] }

// Windows straight into the table (the API would assess each one: minutes for 10,000).
const parties = ['DSP', 'CSP-N', 'CSP-C', 'CSP-S']
const statuses = ['proposed', 'notified', 'agreed', 'completed', 'cancelled', 'draft'] as const
const t0 = Date.now()
const base = Date.parse('2021-10-04T00:00:00Z')
for (let i = 0; i < count; i += 500) {
  const rows = []
  const assessments = []
  for (let j = i; j < Math.min(count, i + 500); j++) {
    const start = new Date(base + j * 3_600_000 * 2)
    const w = buildWindow(
      {
        reference: `B-${j}`,
        title: `Bench window ${j}; firmware, phase ${j % 7}`,
        description: 'Replace end-of-life database servers',
        party: parties[j % parties.length]!,
        impact: j % 3 ? 'degraded' : 'outage',
        services: ['service-requests', 'prepayment-top-up'],
        regions: ['N', 'C', 'S'],
        start,
        end: new Date(start.getTime() + 3_600_000),
      },
      actor,
      {},
      clock.now(),
    )
    const status = statuses[j % statuses.length]!
    rows.push({ ...w, status })
    if (j % 4 === 0)
      assessments.push({
        id: randomUUID(),
        window_id: w.id,
        window_version: 1,
        ruleset_id: 'bench',
        ruleset_version: '1',
        result: JSON.stringify({
          reference: w.reference,
          worstSeverity: 'warning',
          realMinutes: 60,
          months: [],
          findings: [{ code: 'NOTICE_PERIOD', severity: 'warning' }],
        }),
        provenance: '{}',
        effective_at: clock.now(),
        recorded_at: clock.now(),
      })
  }
  await database.db
    .insertInto('windows')
    .values(
      rows.map((w) => ({
        id: w.id,
        party: w.party,
        reference: w.reference,
        title: w.title,
        description: w.description,
        justification: null,
        risk_to_service: null,
        change_ref: 'CRQ000000134669',
        programme_id: null,
        kind: w.kind,
        impact: w.impact,
        services: [...w.services],
        regions: [...w.regions],
        start_at: w.start,
        end_at: w.end,
        zone: w.zone,
        notified_at: null,
        status: w.status,
        actual_start: null,
        actual_end: null,
        created_by: w.createdBy,
        version: 1,
        sequence: 0,
        effective_at: w.effectiveAt,
        recorded_at: w.recordedAt,
        created_at: w.createdAt,
        updated_at: w.updatedAt,
      })),
    )
    .execute()
  if (assessments.length) await database.db.insertInto('assessments').values(assessments).execute()
}
console.log(`${count} windows stored in ${Date.now() - t0} ms (${database.kind} database, node ${process.version})`)

async function newFeed(): Promise<string> {
  const r = await app.inject({ method: 'POST', url: '/v1/feeds', headers, payload: { name: 'bench', filter: {} } })
  if (r.statusCode !== 201) throw new Error(r.body)
  return new URL(r.json().url).pathname
}

async function time(
  label: string,
  call: () => Promise<{ statusCode: number; rawPayload: Buffer }>,
  expect: number,
  prepare?: () => Promise<void>,
) {
  for (let i = 0; i < 5; i++) {
    await prepare?.()
    await call()
  }
  const ms: number[] = []
  let size = 0
  for (let i = 0; i < runs; i++) {
    await prepare?.()
    const a = process.hrtime.bigint()
    const r = await call()
    ms.push(Number(process.hrtime.bigint() - a) / 1e6)
    if (r.statusCode !== expect) throw new Error(`${label}: ${r.statusCode}`)
    size = r.rawPayload.length
  }
  ms.sort((x, y) => x - y)
  console.log(
    `${label.padEnd(34)} median ${ms[Math.floor(ms.length / 2)]!.toFixed(2)} ms, min ${ms[0]!.toFixed(2)} ms; body ${(size / 1e6).toFixed(2)} MB`,
  )
}

let path = await newFeed()
const first = await app.inject({ url: path })
const events = first.body.split('BEGIN:VEVENT').length - 1
console.log(`feed: ${events} events (drafts left out), ${(first.rawPayload.length / 1e6).toFixed(2)} MB`)
const etag = String(first.headers.etag)

await time(
  'GET feed, cold (new feed, render)',
  () => app.inject({ url: path }),
  200,
  async () => {
    path = await newFeed()
  },
)
await time('GET feed, warm (cached body)', () => app.inject({ url: path }), 200)
const warmEtag = String((await app.inject({ url: path })).headers.etag)
if (warmEtag !== etag) throw new Error('ETag differs between feeds of the same content')
await time('GET feed, If-None-Match → 304', () => app.inject({ url: path, headers: { 'if-none-match': etag } }), 304)
await time('HEAD feed', () => app.inject({ method: 'HEAD', url: path }), 200)
// A window outside the feed's windows' content (a draft: never shown) changes before each request:
// the feed's ETag stays, but each request must validate the feed again with the aggregate query.
const draft = await database.db.selectFrom('windows').select('id').where('status', '=', 'draft').executeTakeFirstOrThrow()
await time(
  'GET feed, 304 after a change elsewhere',
  () => app.inject({ url: path, headers: { 'if-none-match': etag } }),
  304,
  async () => {
    await database.db
      .updateTable('windows')
      .set({ title: `draft ${Math.random()}` })
      .where('id', '=', draft.id)
      .execute()
  },
)
await time('GET /healthz (bare route)', () => app.inject({ url: '/healthz' }), 200)

await app.close()
await database.close()
