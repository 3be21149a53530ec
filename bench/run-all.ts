/**
 * `npm run bench`: every benchmark in bench/, one process each, one after the other; each prints
 * its own figures. The HTTP benchmark runs last and rewrites the generated block of bench/RESULTS.md. Each runs with the
 * V8 setting `npm start` gives the service (RUNTIME_FLAGS), so in-process figures are the service's.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { RUNTIME_FLAGS } from './runtime-flags.ts'

const dir = new URL('.', import.meta.url).pathname
const only = process.argv.slice(2)
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && (only.length === 0 || only.some((o) => f.includes(o))))
  .sort((a, b) => Number(a === 'http.bench.ts') - Number(b === 'http.bench.ts') || a.localeCompare(b))
let failed = 0
for (const f of files) {
  console.log(`\n=== ${f}`)
  const r = spawnSync(process.execPath, [...RUNTIME_FLAGS, '--import', 'tsx', `${dir}${f}`], { stdio: 'inherit' })
  if (r.status !== 0) failed++
}
if (failed) {
  console.error(`${failed} benchmark(s) failed to run`)
  process.exit(1)
}
