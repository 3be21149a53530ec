/**
 * Slot search benchmark: 14 slots of 6 hours over 12 months against a stored plan of 1,000 windows
 * (two mixes: (a) reduced-redundancy and no-impact work, so slots exist; (b) the engine
 * benchmark's mix, where the GB-wide cap is full in every month and the answer is an explanation),
 * and re-planning the 14-window OPSG 58 programme from a 5 Oct 2021 publication. Prints median and
 * min of warm runs plus the first (cold) run. Asserts nothing.
 *
 *   node --import tsx bench/slots.bench.ts [runs=15]
 */
import { defaultBlackoutLayers } from '../src/domain/blackouts.ts'
import { buildCalendars } from '../src/domain/calendars.ts'
import { DEFAULT_ESTATE, DEFAULT_IMPACT_THRESHOLDS, DEFAULT_TOP_UP_PROFILE, type ImpactContext } from '../src/domain/impact/index.ts'
import { DEFAULT_PARTIES, DEFAULT_REGIONS, DEFAULT_SERVICES } from '../src/domain/reference.ts'
import { DEFAULT_RULESET } from '../src/domain/ruleset.ts'
import { findSlots, replan, type SlotContext } from '../src/domain/slots.ts'
import { wallToInstant } from '../src/domain/time.ts'
import type { Impact, WindowPlan, WindowStatus } from '../src/domain/window.ts'

const runs = Number(process.argv[2] ?? 15)
const PARTIES: [string, string[]][] = [
  ['DSP', ['N', 'C', 'S']],
  ['CSP-N', ['N']],
  ['CSP-C', ['C']],
  ['CSP-S', ['S']],
]

function rng(seed: number) {
  let x = seed >>> 0
  return () => {
    x = (x * 1664525 + 1013904223) >>> 0
    return x / 2 ** 32
  }
}

function plan(n: number, impacts: readonly Impact[], statuses: readonly WindowStatus[]): WindowPlan[] {
  const r = rng(n + impacts.length)
  const from = Date.UTC(2022, 0, 1)
  return Array.from({ length: n }, (_, i) => {
    const [party, regions] = PARTIES[i % PARTIES.length]!
    const day = Math.floor(r() * 365)
    const startMin = Math.floor(r() * 48) * 30
    const dur = (1 + Math.floor(r() * 8)) * 30
    const start = new Date(from + day * 86_400_000 + startMin * 60_000)
    return {
      id: `bg-${i}`,
      reference: `BG-${i}`,
      title: 'bench',
      description: 'generated window',
      justification: 'planned',
      riskToService: 'low',
      party,
      changeRef: null,
      programmeId: null,
      kind: 'planned' as const,
      impact: impacts[Math.floor(r() * impacts.length)]!,
      services: ['service-requests'],
      regions,
      start,
      end: new Date(start.getTime() + dur * 60_000),
      zone: 'Europe/London',
      notifiedAt: new Date(start.getTime() - 60 * 86_400_000),
      status: statuses[Math.floor(r() * statuses.length)]!,
    }
  })
}

const impact: ImpactContext = {
  estate: DEFAULT_ESTATE,
  profile: DEFAULT_TOP_UP_PROFILE,
  parties: DEFAULT_PARTIES,
  regions: DEFAULT_REGIONS,
  services: DEFAULT_SERVICES,
  zone: 'Europe/London',
  isPreHoliday: () => false,
  thresholds: DEFAULT_IMPACT_THRESHOLDS,
}
const base: Omit<SlotContext, 'background'> = {
  now: new Date('2021-12-01T09:00:00Z'),
  ruleset: DEFAULT_RULESET,
  calendars: buildCalendars(),
  blackouts: defaultBlackoutLayers(DEFAULT_RULESET),
  regions: DEFAULT_REGIONS,
  tzdbVersion: 'bench',
  impact,
}
const template = { party: 'DSP', services: ['service-requests', 'prepayment-top-up'], regions: ['N', 'C', 'S'], impact: 'outage' as const }

function time<T>(fn: () => T): [number, T] {
  const t0 = process.hrtime.bigint()
  const v = fn()
  return [Number(process.hrtime.bigint() - t0) / 1e6, v]
}
function report(label: string, fn: () => string) {
  const [cold, first] = time(fn)
  const ms: number[] = []
  for (let i = 0; i < runs; i++) ms.push(time(fn)[0])
  ms.sort((a, b) => a - b)
  console.log(
    `${label.padEnd(64)} median ${ms[Math.floor(ms.length / 2)]!.toFixed(1).padStart(7)} ms  min ${ms[0]!.toFixed(1).padStart(7)} ms  cold ${cold.toFixed(1).padStart(7)} ms  ${first}`,
  )
}

const light = plan(1000, ['reduced-redundancy', 'no-impact'], ['agreed', 'notified', 'proposed', 'draft', 'cancelled'])
const dense = plan(
  1000,
  ['outage', 'degraded', 'reduced-redundancy', 'no-impact'],
  ['notified', 'agreed', 'proposed', 'draft', 'cancelled'],
)
const request = {
  durationMinutes: 360,
  from: new Date('2022-01-01T00:00:00Z'),
  to: new Date('2023-01-01T00:00:00Z'),
  template,
  notifiedAt: new Date('2021-12-01T09:00:00Z'),
  count: 14,
}

console.log(`slots benchmark (${runs} warm runs each; Node ${process.version})`)
report('findSlots: 14 × 6 h over 12 months, 1,000 windows (non-disrupting)', () => {
  const r = findSlots(request, { ...base, background: light })
  return `${r.slots.length} slots, ${r.progress.candidates} grid points, ${r.progress.assessed} engine calls ${r.explanation?.message.slice(0, 300) ?? ''}`
})
report('findSlots: 14 × 6 h over 12 months, 1,000 windows (cap full)', () => {
  const r = findSlots(request, { ...base, background: dense })
  return `${r.slots.length} slots, ${r.progress.assessed} engine calls, explanation: ${r.explanation?.removed.map((x) => x.code).join(', ')}`
})
const opsg = [
  '2021-11-14',
  '2021-11-28',
  '2021-12-05',
  '2021-12-12',
  '2022-01-16',
  '2022-01-30',
  '2022-02-13',
  '2022-02-27',
  '2022-03-13',
  '2022-04-10',
  '2022-05-15',
  '2022-06-12',
  '2022-07-10',
  '2022-07-24',
].map((d, i): WindowPlan => {
  const [y, m, dd] = d.split('-').map(Number) as [number, number, number]
  return {
    ...light[0]!,
    id: `tr-${i}`,
    reference: `DSP-TR-${i + 1}`,
    party: 'DSP',
    regions: ['N', 'C', 'S'],
    impact: 'outage',
    services: ['service-requests', 'prepayment-top-up'],
    start: wallToInstant(y, m, dd, 0, 0, 'Europe/London'),
    end: wallToInstant(y, m, dd, 6, 0, 'Europe/London'),
    notifiedAt: null,
    status: 'proposed',
  }
})
const ctx58 = { ...base, now: new Date('2021-10-05T17:00:00Z'), background: [] }
const req58 = { publishedAt: new Date('2021-10-05T17:00:00Z'), until: new Date('2024-10-05T17:00:00Z') }
report('replan OPSG 58 (14 windows, 3-year horizon)', () => {
  const r = replan(opsg, req58, ctx58)
  return `kept ${r.keptCount}, finishes ${r.finishesAt?.toISOString().slice(0, 10)}`
})
report('replan OPSG 58 with WINTER waived', () => {
  const r = replan(opsg, { ...req58, waive: ['WINTER'] }, ctx58)
  return `kept ${r.keptCount}, finishes ${r.finishesAt?.toISOString().slice(0, 10)}`
})
