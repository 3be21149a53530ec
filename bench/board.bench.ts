/**
 * Planning board benchmark, timed in Debian's Chromium (User Timing marks of the page itself,
 * from navigation start): the real app on a socket, the board as `npm run build` builds it.
 * - first render of the OPSG 58 range (14 windows, judged against the stored plan): navigation to
 *   'mwp:board-ready' (windows, verdicts, bands, gauges, deadlines drawn); targets ≤ 1 s;
 * - a range with 2,000 windows (four parties over a year): the same; target ≤ 2 s;
 * - a what-if update: a Page Up on DSP-TR-01's bar to 'mwp:what-if-ready' (the dry run with the
 *   months' other windows answered and drawn); target ≤ 500 ms; and the same on the 2,000-window board.
 * Prints the first (cold) run and the median and min of the others; asserts nothing.
 *
 * Run: node --import tsx bench/board.bench.ts [runs=7]   (needs /usr/bin/chromium and playwright-core;
 * BOARD_DEBUG=1 prints each request's timing of one first render instead)
 */
import type { Page } from 'playwright-core'
import { buildApp } from '../src/http/app.ts'
import { createServices } from '../src/services/index.ts'
import { buildWindow } from '../src/services/windows-service.ts'
import { ensureBoardBuilt, launchChromium, loadOpsg58, OPSG58_BOARD, playwright } from '../test/helpers/board-scenario.ts'
import { fixedClock } from '../test/helpers/clock.ts'
import { buildTemplate, openTestDatabase } from '../test/helpers/databases.ts'

const runs = Number(process.argv[2] ?? 7)
const pw = await playwright()
if (typeof pw === 'string') {
  console.log(`board benchmark skipped: ${pw}`)
  process.exit(0)
}
ensureBoardBuilt()
await buildTemplate()
const database = await openTestDatabase()
const clock = fixedClock('2021-10-05T09:00:00Z')
const services = createServices({ db: database.db, clock, maxWindowHours: 72, changes: database.changes })
const app = await buildApp({ db: database.db, databaseKind: database.kind, services, clock, baseUrl: 'http://127.0.0.1', logger: false })
const admin = await services.keys.create({ name: 'bench admin', role: 'admin' }, null)
const dsp = await services.keys.create({ name: 'bench DSP', role: 'submitter', parties: ['DSP'] }, null)
await loadOpsg58({ app, admin: { authorization: `Bearer ${admin.key}` }, dsp: { authorization: `Bearer ${dsp.key}` }, clock })

// 2,000 windows in 2023, straight into the table (the API would assess each one as it is stored).
const parties: [string, string[]][] = [
  ['DSP', ['N', 'C', 'S']],
  ['CSP-N', ['N']],
  ['CSP-C', ['C']],
  ['CSP-S', ['S']],
]
const actor = { keyId: admin.id, role: 'admin' as const, parties: [] }
const rows = []
for (let j = 0; j < 2000; j++) {
  const [party, regions] = parties[j % parties.length]!
  const start = new Date(Date.parse('2023-01-01T00:00:00Z') + Math.floor((j * 365 * 24) / 2000) * 3_600_000)
  const w = buildWindow(
    {
      reference: `BENCH-${j}`,
      title: `Bench window ${j}`,
      description: 'Replace end-of-life components',
      party,
      impact: j % 5 ? 'degraded' : 'outage',
      services: ['service-requests'],
      regions,
      start,
      end: new Date(start.getTime() + (1 + (j % 4)) * 3_600_000),
    },
    actor,
    {},
    clock.now(),
  )
  rows.push({
    id: w.id,
    party: w.party,
    reference: w.reference,
    title: w.title,
    description: w.description,
    justification: null,
    risk_to_service: 'rollback rehearsed',
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
    status: 'proposed' as const,
    actual_start: null,
    actual_end: null,
    created_by: w.createdBy,
    version: 1,
    sequence: 0,
    effective_at: w.effectiveAt,
    recorded_at: w.recordedAt,
    created_at: w.createdAt,
    updated_at: w.updatedAt,
  })
}
for (let i = 0; i < rows.length; i += 500)
  await database.db
    .insertInto('windows')
    .values(rows.slice(i, i + 500))
    .execute()

await app.listen({ port: 0, host: '127.0.0.1' })
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
const browser = await launchChromium(pw)
const context = await browser.newContext({ viewport: { width: 1500, height: 1000 } })
await context.addInitScript({ content: `sessionStorage.setItem('mwp.board.apiKey', ${JSON.stringify(admin.key)})` })

const mark = async (page: Page, name: string) =>
  page.evaluate<number>(`performance.getEntriesByName(${JSON.stringify(name)}).at(-1)?.startTime ?? -1`)

/** Navigation start to the windows drawn ('mwp:board-drawn', verdicts still coming) and to every verdict drawn ('mwp:board-ready'). */
async function firstRender(path: string, windows: number): Promise<{ drawn: number; ready: number }> {
  const page = await context.newPage()
  await page.goto(`${base}${path}`)
  await page.waitForSelector('.board[data-state="ready"] [data-window-ref]', { timeout: 60_000 })
  const n = await page.locator('[data-window-ref]').count()
  if (n !== windows) throw new Error(`${path}: ${n} windows drawn, expected ${windows}`)
  const ready = await mark(page, 'mwp:board-ready')
  const drawn = await mark(page, 'mwp:board-drawn')
  await page.close()
  return { drawn: drawn < 0 ? ready : drawn, ready }
}

async function whatIf(path: string, ref: string): Promise<number[]> {
  const page = await context.newPage()
  await page.goto(`${base}${path}`)
  await page.waitForSelector(`.board[data-state="ready"] [data-window-ref="${ref}"]`, { timeout: 60_000 })
  await page.click(`[data-window-ref="${ref}"]`)
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    await page.evaluate(`performance.clearMarks('mwp:what-if-ready'); window.__t0 = 0;
      document.addEventListener('keydown', () => { window.__t0 = performance.now() }, { capture: true, once: true })`)
    // always on: a move back to the stored place ends the what-if (nothing to judge)
    await page.keyboard.press('PageUp')
    await page.waitForFunction(() => performance.getEntriesByName('mwp:what-if-ready').length > 0, undefined, { timeout: 30_000 })
    times.push((await mark(page, 'mwp:what-if-ready')) - (await page.evaluate<number>('window.__t0')))
  }
  await page.close()
  return times
}

const fmt = (label: string, xs: number[], target: number) => {
  const [first, ...rest] = xs
  const sorted = [...rest].sort((a, b) => a - b)
  const median = sorted[Math.floor(sorted.length / 2)] ?? first!
  console.log(
    `${label.padEnd(56)} first ${first!.toFixed(0).padStart(5)} ms  median ${median.toFixed(0).padStart(5)} ms  min ${(sorted[0] ?? first!).toFixed(0).padStart(5)} ms  (target ≤ ${target} ms)`,
  )
}

// BOARD_DEBUG=1: where the time of one first render goes (each request's start and duration), then stop.
if (process.env.BOARD_DEBUG) {
  for (const path of [OPSG58_BOARD, '/board?from=2023-01-01&to=2024-01-01']) {
    const page = await context.newPage()
    await page.goto(`${base}${path}`)
    await page.waitForSelector('.board[data-state="ready"] [data-window-ref]', { timeout: 60_000 })
    console.log(path, 'drawn', await mark(page, 'mwp:board-drawn'), 'ready', await mark(page, 'mwp:board-ready'))
    console.log(
      await page.evaluate(
        `performance.getEntriesByType('resource').map((r) => r.name.replace(/^https?:\\/\\/[^/]+/, '').slice(0, 60) + ' ' + r.startTime.toFixed(0) + '+' + r.duration.toFixed(0) + ' ' + r.transferSize).join('\\n')`,
      ),
    )
    await page.close()
  }
  process.exit(0)
}
for (const [label, path, n, target] of [
  ['OPSG 58 (14 windows)', OPSG58_BOARD, 14, 1000],
  ['2,000 windows (4 parties, 2023)', '/board?from=2023-01-01&to=2024-01-01', 2000, 2000],
] as const) {
  const times: { drawn: number; ready: number }[] = []
  for (let i = 0; i < runs; i++) times.push(await firstRender(path, n))
  fmt(
    `first render, ${label}: drawn`,
    times.map((x) => x.drawn),
    target,
  )
  fmt(
    `first render, ${label}: judged`,
    times.map((x) => x.ready),
    target,
  )
}
fmt('what-if update, OPSG 58 (Page Up on DSP-TR-01)', await whatIf(OPSG58_BOARD, 'DSP-TR-01'), 500)
fmt('what-if update, 2,000 windows (Page Up)', await whatIf('/board?from=2023-01-01&to=2024-01-01', 'BENCH-1000'), 500)
console.log(`(${database.kind} database, node ${process.version}, Chromium headless, ${runs} runs each; times from the page's own marks)`)

await browser.close()
await app.close()
await database.close()
