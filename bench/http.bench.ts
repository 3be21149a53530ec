/**
 * HTTP benchmark: each scenario at 50 connections for DURATION seconds, against the compiled service
 * on PostgreSQL, measured in the same run as a bare fastify route; the load generator (autocannon)
 * runs in its own process. Prints a table with the ratio to the bare route and writes
 * the generated block of bench/RESULTS.md (see results-file.ts; the hand-written sections stay). No assertions.
 *
 *   npm run build && node --import tsx bench/http.bench.ts      (DATABASE_URL optional; default: a new
 *   database on the PostgreSQL at 127.0.0.1:5432, or the embedded one when none answers)
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { RUNTIME_FLAGS } from './runtime-flags.ts'
import { writeGeneratedBlock } from './results-file.ts'

const ROOT = new URL('..', import.meta.url).pathname
const DURATION = Number(process.env.BENCH_SECONDS ?? 8)
const CONNECTIONS = 50
const KEY = 'bench-admin-key-0123456789abcdef'
const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 10_000)

async function database(): Promise<{ env: Record<string, string>; label: string }> {
  if (process.env.DATABASE_URL) return { env: { DATABASE_URL: process.env.DATABASE_URL }, label: 'PostgreSQL (DATABASE_URL)' }
  const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' })
  try {
    await admin.connect()
    await admin.query('DROP DATABASE IF EXISTS mwp_bench WITH (FORCE)')
    await admin.query('CREATE DATABASE mwp_bench')
    const v = (await admin.query('SHOW server_version')).rows[0].server_version as string
    await admin.end()
    return { env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/mwp_bench' }, label: `PostgreSQL ${v} on 127.0.0.1` }
  } catch {
    return { env: { DATA_DIR: mkdtempSync(join(tmpdir(), 'mwp-bench-')) }, label: 'embedded PGlite (no PostgreSQL answered)' }
  }
}

function start(cmd: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] })
}

async function waitFor(url: string) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return
    } catch {}
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${url} did not answer`)
}

/**
 * Waits until the service is idle again: requests a scenario left running (autocannon stops sending,
 * the service still finishes what it was sent) would otherwise be measured in the next scenario.
 */
async function settle(base: string) {
  let quick = 0
  for (let i = 0; i < 1200 && quick < 3; i++) {
    const t0 = performance.now()
    await fetch(`${base}/healthz`).then((r) => r.arrayBuffer())
    quick = performance.now() - t0 < 5 ? quick + 1 : 0
    await new Promise((r) => setTimeout(r, 100))
  }
}

interface Result {
  name: string
  rps: number
  p50: number
  p99: number
  errors: number
  non2xx: number
}

function load(
  name: string,
  url: string,
  opts: {
    method?: string
    body?: string
    headers?: Record<string, string>
    expect304?: boolean
    seconds?: number
    timeout?: number
    /** Heap for autocannon (MB): it keeps each response body as a string until the response ends. */
    loaderHeapMb?: number
  } = {},
): Result {
  const args = ['autocannon', '-j', '-c', String(CONNECTIONS), '-d', String(opts.seconds ?? DURATION), '-t', String(opts.timeout ?? 10)]
  if (opts.method) args.push('-m', opts.method)
  if (opts.body) args.push('-b', opts.body)
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}=${v}`)
  args.push(url)
  return resultOf(name, 'npx', args, opts.expect304, opts.loaderHeapMb)
}

/** Runs a load generator process that prints autocannon's JSON result last, and reads it. */
function resultOf(name: string, cmd: string, args: string[], expect304 = false, loaderHeapMb?: number): Result {
  const url = args.at(-1)
  const env = loaderHeapMb ? { ...process.env, NODE_OPTIONS: `--max-old-space-size=${loaderHeapMb}` } : process.env
  const out = execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env })
  const r = JSON.parse(out.trim().split('\n').at(-1)!)
  if (process.env.BENCH_DEBUG)
    console.log(name, url, JSON.stringify({ requests: r.requests, errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx }))
  // autocannon counts a 304 as non-2xx: for the conditional GET it is the expected answer.
  const unexpected = expect304 ? r.non2xx - (r['3xx'] ?? 0) : r.non2xx
  return { name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: unexpected }
}

async function main() {
  if (!existsSync(join(ROOT, 'dist/src/server.js'))) throw new Error('run npm run build first')
  const db = await database()
  const port = 18990
  const barePort = 18999
  const svc = start(process.execPath, [...RUNTIME_FLAGS, 'dist/src/server.js'], {
    ...db.env,
    PORT: String(port),
    ADMIN_API_KEY: KEY,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_ENABLED: 'false',
  })
  const bare = start(process.execPath, ['bench/bare-fastify.mjs', String(barePort)], {})
  const base = `http://127.0.0.1:${port}`
  try {
    await waitFor(`${base}/readyz`)
    await waitFor(`http://127.0.0.1:${barePort}/hello`)
    const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }
    const window = (i: number | string) => ({
      reference: `B-${i}`,
      title: 'Bench window',
      party: 'DSP',
      impact: 'outage',
      services: ['service-requests'],
      regions: ['N', 'C', 'S'],
      riskToService: 'low',
      start: new Date(Date.UTC(2023, 4, 1) + Number(i) * 86_400_000).toISOString(),
      end: new Date(Date.UTC(2023, 4, 1) + Number(i) * 86_400_000 + 4 * 3_600_000).toISOString(),
    })
    // 10,000 windows over 2023–2025 (feed and report scenarios), created through the API by 16 clients.
    let firstId = ''
    let next = 0
    const seedStarted = Date.now()
    const seedOne = async () => {
      for (let i = next++; i < WINDOWS; i = next++) {
        const start = Date.UTC(2023, 0, 1) + (i % 1095) * 86_400_000 + (i % 24) * 3_600_000
        const body = { ...window(i), start: new Date(start).toISOString(), end: new Date(start + 2 * 3_600_000).toISOString() }
        const r = await fetch(`${base}/v1/windows`, { method: 'POST', headers: auth, body: JSON.stringify(body) })
        const b = (await r.json()) as { id: string }
        if (i === 0) firstId = b.id
      }
    }
    await Promise.all(Array.from({ length: 16 }, seedOne))
    console.log(`seeded ${WINDOWS} windows in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`)
    const feed = (await (
      await fetch(`${base}/v1/feeds`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'bench feed', filter: {} }) })
    ).json()) as { url: string }
    const feedUrl = `${base}${new URL(feed.url).pathname}`
    // One GET renders the feed and fills its cache (50 clients at once on a cold feed would each render it).
    const etag = (await fetch(feedUrl)).headers.get('etag') ?? ''
    const report = `${base}/v1/reports/compliance?from=2023-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`

    // One report request at a time, end to end (database reads, assessment, impact, model, JSON sent
    // and read by the client): what an OPSG member waits for. Nothing is kept between requests.
    await settle(base)
    const single: number[] = []
    let reportBytes = 0
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now()
      reportBytes = (await (await fetch(report, { headers: auth })).arrayBuffer()).byteLength
      single.push(performance.now() - t0)
    }
    const singleLine = `One report request alone, ${WINDOWS} windows, JSON (${(reportBytes / 1e6).toFixed(1)} MB), end to end: ${single.map((ms) => `${Math.round(ms)} ms`).join(', ')}.`
    console.log(singleLine)

    const results: Result[] = []
    const measure = async (r: () => Result) => {
      await settle(base)
      results.push(r())
    }
    await measure(() => load('bare fastify route', `http://127.0.0.1:${barePort}/hello`))
    await measure(() => load('GET a window by id', `${base}/v1/windows/${firstId}`, { headers: auth }))
    await measure(() => load('list 100 windows', `${base}/v1/windows?limit=100`, { headers: auth }))
    await measure(() =>
      load('dry-run assessment, 1 window', `${base}/v1/assessments`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ windows: [window(5)] }),
      }),
    )
    await measure(() => load(`feed of ${WINDOWS} windows (200)`, feedUrl))
    await measure(() => load('feed unchanged (304)', feedUrl, { headers: { 'if-none-match': etag }, expect304: true }))
    // A report takes hundreds of milliseconds; identical requests made while one is produced share it. Each
    // answer is ~45 MB of JSON, which autocannon holds as a string until it ends (50 at once: several GB).
    await measure(() =>
      load(`compliance report, ${WINDOWS} windows (JSON)`, report, {
        headers: auth,
        seconds: Math.max(DURATION, 20),
        timeout: 120,
        loaderHeapMb: 8192,
      }),
    )
    // Last: every create changes the plan, so the feed's ETag and cached body are no longer valid after it.
    // Each create is a window on its own day from 2030 on (bench/create-load.mjs, autocannon's API in
    // its own process): a month then holds about 30 of them, as a busy real month might.
    await measure(() =>
      resultOf('create a window', process.execPath, [
        join(ROOT, 'bench/create-load.mjs'),
        KEY,
        String(CONNECTIONS),
        String(DURATION),
        `${base}/v1/windows`,
      ]),
    )
    const bareRps = results[0]!.rps
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
    const lines = [
      `| scenario | req/s | p50 ms | p99 ms | ratio to bare | errors / non-2xx |`,
      `| --- | ---: | ---: | ---: | ---: | ---: |`,
      ...results.map(
        (r) =>
          `| ${r.name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${((r.rps / bareRps) * 100).toFixed(1)} % | ${r.errors} / ${r.non2xx} |`,
      ),
    ]
    const header = `${new Date().toISOString().slice(0, 10)}, commit ${commit}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, service started with ${RUNTIME_FLAGS.join(' ') || 'no flags'}, ${db.label}; autocannon -c ${CONNECTIONS} -d ${DURATION} in its own process`
    console.log(`\nHTTP benchmark — ${header}\n`)
    console.log(lines.join('\n'))
    writeGeneratedBlock(join(ROOT, 'bench/RESULTS.md'), `${header}.\n\n${lines.join('\n')}\n\n${singleLine}`)
  } finally {
    svc.kill('SIGTERM')
    bare.kill('SIGTERM')
  }
}

await main()
