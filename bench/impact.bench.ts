/**
 * Impact benchmark: 10,000 generated windows over two years (DST nights included, ~10 % overlapping
 * another party's window). Prints the median ms of assessImpact over all windows (warm: the per-ctx and
 * per-zone caches built; cold: first pass with a fresh context and hour cache mostly untouched), of
 * overlap detection, and of the compliance engine's assess() on the same windows for the 1.5× budget.
 * Asserts nothing.
 *
 * Run: node --import tsx bench/impact.bench.ts [windows=10000] [runs=30]
 */
import { assess } from '../src/domain/assess.ts'
import { defaultBlackoutLayers } from '../src/domain/blackouts.ts'
import { buildCalendars, calendarsForRegions } from '../src/domain/calendars.ts'
import {
  assessImpact,
  DEFAULT_ESTATE,
  DEFAULT_IMPACT_THRESHOLDS,
  DEFAULT_TOP_UP_PROFILE,
  detectOverlaps,
  type ImpactContext,
  type IsPreHoliday,
  type OverlapWindow,
} from '../src/domain/impact/index.ts'
import { DEFAULT_PARTIES, DEFAULT_REGIONS, DEFAULT_SERVICES } from '../src/domain/reference.ts'
import { DEFAULT_RULESET } from '../src/domain/ruleset.ts'
import type { Impact, WindowPlan } from '../src/domain/window.ts'

const count = Number(process.argv[2] ?? 10_000)
const runs = Number(process.argv[3] ?? 30)

/** Deterministic PRNG (mulberry32) so every run measures the same windows. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const rand = rng(20211005)
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T
const PARTIES = ['DSP', 'CSP-N', 'CSP-C', 'CSP-S', 'DCO', 'SMKI']
const IMPACTS: Impact[] = ['outage', 'outage', 'degraded', 'reduced-redundancy', 'no-impact']
const SERVICES = DEFAULT_SERVICES.map((s) => s.id)
const T0 = Date.parse('2021-11-01T00:00:00Z')
const HOUR = 3_600_000

const windows: WindowPlan[] = []
for (let i = 0; i < count; i++) {
  // Mostly night windows (00:00–06:00 local-ish), spread over ~2 years.
  const start = T0 + Math.floor(rand() * 730) * 24 * HOUR + Math.floor(rand() * 6) * HOUR
  const minutes = 30 + Math.floor(rand() * 16) * 30
  windows.push({
    id: `w${i}`,
    reference: `MW-${i}`,
    title: `Window ${i}`,
    description: 'generated',
    justification: 'benchmark',
    riskToService: 'low',
    party: pick(PARTIES),
    changeRef: null,
    programmeId: null,
    kind: 'planned',
    impact: pick(IMPACTS),
    services: [pick(SERVICES), pick(SERVICES)],
    regions: rand() < 0.7 ? [] : [pick(['N', 'C', 'S'])],
    start: new Date(start),
    end: new Date(start + minutes * 60_000),
    zone: 'Europe/London',
    notifiedAt: new Date(start - 40 * 24 * HOUR),
    status: 'proposed',
  })
}

// Pre-holiday days from the working-day calendars of the regions' nations (3 days before a holiday).
const calendars = buildCalendars()
const preHolidayDates = new Map<string, Set<string>>()
function preHolidaySet(calendarId: string): Set<string> {
  let set = preHolidayDates.get(calendarId)
  if (set) return set
  set = new Set()
  const cal = calendars.get(calendarId as Parameters<typeof calendars.get>[0])
  for (const year of [2021, 2022, 2023, 2024]) {
    for (const h of cal.holidays(year)) {
      const d = Date.parse(`${h.date}T00:00:00Z`)
      for (let k = 1; k <= DEFAULT_TOP_UP_PROFILE.preHolidayDays.value; k++) {
        set.add(new Date(d - k * 24 * HOUR).toISOString().slice(0, 10))
      }
    }
  }
  preHolidayDates.set(calendarId, set)
  return set
}
const isPreHoliday: IsPreHoliday = (date, regionIds) =>
  calendarsForRegions(regionIds, DEFAULT_REGIONS).some((c) => preHolidaySet(c).has(date))

const makeCtx = (): ImpactContext => ({
  estate: DEFAULT_ESTATE,
  profile: DEFAULT_TOP_UP_PROFILE,
  parties: DEFAULT_PARTIES,
  regions: DEFAULT_REGIONS,
  services: DEFAULT_SERVICES,
  zone: 'Europe/London',
  isPreHoliday,
  thresholds: DEFAULT_IMPACT_THRESHOLDS,
})

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] as number
}
function time(fn: () => void): number {
  const t0 = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t0) / 1e6
}

let sink = 0
const cold = time(() => {
  const ctx = makeCtx()
  for (const w of windows) sink += assessImpact(w, ctx).expectedFailedTopUps
})

const impactTimes: number[] = []
const warmCtx = makeCtx()
for (let r = 0; r < runs + 5; r++) {
  const ms = time(() => {
    for (const w of windows) sink += assessImpact(w, warmCtx).expectedFailedTopUps
  })
  if (r >= 5) impactTimes.push(ms)
}
const freshCtxTimes: number[] = []
for (let r = 0; r < runs; r++) {
  freshCtxTimes.push(
    time(() => {
      const ctx = makeCtx() // new ctx: prepared profile and pre-holiday caches rebuilt; zone hour cache shared
      for (const w of windows) sink += assessImpact(w, ctx).expectedFailedTopUps
    }),
  )
}

const overlapInput: OverlapWindow[] = windows.map((w) => ({
  id: w.id as string,
  reference: w.reference,
  party: w.party,
  impact: w.impact,
  services: w.services,
  regions: w.regions,
  start: w.start,
  end: w.end,
}))
function benchOverlaps(input: readonly OverlapWindow[]): { ms: number; stats: string } {
  let stats = ''
  const times: number[] = []
  for (let r = 0; r < runs + 5; r++) {
    const ms = time(() => {
      const rep = detectOverlaps(input, warmCtx)
      const intervals = rep.groups.reduce((a, g) => a + g.intervals.length, 0)
      stats = `${rep.groups.length} groups, ${intervals} intervals, ${rep.redundancyLoss.length} redundancy-loss pairs`
    })
    if (r >= 5) times.push(ms)
  }
  return { ms: median(times), stats }
}
const dense = benchOverlaps(overlapInput)
// The same windows spread over 20 years instead of 2 (≈1.4 windows a night): closer to a real plan.
const sparseInput = overlapInput.map((w, i) => {
  const shift = (i % 10) * 731 * 24 * HOUR
  return { ...w, start: new Date(w.start.getTime() + shift), end: new Date(w.end.getTime() + shift) }
})
const sparse = benchOverlaps(sparseInput)

let engineMedian = Number.NaN
try {
  const actx = {
    now: new Date('2021-10-01T00:00:00Z'),
    ruleset: DEFAULT_RULESET,
    calendars,
    blackouts: defaultBlackoutLayers(DEFAULT_RULESET),
    regions: DEFAULT_REGIONS,
    tzdbVersion: process.versions.tz ?? 'unknown',
  }
  const engineTimes: number[] = []
  for (let r = 0; r < Math.min(runs, 10) + 2; r++) {
    const ms = time(() => {
      sink += assess(windows, actx).windows.length
    })
    if (r >= 2) engineTimes.push(ms)
  }
  engineMedian = median(engineTimes)
} catch (err) {
  console.log(`engine assess() not measured: ${(err as Error).message}`)
}

const impactMedian = median(impactTimes)
const overlapMedian = dense.ms
console.log(`${count} windows, ${runs} runs (median)`)
console.log(`assessImpact, all windows, warm ctx   : ${impactMedian.toFixed(1)} ms`)
console.log(`assessImpact, all windows, fresh ctx  : ${median(freshCtxTimes).toFixed(1)} ms`)
console.log(`assessImpact, first pass (cold caches): ${cold.toFixed(1)} ms`)
console.log(`detectOverlaps, dense (2 years)       : ${dense.ms.toFixed(1)} ms (${dense.stats})`)
console.log(`detectOverlaps, sparse (20 years)     : ${sparse.ms.toFixed(1)} ms (${sparse.stats})`)
if (Number.isFinite(engineMedian)) {
  const extra = impactMedian + overlapMedian
  console.log(`engine assess() baseline              : ${engineMedian.toFixed(1)} ms`)
  console.log(`impact + dense overlaps / engine      : +${((100 * extra) / engineMedian).toFixed(0)} % (budget +50 %)`)
}
if (sink === -1) console.log('unreachable')
