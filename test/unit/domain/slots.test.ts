import t from 'tap'
import type { Test } from 'tap'
import { type AssessContext, assess } from '../../../src/domain/assess.ts'
import type { BlackoutLayer } from '../../../src/domain/blackouts.ts'
import { SEVERITY_RANK, type FindingCode } from '../../../src/domain/findings.ts'
import {
  assessImpact,
  DEFAULT_ESTATE,
  DEFAULT_IMPACT_THRESHOLDS,
  DEFAULT_TOP_UP_PROFILE,
  type ImpactContext,
} from '../../../src/domain/impact/index.ts'
import { DEFAULT_PARTIES, DEFAULT_REGIONS, DEFAULT_SERVICES } from '../../../src/domain/reference.ts'
import { DEFAULT_RULESET, p, type Ruleset } from '../../../src/domain/ruleset.ts'
import {
  CONSTRAINT_ORDER,
  findSlots,
  GRID_MINUTES,
  replan,
  type SlotContext,
  SlotRequestError,
  type SlotRequest,
  type Tolerance,
} from '../../../src/domain/slots.ts'
import type { WindowPlan } from '../../../src/domain/window.ts'
import { aWindow, ctxFor, opsg58Plan } from './builders.ts'

const impact: ImpactContext = {
  estate: DEFAULT_ESTATE,
  profile: DEFAULT_TOP_UP_PROFILE,
  parties: DEFAULT_PARTIES,
  regions: DEFAULT_REGIONS,
  services: DEFAULT_SERVICES,
  zone: 'Europe/London',
  // Pre-holiday days on the three days before 2022-04-15 (Good Friday), to exercise the multiplier.
  isPreHoliday: (date) => ['2022-04-12', '2022-04-13', '2022-04-14'].includes(date),
  thresholds: DEFAULT_IMPACT_THRESHOLDS,
}
const DSP = { party: 'DSP', services: ['service-requests', 'prepayment-top-up'], regions: ['N', 'C', 'S'], impact: 'outage' as const }
const CSP_N = { party: 'CSP-N', services: ['sm-wan'], regions: ['N'], impact: 'outage' as const }
const TOL_RANK: Record<Tolerance, number> = { none: 4, info: 3, warning: 2, objection: 1 }

function ctxWith(over: Partial<AssessContext> & { rs?: Ruleset } = {}): SlotContext {
  return { ...ctxFor(over), impact }
}

/**
 * The brute-force oracle: every grid point assessed directly by the engine with the whole plan as
 * background; a start sharing time with one of the party's own counted windows fails OVERLAP;
 * ranked by distinct codes above info, then assessImpact; the same greedy (one per local day, no
 * overlap) applied.
 */
function oracle(req: SlotRequest, ctx: SlotContext) {
  const D = req.durationMinutes * 60_000
  const G = GRID_MINUTES * 60_000
  const tol = TOL_RANK[req.tolerate ?? 'warning']
  const waive = new Set(req.waive ?? [])
  const zoneDay = (ms: number) => new Date(ms).toLocaleDateString('en-CA', { timeZone: ctx.ruleset.zone })
  const all: { s: number; failed: number; meters: number; codes: FindingCode[]; warnings: number }[] = []
  for (let s = Math.ceil(req.from.getTime() / G) * G; s + D <= req.to.getTime(); s += G) {
    const w: WindowPlan = {
      ...aWindow('2022-01-01'),
      ...req.template,
      id: undefined,
      reference: 'SLOT',
      start: new Date(s),
      end: new Date(s + D),
      notifiedAt: req.notifiedAt,
      status: 'proposed',
      kind: 'planned',
      programmeId: null,
      changeRef: null,
    }
    delete (w as { id?: string }).id
    const a = assess([w], { ...ctx, background: ctx.background ?? [] })
    const findings = a.windows[0]!.findings.filter((f) => !waive.has(f.code))
    // SCHEDULE_CONTENT (here: no changeRef) is about what a window says, never about when it is.
    const codes = [...new Set(findings.filter((f) => f.code !== 'SCHEDULE_CONTENT' && SEVERITY_RANK[f.severity] < tol).map((f) => f.code))]
    const own = (ctx.background ?? []).some(
      (b) =>
        b.party === w.party && !['draft', 'rejected', 'cancelled'].includes(b.status) && b.start.getTime() < s + D && s < b.end.getTime(),
    )
    if (own && !waive.has('OVERLAP') && !codes.includes('OVERLAP')) codes.push('OVERLAP')
    const warnings = new Set(findings.filter((f) => f.severity !== 'info').map((f) => f.code)).size
    const im = assessImpact(w, impact)
    all.push({ s, failed: im.expectedFailedTopUps, meters: im.metersAffected, codes, warnings })
  }
  const pass = all
    .filter((c) => c.codes.length === 0)
    .sort((a, b) => a.warnings - b.warnings || a.failed - b.failed || a.meters - b.meters || a.s - b.s)
  const chosen: number[] = []
  const days = new Set<string>()
  for (const c of pass) {
    if (chosen.length >= req.count) break
    if (days.has(zoneDay(c.s))) continue
    if (chosen.some((x) => x < c.s + D && c.s < x + D)) continue
    chosen.push(c.s)
    days.add(zoneDay(c.s))
  }
  // Marginal charge: first failing code in the fixed order.
  const removed: Record<string, number> = {}
  for (const c of all) {
    if (c.codes.length === 0) continue
    const first = CONSTRAINT_ORDER.find((x) => c.codes.includes(x))!
    removed[first] = (removed[first] ?? 0) + GRID_MINUTES
  }
  return { chosen, passing: pass.length, removed, candidates: all.length }
}

const iso = (ms: number) => new Date(ms).toISOString()

function agree(t: Test, name: string, req: SlotRequest, ctx: SlotContext) {
  const o = oracle(req, ctx)
  const r = findSlots(req, ctx)
  t.same(
    r.slots.map((s) => iso(s.start.getTime())),
    o.chosen.map(iso),
    `${name}: same slots in the same order`,
  )
  if (r.explanation) {
    t.equal(r.explanation.candidates, o.candidates, `${name}: every grid point considered`)
    t.equal(r.explanation.passing, o.passing, `${name}: same number of passing starts`)
    t.same(
      Object.fromEntries(r.explanation.removed.map((x) => [x.code, x.minutes])),
      o.removed,
      `${name}: same time charged to each constraint`,
    )
  } else t.ok(o.chosen.length === req.count, `${name}: explanation only when short`)
  return { r, o }
}

const notified = new Date('2021-10-05T17:00:00Z')
const bg = (date: string, from: string, to: string, over: Partial<WindowPlan> = {}) =>
  aWindow(date, from, to, {
    id: `bg-${date}-${from}-${over.party ?? 'DSP'}`,
    reference: `BG-${date}-${from}`,
    status: 'agreed',
    notifiedAt: notified,
    ...over,
  })

t.test('the brute-force oracle agrees with findSlots exactly', async (t) => {
  const base = { template: DSP, notifiedAt: notified, count: 100 }
  // Summer week with a plan: cap partly used, another party's window, same-party spacing.
  const background = [
    bg('2022-06-05', '00:00', '03:00'),
    bg('2022-06-09', '01:00', '05:00', { party: 'CSP-N', regions: ['N'], services: ['sm-wan'] }),
    bg('2022-06-02', '02:00', '04:00', { party: 'CSP-C', regions: ['C'] }),
  ]
  const summer = { ...base, durationMinutes: 360, from: new Date('2022-06-03T00:00:00Z'), to: new Date('2022-06-07T00:00:00Z') }
  agree(t, 'summer, default tolerance, with a plan', summer, ctxWith({ background }))
  agree(t, 'summer, warnings not tolerated, with a plan', { ...summer, tolerate: 'info' }, ctxWith({ background }))
  agree(t, 'summer, nothing tolerated, 90 minutes', { ...summer, tolerate: 'none', durationMinutes: 90 }, ctxWith({ background }))
  agree(
    t,
    'overlap and spacing against the plan',
    { ...summer, from: new Date('2022-06-08T00:00:00Z'), to: new Date('2022-06-11T00:00:00Z'), tolerate: 'info', count: 2 },
    ctxWith({ background }),
  )
  agree(
    t,
    'a CSP-N slot among the plan',
    {
      ...summer,
      template: CSP_N,
      from: new Date('2022-06-08T00:00:00Z'),
      to: new Date('2022-06-11T00:00:00Z'),
      tolerate: 'info',
      count: 3,
    },
    ctxWith({ background }),
  )
  // Clock change (spring forward), winter waived, warnings not tolerated.
  agree(
    t,
    'spring-forward night',
    {
      ...base,
      durationMinutes: 360,
      from: new Date('2022-03-25T12:00:00Z'),
      to: new Date('2022-03-29T00:00:00Z'),
      tolerate: 'info',
      waive: ['WINTER'],
    },
    ctxWith(),
  )
  // Autumn fold: the repeated 01:00 hour gives extra grid points.
  agree(
    t,
    'autumn fold night',
    {
      ...base,
      durationMinutes: 240,
      from: new Date('2022-10-29T12:00:00Z'),
      to: new Date('2022-11-01T00:00:00Z'),
      waive: ['WINTER', 'PREPAYMENT_PEAK'],
      tolerate: 'info',
    },
    ctxWith(),
  )
  // Easter: bank holidays, pre-holiday days, monthly multipliers; few slots requested.
  agree(
    t,
    'Easter 2022, two slots',
    { ...base, durationMinutes: 360, from: new Date('2022-04-11T00:00:00Z'), to: new Date('2022-04-20T00:00:00Z'), count: 2 },
    ctxWith(),
  )
  agree(
    t,
    'Easter 2022, warnings not tolerated',
    { ...base, durationMinutes: 360, from: new Date('2022-04-11T00:00:00Z'), to: new Date('2022-04-20T00:00:00Z'), tolerate: 'info' },
    ctxWith(),
  )
  // Notice: per-window mode moves the verdict day by day.
  const perWindow: Ruleset = { ...DEFAULT_RULESET, notice: { ...DEFAULT_RULESET.notice, mode: p('per-window', 'assumed') } }
  agree(
    t,
    'per-window notice',
    {
      ...base,
      durationMinutes: 360,
      notifiedAt: new Date('2022-04-01T09:00:00Z'),
      from: new Date('2022-04-26T00:00:00Z'),
      to: new Date('2022-05-03T00:00:00Z'),
    },
    ctxWith({ rs: perWindow }),
  )
  // A custom blackout for CSP-N only, a per-party cap and an objection-level overlap.
  const custom: BlackoutLayer = {
    id: 'csp-n-freeze',
    name: 'CSP-N change freeze',
    category: 'custom',
    severity: 'objection',
    scope: { parties: ['CSP-N'] },
    owner: 'CSP-N',
    legalBasis: 'test',
    provenance: 'assumed',
    periods: [{ start: new Date('2022-06-09T00:00:00Z'), end: new Date('2022-06-09T12:00:00Z') }],
  }
  const rs: Ruleset = {
    ...DEFAULT_RULESET,
    cap: { ...DEFAULT_RULESET.cap, perParty: p({ 'CSP-N': 300 }, 'assumed') },
    severities: { OVERLAP: 'objection' },
  }
  const c = ctxWith({ rs, background, blackouts: [...ctxFor({ rs }).blackouts, custom] })
  agree(
    t,
    'custom layer, per-party cap, overlap objection (CSP-N)',
    { ...summer, template: CSP_N, durationMinutes: 120, from: new Date('2022-06-08T00:00:00Z'), to: new Date('2022-06-11T00:00:00Z') },
    c,
  )
  agree(
    t,
    'custom layer, per-party cap, overlap objection (DSP)',
    { ...summer, durationMinutes: 120, from: new Date('2022-06-08T00:00:00Z'), to: new Date('2022-06-11T00:00:00Z') },
    c,
  )
})

t.test('explanations name the right constraints', async (t) => {
  await t.test('the cap is full', async (t) => {
    // Two 3-hour windows of another party on different days: any 6-hour slot adds at least 3 hours.
    const background = [
      bg('2022-06-05', '00:00', '03:00', { party: 'CSP-N', regions: ['N'] }),
      bg('2022-06-19', '00:00', '03:00', { party: 'CSP-C', regions: ['C'] }),
    ]
    const r = findSlots(
      {
        template: DSP,
        notifiedAt: notified,
        count: 3,
        durationMinutes: 360,
        from: new Date('2022-06-01T00:00:00+01:00'),
        to: new Date('2022-07-01T00:00:00+01:00'),
      },
      ctxWith({ background }),
    )
    t.equal(r.slots.length, 0)
    t.equal(r.explanation!.passing, 0)
    t.same(
      r.explanation!.removed.map((x) => x.code),
      ['MONTHLY_CAP'],
    )
    t.same(r.explanation!.removed[0]!.monthsEmptied, ['2022-06'])
    t.equal(r.explanation!.nearest?.code, 'MONTHLY_CAP', 'waiving the cap opens a slot')
    t.match(r.explanation!.message, /MONTHLY_CAP removed .* left no start in 2022-06/)
    t.equal(r.progress.assessed, 0, 'progress counts the search, not the explanation (its probe of the waived cap)')
  })
  await t.test('everything is in winter', async (t) => {
    const r = findSlots(
      {
        template: DSP,
        notifiedAt: notified,
        count: 2,
        durationMinutes: 360,
        from: new Date('2022-01-01T00:00:00Z'),
        to: new Date('2022-02-01T00:00:00Z'),
      },
      ctxWith(),
    )
    t.equal(r.slots.length, 0)
    t.same(
      r.explanation!.removed.map((x) => x.code),
      ['WINTER'],
      'the Christmas top-up peak lies inside winter: charged to winter, counted once',
    )
    t.equal(r.explanation!.removed[0]!.minutes, r.explanation!.candidates * GRID_MINUTES)
    t.equal(r.explanation!.removed[0]!.removedEverythingBefore, '2022-02-01 00:00')
    const w = r.explanation!.ifWaived.find((x) => x.code === 'WINTER')!
    t.equal(w.start.toISOString(), '2022-01-06T00:00:00.000Z', 'with winter waived: the first start after the 5 January top-up peak')
  })
  await t.test('the notice is too short', async (t) => {
    const r = findSlots(
      {
        template: DSP,
        notifiedAt: new Date('2022-05-20T09:00:00Z'),
        count: 5,
        durationMinutes: 360,
        from: new Date('2022-06-01T00:00:00+01:00'),
        to: new Date('2022-06-15T00:00:00+01:00'),
      },
      ctxWith(),
    )
    t.equal(r.slots.length, 0)
    t.same(
      r.explanation!.removed.map((x) => x.code),
      ['NOTICE_PERIOD'],
    )
    t.equal(r.explanation!.nearest?.code, 'NOTICE_PERIOD')
    t.equal(r.explanation!.nearest?.start.toISOString(), '2022-05-31T23:00:00.000Z', 'midnight BST on 1 June')
    const later = findSlots(
      {
        template: DSP,
        notifiedAt: new Date('2022-05-20T09:00:00Z'),
        count: 1,
        durationMinutes: 360,
        from: new Date('2022-06-01T00:00:00+01:00'),
        to: new Date('2022-07-15T00:00:00+01:00'),
      },
      ctxWith(),
    )
    t.equal(later.slots.length, 1)
    t.ok(later.slots[0]!.start >= new Date('2022-06-30T23:00:00Z'), 'the first month the notice reaches is July')
  })
})

t.test('slots: shape, ranking and limits', async (t) => {
  const r = findSlots(
    {
      template: DSP,
      notifiedAt: notified,
      count: 5,
      durationMinutes: 360,
      from: new Date('2022-05-01T00:00:00+01:00'),
      to: new Date('2022-06-01T00:00:00+01:00'),
    },
    ctxWith(),
  )
  t.equal(r.slots.length, 5)
  t.ok(r.complete)
  t.equal(r.explanation, null)
  const failed = r.slots.map((s) => s.expectedFailedTopUps)
  t.same(
    failed,
    [...failed].sort((a, b) => a - b),
    'ranked by expected failed top-ups',
  )
  t.equal(new Set(r.slots.map((s) => s.localStart.slice(0, 10))).size, 5, 'one per local day')
  for (const s of r.slots) {
    t.equal(s.end.getTime() - s.start.getTime(), 360 * 60_000)
    t.notOk(s.assessment.findings.some((f) => f.severity === 'breach' || f.severity === 'objection'))
    t.equal(s.metersAffected, 16_300_000)
  }
  const stopped = findSlots(
    {
      template: DSP,
      notifiedAt: notified,
      count: 14,
      durationMinutes: 360,
      from: new Date('2022-05-01T00:00:00Z'),
      to: new Date('2022-09-01T00:00:00Z'),
      limits: { maxAssessments: 3 },
    },
    ctxWith(),
  )
  t.notOk(stopped.complete)
  t.equal(stopped.progress.stoppedBy, 'max-assessments')
  t.equal(stopped.slots.length, 3)
  t.match(stopped.progress.detail, /stopped after 3 engine assessments/)
  const truncated = findSlots(
    {
      template: DSP,
      notifiedAt: notified,
      count: 1,
      durationMinutes: 360,
      from: new Date('2022-05-01T00:00:00Z'),
      to: new Date('2022-09-01T00:00:00Z'),
      limits: { maxCandidates: 96 },
    },
    ctxWith(),
  )
  t.equal(truncated.progress.stoppedBy, 'max-candidates')
  t.equal(truncated.progress.searchedUntil?.toISOString(), '2022-05-01T23:45:00.000Z', 'says how far it got')
  let now = 0
  const timed = findSlots(
    {
      template: DSP,
      notifiedAt: notified,
      count: 14,
      durationMinutes: 360,
      from: new Date('2022-05-01T00:00:00Z'),
      to: new Date('2022-09-01T00:00:00Z'),
      limits: { timeBudgetMs: 10, clock: () => (now += 4) },
    },
    ctxWith(),
  )
  t.equal(timed.progress.stoppedBy, 'time-budget')
  t.throws(
    () =>
      findSlots(
        {
          template: DSP,
          notifiedAt: notified,
          count: 1,
          durationMinutes: 0,
          from: new Date('2022-05-01T00:00:00Z'),
          to: new Date('2022-06-01T00:00:00Z'),
        },
        ctxWith(),
      ),
    SlotRequestError,
  )
})

t.test('replan OPSG 58 from a 5 October 2021 publication', async (t) => {
  const plan = opsg58Plan().map((w) => ({ ...w, notifiedAt: null, status: 'proposed' as const }))
  const req = { publishedAt: new Date('2021-10-05T17:00:00Z'), until: new Date('2024-10-05T17:00:00Z') }
  const r = replan(plan, req, ctxWith())
  t.ok(r.fits)
  const kept = r.entries.filter((e) => e.kept).map((e) => e.old.localStart.slice(0, 10))
  t.same(kept, ['2022-04-10', '2022-05-15', '2022-06-12', '2022-07-10'], 'keeps exactly four original dates')
  for (const e of r.entries) {
    t.ok(e.new, `${e.reference} has a slot`)
    t.notOk(
      e.after!.findings.some((f) => f.severity === 'breach' || f.severity === 'objection'),
      `${e.reference}: no breach, no objection`,
    )
  }
  const months = r.entries.map((e) => e.new!.localStart.slice(0, 7))
  t.equal(new Set(months).size, 14, 'one window per month (cap 360 minutes)')
  t.ok(r.finishesAt! >= new Date('2024-03-01T00:00:00Z'), `cannot finish before spring 2024 (finishes ${r.finishesAt?.toISOString()})`)
  const named = r.explanation!.removed.map((x) => x.code)
  t.ok(named.includes('WINTER') && named.includes('MONTHLY_CAP'), `the winter objection and the cap push it out: ${named.join(', ')}`)
  const winterMonths = r.explanation!.removed.find((x) => x.code === 'WINTER')!.monthsEmptied
  t.ok(winterMonths.includes('2022-01') && winterMonths.includes('2023-12'))
  const waived = replan(plan, { ...req, waive: ['WINTER'] }, ctxWith())
  t.ok(waived.fits)
  const months_ = (a: Date, b: Date) => (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth()
  t.equal(months_(waived.finishesAt!, r.finishesAt!), 15, `winter waived: 15 months sooner (${waived.finishesAt?.toISOString()})`)
  t.equal(waived.keptCount, 8)
  // Too short a horizon: the smallest waiver set is searched.
  const short = replan(plan, { ...req, until: new Date('2023-03-01T00:00:00Z') }, ctxWith())
  t.notOk(short.fits)
  t.same(short.waiversNeeded, ['WINTER'], 'waiving the winter objection alone makes it fit')
  t.ok(short.entries.every((e) => e.new && e.new.start < new Date('2023-03-01T00:00:00Z')))
})
