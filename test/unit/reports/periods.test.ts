import t from 'tap'
import { buildCalendars, DEFAULT_RULESET, type Ruleset } from '../../../src/domain/index.ts'
import { monthsTouched } from '../../../src/domain/time.ts'
import { shadedPeriods } from '../../../src/reports/shading.ts'

const LONDON = 'Europe/London'

t.test("the report's months (monthsTouched): local months touched by [from, to), in the zone", async (t) => {
  // 2021-10-31T23:30Z is 23:30 GMT on 31 October: still October in London.
  t.same(monthsTouched(new Date('2021-10-31T23:30:00Z'), new Date('2022-01-01T00:00:00Z'), LONDON), ['2021-10', '2021-11', '2021-12'])
  // 2021-09-30T23:00Z is local midnight on 1 October (BST): September is not touched.
  t.same(monthsTouched(new Date('2021-09-30T23:00:00Z'), new Date('2021-10-31T23:00:00Z'), LONDON), ['2021-10'])
  t.same(monthsTouched(new Date('2021-09-30T22:59:00Z'), new Date('2021-09-30T23:00:00Z'), LONDON), ['2021-09'])
})

t.test('shadedPeriods: winter, top-up peaks and bank holidays at local midnights, clipped to the period', async (t) => {
  const shading = shadedPeriods(
    DEFAULT_RULESET,
    buildCalendars(),
    new Date('2021-11-01T00:00:00Z'),
    new Date('2022-05-01T00:00:00Z'),
    LONDON,
  )
  const winter = shading.filter((p) => p.kind === 'winter')
  // Winter 1 Oct–31 Mar: clipped at the period's start; ends at local midnight of 1 April 2022 (BST).
  t.same(
    winter.map((p) => [p.start, p.end]),
    [['2021-11-01T00:00:00.000Z', '2022-03-31T23:00:00.000Z']],
  )
  const christmas = shading.find((p) => p.kind === 'bank-holiday' && p.start.startsWith('2021-12-27'))
  t.same(christmas && [christmas.start, christmas.end], ['2021-12-27T00:00:00.000Z', '2021-12-28T00:00:00.000Z'])
  // Easter Monday 2022 (18 April) in BST: 23:00Z the day before.
  const easter = shading.find((p) => p.kind === 'bank-holiday' && p.label.includes('Easter Monday'))
  t.same(easter && [easter.start, easter.end], ['2022-04-17T23:00:00.000Z', '2022-04-18T23:00:00.000Z'])
  // Sorted by start, then kind.
  t.same(
    shading,
    [...shading].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0)),
  )
})

t.test('shadedPeriods: a range across the new year ending on 28 February of a leap year ends on 28 February the next year', async (t) => {
  const ruleset: Ruleset = {
    ...DEFAULT_RULESET,
    seasonal: {
      ...DEFAULT_RULESET.seasonal,
      winter: {
        ...DEFAULT_RULESET.seasonal.winter,
        from: { ...DEFAULT_RULESET.seasonal.winter.from, value: '03-01' },
        to: { ...DEFAULT_RULESET.seasonal.winter.to, value: '02-28' },
      },
    },
  }
  const shading = shadedPeriods(ruleset, buildCalendars(), new Date('2024-03-01T00:00:00Z'), new Date('2025-03-02T00:00:00Z'), 'UTC')
  const winter = shading.filter((p) => p.kind === 'winter').map((p) => [p.start, p.end])
  // From 1 March 2024: 28 Feb 2024 + 1 day is 29 Feb 2024 (before the start), a year on: 28 Feb 2025 (no 29th).
  t.same(winter[0], ['2024-03-01T00:00:00.000Z', '2025-02-28T00:00:00.000Z'])
  t.same(winter[1], ['2025-03-01T00:00:00.000Z', '2025-03-02T00:00:00.000Z'])
})
