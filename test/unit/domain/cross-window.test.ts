/**
 * The cross-window rules against straightforward pairwise versions, on random dense plans with a
 * stored background: OVERLAP (binary-search counting per region mask, a listing scan in start order)
 * and MIN_SPACING (binary searches per party, subjects visited in start order) must say exactly what
 * comparing every pair says.
 */
import fc from 'fast-check'
import t from 'tap'
import { assess } from '../../../src/domain/assess.ts'
import type { WindowPlan } from '../../../src/domain/window.ts'
import { aWindow, ctxFor } from './builders.ts'

const PARTIES: [string, string[]][] = [
  ['DSP', ['N', 'C', 'S']],
  ['CSP-N', ['N']],
  ['CSP-S', ['S']],
  ['DCO', []], // no regions: everywhere
]
const ctx = ctxFor({ now: new Date('2021-10-05T17:00:00Z') })
const r = ctx.ruleset

const arbWindow = fc.record({
  // Three days, mostly nights: dense enough for more than ten overlaps and for spacing ties.
  day: fc.integer({ min: 0, max: 2 }),
  startMin: fc.oneof(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 47 })).map((x) => x * 30),
  durMin: fc.integer({ min: 1, max: 16 }).map((x) => x * 30),
  party: fc.integer({ min: 0, max: PARTIES.length - 1 }),
  impact: fc.constantFrom('no-impact', 'reduced-redundancy', 'degraded', 'outage', 'outage'),
  status: fc.constantFrom('draft', 'proposed', 'notified', 'agreed', 'cancelled', 'rejected'),
  kind: fc.constantFrom('planned', 'planned', 'planned', 'emergency'),
})
type Gen = typeof arbWindow extends fc.Arbitrary<infer T> ? T : never

function toWindow(g: Gen, i: number, prefix: string): WindowPlan {
  const date = new Date(Date.UTC(2021, 10, 1) + g.day * 86_400_000).toISOString().slice(0, 10)
  const hh = (m: number) => `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
  const [party, regions] = PARTIES[g.party]!
  return aWindow(date, hh(g.startMin), hh(g.startMin + g.durMin), {
    id: `${prefix}${i}`,
    // References repeat across parties now and then, so that ties are broken by id and input order.
    reference: `R-${i % 7}`,
    party,
    regions: [...regions],
    impact: g.impact as WindowPlan['impact'],
    status: g.status as WindowPlan['status'],
    kind: g.kind as WindowPlan['kind'],
  })
}

interface P {
  w: WindowPlan
  s: number
  e: number
  index: number
}

const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** Subjects (not rejected or cancelled) and background (not draft, rejected or cancelled), in the engine's order. */
function participants(subjects: WindowPlan[], background: WindowPlan[]): P[] {
  const all: P[] = [
    ...subjects.map((w, index) => ({ w, index })).filter(({ w }) => w.status !== 'rejected' && w.status !== 'cancelled'),
    ...background.filter((w) => !['draft', 'rejected', 'cancelled'].includes(w.status)).map((w) => ({ w, index: -1 })),
  ].map(({ w, index }) => ({ w, s: w.start.getTime(), e: w.end.getTime(), index }))
  return all.sort(
    (a, b) => a.s - b.s || a.e - b.e || cmpStr(a.w.reference, b.w.reference) || cmpStr(a.w.id ?? '', b.w.id ?? '') || a.index - b.index,
  )
}

const shareRegion = (a: WindowPlan, b: WindowPlan) =>
  a.regions.length === 0 || b.regions.length === 0 || a.regions.some((x) => b.regions.includes(x))

t.test('OVERLAP and MIN_SPACING agree with comparing every pair', async (t) => {
  let overlapsSeen = 0
  let manyOverlaps = 0
  let spacingSeen = 0
  fc.assert(
    fc.property(
      fc.array(arbWindow, { minLength: 1, maxLength: 80, size: 'max' }),
      fc.array(arbWindow, { maxLength: 40, size: 'max' }),
      (subjectGens, backgroundGens) => {
        const subjects = subjectGens.map((g, i) => toWindow(g, i, 's'))
        const background = backgroundGens.map((g, i) => toWindow(g, i, 'b'))
        const a = assess(subjects, { ...ctx, background })
        const ps = participants(subjects, background)
        const overlapImpacts = r.overlap.impacts.value as readonly string[]
        const spacingImpacts = r.spacing.impacts.value as readonly string[]
        const min = r.spacing.minHoursBetweenStarts.value * 3_600_000
        for (const p of ps) {
          if (p.index < 0) continue
          const findings = a.windows[p.index]!.findings
          // OVERLAP: every other participant of a counted impact overlapping [s, e) in a shared region.
          const overlap = findings.find((f) => f.code === 'OVERLAP')
          const others =
            p.e > p.s && overlapImpacts.includes(p.w.impact)
              ? ps.filter(
                  (q) => q !== p && q.e > q.s && overlapImpacts.includes(q.w.impact) && q.s < p.e && q.e > p.s && shareRegion(p.w, q.w),
                )
              : []
          if (others.length === 0) {
            if (overlap) return false
          } else {
            overlapsSeen++
            if (others.length > 10) manyOverlaps++
            const listed = others.slice(0, 10)
            if (!overlap) return false
            const ev = overlap.evidence
            if (ev.count !== others.length) return false
            if (JSON.stringify(ev.overlapping) !== JSON.stringify(listed.map((q) => q.w.reference))) return false
            const shared = listed.map((q) => (Math.min(p.e, q.e) - Math.max(p.s, q.s)) / 60_000)
            if (JSON.stringify(ev.sharedMinutes) !== JSON.stringify(shared)) return false
          }
          // MIN_SPACING: planned outages of the same party starting less than the minimum apart.
          const spacing = findings.find((f) => f.code === 'MIN_SPACING')
          const counted = (x: P) => x.w.kind !== 'emergency' && spacingImpacts.includes(x.w.impact)
          const near = counted(p) ? ps.filter((q) => q !== p && counted(q) && q.w.party === p.w.party && Math.abs(q.s - p.s) < min) : []
          if (near.length === 0) {
            if (spacing) return false
          } else {
            spacingSeen++
            if (!spacing) return false
            const nearest = Math.min(...near.map((q) => Math.abs(q.s - p.s))) / 3_600_000
            if (spacing.evidence.windowsTooClose !== near.length) return false
            if (spacing.evidence.hoursBetweenStarts !== nearest) return false
            const named = near.filter((q) => Math.abs(q.s - p.s) / 3_600_000 === nearest).map((q) => q.w.reference)
            if (!named.includes(spacing.evidence.nearest as string)) return false
          }
        }
        return true
      },
    ),
    { numRuns: 300, seed: 20211005 },
  )
  t.ok(overlapsSeen > 100, `overlap findings compared (${overlapsSeen})`)
  t.ok(manyOverlaps > 10, `windows overlapping more than ten others (${manyOverlaps})`)
  t.ok(spacingSeen > 100, `spacing findings compared (${spacingSeen})`)
})
