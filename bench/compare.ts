/**
 * Before/after in one run: runs one benchmark on a base commit and on this checkout, alternating
 * (base, head, base, head, ...), because this machine's speed varies up to 2× between runs; then
 * prints, for every table row the benchmark prints (and every 'label … median N ms' line), the median of each numeric cell over the rounds
 * for base and head side by side, and head/base.
 *
 * The base is a git worktree of REV (made under $TMPDIR, `npm ci` once, kept for later calls); the
 * head's benchmark file is copied into it, so both sides run the same benchmark code against their
 * own src/ (when the base's src lacks what the head's benchmark imports, the base's own file runs).
 *
 *   node --import tsx bench/compare.ts ad86e94 engine.bench.ts 10000 9 --rounds 3
 *   npm run bench:compare -- ad86e94 report.bench.ts
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RUNTIME_FLAGS } from './runtime-flags.ts'

const args = process.argv.slice(2)
const roundsAt = args.indexOf('--rounds')
const rounds = roundsAt >= 0 ? Number(args.splice(roundsAt, 2)[1]) : 3
const [rev, file, ...benchArgs] = args
if (!rev || !file || !(rounds >= 1)) {
  console.error('usage: bench/compare.ts REV FILE.bench.ts [benchmark args] [--rounds N]')
  process.exit(2)
}
const head = new URL('..', import.meta.url).pathname
const sha = execFileSync('git', ['-C', head, 'rev-parse', '--short', rev], { encoding: 'utf8' }).trim()
const base = join(tmpdir(), `mwp-bench-base-${sha}`)
if (!existsSync(base)) {
  execFileSync('git', ['-C', head, 'worktree', 'add', '--detach', base, sha], { stdio: 'inherit' })
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: base, stdio: 'inherit' })
}
const copied = `compare-${file}`
copyFileSync(join(head, 'bench', file), join(base, 'bench', copied))

/** One run of the benchmark in `dir`: its printed lines. */
function run(dir: string, name: string): string[] {
  const r = spawnSync(process.execPath, [...RUNTIME_FLAGS, '--import', 'tsx', join(dir, 'bench', name), ...benchArgs], {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  if (r.status !== 0) throw new Error(`${name} in ${dir} failed: ${r.stderr.slice(-2000)}`)
  return r.stdout.split('\n')
}

let baseFile = copied
try {
  run(base, copied)
} catch {
  console.log(`(the head's ${file} does not run on ${sha}: the base runs its own ${file})`)
  baseFile = file
}

/** Table rows by their label (the first cell, with the table's title before it), numeric cells parsed. */
type Cells = Map<string, (number | string)[]>
/** Column names by table title (the header row of each table). */
const headers = new Map<string, string[]>()
function tableRows(lines: string[]): Cells {
  const rows: Cells = new Map()
  let title = ''
  for (const line of lines) {
    // A figure line, as the report and feed benchmarks print: 'JSON (bytes)   min 12.0 ms  median 14.0 ms …'.
    const median = /\bmedian\s+([\d.]+) ms/.exec(line)
    if (!line.startsWith('|') && median) {
      const min = /\bmin\s+([\d.]+) ms/.exec(line)
      const label = line.split(/\s(?:min|median)\s/)[0]!.trim()
      headers.set('figures', ['median ms', 'min ms'])
      rows.set(`figures :: ${label}`, [Number(median[1]), min ? Number(min[1]) : ''])
      continue
    }
    if (!line.startsWith('|')) {
      if (line.trim()) title = line.trim()
      continue
    }
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim())
    if (cells.every((c) => /^-*:?-+:?$/.test(c))) continue
    const values = cells.slice(1).map((c) => {
      const n = Number(c.replace(/,/g, '').replace(/[x%]$/, ''))
      return c !== '' && Number.isFinite(n) ? n : c
    })
    if (values.some((v) => typeof v === 'number')) rows.set(`${title} :: ${cells[0]}`, values)
    else if (!headers.has(title)) headers.set(title, cells.slice(1))
  }
  return rows
}

const samples: Record<'base' | 'head', Cells[]> = { base: [], head: [] }
for (let i = 0; i < rounds; i++) {
  samples.base.push(tableRows(run(base, baseFile)))
  samples.head.push(tableRows(run(head, file)))
  console.log(`round ${i + 1} of ${rounds} done`)
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const headRev = execFileSync('git', ['-C', head, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
console.log(
  `\n${file} ${benchArgs.join(' ')}: median of ${rounds} alternating rounds, base ${sha} against head ${headRev} (+ uncommitted changes if any)`,
)
console.log('| row | column | base | head | head / base |')
console.log('| --- | ---: | ---: | ---: | ---: |')
for (const [label, first] of samples.head[0]!) {
  first.forEach((v, col) => {
    if (typeof v !== 'number') return
    const pick = (side: Cells[]) => side.map((s) => s.get(label)?.[col]).filter((x): x is number => typeof x === 'number')
    const b = pick(samples.base)
    const h = pick(samples.head)
    if (!b.length || !h.length) return
    const mb = median(b)
    const mh = median(h)
    const column = headers.get(label.split(' :: ')[0]!)?.[col] ?? `column ${col + 2}`
    console.log(`| ${label} | ${column} | ${mb.toFixed(1)} | ${mh.toFixed(1)} | ${mb ? `${((mh / mb) * 100).toFixed(0)} %` : '-'} |`)
  })
}
