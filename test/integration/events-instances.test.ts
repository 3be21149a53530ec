import type { AddressInfo } from 'node:net'
import { sql } from 'kysely'
import t from 'tap'
import { openDatabase } from '../../src/db/database.ts'
import { buildApp } from '../../src/http/app.ts'
import { createServices } from '../../src/services/index.ts'
import { fixedClock } from '../helpers/clock.ts'
import { openEvents, type SseStream } from '../helpers/sse.ts'
import { aWindow, BASE_URL, buildTestApp } from '../helpers/test-app.ts'

// A change through one instance reaches a stream on the same instance and on another instance of the
// same PostgreSQL server; the time from the API's answer to the event is printed (`# latency …`),
// never asserted beyond the 10 seconds.

const ctx = await buildTestApp(t)
const SAMPLES = 5

/** A change through instance A (its answer awaited), then the time until `stream` hears that window. */
async function sample(stream: SseStream, n: number): Promise<{ answer: number; request: number }> {
  const sent = performance.now()
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/v1/windows',
    headers: ctx.admin,
    payload: aWindow({ reference: `DSP-LAT-${n}-${Math.random().toString(36).slice(2, 6)}` }),
  })
  if (res.statusCode !== 201) throw new Error(res.body)
  const answered = performance.now()
  const id = res.json().id as string
  const e = await stream.next((x) => x.event === 'windows' && (x.data as { id?: string }).id === id, 10_000)
  // Negative: the event was on the stream before the API's answer was (the database announces at commit).
  return { answer: e.at - answered, request: e.at - sent }
}

const median = (ms: number[]) => [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)]!.toFixed(1)
const summary = (s: { answer: number; request: number }[]) =>
  `answer → event ${s.map((m) => m.answer.toFixed(1)).join(', ')} ms (median ${median(s.map((m) => m.answer))}); ` +
  `request sent → event ${s.map((m) => m.request.toFixed(1)).join(', ')} ms (median ${median(s.map((m) => m.request))})`

t.test('one instance: the change is on its stream (within 10 s)', async (t) => {
  await ctx.app.listen({ port: 0, host: '127.0.0.1' })
  const s = await openEvents(`http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`, ctx.admin)
  t.teardown(() => s.close())
  const ms: { answer: number; request: number }[] = []
  for (let i = 0; i < SAMPLES; i++) ms.push(await sample(s, i))
  t.comment(`latency, one instance (${ctx.kind}): ${summary(ms)}`)
  t.ok(
    ms.every((m) => m.answer < 10_000),
    'every change within 10 s',
  )
})

// Two instances need a PostgreSQL server: the embedded database belongs to one process.
if (ctx.kind === 'embedded')
  t.comment('SKIP two instances: the embedded database is one process; this runs on the PostgreSQL pass (DATABASE_URL)')
else
  t.test('two instances on one PostgreSQL: a change through A is on a stream connected to B', async (t) => {
    const name = (await sql<{ n: string }>`SELECT current_database() AS n`.execute(ctx.db)).rows[0]!.n
    const url = new URL(process.env.DATABASE_URL!)
    url.pathname = `/${name}`
    const database = await openDatabase({ databaseUrl: url.toString(), dataDir: '' })
    const clock = fixedClock('2021-10-01T09:00:00Z')
    const services = createServices({ db: database.db, clock, maxWindowHours: 72, changes: database.changes })
    const b = await buildApp({ db: database.db, databaseKind: 'server', services, clock, baseUrl: BASE_URL, logger: false })
    t.teardown(async () => {
      await b.close()
      await database.close()
    })
    const deadline = Date.now() + 10_000
    while (!database.changes.live && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    t.ok(database.changes.live, 'instance B listens')
    await b.listen({ port: 0, host: '127.0.0.1' })
    const s = await openEvents(`http://127.0.0.1:${(b.server.address() as AddressInfo).port}`, ctx.admin)
    t.teardown(() => s.close())
    t.equal(s.status, 200, 'the same key is accepted by B')
    const ms: { answer: number; request: number }[] = []
    for (let i = 0; i < SAMPLES; i++) ms.push(await sample(s, 100 + i))
    t.comment(`latency, two instances (A → PostgreSQL → B): ${summary(ms)}`)
    t.ok(
      ms.every((m) => m.answer < 10_000),
      'every change within 10 s',
    )
    t.equal(
      s.events.filter((e) => e.event === 'windows').length,
      SAMPLES,
      'each change once on B (heard on B’s pooled connections and its dedicated one, sent once)',
    )
  })
