/**
 * Webhooks benchmark, against the real database (embedded, or DATABASE_URL=postgres://… for a server):
 * 1. delivery: N outbox events (default 1,000: 100 windows × 10 changes, so per-window ordering is
 *    exercised) fanned out to one subscription and posted, signed, to a receiver on loopback by
 *    `runOnce`; prints wall time, events per second and attempt latencies (target: 1,000 in ≤ 5 s);
 * 2. outbox cost: window creates through the whole services composition with event writing on and
 *    off (`webhooks.writeEvents`, bench only), in adjacent pairs of alternating order; medians and the
 *    median paired difference (target: ≤ 10 % more).
 * Prints figures; asserts nothing.
 *
 * Run: node --import tsx bench/webhooks.bench.ts [events=1000] [pairs=300]
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { webhooksRepository } from '../src/db/repositories/webhooks-repository.ts'
import { createServices } from '../src/services/index.ts'
import { fixedClock } from '../test/helpers/clock.ts'
import { buildTemplate, openTestDatabase } from '../test/helpers/databases.ts'

const events = Number(process.argv[2] ?? 1000)
const creates = Number(process.argv[3] ?? 300)
const warmup = 30
const SECRETS_KEY = Buffer.alloc(32, 'bench secrets key')

await buildTemplate()
const database = await openTestDatabase()
const clock = fixedClock('2021-10-01T09:00:00Z')
// The receiver is on loopback: opened as WEBHOOK_ALLOWED_HOSTS=127.0.0.0/8 would, for the admin key below.
const services = createServices({
  db: database.db,
  clock,
  maxWindowHours: 72,
  webhooks: { allowedHosts: ['127.0.0.0/8'], secretsKeys: [SECRETS_KEY] },
})
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

// 2. The outbox's cost on a window create: two full service compositions over the same database, one
// writing events (as in production) and one with event writing off (`writeEvents: false`, a bench-only
// switch), creating windows through `windows.create` in adjacent pairs whose order alternates (ABBA),
// so drift (growing tables, other load on the machine) falls on both alike. Reported: each side's
// median and interquartile range, and the median of the paired differences (the robust figure).
const off = createServices({
  db: database.db,
  clock,
  maxWindowHours: 72,
  webhooks: { secretsKeys: [SECRETS_KEY], writeEvents: false },
})
const input = (i: number, tag: string) => {
  // One window a day per side (start hours differ), so each create assesses a similar month.
  const start = new Date(Date.parse('2022-05-02T00:00:00Z') + Math.floor(i / 2) * 86_400_000 + (tag === 'on' ? 0 : 3 * 3_600_000))
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
const count = async () =>
  Number(
    (
      await database.db
        .selectFrom('outbox_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  )
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!
}
// The hooks' own time inside the 'on' side's transaction (a direct measure of what the outbox adds).
const outbox = services.webhooks.outbox
const hookMs: number[] = []
let inHooks = 0
for (const name of ['windowChanged', 'findingsAssessed'] as const) {
  const original = outbox[name] as (...args: unknown[]) => Promise<void>
  ;(outbox as Record<string, unknown>)[name] = async (...args: unknown[]) => {
    const s = performance.now()
    try {
      return await original(...args)
    } finally {
      inHooks += performance.now() - s
    }
  }
}
const sides = { on: services, off } as const
const times = { on: [] as number[], off: [] as number[] }
const diffs: number[] = []
const eventsBefore = await count()
for (let i = -warmup; i < creates; i++) {
  const order: ('on' | 'off')[] = i % 2 ? ['on', 'off'] : ['off', 'on']
  const pair: Record<string, number> = {}
  for (const side of order) {
    inHooks = 0
    const s = performance.now()
    await sides[side].windows.create(input(i + warmup, side), actor)
    pair[side] = performance.now() - s
    if (side === 'on') pair.hooks = inHooks
  }
  if (i < 0) continue // warm-up: caches, JIT, first pages
  times.on.push(pair.on!)
  times.off.push(pair.off!)
  diffs.push(pair.on! - pair.off!)
  hookMs.push(pair.hooks!)
}
const written = (await count()) - eventsBefore
const mOff = quantile(times.off, 0.5)
const mOn = quantile(times.on, 0.5)
const mDiff = quantile(diffs, 0.5)
const pctOf = (x: number) => `${x >= 0 ? '+' : ''}${((x / mOff) * 100).toFixed(1)} %`
process.stdout.write(
  `window create through the services (${database.kind}, ${creates} pairs after ${warmup} warm-up, ABBA order): ` +
    `outbox off median ${mOff.toFixed(2)} ms (IQR ${quantile(times.off, 0.25).toFixed(2)}–${quantile(times.off, 0.75).toFixed(2)}), ` +
    `outbox on median ${mOn.toFixed(2)} ms (IQR ${quantile(times.on, 0.25).toFixed(2)}–${quantile(times.on, 0.75).toFixed(2)}); ` +
    `difference of medians ${pctOf(mOn - mOff)}, median paired difference ${mDiff.toFixed(3)} ms (${pctOf(mDiff)}; ` +
    `IQR ${pctOf(quantile(diffs, 0.25))} to ${pctOf(quantile(diffs, 0.75))}); ${written} events written by the 'on' side (target ≤ +10 %)\n` +
    `  time inside the outbox hooks per create (measured in the 'on' transaction): median ${quantile(hookMs, 0.5).toFixed(3)} ms, ` +
    `p90 ${quantile(hookMs, 0.9).toFixed(3)} ms = ${pctOf(quantile(hookMs, 0.5))} of the 'off' median\n`,
)

// 3. The compliance report's notice query: one statement for 10,000 windows, each with a delivered
// window.proposed to two subscriptions, and ten schedule.published events of 1,000 windows each.
{
  const { sql } = await import('kysely')
  const { NOTICE_EVENTS } = await import('../src/services/reports-service.ts')
  await services.webhooks.create({ url: `http://127.0.0.1:${port}/second`, events: ['window.proposed'] }, actor)
  const ids = Array.from({ length: 10_000 }, () => crypto.randomUUID())
  const at = clock.now().toISOString()
  await sql`
    INSERT INTO outbox_events (type, subject, window_ids, data, occurred_at, fanned_out_at)
    SELECT 'window.proposed', 'windows/' || value, ARRAY[value::uuid], '{}', ${at}::timestamptz, ${at}::timestamptz
    FROM jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)`.execute(database.db)
  for (let m = 0; m < 10; m++)
    await sql`
      INSERT INTO outbox_events (type, subject, window_ids, data, occurred_at, fanned_out_at)
      SELECT 'schedule.published', ${`schedules/m${m}`}, array_agg(value::uuid), '{}', ${at}::timestamptz, ${at}::timestamptz
      FROM jsonb_array_elements_text(${JSON.stringify(ids.slice(m * 1000, (m + 1) * 1000))}::jsonb)`.execute(database.db)
  await sql`
    INSERT INTO webhook_deliveries (event_id, subscription_id, ordering_key, state, created_at, next_attempt_at, attempt_count, attempts, acknowledged_at)
    SELECT e.id, s.id, 'k', 'delivered', ${at}::timestamptz, ${at}::timestamptz, 1, jsonb_build_array(jsonb_build_object('at', ${at}::text)), ${at}::timestamptz
    FROM outbox_events e CROSS JOIN webhook_subscriptions s
    WHERE e.data = '{}'::jsonb`.execute(database.db)
  const runs: number[] = []
  let rows = 0
  for (let i = 0; i < 5; i++) {
    const s = performance.now()
    rows = (await webhooksRepository.noticesForWindows(database.db, ids, NOTICE_EVENTS, null)).length
    runs.push(performance.now() - s)
  }
  process.stdout.write(
    `report notices for ${ids.length} windows (${database.kind}): ${rows} rows in one statement, median ${quantile(runs, 0.5).toFixed(0)} ms (min ${Math.min(...runs).toFixed(0)} ms)\n`,
  )
}

await new Promise<void>((r) => receiver.close(() => r()))
await database.close()
