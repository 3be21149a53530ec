/**
 * Report benchmark: a compliance report over 10,000 generated windows (six parties, two years, DST
 * nights included). The windows are assessed once by the engine and the impact model (the figures a
 * report starts from; that time is printed too), then the report is built and rendered as the route
 * sends it, UTF-8 chunks: JSON, CSV and HTML (model + rendering; JSON.stringify of the model as one
 * string for comparison). Prints min and median ms; targets JSON ≤ 300 ms, HTML ≤ 600 ms. Asserts
 * nothing. The database reads of the service are not included.
 *
 * Run: node --import tsx bench/report.bench.ts [windows=10000] [runs=15]
 */
import { assess } from '../src/domain/assess.ts'
import { defaultBlackoutLayers } from '../src/domain/blackouts.ts'
import { buildCalendars } from '../src/domain/calendars.ts'
import {
  assessImpact,
  DEFAULT_ESTATE,
  DEFAULT_IMPACT_THRESHOLDS,
  DEFAULT_TOP_UP_PROFILE,
  type ImpactContext,
  impactRating,
} from '../src/domain/impact/index.ts'
import { DEFAULT_PARTIES, DEFAULT_REGIONS, DEFAULT_SERVICES } from '../src/domain/reference.ts'
import { DEFAULT_RULESET } from '../src/domain/ruleset.ts'
import type { Impact, WindowPlan } from '../src/domain/window.ts'
import { buildComplianceReport, type ReportInput, type ReportWindowInput } from '../src/reports/compliance-report.ts'
import { renderCsv } from '../src/reports/csv.ts'
import { renderHtml } from '../src/reports/html.ts'
import { renderJson } from '../src/reports/json.ts'

const count = Number(process.argv[2] ?? 10_000)
const runs = Number(process.argv[3] ?? 15)

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
const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`

const windows: (WindowPlan & { id: string; version: number })[] = []
for (let i = 0; i < count; i++) {
  const start = T0 + Math.floor(rand() * 730) * 24 * HOUR + Math.floor(rand() * 6) * HOUR
  const minutes = 30 + Math.floor(rand() * 16) * 30
  windows.push({
    id: uuid(i),
    version: 1,
    reference: `MW-${i}`,
    title: `Window ${i} <generated & "quoted">`,
    description: 'generated',
    justification: null,
    riskToService: 'Low',
    party: pick(PARTIES),
    changeRef: null,
    programmeId: null,
    kind: 'planned',
    impact: pick(IMPACTS),
    services: [pick(SERVICES), pick(SERVICES)].filter((s, j, a) => a.indexOf(s) === j),
    regions: [pick(['N', 'C', 'S'])],
    start: new Date(start),
    end: new Date(start + minutes * 60_000),
    zone: 'Europe/London',
    notifiedAt: new Date(start - Math.floor(rand() * 60) * 24 * HOUR),
    status: pick(['proposed', 'notified', 'agreed'] as const),
  })
}

// In the order the report service assesses them (subjects by start, then id): the engine's findings
// and the report's inputs are then allocated in report order, as in the service.
windows.sort((x, y) => x.start.getTime() - y.start.getTime() || (x.id < y.id ? -1 : 1))

const calendars = buildCalendars()
let t = performance.now()
const a = assess(windows, {
  now: new Date('2021-10-05T17:00:00Z'),
  ruleset: DEFAULT_RULESET,
  calendars,
  blackouts: defaultBlackoutLayers(DEFAULT_RULESET),
  regions: DEFAULT_REGIONS,
  tzdbVersion: process.versions.tz ?? 'unknown',
})
const assessMs = performance.now() - t
const ictx: ImpactContext = {
  estate: DEFAULT_ESTATE,
  profile: DEFAULT_TOP_UP_PROFILE,
  thresholds: DEFAULT_IMPACT_THRESHOLDS,
  parties: DEFAULT_PARTIES,
  regions: DEFAULT_REGIONS,
  services: DEFAULT_SERVICES,
  zone: 'Europe/London',
  isPreHoliday: () => false,
}
t = performance.now()
const inputs: ReportWindowInput[] = windows.map((w, i) => {
  const wa = a.windows[i]!
  const imp = assessImpact(w, ictx)
  const rating = impactRating(imp, DEFAULT_IMPACT_THRESHOLDS)
  return {
    window: w,
    findings: wa.findings,
    worstSeverity: wa.worstSeverity,
    compliance: wa.compliance,
    realMinutes: wa.realMinutes,
    ruleset: { id: DEFAULT_RULESET.id, version: DEFAULT_RULESET.version },
    impact: { ...imp, rating },
  }
})
const impactMs = performance.now() - t

const input: ReportInput = {
  from: new Date('2021-11-01T00:00:00Z'),
  to: new Date('2023-11-01T00:00:00Z'),
  party: null,
  programme: null,
  asOf: new Date('2021-10-05T17:00:00Z'),
  generatedAt: new Date('2021-10-06T09:00:00Z'),
  zone: 'Europe/London',
  windows: inputs,
  waivers: [],
  remediated: [],
  gbMonths: a.months,
  parties: PARTIES,
  rulesets: [DEFAULT_RULESET],
  calendars,
  publications: [],
  engineProvenance: [a.provenance],
  referenceData: { estate: DEFAULT_ESTATE.version },
  tzdbVersion: process.versions.tz ?? 'unknown',
  notes: [],
}

function time(label: string, f: () => number, target?: number) {
  f() // warm-up
  const ms: number[] = []
  let bytes = 0
  for (let i = 0; i < runs; i++) {
    const s = performance.now()
    bytes = f()
    ms.push(performance.now() - s)
  }
  ms.sort((x, y) => x - y)
  const median = ms[Math.floor(ms.length / 2)]!
  const note = target ? `  target ≤ ${target} ms: ${median <= target ? 'met' : 'NOT met'}` : ''
  console.log(
    `${label.padEnd(28)} min ${ms[0]!.toFixed(1).padStart(7)} ms  median ${median.toFixed(1).padStart(7)} ms  ${(bytes / 1024 / 1024).toFixed(2)} MiB${note}`,
  )
}

const findings = a.windows.reduce((n, w) => n + w.findings.length, 0)
console.log(
  `report benchmark: ${count} windows, ${findings} findings, ${runs} runs (Node ${process.version} ${process.execArgv.filter((a) => a.startsWith('--max')).join(' ')})`,
)
console.log(`(setup) engine assess: ${assessMs.toFixed(1)} ms; impact + RAG: ${impactMs.toFixed(1)} ms`)
const byteLength = (chunks: readonly Buffer[]) => chunks.reduce((n, c) => n + c.length, 0)
time('model only', () => buildComplianceReport(input).windows.length)
// What the route sends: the UTF-8 bytes in chunks (rendered once for every request sharing the report).
time('JSON (model + UTF-8 chunks)', () => byteLength(renderJson(buildComplianceReport(input)).bytes()), 300)
time('JSON.stringify (one string)', () => JSON.stringify(buildComplianceReport(input)).length)
time('CSV (model + UTF-8 chunks)', () => byteLength(renderCsv(buildComplianceReport(input)).bytes()))
time('HTML (model + UTF-8 chunks)', () => byteLength(renderHtml(buildComplianceReport(input)).bytes()), 600)
