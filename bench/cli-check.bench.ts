/**
 * `mwp check` benchmark: wall time of `node dist/src/cli/main.js check` on a generated 10,000-window
 * CSV (process start included), as a planner's CI would run it. Target ≤ 2 s. Prints figures; no
 * assertions on time. Builds first (`npx tsc -p tsconfig.build.json`) unless --no-build.
 *
 *   node --import tsx bench/cli-check.bench.ts [--runs 5] [--no-build]
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toCsv } from '../src/cli/csv.ts'

const ROOT = new URL('../', import.meta.url).pathname
const args = process.argv.slice(2)
const runs = Number(args[args.indexOf('--runs') + 1]) || 5
const N = 10_000

/**
 * `n` windows of four parties: `spread` gives each party at most one window a night (10,000 windows
 * reach about seven years ahead); `dense` packs them into one year (27 a night: every rule family
 * fires, thousands of overlaps and REDUNDANCY_LOSS objections), a worst case rather than a plan.
 */
function planCsv(n: number, shape: 'spread' | 'dense'): string {
  const parties: [string, string][] = [
    ['DSP', 'N;C;S'],
    ['CSP-N', 'N'],
    ['CSP-C', 'C'],
    ['CSP-S', 'S'],
  ]
  const impacts = ['outage', 'degraded', 'reduced-redundancy', 'no-impact']
  const cols = ['reference', 'title', 'party', 'impact', 'start', 'end', 'zone', 'services', 'regions', 'riskToService', 'notifiedAt']
  const from = Date.UTC(2022, 3, 1)
  const rows: string[][] = []
  for (let i = 0; i < n; i++) {
    const [party, regions] = parties[i % 4]!
    const day = shape === 'spread' ? Math.floor(i / 4) : i % 365
    const start = from + day * 86_400_000 + ((i * 7) % 8) * 1_800_000
    const end = start + (1 + (i % 6)) * 1_800_000
    rows.push([
      `GEN-${String(i).padStart(5, '0')}`,
      `Generated window ${i}`,
      party,
      impacts[i % 4]!,
      new Date(start).toISOString(),
      new Date(end).toISOString(),
      'Europe/London',
      i % 3 ? 'sm-wan' : 'service-requests;alerts',
      regions,
      'rollback rehearsed',
      new Date(start - 40 * 86_400_000).toISOString(),
    ])
  }
  return toCsv(cols, rows)
}

if (!args.includes('--no-build')) {
  const t = performance.now()
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' })
  console.log(`build: ${Math.round(performance.now() - t)} ms`)
}
const dir = mkdtempSync(join(tmpdir(), 'mwp-bench-'))
const file = join(dir, 'plan-10000.csv')
writeFileSync(file, planCsv(N, 'spread'))
const dense = join(dir, 'dense-10000.csv')
writeFileSync(dense, planCsv(N, 'dense'))
const bin = join(ROOT, 'dist/src/cli/main.js')

const time = (argv: string[]) => {
  const t = performance.now()
  const r = spawnSync(process.execPath, argv, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28 })
  return { ms: performance.now() - t, status: r.status, out: r.stdout, err: r.stderr }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const rowsOf = (label: string, argv: string[]) => {
  const ms: number[] = []
  let last: ReturnType<typeof time> | undefined
  for (let i = 0; i < runs; i++) ms.push((last = time(argv)).ms)
  console.log(
    `${label.padEnd(44)} median ${String(Math.round(median(ms))).padStart(5)} ms   min ${String(Math.round(Math.min(...ms))).padStart(5)} ms   exit ${last?.status}`,
  )
  if (last?.status !== 0 && last?.status !== 1) console.log(last?.err.slice(0, 2000))
}
console.log(`node ${process.version}, ${runs} runs each, ${N.toLocaleString('en-GB')} windows`)
rowsOf('node -e 0 (process start only)', ['-e', '0'])
rowsOf('mwp --version', [bin, '--version'])
rowsOf('mwp check plan-10000.csv --format json', [bin, 'check', file, '--format', 'json'])
rowsOf('mwp check plan-10000.csv --format csv', [bin, 'check', file, '--format', 'csv'])
rowsOf('mwp check plan-10000.csv (table, no TTY)', [bin, 'check', file])
rowsOf('mwp check dense-10000.csv --format csv', [bin, 'check', dense, '--format', 'csv'])
rowsOf('mwp check dense-10000.csv --format json', [bin, 'check', dense, '--format', 'json'])
rmSync(dir, { recursive: true, force: true })
