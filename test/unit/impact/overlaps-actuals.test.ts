import fc from 'fast-check'
import t from 'tap'
import { assessImpact, availabilityByMonth, compareActuals, detectOverlaps } from '../../../src/domain/impact/index.ts'
import { aContext, at, aWindow, anOverlapWindow, flatProfile } from './fixtures/builders.ts'

const PPM_N = 3_333_334 * 0.13
const PPM_CS = 3_333_333 * 0.13
const near = (a: number, b: number, tol = 1e-6) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b))

t.test('overlaps', async (t) => {
  const ctx = aContext({ profile: flatProfile() })

  t.test('DSP and CSP-N overlapping: one group, every window and entity, no double counting', async (t) => {
    const dsp = anOverlapWindow('dsp', { services: ['service-requests', 'alerts'] })
    const csp = anOverlapWindow('cspn', {
      party: 'CSP-N',
      services: ['sm-wan'],
      regions: ['N'],
      start: at('2021-11-14T04:00:00Z'),
      end: at('2021-11-14T08:00:00Z'),
    })
    const r = detectOverlaps([csp, dsp], ctx)
    t.equal(r.groups.length, 1)
    const g = r.groups[0]!
    t.same(
      g.windows.map((w) => w.id),
      ['dsp', 'cspn'],
      'every window, by start',
    )
    t.same(
      g.windows.map((w) => w.reference),
      ['REF-dsp', 'REF-cspn'],
    )
    t.same(g.parties, ['CSP-N', 'DSP'])
    t.same(g.regions, ['N', 'C', 'S'])
    t.same(g.services, ['alerts', 'service-requests', 'sm-wan'])
    t.same([g.start.toISOString(), g.end.toISOString()], ['2021-11-14T04:00:00.000Z', '2021-11-14T06:00:00.000Z'])
    t.equal(g.intervals.length, 1)
    t.equal(g.intervals[0]?.minutes, 120)
    t.same(g.intervals[0]?.windowIds, ['dsp', 'cspn'])
    t.equal(g.overlapMinutes, 120)
    t.equal(g.metersAffected, 16_300_000, 'North counted once')
    t.equal(g.premisesAffected, 10_000_000)
    t.ok(near(g.prepaymentCustomersAffected, 1_300_000))
    // Over the 2 h overlap, North is out under both windows but counts once: 1.3 m × 0.01 × 2.
    t.ok(near(g.expectedFailedTopUpsDuringOverlap, 26_000), `failed top-ups ${g.expectedFailedTopUpsDuringOverlap}`)
    const alone = assessImpact(aWindow({ start: at('2021-11-14T04:00:00Z'), end: at('2021-11-14T06:00:00Z') }), ctx)
    t.ok(near(g.expectedFailedTopUpsDuringOverlap, alone.expectedFailedTopUps), 'equals the DSP alone over the overlap')
    t.same(r.redundancyLoss, [], 'no reduced-redundancy window')
    t.same(r.referenceDataVersion, { estate: 'estate-2021-11-default.2', topUpProfile: 'flat-test' })
  })

  t.test('same-party, touching and disjoint windows form no group', async (t) => {
    const a = anOverlapWindow('a')
    const b = anOverlapWindow('b', { start: at('2021-11-14T03:00:00Z'), end: at('2021-11-14T09:00:00Z') })
    const touching = anOverlapWindow('c', {
      party: 'CSP-S',
      start: at('2021-11-14T09:00:00Z'),
      end: at('2021-11-14T10:00:00Z'),
    })
    const far = anOverlapWindow('d', {
      party: 'CSP-C',
      start: at('2021-12-14T00:00:00Z'),
      end: at('2021-12-14T01:00:00Z'),
    })
    const r = detectOverlaps([far, touching, b, a], ctx)
    t.same(r.groups, [])
    t.same(r.redundancyLoss, [])
  })

  t.test('a chain of three parties: intervals per set of open windows, all listed', async (t) => {
    const dsp = anOverlapWindow('dsp', { start: at('2021-11-14T00:00:00Z'), end: at('2021-11-14T04:00:00Z') })
    const n = anOverlapWindow('n', {
      party: 'CSP-N',
      services: ['sm-wan'],
      start: at('2021-11-14T02:00:00Z'),
      end: at('2021-11-14T06:00:00Z'),
    })
    const s = anOverlapWindow('s', {
      party: 'CSP-S',
      services: ['alerts'],
      start: at('2021-11-14T03:00:00Z'),
      end: at('2021-11-14T05:00:00Z'),
    })
    const r = detectOverlaps([dsp, n, s], ctx)
    t.equal(r.groups.length, 1)
    const g = r.groups[0]!
    t.same(
      g.windows.map((w) => w.id),
      ['dsp', 'n', 's'],
    )
    t.same(g.parties, ['CSP-N', 'CSP-S', 'DSP'])
    t.same(
      g.intervals.map((i) => [i.start.toISOString().slice(11, 16), i.end.toISOString().slice(11, 16), i.windowIds.join('+')]),
      [
        ['02:00', '03:00', 'dsp+n'],
        ['03:00', '04:00', 'dsp+n+s'],
        ['04:00', '05:00', 'n+s'],
      ],
    )
    t.same(g.intervals[2]?.regions, ['N', 'S'])
    t.equal(g.overlapMinutes, 180)
    // 02–04: DSP out everywhere (1.3 m × 0.02); 04–05: only CSP-N stops top-ups (alerts do not): N × 0.01.
    t.ok(near(g.expectedFailedTopUpsDuringOverlap, 1_300_000 * 0.02 + PPM_N * 0.01), `${g.expectedFailedTopUpsDuringOverlap}`)
  })

  t.test('REDUNDANCY_LOSS: reduced-redundancy overlapping a window on a shared service or region', async (t) => {
    const rr = anOverlapWindow('rr', { party: 'CSP-N', impact: 'reduced-redundancy', services: ['sm-wan'] })
    const sameParty = anOverlapWindow('n2', {
      party: 'CSP-N',
      impact: 'degraded',
      services: ['firmware-updates'],
      start: at('2021-11-14T05:00:00Z'),
      end: at('2021-11-14T07:00:00Z'),
    })
    const otherRegion = anOverlapWindow('s', {
      party: 'CSP-S',
      services: ['alerts'],
      start: at('2021-11-14T01:00:00Z'),
    })
    const sharedService = anOverlapWindow('c', {
      party: 'CSP-C',
      services: ['sm-wan'],
      start: at('2021-11-14T02:00:00Z'),
    })
    const noImpact = anOverlapWindow('x', { party: 'DSP', impact: 'no-impact', services: ['sm-wan'] })
    const r = detectOverlaps([rr, sameParty, otherRegion, sharedService, noImpact], ctx)
    const pairs = r.redundancyLoss.map((c) => `${c.reducedRedundancyWindow.id}/${c.otherWindow.id}`).sort()
    t.same(pairs, ['rr/c', 'rr/n2'], 'shared service (CSP-C) and shared region (same party) only')
    const c = r.redundancyLoss.find((x) => x.otherWindow.id === 'c')!
    t.same(c.sharedServices, ['sm-wan'])
    t.same(c.sharedRegions, [])
    t.same([c.start.toISOString(), c.end.toISOString(), c.minutes], ['2021-11-14T02:00:00.000Z', '2021-11-14T06:00:00.000Z', 240])
    t.same(c.parties, ['CSP-C', 'CSP-N'])
    t.same(c.regions, ['N', 'C'], 'regions in catalogue order')
    const n2 = r.redundancyLoss.find((x) => x.otherWindow.id === 'n2')!
    t.same(n2.sharedRegions, ['N'])
    t.equal(n2.minutes, 60)
    t.equal(r.groups.length, 1, 'the multi-party overlap is also a group')
    t.same(r.groups[0]?.windows.map((w) => w.id).sort(), ['c', 'n2', 'rr', 's', 'x'])
  })

  t.test('more than 31 services: the Set fallback gives the same answers', async (t) => {
    const extra = Array.from({ length: 40 }, (_, i) => ({
      id: `svc-${String(i).padStart(2, '0')}`,
      name: 'x',
      description: 'x',
      prepayment: i === 39,
    }))
    const big = aContext({ profile: flatProfile(), services: [...ctx.services, ...extra] })
    const rr = anOverlapWindow('rr', {
      party: 'CSP-N',
      impact: 'reduced-redundancy',
      services: extra.slice(0, 35).map((x) => x.id),
    })
    const other = anOverlapWindow('o', { party: 'CSP-S', services: ['svc-34', 'svc-39', 'alerts'] })
    const r = detectOverlaps([rr, other], big)
    t.equal(r.redundancyLoss.length, 1)
    t.same(r.redundancyLoss[0]?.sharedServices, ['svc-34'])
    t.same(r.redundancyLoss[0]?.sharedRegions, [])
    t.same(r.redundancyLoss[0]?.regions, ['N', 'S'])
    t.equal(r.groups[0]?.services.length, 37)
    t.same(r.groups[0]?.services.slice(0, 2), ['alerts', 'svc-00'])
    t.ok(near(r.groups[0]!.expectedFailedTopUpsDuringOverlap, PPM_CS * 0.06), 'svc-39 is a prepayment service: South stops')
  })

  t.test('bad windows are reported and skipped', async (t) => {
    const r = detectOverlaps([anOverlapWindow('a', { end: at('2021-11-14T00:00:00Z') }), anOverlapWindow('b')], ctx)
    t.same(
      r.problems.map((p) => `${p.code} ${p.pointer}`),
      ['EMPTY_WINDOW /0/end'],
    )
    t.same(r.groups, [])
  })

  t.test('property: groups match a brute-force pairwise check', async (t) => {
    const parties = ['DSP', 'CSP-N', 'CSP-C', 'CSP-S']
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            party: fc.constantFrom(...parties),
            s: fc.integer({ min: 0, max: 200 }),
            d: fc.integer({ min: 1, max: 30 }),
            rr: fc.boolean(),
          }),
          { maxLength: 25 },
        ),
        (specs) => {
          const T0 = Date.parse('2021-11-01T00:00:00Z')
          const ws = specs.map((x, i) =>
            anOverlapWindow(`w${i}`, {
              party: x.party,
              impact: x.rr ? 'reduced-redundancy' : 'outage',
              start: new Date(T0 + x.s * 600_000),
              end: new Date(T0 + (x.s + x.d) * 600_000),
            }),
          )
          const r = detectOverlaps(ws, ctx)
          const inGroup = new Set(r.groups.flatMap((g) => g.windows.map((w) => w.id)))
          const overlaps = (a: (typeof ws)[0], b: (typeof ws)[0]) => a.start < b.end && b.start < a.end
          const expected = new Set<string>()
          let rrPairs = 0
          ws.forEach((a, i) => {
            ws.forEach((b, j) => {
              if (j <= i || !overlaps(a, b)) return
              if (a.party !== b.party) expected.add(a.id).add(b.id)
              if (a.impact === 'reduced-redundancy' || b.impact === 'reduced-redundancy') rrPairs++
            })
          })
          // A window in a group must be open while another party's window is (pairwise overlap ⇔ membership).
          return (
            [...expected].every((id) => inGroup.has(id)) &&
            [...inGroup].every((id) => expected.has(id)) &&
            r.redundancyLoss.length === rrPairs
          )
        },
      ),
      { seed: 1031, numRuns: 300 },
    )
    t.pass('sweep agrees with brute force')
  })
})

t.test('planned vs actual', async (t) => {
  const planned = { plannedStart: at('2021-11-14T00:00:00Z'), plannedEnd: at('2021-11-14T06:00:00Z') }
  const now = at('2021-11-15T00:00:00Z')

  t.test('overrun of 45 minutes', async (t) => {
    const r = compareActuals({ ...planned, actualStart: at('2021-11-14T00:00:00Z'), actualEnd: at('2021-11-14T06:45:00Z') }, { now })
    t.equal(r.status, 'completed')
    t.equal(r.overrunMinutes, 45)
    t.equal(r.earlyStartMinutes, 0)
    t.equal(r.unscheduledMinutes, 45)
    t.equal(r.incidentRequired, true)
    t.equal(r.neverStarted, false)
    t.same(
      r.unscheduledIntervals.map((i) => [i.kind, i.start.toISOString(), i.end.toISOString(), i.minutes]),
      [['overrun', '2021-11-14T06:00:00.000Z', '2021-11-14T06:45:00.000Z', 45]],
    )
    t.same(r.problems, [])
  })

  t.test('early start and overrun both count', async (t) => {
    const r = compareActuals({ ...planned, actualStart: at('2021-11-13T23:30:00Z'), actualEnd: at('2021-11-14T06:10:00Z') }, { now })
    t.equal(r.earlyStartMinutes, 30)
    t.equal(r.overrunMinutes, 10)
    t.equal(r.unscheduledMinutes, 40)
    t.equal(r.incidentRequired, true)
  })

  t.test('late start and early finish cost nothing', async (t) => {
    const r = compareActuals({ ...planned, actualStart: at('2021-11-14T01:00:00Z'), actualEnd: at('2021-11-14T05:00:00Z') }, { now })
    t.equal(r.unscheduledMinutes, 0)
    t.equal(r.lateStartMinutes, 60)
    t.equal(r.earlyFinishMinutes, 60)
    t.equal(r.incidentRequired, false)
  })

  t.test('still running: measured up to now', async (t) => {
    const r = compareActuals({ ...planned, actualStart: at('2021-11-14T00:00:00Z'), actualEnd: null }, { now: at('2021-11-14T07:00:00Z') })
    t.equal(r.status, 'running')
    t.equal(r.overrunMinutes, 60)
    t.equal(r.incidentRequired, true)
    const within = compareActuals(
      { ...planned, actualStart: at('2021-11-14T00:00:00Z'), actualEnd: null },
      { now: at('2021-11-14T05:00:00Z') },
    )
    t.equal(within.overrunMinutes, 0)
    t.equal(within.status, 'running')
  })

  t.test('never started vs not started yet', async (t) => {
    const never = compareActuals({ ...planned, actualStart: null, actualEnd: null }, { now })
    t.equal(never.status, 'never-started')
    t.equal(never.neverStarted, true)
    t.equal(never.incidentRequired, false)
    const notYet = compareActuals({ ...planned, actualStart: null, actualEnd: null }, { now: at('2021-11-14T03:00:00Z') })
    t.equal(notYet.status, 'not-started')
    t.equal(notYet.neverStarted, false)
  })

  t.test('bad input: problems with pointers, figures zero', async (t) => {
    const codes = (r: ReturnType<typeof compareActuals>) => r.problems.map((p) => `${p.code} ${p.pointer}`)
    const backwards = compareActuals(
      { ...planned, actualStart: at('2021-11-14T03:00:00Z'), actualEnd: at('2021-11-14T02:00:00Z') },
      { now },
    )
    t.same(codes(backwards), ['END_BEFORE_START /actualEnd'])
    t.equal(backwards.unscheduledMinutes, 0)
    t.same(codes(compareActuals({ ...planned, actualStart: null, actualEnd: at('2021-11-14T02:00:00Z') }, { now })), [
      'END_WITHOUT_START /actualStart',
    ])
    const far = { ...planned, actualStart: at('2021-11-14T00:00:00Z'), actualEnd: at('2021-11-14T20:00:00Z') }
    t.same(codes(compareActuals(far, { now })), ['FAR_FROM_PLANNED /reason'])
    const withReason = compareActuals({ ...far, reason: 'storage array rebuild took 14 h' }, { now })
    t.same(withReason.problems, [])
    t.equal(withReason.overrunMinutes, 840)
    t.same(codes(compareActuals(far, { now, maxDeviationMinutes: 900 })), [], 'deviation allowance is configurable')
    t.same(codes(compareActuals({ ...planned, actualStart: at('2021-11-16T00:00:00Z'), actualEnd: null, reason: 'x' }, { now })), [
      'ACTUAL_IN_FUTURE /actualStart',
    ])
    t.same(
      codes(
        compareActuals(
          {
            plannedStart: planned.plannedEnd,
            plannedEnd: planned.plannedStart,
            actualStart: null,
            actualEnd: null,
          },
          { now },
        ),
      ),
      ['INVALID_PLANNED /plannedEnd'],
    )
  })
})

t.test('month view', async (t) => {
  const now = at('2022-01-01T00:00:00Z')
  const w = (id: string, over: Partial<Parameters<typeof availabilityByMonth>[0][0]> = {}) => ({
    id,
    party: 'DSP',
    impact: 'outage' as const,
    start: at('2021-11-14T00:00:00Z'),
    end: at('2021-11-14T06:00:00Z'),
    agreed: true,
    ...over,
  })

  t.test('agreed, not agreed and overrun minutes per party and month', async (t) => {
    const v = availabilityByMonth(
      [
        w('a', { actualStart: at('2021-11-14T00:00:00Z'), actualEnd: at('2021-11-14T06:45:00Z') }),
        w('b', { agreed: false, start: at('2021-11-28T00:00:00Z'), end: at('2021-11-28T06:00:00Z') }),
        w('c', {
          party: 'CSP-N',
          start: at('2021-10-30T23:00:00Z'),
          end: at('2021-10-31T06:00:00Z'),
          agreed: false,
        }),
        w('d', { impact: 'degraded', agreed: false }),
      ],
      { zone: 'Europe/London', now },
    )
    t.same(v.problems, [])
    t.same(
      v.rows.map((r) => `${r.party} ${r.month}`),
      ['CSP-N 2021-10', 'DSP 2021-11'],
    )
    const dsp = v.rows[1]!
    t.equal(dsp.plannedAgreedMinutes, 360)
    t.equal(dsp.plannedNotAgreedMinutes, 360)
    t.equal(dsp.overrunMinutes, 45)
    t.equal(dsp.unscheduledMinutes, 405)
    t.equal(dsp.monthMinutes, 43_200)
    t.ok(near(dsp.availabilityPercent, 100 * (1 - 405 / 43_200)), `${dsp.availabilityPercent}`)
    t.equal(dsp.thresholdPercent, 99.5)
    t.equal(dsp.belowThreshold, true)
    t.same(dsp.windowIds, ['a', 'b'], 'degraded window d is not downtime')
    const n = v.rows[0]!
    t.equal(n.plannedNotAgreedMinutes, 420)
    t.equal(n.monthMinutes, 44_700)
    t.equal(n.availabilityPercent.toFixed(2), '99.06')

    // Without window ids: the same figures, ids left empty.
    const lean = availabilityByMonth(
      [
        w('a', { actualStart: at('2021-11-14T00:00:00Z'), actualEnd: at('2021-11-14T06:45:00Z') }),
        w('b', { agreed: false, start: at('2021-11-28T00:00:00Z'), end: at('2021-11-28T06:00:00Z') }),
      ],
      { zone: 'Europe/London', now, listWindowIds: false },
    )
    t.same(lean.rows[0]!.windowIds, [])
    t.same({ ...lean.rows[0]!, windowIds: dsp.windowIds }, dsp)
  })

  t.test('overlapping windows of one party count once; agreed time wins', async (t) => {
    const v = availabilityByMonth(
      [
        w('a'),
        w('b', { agreed: false, start: at('2021-11-14T04:00:00Z'), end: at('2021-11-14T08:00:00Z') }),
        w('c', { agreed: false, start: at('2021-11-14T07:00:00Z'), end: at('2021-11-14T09:00:00Z') }),
      ],
      { zone: 'Europe/London', now, thresholdPercent: 99 },
    )
    const r = v.rows[0]!
    t.equal(r.plannedAgreedMinutes, 360)
    t.equal(r.plannedNotAgreedMinutes, 180, '06:00–09:00 only')
    t.equal(r.belowThreshold, false, '180 / 43,200 leaves 99.58 % ≥ 99 %')
  })

  t.test('filters, month-crossing windows and an empty month', async (t) => {
    const cross = w('x', {
      agreed: false,
      start: at('2021-11-30T22:00:00Z'),
      end: at('2021-12-01T02:00:00Z'),
    })
    const all = availabilityByMonth([cross], { zone: 'Europe/London', now })
    t.same(
      all.rows.map((r) => [r.month, r.plannedNotAgreedMinutes, r.monthMinutes]),
      [
        ['2021-11', 120, 43_200],
        ['2021-12', 120, 44_640],
      ],
    )
    const dec = availabilityByMonth([cross, w('y', { party: 'CSP-N' })], {
      zone: 'Europe/London',
      now,
      month: '2021-12',
    })
    t.same(
      dec.rows.map((r) => [r.party, r.month, r.plannedNotAgreedMinutes]),
      [['DSP', '2021-12', 120]],
    )
    const empty = availabilityByMonth([cross], {
      zone: 'Europe/London',
      now,
      month: '2022-02',
      party: 'CSP-S',
    })
    t.same(
      empty.rows.map((r) => [r.party, r.month, r.availabilityPercent, r.monthMinutes]),
      [['CSP-S', '2022-02', 100, 40_320]],
    )
    t.same(
      availabilityByMonth([cross], { zone: 'Europe/London', now, month: '2021-13' }).problems.map((p) => p.code),
      ['INVALID_MONTH'],
    )
  })
})
