/**
 * Audit log benchmark, against the real database (embedded, or DATABASE_URL=postgres://… for a server):
 * 1. cost of the append on a window create: `windows.create` through the whole services composition
 *    with the audit append on (as in production: one statement that takes the advisory lock, reads the
 *    tail, hashes and inserts) and off (that statement made a no-op; the canonical JSON still written),
 *    in adjacent pairs of alternating order (ABBA);
 *    medians, the median paired difference and the append's own time;
 * 2. on a server only: throughput of creates from 10 concurrent writers, on and off (the advisory
 *    lock orders every write transaction from its first append to its commit);
 * 3. verification speed: `verifyAuditLog` over the whole chain.
 * Prints figures; asserts nothing.
 *
 * Run: node --import tsx bench/audit.bench.ts [pairs=300] [concurrent=400]
 */
import { auditRepository } from '../src/db/repositories/audit-repository.ts'
import { verifyAuditLog } from '../src/services/audit-service.ts'
import { createServices } from '../src/services/index.ts'
import { fixedClock } from '../test/helpers/clock.ts'
import { buildTemplate, openTestDatabase } from '../test/helpers/databases.ts'

const pairs = Number(process.argv[2] ?? 300)
const concurrent = Number(process.argv[3] ?? 400)
const warmup = 30

await buildTemplate()
const database = await openTestDatabase()
const clock = fixedClock('2021-10-01T09:00:00Z')
const services = createServices({ db: database.db, clock, maxWindowHours: 72 })
const admin = await services.keys.create({ name: 'bench admin', role: 'admin' }, null)
const actor = { keyId: admin.id, role: 'admin' as const, parties: [] }

// The switch and the append's own time: the repository's one statement, wrapped.
let auditOn = true
let inAudit = 0
const repo = auditRepository as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>
for (const name of ['append'] as const) {
  const original = repo[name]!.bind(auditRepository)
  repo[name] = async (...args: unknown[]) => {
    if (!auditOn) return undefined
    const s = performance.now()
    try {
      return await original(...args)
    } finally {
      inAudit += performance.now() - s
    }
  }
}

let n = 0
const input = () => {
  // One window a day, so each create assesses a similar month.
  const i = n++
  const start = new Date(Date.parse('2022-05-02T00:00:00Z') + i * 86_400_000 + (i % 3) * 3_600_000)
  return {
    reference: `B-${i}`,
    title: `Bench ${i}`,
    party: 'DSP',
    impact: 'degraded' as const,
    services: ['service-requests'],
    regions: ['N'],
    start,
    end: new Date(start.getTime() + 3_600_000),
  }
}
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!
}
const fmt = (x: number) => x.toFixed(2)

// 1. Sequential creates, ABBA pairs.
const times = { on: [] as number[], off: [] as number[] }
const diffs: number[] = []
const appendMs: number[] = []
for (let i = -warmup; i < pairs; i++) {
  const order: ('on' | 'off')[] = i % 2 ? ['on', 'off'] : ['off', 'on']
  const pair: Record<string, number> = {}
  for (const side of order) {
    auditOn = side === 'on'
    inAudit = 0
    const s = performance.now()
    await services.windows.create(input(), actor)
    pair[side] = performance.now() - s
    if (i >= 0 && side === 'on') appendMs.push(inAudit)
  }
  if (i >= 0) {
    times.on.push(pair.on!)
    times.off.push(pair.off!)
    diffs.push(pair.on! - pair.off!)
  }
}
auditOn = true
const medOn = quantile(times.on, 0.5)
const medOff = quantile(times.off, 0.5)
const medDiff = quantile(diffs, 0.5)
process.stdout.write(
  `audit append on a window create (${database.kind}, ${pairs} ABBA pairs): with ${fmt(medOn)} ms ` +
    `(IQR ${fmt(quantile(times.on, 0.25))}–${fmt(quantile(times.on, 0.75))}), without ${fmt(medOff)} ms ` +
    `(IQR ${fmt(quantile(times.off, 0.25))}–${fmt(quantile(times.off, 0.75))}); median paired difference ${fmt(medDiff)} ms ` +
    `(${((medDiff / medOff) * 100).toFixed(1)} %); the append's statements: median ${fmt(quantile(appendMs, 0.5))} ms, p95 ${fmt(quantile(appendMs, 0.95))} ms\n`,
)

// 2. Concurrent writers (a server has a pool; the embedded database serves one connection anyway).
if (database.kind === 'server') {
  const writers = 10
  for (const side of ['off', 'on', 'off', 'on'] as const) {
    auditOn = side === 'on'
    let left = concurrent
    const s = performance.now()
    await Promise.all(
      Array.from({ length: writers }, async () => {
        while (left-- > 0) await services.windows.create(input(), actor)
      }),
    )
    const ms = performance.now() - s
    process.stdout.write(
      `  ${writers} concurrent writers, audit ${side}: ${concurrent} creates in ${ms.toFixed(0)} ms (${((concurrent / ms) * 1000).toFixed(0)}/s)\n`,
    )
  }
  auditOn = true
}

// 3. Verification of the whole chain.
const s = performance.now()
const verdict = await verifyAuditLog(database.db)
const ms = performance.now() - s
process.stdout.write(
  `audit verify (${database.kind}): ${verdict.checked} entries in ${ms.toFixed(0)} ms (${((verdict.checked / ms) * 1000).toFixed(0)} entries/s), ok=${verdict.ok}\n`,
)
await database.close()
