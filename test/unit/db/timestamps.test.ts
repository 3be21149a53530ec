import fc from 'fast-check'
import pg from 'pg'
import t from 'tap'
import { parseTimestamptz } from '../../../src/db/timestamps.ts'

// pg's own parser, kept by database.ts as the general case.
const parseDate = (s: string) => (pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as (s: string) => unknown)(s)

/** What PostgreSQL writes for a timestamptz in a UTC session. */
function pgText(d: Date, fractionDigits: number): string {
  const iso = d.toISOString() // 2023-05-01T06:30:00.250Z
  const frac =
    fractionDigits === 0 ? '' : `.${(iso.slice(20, 23) + '123456').slice(0, fractionDigits)}`.replace(/0+$/, '').replace(/\.$/, '')
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac}+00`
}

t.test('the fast path reads what the general parser reads', async (t) => {
  fc.assert(
    fc.property(
      fc.date({ min: new Date('0100-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
      fc.integer({ min: 0, max: 6 }),
      (d, digits) => {
        const s = pgText(d, digits)
        const want = parseDate(s) as Date
        const got = parseTimestamptz(s, parseDate) as Date
        return got.getTime() === want.getTime()
      },
    ),
    { seed: 20261128, numRuns: 20_000 },
  )
  t.pass('20,000 instants from year 100 to 9999, 0 to 6 fraction digits')
})

t.test('other shapes go to the general parser', async (t) => {
  for (const s of [
    '2023-05-01 00:00:00+01',
    '2023-05-01 00:00:00-05:30',
    '0099-01-01 00:00:00+00',
    '2023-05-01 00:00:00+00 BC',
    'infinity',
    '-infinity',
    '2023-05-01',
  ])
    t.same(parseTimestamptz(s, parseDate), parseDate(s), s)
  t.equal((parseTimestamptz('2021-10-31 01:30:00.5+00', parseDate) as Date).toISOString(), '2021-10-31T01:30:00.500Z')
})
