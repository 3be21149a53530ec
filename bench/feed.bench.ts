/**
 * Feed rendering benchmark: a 10,000-window feed (plus blackouts and findings), rendered repeatedly
 * after warm-up, in UTC and in Europe/London mode, as bytes (what the HTTP layer should send) and as a
 * string. Prints wall-clock median / p95 / min, the median CPU time (a fairer figure on a busy
 * machine) and the size; asserts nothing.
 *
 * Run: node --import tsx bench/feed.bench.ts [windows=10000] [runs=50]
 */
import { renderCalendarFeed, renderCalendarFeedBytes } from '../src/feeds/index.ts'
import type { CalendarFeedInput, TimeMode } from '../src/feeds/index.ts'
import { BLACKOUTS, META, manyWindows } from '../test/unit/feeds/fixtures/feed-fixtures.ts'

const count = Number(process.argv[2] ?? 10_000)
const runs = Number(process.argv[3] ?? 50)
const windows = manyWindows(count)
const findingsSummary = new Map(windows.filter((_, i) => i % 4 === 0).map((w) => [w.id, '1 warning: notice period 28 days (minimum 30)']))

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number
}

// generatedAt before every window, so that no cancelled window is dropped: 10,000 events.
const meta = { ...META, generatedAt: new Date('2021-01-01T00:00:00Z') }

function measure(label: string, render: () => { length: number }, bytes: () => number): void {
  for (let i = 0; i < 10; i++) render()
  const times: number[] = []
  const cpu: number[] = []
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage()
    const t0 = process.hrtime.bigint()
    render()
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
    const c = process.cpuUsage(c0)
    cpu.push((c.user + c.system) / 1e3)
  }
  times.sort((a, b) => a - b)
  cpu.sort((a, b) => a - b)
  console.log(
    `${label.padEnd(22)} median ${quantile(times, 0.5).toFixed(1)} ms, p95 ${quantile(times, 0.95).toFixed(1)} ms, ` +
      `min ${(times[0] as number).toFixed(1)} ms; CPU median ${quantile(cpu, 0.5).toFixed(1)} ms; ${(bytes() / 1e6).toFixed(2)} MB`,
  )
}

console.log(`${count} windows + ${BLACKOUTS.length} blackouts, ${runs} runs after 10 warm-up (node ${process.version})`)
for (const timeMode of ['utc', 'europe-london'] as TimeMode[]) {
  const input: CalendarFeedInput = { meta: { ...meta, timeMode }, windows, findingsSummary, blackouts: BLACKOUTS }
  const events = renderCalendarFeed(input).split('BEGIN:VEVENT').length - 1
  if (events !== count + BLACKOUTS.length) throw new Error(`expected ${count + BLACKOUTS.length} events, got ${events}`)
  const size = () => renderCalendarFeedBytes(input).length
  measure(`${timeMode} bytes`, () => renderCalendarFeedBytes(input), size)
  measure(`${timeMode} string`, () => renderCalendarFeed(input), size)
}
