/**
 * Webhooks benchmark, against the real database (embedded, or DATABASE_URL=postgres://… for a server):
 * 1. delivery: N outbox events (default 1,000: 100 windows × 10 changes, so per-window ordering is
 *    exercised) fanned out to one subscription and posted, signed, to a receiver on loopback by
 *    `runOnce`; prints wall time, events per second and attempt latencies (target: 1,000 in ≤ 5 s);
 * 2. outbox cost: median time of a window create through the windows service with the outbox hook
 *    and without it (target: ≤ 10 % more).
 * Prints figures; asserts nothing.
 *
 * Run: node --import tsx bench/webhooks.bench.ts [events=1000] [creates=100]
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { webhooksRepository } from '../src/db/repositories/webhooks-repository.ts'
import { createServices } from '../src/services/index.ts'
import { createWindowsService } from '../src/services/windows-service.ts'
import { fixedClock } from '../test/helpers/clock.ts'
import { buildTemplate, openTestDatabase } from '../test/helpers/databases.ts'

const events = Number(process.argv[2] ?? 1000)
const creates = Number(process.argv[3] ?? 100)

await buildTemplate()
const database = await openTestDatabase()
const clock = fixedClock('2021-10-01T09:00:00Z')
const services = createServices({ db: database.db, clock, maxWindowHours: 72 })
const admin = await services.keys.create({ name: 'bench admin', role: 'admin' }, null)
const actor = { keyId: admin.id, role: 'admin' as const, parties: [] }

let received = 0
const receiver = createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    received++
    res.writeHead(204).end()
  })
})
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
const port = (receiver.address() as AddressInfo).port
await services.webhooks.create({ url: `http://127.0.0.1:${port}/hook`, events: ['window.changed'] }, actor)

// 1. Delivery of N events.
const windowIds = Array.from({ length: 100 }, () => crypto.randomUUID())
await database.db.transaction().execute(async (trx) => {
  for (let i = 0; i < events; i++)
    await webhooksRepository.insertEvent(trx, {
      type: 'window.changed',
      subject: `windows/${windowIds[i % 100]}`,
      windowIds: [windowIds[i % 100]!],
      parties: ['DSP'],
      services: ['service-requests'],
      regions: ['N'],
      occurredAt: clock.now(),
      data: { seq: i, changes: [{ field: 'title', old: `t${i}`, new: `t${i + 1}` }] },
    })
})
const t0 = performance.now()
let report = await services.webhooks.runOnce(clock.now())
let passes = 1
while (received < events && passes < 20) {
  report = await services.webhooks.runOnce(clock.now())
  passes++
}
const ms = performance.now() - t0
const latencies = (await database.db.selectFrom('webhook_deliveries').select('attempts').execute())
  .flatMap((r) => r.attempts as { latencyMs: number }[])
  .map((a) => a.latencyMs)
  .sort((a, b) => a - b)
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0
process.stdout.write(
  `webhooks (${database.kind}): ${received}/${events} events delivered in ${ms.toFixed(0)} ms over ${passes} pass(es) ` +
    `(${((received / ms) * 1000).toFixed(0)} events/s); attempt latency p50 ${pct(50)} ms, p95 ${pct(95)} ms, max ${pct(100)} ms; last pass ${JSON.stringify(report)}\n`,
)

// 2. The outbox's share of a window create.
const { reference, compliance } = services
const bare = createWindowsService({
  db: database.db,
  clock,
  reference,
  maxWindowHours: 72,
  hooks: { afterWrite: (trx, ws) => compliance.assessAndStore(trx, ws) },
})
const withOutbox = createWindowsService({
  db: database.db,
  clock,
  reference,
  maxWindowHours: 72,
  hooks: {
    afterWrite: (trx, ws) => compliance.assessAndStore(trx, ws),
    afterChange: (trx, c) => services.webhooks.outbox.windowChanged(trx, c),
  },
})
const input = (i: number, tag: string) => {
  const start = new Date(Date.parse('2022-05-02T00:00:00Z') + i * 86_400_000)
  return {
    reference: `${tag}-${i}`,
    title: `Bench ${i}`,
    party: 'DSP',
    impact: 'degraded' as const,
    services: ['service-requests'],
    regions: ['N'],
    start,
    end: new Date(start.getTime() + 3_600_000),
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const times = { bare: [] as number[], outbox: [] as number[] }
for (let i = 0; i < creates; i++) {
  // Alternate, so drift in the database (growing tables) falls on both alike.
  for (const [name, svc] of i % 2
    ? ([
        ['bare', bare],
        ['outbox', withOutbox],
      ] as const)
    : ([
        ['outbox', withOutbox],
        ['bare', bare],
      ] as const)) {
    const s = performance.now()
    await svc.create(input(i, name), actor)
    times[name].push(performance.now() - s)
  }
}
const b = median(times.bare)
const o = median(times.outbox)
process.stdout.write(
  `window create (${creates} each, median): without outbox ${b.toFixed(2)} ms, with outbox ${o.toFixed(2)} ms (${(((o - b) / b) * 100).toFixed(1)} %)\n`,
)

await new Promise<void>((r) => receiver.close(() => r()))
await database.close()
