import fc from 'fast-check'
import t from 'tap'
import {
  assessImpact,
  DEFAULT_ESTATE,
  DEFAULT_IMPACT_THRESHOLDS,
  DEFAULT_TOP_UP_PROFILE,
  type Estate,
  prepaymentCustomers,
  impactRating,
  totalMeters,
  validateEstate,
  validateThresholds,
  validateTopUpProfile,
} from '../../../src/domain/impact/index.ts'
import { InvalidZoneError, zoneClock } from '../../../src/domain/time.ts'
import { aContext, at, aWindow, flatProfile } from './fixtures/builders.ts'

type T = { ok: (ok: boolean, message: string) => unknown }

function close(tt: T, actual: number, expected: number, message: string, tol = 1e-6): void {
  const ok = Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected))
  tt.ok(ok, `${message}: ${actual} ≈ ${expected}`)
}

const PPM_N = 3_333_334 * 0.13
const PPM_CS = 3_333_333 * 0.13

t.test('reference data', async (t) => {
  t.test('defaults are valid and add up to domain.md §3.2', async (t) => {
    t.same(validateEstate(DEFAULT_ESTATE), [])
    t.same(validateTopUpProfile(DEFAULT_TOP_UP_PROFILE), [])
    t.same(validateThresholds(DEFAULT_IMPACT_THRESHOLDS), [])
    t.equal(totalMeters(DEFAULT_ESTATE), 16_300_000)
    t.equal(totalMeters(DEFAULT_ESTATE, ['N']), 2_133_334 + 3_300_000)
    const premises = Object.values(DEFAULT_ESTATE.regions).reduce((a, r) => a + r.premises.value, 0)
    t.equal(premises, 10_000_000)
    close(t, prepaymentCustomers(DEFAULT_ESTATE, 'C'), PPM_CS, 'PPM customers in C')
    t.equal(prepaymentCustomers(DEFAULT_ESTATE, 'X'), 0)
    t.equal(DEFAULT_ESTATE.regions.N?.prepaymentShare.confidence, 'inferred', 'a national figure applied to the DCC estate')
    t.equal(DEFAULT_ESTATE.regions.N?.premises.confidence, 'assumed')
    t.equal(DEFAULT_TOP_UP_PROFILE.hourOfWeekWeights.value.length, 168)
    t.equal(DEFAULT_TOP_UP_PROFILE.monthlyMultipliers.value.length, 12)
    t.ok(Object.isFrozen(DEFAULT_ESTATE.regions.N), 'defaults are frozen')
  })

  t.test('profile shape: evening and Fri–Sat high, overnight low, Nov/Dec high', async (t) => {
    const w = DEFAULT_TOP_UP_PROFILE.hourOfWeekWeights.value
    const at = (day: number, hour: number) => w[day * 24 + hour] as number
    t.ok(at(0, 18) > at(0, 12), 'Monday 18:00 above Monday noon')
    t.ok(at(0, 3) < at(0, 12) / 5, 'Monday 03:00 far below noon')
    t.ok(at(4, 18) > at(1, 18), 'Friday evening above Tuesday evening')
    t.ok(at(5, 18) > at(2, 18), 'Saturday evening above Wednesday evening')
    const m = DEFAULT_TOP_UP_PROFILE.monthlyMultipliers.value
    t.ok((m[10] as number) >= Math.max(...m.slice(0, 10)), 'November at least as high as Jan–Oct')
    t.ok((m[11] as number) >= Math.max(...m.slice(0, 10)), 'December at least as high as Jan–Oct')
  })

  t.test('estate problems carry JSON pointers', async (t) => {
    // biome-ignore lint/suspicious/noExplicitAny: the test breaks a deep copy on purpose
    const bad = structuredClone(DEFAULT_ESTATE) as Estate & { regions: Record<string, any> }
    bad.regions.N.meters.smets1.value = -5
    bad.regions.C.prepaymentShare.value = 1.2
    bad.regions.S.premises.value = 12.5
    bad.regions['a/b'] = {
      ...bad.regions.S,
      prepaymentShare: { value: -0.1, source: 's', confidence: 'guessed' },
    }
    const problems = validateEstate(bad)
    t.same(
      problems.map((p) => [p.code, p.pointer]),
      [
        ['NEGATIVE_COUNT', '/regions/N/meters/smets1/value'],
        ['OUT_OF_RANGE', '/regions/C/prepaymentShare/value'],
        ['NOT_AN_INTEGER', '/regions/S/premises/value'],
        ['NOT_AN_INTEGER', '/regions/a~1b/premises/value'],
        ['INVALID_CONFIDENCE', '/regions/a~1b/prepaymentShare/confidence'],
        ['OUT_OF_RANGE', '/regions/a~1b/prepaymentShare/value'],
      ],
    )
    t.same(
      validateEstate({ ...DEFAULT_ESTATE, regions: {} }).map((p) => p.pointer),
      ['/regions'],
    )
    t.same(
      validateEstate({ ...DEFAULT_ESTATE, version: '' }).map((p) => p.code),
      ['INVALID_VERSION'],
    )
    t.same(
      validateEstate({ ...DEFAULT_ESTATE, asOf: '26/11/2021' }).map((p) => p.pointer),
      ['/asOf'],
    )
    t.same(
      validateEstate(null).map((p) => p.code),
      ['NOT_AN_OBJECT'],
    )
    // biome-ignore lint/suspicious/noExplicitAny: the test breaks a deep copy on purpose
    const noSource = structuredClone(DEFAULT_ESTATE) as any
    noSource.regions.N.premises.source = ''
    t.same(
      validateEstate(noSource).map((p) => p.pointer),
      ['/regions/N/premises/source'],
    )
  })

  t.test('profile problems: bucket counts, negatives, ranges', async (t) => {
    const fig = <V>(value: V) => ({ value, source: 's', confidence: 'assumed' as const })
    const codes = (p: unknown) => validateTopUpProfile(p).map((x) => `${x.code} ${x.pointer}`)
    t.same(codes({ ...DEFAULT_TOP_UP_PROFILE, hourOfWeekWeights: fig(new Array(167).fill(1)) }), [
      'WRONG_BUCKET_COUNT /hourOfWeekWeights/value',
    ])
    t.same(codes({ ...DEFAULT_TOP_UP_PROFILE, monthlyMultipliers: fig([1, 1, 1]) }), ['WRONG_BUCKET_COUNT /monthlyMultipliers/value'])
    const neg = new Array(12).fill(1)
    neg[4] = -1
    t.same(codes({ ...DEFAULT_TOP_UP_PROFILE, monthlyMultipliers: fig(neg) }), ['INVALID_BUCKET /monthlyMultipliers/value/4'])
    t.same(codes({ ...DEFAULT_TOP_UP_PROFILE, hourOfWeekWeights: fig(new Array(168).fill(0)) }), ['ALL_ZERO /hourOfWeekWeights/value'])
    t.same(codes({ ...DEFAULT_TOP_UP_PROFILE, baseRatePerCustomerPerWeek: fig(-1) }), ['OUT_OF_RANGE /baseRatePerCustomerPerWeek/value'])
    t.same(codes({ ...DEFAULT_TOP_UP_PROFILE, holidayPeriod: fig({ from: '12-32', to: '1-5' }) }), [
      'INVALID_MONTH_DAY /holidayPeriod/value/from',
      'INVALID_MONTH_DAY /holidayPeriod/value/to',
    ])
    t.same(codes({ ...DEFAULT_TOP_UP_PROFILE, failureShare: fig({ degraded: 2, outage: 1 }) }), [
      'OUT_OF_RANGE /failureShare/value/degraded',
    ])
    t.same(
      codes({
        ...DEFAULT_TOP_UP_PROFILE,
        hourOfWeekWeights: { value: 'x', source: 's', confidence: 'assumed' },
      }),
      ['NOT_AN_ARRAY /hourOfWeekWeights/value'],
    )
    t.same(codes({ ...DEFAULT_TOP_UP_PROFILE, preHolidayDays: fig(-2) }), [
      'NEGATIVE_COUNT /preHolidayDays/value',
      'OUT_OF_RANGE /preHolidayDays/value',
    ])
    t.same(
      validateThresholds({ ...DEFAULT_IMPACT_THRESHOLDS, availabilityAlertBelowPercent: 101 }).map((p) => p.pointer),
      ['/availabilityAlertBelowPercent'],
    )
  })
})

t.test('clock: real minutes of local months', async (t) => {
  const c = zoneClock('Europe/London')
  t.equal(c.monthSpan(2021, 10).minutes, 44_700, 'October 2021 has a 25-hour day')
  t.equal(c.monthSpan(2022, 3).minutes, 44_580, 'March 2022 has a 23-hour day')
  t.equal(c.monthSpan(2021, 11).minutes, 43_200)
  t.equal(c.monthAt(at('2021-10-31T23:30:00Z').getTime()).key, '2021-10', '23:30 GMT on 31 Oct is still October')
  t.equal(c.monthAt(at('2021-09-30T23:30:00Z').getTime()).key, '2021-10', '23:30 UTC on 30 Sep is 00:30 BST 1 Oct')
  t.throws(() => zoneClock('Mars/Olympus'), InvalidZoneError, 'an unknown zone')
  t.ok(new InvalidZoneError('Mars/Olympus') instanceof RangeError, 'an unknown zone is a RangeError')
  // A zone whose offset changes inside a UTC hour (Adelaide, +10:30 → +9:30 at 03:00 local).
  const adl = zoneClock('Australia/Adelaide')
  const before = adl.offsetSpan(Date.parse('2022-04-02T16:00:00Z'))
  t.equal(before.until, Date.parse('2022-04-02T16:30:00Z'), 'transition found to the minute')
  t.equal(before.offset, 10.5 * 3_600_000)
  const after = adl.offsetSpan(before.until)
  t.equal(after.offset, 9.5 * 3_600_000, 'an hour less from the transition on')
  t.ok(after.until > before.until, 'the next span starts after the transition')
  // London: the offset holds until the next clock change.
  const london = zoneClock('Europe/London')
  t.same(london.offsetSpan(Date.parse('2021-10-30T12:00:00Z')), { offset: 3_600_000, until: Date.parse('2021-10-31T01:00:00Z') })
  t.equal(london.monthSpan(2021, 12).end, Date.parse('2022-01-01T00:00:00Z'), 'December ends at the new year')
})

t.test('per-window impact: hand-computed vectors', async (t) => {
  t.test('DSP 00:00–06:00 in a 30-day month (Sun 14 Nov 2021, GMT)', async (t) => {
    const ctx = aContext({ profile: flatProfile() })
    const r = assessImpact(aWindow(), ctx)
    t.same(r.regions, ['N', 'C', 'S'], 'a DSP outage is GB-wide')
    t.same(r.services, ['service-requests'])
    t.same(r.prepaymentServices, ['service-requests'])
    t.equal(r.metersAffected, 16_300_000)
    t.same(r.metersByType, { smets1: 6_400_000, smets2: 9_900_000 })
    t.equal(r.premisesAffected, 10_000_000)
    close(t, r.prepaymentCustomersAffected, 1_300_000, 'prepayment customers')
    close(t, r.expectedFailedTopUps, 1_300_000 * 0.06, 'flat profile: 0.01 per customer per hour × 6 h')
    t.equal(r.availability.minutes, 360)
    t.equal(r.availability.monthMinutes, 43_200)
    t.equal(r.availability.month, '2021-11')
    t.equal(r.availability.percentIfAgreed, 100)
    t.equal(r.availability.percentIfNotAgreed.toFixed(2), '99.17')
    close(t, 100 - r.availability.percentIfNotAgreed, 0.8333333, 'percent of the month')
    t.equal(r.availability.months.length, 1)
    t.same(r.referenceDataVersion, { estate: 'estate-2021-11-default.2', topUpProfile: 'flat-test' })
    t.same(r.problems, [])
  })

  t.test('October clock-change night: 420 real minutes in a 44,700-minute month', async (t) => {
    const ctx = aContext({ profile: flatProfile() })
    const r = assessImpact(aWindow({ start: at('2021-10-30T23:00:00Z'), end: at('2021-10-31T06:00:00Z') }), ctx)
    t.equal(r.availability.minutes, 420)
    t.equal(r.availability.windowMinutes, 420)
    t.equal(r.availability.monthMinutes, 44_700)
    t.equal(r.availability.month, '2021-10')
    t.equal(r.availability.percentIfNotAgreed.toFixed(2), '99.06')
    close(t, r.expectedFailedTopUps, 1_300_000 * 0.07, 'seven real hours of top-ups')
  })

  t.test('the repeated 01:00 hour is weighted as 01:00 twice', async (t) => {
    // Sunday 01:00 weighs 2, every other hour 1: mean 169/168, base 1.69 ⇒ 0.01 × weight per hour.
    const w = new Array<number>(168).fill(1)
    w[6 * 24 + 1] = 2
    const profile = flatProfile({
      baseRatePerCustomerPerWeek: { value: 1.69, source: 't', confidence: 'assumed' },
      hourOfWeekWeights: { value: w, source: 't', confidence: 'assumed' },
    })
    const r = assessImpact(aWindow({ start: at('2021-10-30T23:00:00Z'), end: at('2021-10-31T06:00:00Z') }), aContext({ profile }))
    // 00 BST (1) + 01 BST (2) + 01 GMT (2) + 02, 03, 04, 05 (4) = 9 weight-hours
    close(t, r.expectedFailedTopUps, 1_300_000 * 0.09, 'nine weight-hours')
  })

  t.test('March clock-change night: 300 real minutes in a 44,580-minute month', async (t) => {
    const r = assessImpact(
      aWindow({ start: at('2022-03-27T00:00:00Z'), end: at('2022-03-27T05:00:00Z') }),
      aContext({ profile: flatProfile() }),
    )
    t.equal(r.availability.minutes, 300)
    t.equal(r.availability.monthMinutes, 44_580)
    close(t, r.expectedFailedTopUps, 1_300_000 * 0.05, 'five real hours')
  })

  t.test('a window crossing a month boundary is split per month', async (t) => {
    const r = assessImpact(
      aWindow({ start: at('2021-11-30T22:00:00Z'), end: at('2021-12-01T02:00:00Z') }),
      aContext({ profile: flatProfile() }),
    )
    t.same(
      r.availability.months.map((m) => [m.month, m.minutes, m.monthMinutes]),
      [
        ['2021-11', 120, 43_200],
        ['2021-12', 120, 44_640],
      ],
    )
    t.equal(r.availability.minutes, 240, 'top level: total minutes')
    t.equal(r.availability.month, '2021-11', 'top level: the month hit hardest (shorter month)')
    close(t, r.availability.percentIfNotAgreed, 100 * (1 - 120 / 43_200), 'worst month percentage')
  })

  t.test('CSP-N window affects only North', async (t) => {
    const ctx = aContext({ profile: flatProfile() })
    for (const regions of [[], ['N'], ['N', 'C'], ['N', 'N']]) {
      const r = assessImpact(aWindow({ party: 'CSP-N', services: ['sm-wan'], regions }), ctx)
      t.same(r.regions, ['N'], `regions ${JSON.stringify(regions)} → N`)
      t.equal(r.metersAffected, 5_433_334)
      t.equal(r.premisesAffected, 3_333_334)
      close(t, r.prepaymentCustomersAffected, PPM_N, 'prepayment customers in N')
      close(t, r.expectedFailedTopUps, PPM_N * 0.06, 'failed top-ups in N')
    }
    const none = assessImpact(aWindow({ party: 'CSP-N', regions: ['S'] }), ctx)
    t.same(none.regions, [], 'a CSP-N window listing only South reaches nobody')
    t.equal(none.metersAffected, 0)
    t.equal(none.expectedFailedTopUps, 0)
    const dspSouth = assessImpact(aWindow({ regions: ['S', 'C'] }), ctx)
    t.same(dspSouth.regions, ['C', 'S'], 'listed regions, in catalogue order')
    t.equal(dspSouth.metersAffected, 2 * 5_433_333)
  })

  t.test('only degraded/outage of a prepayment service stops top-ups', async (t) => {
    const ctx = aContext({ profile: flatProfile() })
    for (const impact of ['no-impact', 'reduced-redundancy'] as const) {
      const r = assessImpact(aWindow({ impact }), ctx)
      t.equal(r.expectedFailedTopUps, 0, `${impact}: no failed top-ups`)
      t.equal(r.stopsTopUps, false)
      t.same(r.regions, ['N', 'C', 'S'], `${impact}: still lists regions`)
      t.equal(r.metersAffected, 16_300_000, `${impact}: population in scope`)
      close(t, r.expectedTopUpAttempts, 78_000, `${impact}: attempts still reported`)
      t.equal(r.availability.minutes, 0, `${impact}: no downtime`)
      t.equal(r.availability.percentIfNotAgreed, 100)
    }
    const degraded = assessImpact(aWindow({ impact: 'degraded' }), ctx)
    close(t, degraded.expectedFailedTopUps, 78_000, 'degraded stops top-ups')
    t.equal(degraded.availability.minutes, 0, 'degraded is not downtime by default')
    const degradedDown = assessImpact(
      aWindow({ impact: 'degraded' }),
      aContext({ profile: flatProfile(), downtimeImpacts: ['outage', 'degraded'] }),
    )
    t.equal(degradedDown.availability.minutes, 360, 'downtimeImpacts is configurable')
    const alerts = assessImpact(aWindow({ services: ['alerts', 'smki'] }), ctx)
    t.equal(alerts.expectedFailedTopUps, 0, 'an outage of non-prepayment services stops no top-ups')
    t.same(alerts.prepaymentServices, [])
    t.equal(alerts.availability.minutes, 360, 'but it is still downtime')
    const half = flatProfile({
      failureShare: { value: { degraded: 0.5, outage: 0.7 }, source: 't', confidence: 'assumed' },
    })
    close(t, assessImpact(aWindow(), aContext({ profile: half })).expectedFailedTopUps, 78_000 * 0.7, 'failure share')
  })

  t.test('pre-holiday days multiply per region', async (t) => {
    const profile = flatProfile({ preHolidayMultiplier: { value: 1.5, source: 't', confidence: 'assumed' } })
    const seen: string[] = []
    const ctx = aContext({
      profile,
      isPreHoliday: (date, regions) => {
        seen.push(`${date}:${regions.join(',')}`)
        return date === '2021-11-27' && regions.includes('N')
      },
    })
    const r = assessImpact(aWindow({ start: at('2021-11-27T22:00:00Z'), end: at('2021-11-28T02:00:00Z') }), ctx)
    // 4 h × 0.01 for everyone, plus 2 h × 0.01 × 0.5 extra for North on the 27th.
    close(t, r.expectedFailedTopUps, 1_300_000 * 0.04 + PPM_N * 0.01, 'N gets ×1.5 on the 27th only')
    t.ok(seen.includes('2021-11-27:N') && seen.includes('2021-11-28:S'), 'asked per local date and region')
  })

  t.test('monthly and holiday-period multipliers (15 Dec – 5 Jan, wrapping)', async (t) => {
    const monthly = new Array<number>(12).fill(1)
    monthly[11] = 3
    const profile = flatProfile({
      monthlyMultipliers: { value: monthly, source: 't', confidence: 'assumed' },
      holidayPeriodMultiplier: { value: 2, source: 't', confidence: 'assumed' },
    })
    const ctx = aContext({ profile })
    const dec = assessImpact(aWindow({ start: at('2021-12-14T22:00:00Z'), end: at('2021-12-15T02:00:00Z') }), ctx)
    close(t, dec.expectedFailedTopUps, 1_300_000 * 0.01 * (2 * 3 + 2 * 6), '14 Dec ×3, 15 Dec ×3×2')
    const jan = assessImpact(aWindow({ start: at('2022-01-05T22:00:00Z'), end: at('2022-01-06T02:00:00Z') }), ctx)
    close(t, jan.expectedFailedTopUps, 1_300_000 * 0.01 * (2 * 2 + 2 * 1), '5 Jan ×2, 6 Jan ×1')
  })

  t.test('default profile: DSP Sun 14 Nov 00:00–06:00 from the profile data', async (t) => {
    const r = assessImpact(aWindow(), aContext())
    const w = DEFAULT_TOP_UP_PROFILE.hourOfWeekWeights.value
    const mean = w.reduce((a, b) => a + b, 0) / 168
    const sundayNight = w.slice(144, 150).reduce((a, b) => a + b, 0)
    const expected = (1_300_000 * 1.5 * 1.2 * sundayNight) / mean / 168
    close(t, r.expectedFailedTopUps, expected, 'Σ Sunday 00–06 weights / mean × 1.5/168 × Nov 1.2 × 1.3 m')
    t.ok(r.expectedFailedTopUps > 1_000 && r.expectedFailedTopUps < 10_000, `order of magnitude (${Math.round(r.expectedFailedTopUps)})`)
    const evening = assessImpact(aWindow({ start: at('2021-11-19T17:00:00Z'), end: at('2021-11-19T23:00:00Z') }), aContext())
    t.ok(evening.expectedFailedTopUps > 5 * r.expectedFailedTopUps, 'a Friday evening hurts far more than Sunday night')
  })

  t.test('bad input is reported, not thrown', async (t) => {
    const ctx = aContext()
    const r = assessImpact(aWindow({ party: 'ACME', services: ['nope', 'alerts'], regions: ['N', 'Z'] }), ctx)
    t.same(
      r.problems.map((p) => `${p.code} ${p.pointer}`),
      ['UNKNOWN_PARTY /party', 'UNKNOWN_SERVICE /services/0', 'REGION_NOT_IN_ESTATE /regions'],
    )
    t.same(r.regions, ['N', 'Z'], 'unknown party keeps the listed regions')
    t.same(r.services, ['alerts'])
    t.equal(r.metersAffected, 5_433_334)
    const empty = assessImpact(aWindow({ end: at('2021-11-14T00:00:00Z') }), ctx)
    t.same(
      empty.problems.map((p) => p.code),
      ['EMPTY_WINDOW'],
    )
    t.equal(empty.expectedFailedTopUps, 0)
    t.equal(empty.availability.minutes, 0)
  })
})

t.test('impact rating: from impact alone, thresholds quoted with their label', async (t) => {
  const dsp = assessImpact(aWindow(), aContext())
  const cspN = assessImpact(aWindow({ party: 'CSP-N' }), aContext())
  const th = DEFAULT_IMPACT_THRESHOLDS
  const codes = (r: ReturnType<typeof impactRating>) => r.reasons.map((x) => x.code)

  const dspRed = impactRating(dsp, th)
  t.equal(dspRed.rating, 'red', 'DSP outage reaches 1.3 m prepayment customers > 1 m')
  t.same(codes(dspRed), ['PREPAYMENT_OUTAGE_OVER_THRESHOLD', 'PREPAYMENT_OUTAGE'])
  t.match(dspRed.reasons[0]?.message, /1,300,000/)
  t.same(dspRed.thresholds, { redPrepaymentCustomers: 1_000_000, amberOnPrepaymentOutage: true, confidence: 'assumed', source: th.source })

  t.equal(impactRating(cspN, th).rating, 'amber', 'CSP-N outage: 433 k, below the red threshold')
  t.equal(impactRating(cspN, { ...th, redPrepaymentCustomers: 400_000 }).rating, 'red', 'threshold is data')
  const green = impactRating(cspN, { ...th, amberOnPrepaymentOutage: false })
  t.equal(green.rating, 'green')
  t.same(codes(green), ['NO_PREPAYMENT_OUTAGE'])

  const rr = assessImpact(aWindow({ impact: 'reduced-redundancy' }), aContext())
  t.equal(impactRating(rr, th).rating, 'green', 'reduced redundancy stops no top-up')
  const degraded = assessImpact(aWindow({ impact: 'degraded' }), aContext())
  t.equal(impactRating(degraded, th).rating, 'green', 'a degraded window is not an outage')
  const alerts = assessImpact(aWindow({ services: ['alerts'] }), aContext())
  t.equal(impactRating(alerts, th).rating, 'green', 'an outage of non-prepayment services reaches no top-ups')
})

t.test('properties (fast-check, fixed seed)', async (t) => {
  const T0 = Date.parse('2021-01-01T00:00:00Z')
  const SPAN_S = 2 * 366 * 86_400 // two years, both clock changes of each year included
  const hashHoliday = (date: string, regions: readonly string[]) => (Number(date.slice(8, 10)) + (regions[0]?.charCodeAt(0) ?? 0)) % 5 === 0
  const ctx = aContext({ isPreHoliday: hashHoliday })
  const regionSets = fc.subarray(['N', 'C', 'S'], { minLength: 1 })
  const party = fc.constantFrom('DSP', 'CSP-N', 'CSP-C', 'CSP-S')
  const impact = fc.constantFrom('degraded', 'outage' as const)

  t.test('failed top-ups are additive over any split', async (t) => {
    let runs = 0
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: SPAN_S }),
        fc.integer({ min: 2, max: 4 * 86_400 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        party,
        impact,
        (s, dur, frac, p, imp) => {
          runs++
          const a = T0 + s * 1000
          const c = a + dur * 1000
          const b = a + Math.max(1, Math.min(dur - 1, Math.round(dur * frac))) * 1000
          const f = (x: number, y: number) =>
            assessImpact(aWindow({ party: p, impact: imp, start: new Date(x), end: new Date(y) }), ctx).expectedFailedTopUps
          const whole = f(a, c)
          const parts = f(a, b) + f(b, c)
          return whole > 0 && Math.abs(whole - parts) <= 1e-9 * whole
        },
      ),
      { seed: 20211105, numRuns: 300 },
    )
    t.equal(runs, 300)
  })

  t.test('impact is monotonic in duration', async (t) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: SPAN_S }),
        fc.integer({ min: 60, max: 2 * 86_400 }),
        fc.integer({ min: 0, max: 2 * 86_400 }),
        fc.integer({ min: 0, max: 86_400 }),
        party,
        impact,
        (s, dur, more, earlier, p, imp) => {
          const a = T0 + s * 1000
          const short = assessImpact(aWindow({ party: p, impact: imp, start: new Date(a), end: new Date(a + dur * 1000) }), ctx)
          const long = assessImpact(
            aWindow({
              party: p,
              impact: imp,
              start: new Date(a - earlier * 1000),
              end: new Date(a + (dur + more) * 1000),
            }),
            ctx,
          )
          return (
            long.expectedFailedTopUps >= short.expectedFailedTopUps &&
            long.expectedTopUpAttempts >= short.expectedTopUpAttempts &&
            long.availability.minutes >= short.availability.minutes &&
            Math.abs(long.availability.windowMinutes - short.availability.windowMinutes - (more + earlier) / 60) < 1e-9 &&
            long.metersAffected === short.metersAffected
          )
        },
      ),
      { seed: 7, numRuns: 200 },
    )
    t.pass('monotonic in duration')
  })

  t.test('impact is monotonic in regions covered', async (t) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: SPAN_S }),
        fc.integer({ min: 60, max: 86_400 }),
        regionSets,
        regionSets,
        impact,
        (s, dur, r1, r2, imp) => {
          const small = r1
          const big = [...new Set([...r1, ...r2])]
          const w = (regions: string[]) =>
            assessImpact(
              aWindow({
                impact: imp,
                regions,
                start: new Date(T0 + s * 1000),
                end: new Date(T0 + (s + dur) * 1000),
              }),
              ctx,
            )
          const a = w(small)
          const b = w(big)
          return (
            b.metersAffected >= a.metersAffected &&
            b.premisesAffected >= a.premisesAffected &&
            b.prepaymentCustomersAffected >= a.prepaymentCustomersAffected &&
            b.expectedFailedTopUps >= a.expectedFailedTopUps &&
            b.regions.length >= a.regions.length &&
            (big.length > small.length ? b.expectedFailedTopUps > a.expectedFailedTopUps : true)
          )
        },
      ),
      { seed: 42, numRuns: 200 },
    )
    t.pass('monotonic in regions')
  })
})
