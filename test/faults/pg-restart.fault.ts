/**
 * Load and faults (issue 9, part 2). Not part of `npm test`: CI runs it as its own stage.
 *
 *   npm run build && npx tap --before= --timeout=1200 test/faults/pg-restart.fault.ts
 *
 * Starts a throwaway PostgreSQL 15 on FAULT_PGPORT (default 55433; never 5432) in a scratch folder
 * and two instances of the compiled service on it, then submits FAULT_WINDOWS (default 10,000)
 * windows from 50 concurrent clients, each with an Idempotency-Key, retrying network errors, 5xx,
 * 429 and 409 idempotency-in-progress with backoff (honouring Retry-After), spread across both
 * instances. A quarter of the way in, PostgreSQL is stopped (`pg_ctl stop -m fast`) for a few
 * seconds and started again; later one instance gets SIGTERM with requests in flight and is started
 * again (a rolling restart). Then it checks that exactly one window per reference exists, in SQL and
 * through the API, and prints a summary. The server is always stopped at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { Agent, type IncomingHttpHeaders, request } from 'node:http'
import { join } from 'node:path'
import pg from 'pg'
import t from 'tap'
import { freePort, ROOT } from '../helpers/subprocess.ts'
import { startThrowawayPostgres, type ThrowawayPostgres } from './throwaway-postgres.ts'

const TOTAL = Number(process.env.FAULT_WINDOWS ?? 10_000)
const CLIENTS = Number(process.env.FAULT_CLIENTS ?? 50)
const OUTAGE_MS = Number(process.env.FAULT_OUTAGE_MS ?? 4000)
const PGPORT = Number(process.env.FAULT_PGPORT ?? 55433)
const SERVER_JS = process.env.MWP_SERVER_JS ?? join(ROOT, 'dist/src/server.js')
const ADMIN_KEY = 'fault-admin-key-0123456789abcdef'
/** A request that has no final answer after this long counts as never answered. */
const GIVE_UP_MS = 240_000
/** Every ABANDON_EVERY-th window's first attempt drops its connection before the answer, then retries. */
const ABANDON_EVERY = 25
const RUN = `fault-${Date.now().toString(36)}`

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
const elapsed = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`

// ---------------------------------------------------------------- processes we own, always cleaned up

let pgs: ThrowawayPostgres | undefined
const children = new Set<ChildProcess>()
function cleanUpNow() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  pgs?.destroy()
  pgs = undefined
}
process.on('exit', cleanUpNow)
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.once(sig, () => {
    cleanUpNow()
    process.exit(1)
  })

// ---------------------------------------------------------------- service instances

/** Instances that exited without being asked to: the run stops and prints their output. */
const crashes: string[] = []
class Crashed extends Error {}
function checkCrashes() {
  if (crashes.length) throw new Crashed(crashes.join('\n'))
}

interface Instance {
  name: string
  /** Set before we stop it on purpose; any other exit is a crash. */
  stopping: boolean
  port: number
  base: string
  child: ChildProcess
  agent: Agent
  exited: Promise<number | null>
  output(): string
}

async function startInstance(name: string, port: number, databaseUrl: string): Promise<Instance> {
  const child = spawn(process.execPath, [SERVER_JS], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: process.env.FAULT_LOG_LEVEL ?? 'error',
      RATE_LIMIT_ENABLED: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  let out = ''
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-200_000)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const inst = { stopping: false } as Instance
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => {
      if (!inst.stopping) crashes.push(`instance ${name} (pid ${child.pid}) exited by itself (${code ?? signal}):\n${out}`)
      resolve(code)
    }),
  )
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited early (${child.exitCode}): ${out}`)
    try {
      if ((await fetch(`${base}/readyz`)).ok) break
    } catch {}
    await sleep(100)
  }
  if (Date.now() >= deadline) throw new Error(`${name} not ready in 60 s: ${out}`)
  return Object.assign(inst, { name, port, base, child, agent: new Agent({ keepAlive: true, maxSockets: 64 }), exited, output: () => out })
}

type Outcome = { status: number; headers: IncomingHttpHeaders; body: string } | { error: string }

interface InFlight {
  instance: string
  startedAt: number
  done: Promise<Outcome>
}
const inFlight = new Set<InFlight>()

function send(
  inst: Instance,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
  abandonAfterMs?: number,
): Promise<Outcome> {
  const entry = { instance: inst.name, startedAt: performance.now() } as InFlight
  entry.done = new Promise<Outcome>((resolveOnce) => {
    let settled = false
    const resolve = (o: Outcome) => {
      settled = true
      resolveOnce(o)
    }
    const req = request(
      `${inst.base}${path}`,
      {
        method,
        agent: inst.agent,
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
        timeout: 120_000,
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (d) => (text += d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: `response ${e.code ?? e.message}` }))
      },
    )
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })))
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }))
    // A client that gives up on its answer (a timeout, a dropped connection): the work may commit.
    if (abandonAfterMs !== undefined)
      req.on('finish', () =>
        setTimeout(() => {
          if (settled) return // answered already: the socket may serve another request by now
          resolve({ error: 'ABANDONED' })
          req.destroy()
        }, abandonAfterMs),
      )
    req.end(body)
  })
  inFlight.add(entry)
  void entry.done.then(() => inFlight.delete(entry))
  return entry.done
}

// ---------------------------------------------------------------- what the clients saw

const stats = {
  requests: 0,
  retries: 0,
  abandoned: 0,
  replayed: 0,
  statuses: new Map<number, number>(),
  networkErrors: new Map<string, number>(),
  /** 503 database-unavailable answers, and those of them without Retry-After or not problem+json. */
  dbUnavailable: 0,
  dbUnavailableBad: [] as string[],
  /** 503 answers of an instance that is closing (fastify's return503OnClosing). */
  closing503: 0,
  inProgress409: 0,
  status500: [] as string[],
}
const bump = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1)

function windowBody(i: number) {
  const day = new Date(Date.UTC(2031, 0, 1) + i * 86_400_000).toISOString().slice(0, 10)
  return {
    reference: `FLT-${String(i).padStart(5, '0')}`,
    title: `Fault run window ${i}`,
    description: 'Submitted by the load and faults script',
    riskToService: 'Low: rollback rehearsed',
    party: 'DSP',
    changeRef: `CRQ${String(i).padStart(9, '0')}`,
    impact: 'outage',
    services: ['service-requests', 'prepayment-top-up'],
    regions: ['N', 'C', 'S'],
    start: `${day}T01:00:00Z`,
    end: `${day}T03:00:00Z`,
    zone: 'Europe/London',
  }
}

function retryAfterMs(headers: IncomingHttpHeaders): number | undefined {
  const v = headers['retry-after']
  if (v === undefined) return undefined
  const s = Number(v)
  return Number.isFinite(s) ? s * 1000 : Math.max(0, Date.parse(v) - Date.now())
}
const backoff = (attempt: number) => Math.min(2000, 50 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random())

type Result = { ok: true; id: string; attempts: number } | { ok: false; why: string; attempts: number }

// ---------------------------------------------------------------- the run

t.setTimeout(20 * 60_000)
if (!existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing: run npm run build (npm ci does) first`)

const tStart = performance.now()
pgs = await startThrowawayPostgres(PGPORT)
t.comment(`PostgreSQL 15 started on 127.0.0.1:${PGPORT} (pid ${pgs.pid()}), data in ${pgs.dir}`)
const pgUrl = pgs.url

t.teardown(async () => {
  for (const inst of slots) {
    if (inst && inst.child.exitCode === null) {
      inst.stopping = true
      inst.child.kill('SIGTERM')
      await Promise.race([inst.exited, sleep(10_000)])
    }
    inst?.agent.destroy()
  }
  cleanUpNow()
})

const slots: [Instance, Instance] = [await startInstance('A', await freePort(), pgUrl), await startInstance('B', await freePort(), pgUrl)]
const firstPids = slots.map((s) => s.child.pid)
t.comment(`instances A (pid ${slots[0].child.pid}) and B (pid ${slots[1].child.pid}) ready after ${elapsed(tStart)}`)

const keyRes = await send(slots[0], 'POST', '/v1/keys', JSON.stringify({ name: 'fault clients', role: 'submitter', party: 'DSP' }), {
  authorization: `Bearer ${ADMIN_KEY}`,
})
if ('error' in keyRes || keyRes.status !== 201) throw new Error(`could not make a key: ${JSON.stringify(keyRes)}`)
const auth = { authorization: `Bearer ${JSON.parse(keyRes.body).key as string}` }

let next = 0
let done = 0
const results: Result[] = new Array(TOTAL)

async function submit(i: number): Promise<Result> {
  const body = JSON.stringify(windowBody(i))
  const headers = { ...auth, 'idempotency-key': `${RUN}-${i}` }
  let prefer = i % 2
  const began = Date.now()
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1) stats.retries++
    if (Date.now() - began > GIVE_UP_MS) return { ok: false, why: 'no final answer in time', attempts: attempt }
    if (crashes.length) return { ok: false, why: 'an instance crashed', attempts: attempt }
    const inst = slots[prefer]!
    stats.requests++
    const abandon = attempt === 1 && i % ABANDON_EVERY === 0 ? 5 + (i % 7) * 5 : undefined
    const res = await send(inst, 'POST', '/v1/windows', body, headers, abandon)
    if ('error' in res && res.error === 'ABANDONED') {
      stats.abandoned++
      continue // at once: the first attempt may still be running
    }
    if ('error' in res) {
      bump(stats.networkErrors, res.error)
      prefer = 1 - prefer // as a load balancer would: try the other instance
      await sleep(backoff(attempt))
      continue
    }
    bump(stats.statuses, res.status)
    if (res.status === 201) {
      if (res.headers['idempotent-replayed'] === 'true') stats.replayed++
      return { ok: true, id: JSON.parse(res.body).id as string, attempts: attempt }
    }
    const problem = /problem\+json/.test(String(res.headers['content-type'])) ? (JSON.parse(res.body) as { code?: string }) : undefined
    const wait = retryAfterMs(res.headers)
    if (res.status === 503 && problem?.code === 'database-unavailable') {
      stats.dbUnavailable++
      if (wait === undefined) stats.dbUnavailableBad.push(`${inst.name}: 503 without Retry-After`)
    } else if (res.status === 503) {
      stats.closing503++
      prefer = 1 - prefer
    } else if (res.status === 409 && problem?.code === 'idempotency-in-progress') {
      stats.inProgress409++
    } else if (res.status >= 500) {
      stats.status500.push(`${inst.name} ${res.status}: ${res.body.slice(0, 300)}`)
    } else if (res.status !== 429) {
      return { ok: false, why: `${res.status} ${res.body.slice(0, 300)}`, attempts: attempt }
    }
    await sleep(wait !== undefined ? wait + Math.random() * 250 : backoff(attempt))
  }
}

const tLoad = performance.now()
let lastReport = tLoad
async function client() {
  while (next < TOTAL) {
    const i = next++
    results[i] = await submit(i)
    done++
    if (done % 1000 === 0) {
      const now = performance.now()
      t.comment(
        `${done}/${TOTAL} windows after ${elapsed(tLoad)} (${Math.round(1000 / ((now - lastReport) / 1000))}/s lately); ` +
          `${stats.retries} retries, ${stats.dbUnavailable} × 503 database-unavailable so far`,
      )
      lastReport = now
    }
  }
}

const until = async (cond: () => boolean) => {
  while (!cond()) {
    checkCrashes()
    await sleep(20)
  }
}

interface ReadyProbe {
  instance: string
  status: number | string
  retryAfter: boolean
}
const outage = { probes: [] as ReadyProbe[], stopMs: 0, downMs: 0, recoverMs: 0, db503Before: 0, db503During: 0 }

async function databaseOutage() {
  await until(() => done >= Math.floor(TOTAL / 4))
  t.comment(`stopping PostgreSQL (pg_ctl stop -m fast) at ${done} windows`)
  outage.db503Before = stats.dbUnavailable
  const t0 = performance.now()
  await pgs!.stop('fast')
  outage.stopMs = performance.now() - t0
  const t1 = performance.now()
  // While it is away, ask each instance whether it is ready.
  while (performance.now() - t1 < OUTAGE_MS) {
    for (const inst of slots) {
      const r = await send(inst, 'GET', '/readyz')
      outage.probes.push({
        instance: inst.name,
        status: 'error' in r ? r.error : r.status,
        retryAfter: !('error' in r) && r.headers['retry-after'] !== undefined,
      })
    }
    await sleep(250)
  }
  await pgs!.start()
  outage.downMs = performance.now() - t0
  t.comment(`PostgreSQL started again (pid ${pgs!.pid()}) after ${(outage.downMs / 1000).toFixed(1)} s away`)
  const t2 = performance.now()
  for (const inst of slots) {
    for (;;) {
      checkCrashes()
      const r = await send(inst, 'GET', '/readyz')
      if (!('error' in r) && r.status === 200) break
      await sleep(100)
    }
  }
  outage.recoverMs = performance.now() - t2
  outage.db503During = stats.dbUnavailable - outage.db503Before
}

const sigterm = {
  inFlight: 0,
  answered: 0,
  failed: [] as string[],
  exitCode: null as number | null,
  exitMs: 0,
  restartedPid: undefined as number | undefined,
}

async function rollingRestart() {
  await until(() => done >= Math.floor(TOTAL * 0.6) && outage.recoverMs > 0)
  const b = slots[1]
  await until(() => [...inFlight].filter((r) => r.instance === b.name).length >= 10)
  const caught = [...inFlight].filter((r) => r.instance === b.name)
  sigterm.inFlight = caught.length
  t.comment(`SIGTERM to instance B with ${caught.length} requests in flight to it, at ${done} windows`)
  const t0 = performance.now()
  b.stopping = true
  b.child.kill('SIGTERM')
  const outcomes = await Promise.all(caught.map((c) => c.done))
  for (const o of outcomes) {
    if ('error' in o) sigterm.failed.push(o.error)
    else sigterm.answered++
  }
  sigterm.exitCode = await Promise.race([b.exited, sleep(30_000).then(() => -1)])
  sigterm.exitMs = performance.now() - t0
  b.agent.destroy()
  // With FAULT_LOG_LEVEL=info: how the shutdown went, from the instance's own log.
  for (const line of b.output().split('\n')) if (/shutting down|"closed"/.test(line)) t.comment(`B: ${line.slice(0, 300)}`)
  const again = await startInstance('B2', b.port, pgUrl)
  slots[1] = again
  sigterm.restartedPid = again.child.pid
  t.comment(
    `B exited with ${sigterm.exitCode} after ${(sigterm.exitMs / 1000).toFixed(1)} s; B2 (pid ${again.child.pid}) serves on its port`,
  )
}

const faults = Promise.all([databaseOutage(), rollingRestart()])
faults.catch(() => {}) // awaited below; a crash ends the clients too
await Promise.all(Array.from({ length: CLIENTS }, client))
const loadMs = performance.now() - tLoad
try {
  await faults
} catch (err) {
  if (!(err instanceof Crashed)) throw err
}
// A crashed instance fails the run here, with its output (the exit handler stops PostgreSQL).
if (crashes.length) throw new Error(`a service instance crashed:\n${crashes.join('\n')}`)

// ---------------------------------------------------------------- what the database and the API hold

const sqlClient = new pg.Client({ connectionString: pgUrl })
await sqlClient.connect()
const counts = (
  await sqlClient.query<{ n: number; refs: number }>(
    `SELECT count(*)::int AS n, count(DISTINCT (party, reference))::int AS refs FROM windows`,
  )
).rows[0]!
const stored = new Map<string, string>()
for (const r of (await sqlClient.query<{ id: string; reference: string }>(`SELECT id, reference FROM windows`)).rows)
  stored.set(r.reference, r.id)
const running = (await sqlClient.query<{ n: number }>(`SELECT count(*)::int AS n FROM idempotency_records WHERE state = 'running'`))
  .rows[0]!.n
await sqlClient.end()

const apiIds = new Set<string>()
let apiItems = 0
let apiPages = 0
for (let url: string | null = `/v1/windows?party=DSP&limit=500`; url; apiPages++) {
  const r = await send(slots[0], 'GET', url, undefined, { authorization: `Bearer ${ADMIN_KEY}` })
  if ('error' in r || r.status !== 200) throw new Error(`listing failed: ${JSON.stringify(r).slice(0, 500)}`)
  const page = JSON.parse(r.body) as { items: { id: string }[]; next: string | null }
  apiItems += page.items.length
  for (const w of page.items) apiIds.add(w.id)
  url = page.next ? page.next.slice(new URL(page.next).origin.length) : null
}

const failedResults = results.filter((r): r is Extract<Result, { ok: false }> => !r.ok)
const missing = Array.from({ length: TOTAL }, (_, i) => windowBody(i).reference).filter((ref) => !stored.has(ref))
const idMismatch = results.filter((r, i) => r.ok && stored.get(windowBody(i).reference) !== r.id).length
const maxAttempts = Math.max(...results.map((r) => r.attempts))
const readyDown = outage.probes.filter((p) => p.status === 503)

// ---------------------------------------------------------------- summary and verdicts

const fmt = (m: Map<string | number, number>) =>
  [...m]
    .sort()
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ') || 'none'
const summary = [
  `load and faults: ${TOTAL} windows, ${CLIENTS} clients, 2 instances, PostgreSQL 15 on port ${PGPORT}`,
  `windows in the database: ${counts.n} (distinct references ${counts.refs}, duplicates ${counts.n - counts.refs}, missing ${missing.length}); through the API: ${apiItems} in ${apiPages} pages (${apiIds.size} distinct ids)`,
  `client requests: ${TOTAL} windows, ${stats.requests} HTTP requests, ${stats.retries} retries (at most ${maxAttempts} attempts for one window), ${stats.abandoned} first attempts abandoned by the client before the answer, ${stats.replayed} answered by an idempotent replay, ${failedResults.length} without a final 201`,
  `HTTP statuses: ${fmt(stats.statuses)}; network errors: ${fmt(stats.networkErrors)}`,
  `503 database-unavailable: ${stats.dbUnavailable} (${outage.db503During} in the outage), ${stats.dbUnavailableBad.length} without Retry-After; 503 from a closing instance: ${stats.closing503}; 409 idempotency-in-progress: ${stats.inProgress409}; other 5xx: ${stats.status500.length}`,
  `database outage: stop took ${(outage.stopMs / 1000).toFixed(1)} s, away ${(outage.downMs / 1000).toFixed(1)} s, /readyz 503 ${readyDown.length} of ${outage.probes.length} probes (${readyDown.filter((p) => p.retryAfter).length} with Retry-After), ready again ${(outage.recoverMs / 1000).toFixed(1)} s after the start, no service restarted`,
  `SIGTERM under load: ${sigterm.inFlight} requests in flight to B, ${sigterm.answered} answered, ${sigterm.failed.length} failed (${sigterm.failed.join(', ') || '-'}); exit code ${sigterm.exitCode} after ${(sigterm.exitMs / 1000).toFixed(1)} s; B2 took its port`,
  `idempotency records left running: ${running}`,
  `time: load ${(loadMs / 1000).toFixed(1)} s (${Math.round(TOTAL / (loadMs / 1000))} windows/s), whole run ${elapsed(tStart)}`,
]
for (const line of summary) t.comment(line)

t.test('exactly one window per submission, none lost, none duplicated', async (t) => {
  t.equal(counts.n, TOTAL, 'windows counted in SQL')
  t.equal(counts.refs, TOTAL, 'distinct references in SQL')
  t.same(missing.slice(0, 10), [], 'no reference missing')
  t.equal(apiItems, TOTAL, 'windows listed through the API')
  t.equal(apiIds.size, TOTAL, 'distinct ids through the API')
  t.equal(idMismatch, 0, 'every client holds the id the database has for its reference')
  t.ok(stats.replayed > 0, `retries after an abandoned attempt were answered by a replay (${stats.replayed})`)
})

t.test('every client request eventually answered', async (t) => {
  t.same(
    failedResults.slice(0, 5).map((r) => r.why),
    [],
    'every window ended in a 201 (created or replayed)',
  )
  t.same(stats.status500, [], 'no 5xx other than 503 (database away, or instance closing)')
  t.equal(running, 0, 'no idempotency record left running')
})

t.test('while the database was away: 503 with Retry-After, /readyz 503; recovered without a restart', async (t) => {
  t.ok(outage.db503During > 0, `requests were answered 503 database-unavailable during the outage (${outage.db503During})`)
  t.same(stats.dbUnavailableBad, [], 'every 503 database-unavailable carried Retry-After')
  for (const name of ['A', 'B']) {
    const mine = outage.probes.filter((p) => p.instance === name)
    t.ok(
      mine.some((p) => p.status === 503 && p.retryAfter),
      `/readyz of ${name} said 503 with Retry-After (${mine.map((p) => p.status).join(' ')})`,
    )
    t.notOk(
      mine.some((p) => p.status === 200),
      `/readyz of ${name} never said ready while the database was away`,
    )
  }
  t.ok(outage.recoverMs > 0, 'both instances ready again')
  t.same([slots[0].child.pid], [firstPids[0]], 'instance A is the process it was at the start (no restart)')
  t.equal(slots[0].child.exitCode, null, 'instance A still runs')
})

t.test('SIGTERM under load: in-flight requests complete, exit 0', async (t) => {
  t.ok(sigterm.inFlight > 0, `requests were in flight at SIGTERM (${sigterm.inFlight})`)
  t.same(sigterm.failed, [], 'every request in flight at SIGTERM got an HTTP answer (no reset)')
  t.equal(sigterm.exitCode, 0, 'the instance exited 0')
})
