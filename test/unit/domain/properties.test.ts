import fc from 'fast-check'
import t from 'tap'
import { assess, inStartOrder } from '../../../src/domain/assess.ts'
import { buildCalendars, NATION_CALENDAR_IDS } from '../../../src/domain/calendars.ts'
import { compareFindings, SEVERITY_RANK, worstSeverity } from '../../../src/domain/findings.ts'
import type { PreparedWindow } from '../../../src/domain/rules/types.ts'
import type { WindowPlan } from '../../../src/domain/window.ts'
import { aWindow, ctxFor } from './builders.ts'

const PARTIES: [string, string[]][] = [
  ['DSP', ['N', 'C', 'S']],
  ['CSP-N', ['N']],
  ['CSP-S', ['S']],
]
const ctx = ctxFor({ now: new Date('2021-10-05T17:00:00Z') })
const calendars = buildCalendars()

const arbWindow = fc.record({
  day: fc.integer({ min: 0, max: 400 }),
  startMin: fc.integer({ min: 0, max: 47 }).map((x) => x * 30),
  durMin: fc.integer({ min: 1, max: 20 }).map((x) => x * 30),
  party: fc.integer({ min: 0, max: 2 }),
  impact: fc.constantFrom('no-impact', 'reduced-redundancy', 'degraded', 'outage', 'outage', 'outage'),
  status: fc.constantFrom('draft', 'proposed', 'notified', 'notified', 'agreed', 'cancelled', 'rejected'),
  kind: fc.constantFrom('planned', 'planned', 'planned', 'emergency'),
  noticeDaysBefore: fc.option(fc.integer({ min: 0, max: 120 })),
})

type Gen = typeof arbWindow extends fc.Arbitrary<infer T> ? T : never

function toWindow(g: Gen, i: number): WindowPlan {
  const date = new Date(Date.UTC(2021, 9, 1) + g.day * 86_400_000).toISOString().slice(0, 10)
  const hh = (m: number) => `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
  const [party, regions] = PARTIES[g.party]!
  const w = aWindow(date, hh(g.startMin), hh(g.startMin + g.durMin), {
    id: `g${i}`,
    reference: `G-${i}`,
    party,
    regions,
    impact: g.impact as WindowPlan['impact'],
    status: g.status as WindowPlan['status'],
    kind: g.kind as WindowPlan['kind'],
  })
  w.notifiedAt = g.noticeDaysBefore === null ? null : new Date(w.start.getTime() - g.noticeDaysBefore * 86_400_000)
  return w
}

const byRef = (plan: readonly WindowPlan[]) => {
  const a = assess(plan, ctx)
  return a.windows.map((w) => [w.reference, w.findings] as const).sort((x, y) => (x[0] < y[0] ? -1 : 1))
}

t.test('findings do not depend on the order of windows', async (t) => {
  fc.assert(
    fc.property(fc.array(arbWindow, { minLength: 1, maxLength: 14 }), fc.integer({ min: 1, max: 2 ** 30 }), (gens, seed) => {
      const plan = gens.map(toWindow)
      const shuffled = [...plan]
      let x = seed
      for (let i = shuffled.length - 1; i > 0; i--) {
        x = (x * 1103515245 + 12345) % 2147483648
        const j = x % (i + 1)
        ;[shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!]
      }
      if (JSON.stringify(byRef(shuffled)) !== JSON.stringify(byRef(plan))) return false
      const m1 = assess(plan, ctx).months
      const m2 = assess([...plan].reverse(), ctx).months
      return JSON.stringify(m1) === JSON.stringify(m2)
    }),
    { numRuns: 100 },
  )
  t.pass('order-independent')
})

t.test("each window's findings are in compareFindings order, worstSeverity the most severe", async (t) => {
  fc.assert(
    fc.property(fc.array(arbWindow, { minLength: 1, maxLength: 14 }), (gens) => {
      const a = assess(gens.map(toWindow), ctx)
      return a.windows.every((w) => {
        const sorted = [...w.findings].sort(compareFindings)
        return w.findings.every((f, i) => f === sorted[i]) && w.worstSeverity === worstSeverity(w.findings)
      })
    }),
    { numRuns: 100 },
  )
  const many = assess([aWindow('2021-11-14', '22:00', '23:30', { notifiedAt: null }), aWindow('2021-11-14', '22:30', '23:00')], ctx)
  t.ok(
    many.windows.some((w) => new Set(w.findings.map((f) => f.severity)).size > 1),
    'not vacuous: mixed severities',
  )
})

t.test('inStartOrder sorts as a stable sort by (start, end, reference, id, index)', async (t) => {
  const arbPrepared = fc.record({
    s: fc.integer({ min: 0, max: 5 }),
    len: fc.integer({ min: 0, max: 3 }),
    reference: fc.constantFrom('A', 'B', 'C'),
    id: fc.option(fc.constantFrom('x', 'y')),
    index: fc.integer({ min: -1, max: 3 }),
  })
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
  fc.assert(
    fc.property(fc.array(arbPrepared, { maxLength: 40 }), (gens) => {
      const ws = gens.map(
        (g) =>
          ({ s: g.s, e: g.s + g.len, index: g.index, w: { reference: g.reference, id: g.id ?? undefined } }) as unknown as PreparedWindow,
      )
      const expected = [...ws].sort(
        (a, b) => a.s - b.s || a.e - b.e || cmp(a.w.reference, b.w.reference) || cmp(a.w.id ?? '', b.w.id ?? '') || a.index - b.index,
      )
      const actual = inStartOrder(ws)
      return actual.length === expected.length && actual.every((p, i) => p === expected[i])
    }),
    { numRuns: 300 },
  )
  t.pass('same order')
})

/** True when a local date is within 3 days before to 1 day after a holiday of any nation. */
function nearHoliday(date: string): boolean {
  const d = Date.parse(date) / 86_400_000
  for (const id of NATION_CALENDAR_IDS) {
    for (const h of calendars.get(id).holidays(Number(date.slice(0, 4)))) {
      const hd = Date.parse(h.date) / 86_400_000
      if (d >= hd - 3 && d <= hd + 1) return true
    }
  }
  return false
}

t.test('a quiet window (permitted hours, no blackout, well notified, alone) has nothing above info', async (t) => {
  // May–September Sundays: outside winter, November, Christmas, release freezes and clock changes.
  const sundays: string[] = []
  for (let d = Date.UTC(2022, 4, 1); d < Date.UTC(2022, 9, 1); d += 86_400_000) {
    const date = new Date(d).toISOString().slice(0, 10)
    if (new Date(d).getUTCDay() === 0 && !nearHoliday(date)) sundays.push(date)
  }
  t.ok(sundays.length > 15)
  fc.assert(
    fc.property(
      fc.constantFrom(...sundays),
      fc.integer({ min: 0, max: 9 }),
      fc.integer({ min: 1, max: 10 }),
      fc.integer({ min: 0, max: 2 }),
      fc.constantFrom('degraded', 'outage', 'reduced-redundancy'),
      (date, startHalf, durHalf, party, impact) => {
        const s = startHalf * 30
        const e = Math.min(s + durHalf * 30, 360, s + 300) // ≤ 06:00 and ≤ cap − headroom
        fc.pre(e > s)
        const hh = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
        const [p, regions] = PARTIES[party]!
        const w = aWindow(date, hh(s), hh(e), {
          party: p,
          regions,
          impact: impact as WindowPlan['impact'],
          notifiedAt: new Date('2021-10-05T17:00:00Z'),
        })
        const f = assess([w], ctx).windows[0]!.findings
        return f.every((x) => SEVERITY_RANK[x.severity] >= SEVERITY_RANK.info)
      },
    ),
    { numRuns: 150 },
  )
  // ...and the property is not vacuous: moving the same window into November breaks it.
  const nov = aWindow('2022-11-13', '00:00', '02:00', { notifiedAt: new Date('2021-10-05T17:00:00Z') })
  t.ok(assess([nov], ctx).windows[0]!.findings.some((x) => x.severity === 'objection'))
})

t.test('adding a window never removes a MONTHLY_CAP finding', async (t) => {
  fc.assert(
    fc.property(fc.array(arbWindow, { minLength: 1, maxLength: 12 }), arbWindow, (gens, extra) => {
      const plan = gens.map(toWindow)
      const before = assess(plan, ctx)
      const after = assess([...plan, toWindow(extra, 99)], ctx)
      for (let i = 0; i < plan.length; i++) {
        const keys = new Set(after.windows[i]!.findings.filter((f) => f.code === 'MONTHLY_CAP').map((f) => f.key))
        for (const f of before.windows[i]!.findings) {
          if (f.code !== 'MONTHLY_CAP') continue
          if (!keys.has(f.key)) return false
          const g = after.windows[i]!.findings.find((x) => x.key === f.key)!
          if (SEVERITY_RANK[g.severity] > SEVERITY_RANK[f.severity]) return false
        }
      }
      for (const m of before.months) {
        const n = after.months.find((x) => x.month === m.month)
        if (!n || n.plannedMinutes < m.plannedMinutes) return false
      }
      return true
    }),
    { numRuns: 150 },
  )
  t.pass('monotone')
})
