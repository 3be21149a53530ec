import t from 'tap'
import { defaultQuery, formatQuery, MAX_RANGE_DAYS, parseQuery } from '../../../board/src/query.ts'
import {
  dayStart,
  formatLocal,
  formatMinutes,
  formatSpan,
  fromLocalInput,
  monthKeys,
  monthsOf,
  noticeInstant,
  shiftWall,
  toLocalInput,
  zoneAbbreviation,
} from '../../../board/src/time.ts'

// The board's wall-time fields and labels, on the domain's zone clock (no browser needed).
const at = (iso: string) => Date.parse(iso)

t.test('datetime-local values are Europe/London wall time, both ways, across both clock changes', async (t) => {
  t.equal(toLocalInput(at('2021-11-14T00:00:00Z')), '2021-11-14T00:00', 'GMT: wall = UTC')
  t.equal(toLocalInput(at('2022-04-23T23:00:00Z')), '2022-04-24T00:00', 'BST: an hour ahead')
  t.same(fromLocalInput('2022-04-24T00:00'), { ms: at('2022-04-23T23:00:00Z'), status: 'exact' })
  t.same(fromLocalInput('2021-11-14T00:00'), { ms: at('2021-11-14T00:00:00Z'), status: 'exact' })
  t.same(fromLocalInput('2021-10-31T01:30'), { ms: at('2021-10-31T00:30:00Z'), status: 'ambiguous' }, 'autumn fold: the first (BST)')
  t.same(fromLocalInput('2022-03-27T01:30'), { ms: at('2022-03-27T01:30:00Z'), status: 'gap' }, 'spring gap: the offset before it')
  for (const bad of ['', '2022-04-24', '2022-02-30T00:00', '2022-04-24T24:00', '2022-04-24T00:60', '24/04/2022 00:00'])
    t.equal(fromLocalInput(bad), null, `'${bad}' is not a wall time`)
  for (const iso of [
    '2021-03-28T00:59:00Z',
    '2021-03-28T01:00:00Z',
    '2021-10-31T00:59:00Z',
    '2021-10-31T02:00:00Z',
    '2022-07-01T12:34:00Z',
  ]) {
    const back = fromLocalInput(toLocalInput(at(iso)))!
    t.equal(back.ms, at(iso), `${iso} survives the field round trip`)
  }
  t.same(
    fromLocalInput(toLocalInput(at('2021-10-31T01:00:00Z'))),
    { ms: at('2021-10-31T00:00:00Z'), status: 'ambiguous' },
    'the repeated hour (01:00 GMT) reads back as its first occurrence, flagged',
  )
})

t.test('moving by wall time keeps 00:00 at 00:00 across a clock change; 15-minute steps', async (t) => {
  t.equal(new Date(shiftWall(at('2022-03-26T00:00:00Z'), 1440)).toISOString(), '2022-03-27T00:00:00.000Z', 'into the spring-forward day')
  t.equal(new Date(shiftWall(at('2022-03-27T00:00:00Z'), 1440)).toISOString(), '2022-03-27T23:00:00.000Z', '00:00 BST next day')
  t.equal(
    new Date(shiftWall(at('2021-11-14T00:00:00Z'), 161 * 1440)).toISOString(),
    '2022-04-23T23:00:00.000Z',
    'OPSG 58 DSP-TR-01 to 24 April',
  )
  t.equal(new Date(shiftWall(at('2021-11-14T00:00:00Z'), 15)).toISOString(), '2021-11-14T00:15:00.000Z')
  t.equal(new Date(shiftWall(at('2021-11-14T00:00:00Z'), -15)).toISOString(), '2021-11-13T23:45:00.000Z')
})

t.test('labels: GMT and BST, same-day spans once, durations', async (t) => {
  t.equal(zoneAbbreviation(at('2022-01-01T00:00:00Z')), 'GMT')
  t.equal(zoneAbbreviation(at('2022-07-01T00:00:00Z')), 'BST')
  t.equal(zoneAbbreviation(at('2022-07-01T00:00:00Z'), 'Europe/Paris'), 'UTC+02:00')
  t.equal(formatLocal(at('2021-11-14T00:00:00Z')), 'Sun 14 Nov 2021 00:00 GMT')
  t.equal(formatSpan(at('2021-11-14T00:00:00Z'), at('2021-11-14T06:00:00Z')), 'Sun 14 Nov 2021 00:00–06:00 GMT')
  t.equal(
    formatSpan(at('2021-10-31T00:00:00Z'), at('2021-10-31T06:00:00Z')),
    'Sun 31 Oct 2021 01:00 BST – Sun 31 Oct 2021 06:00 GMT',
    'across the change: both ends',
  )
  t.equal(
    formatSpan(at('2021-11-13T22:00:00Z'), at('2021-11-14T00:00:00Z')),
    'Sat 13 Nov 2021 22:00 GMT – Sun 14 Nov 2021 00:00 GMT',
    'ending at midnight',
  )
  t.equal(formatMinutes(720), '12 h')
  t.equal(formatMinutes(375), '6 h 15 min')
  t.equal(formatMinutes(45), '45 min')
})

t.test('days, months and notice instants in UK time', async (t) => {
  t.equal(new Date(dayStart('2021-10-01')).toISOString(), '2021-09-30T23:00:00.000Z')
  t.equal(new Date(dayStart('2022-01-01')).toISOString(), '2022-01-01T00:00:00.000Z')
  t.equal(new Date(noticeInstant('2022-03-01')).toISOString(), '2022-03-01T12:00:00.000Z')
  t.equal(new Date(noticeInstant('2022-04-01')).toISOString(), '2022-04-01T11:00:00.000Z')
  t.same(monthKeys(at('2021-11-30T23:00:00Z'), at('2021-12-01T05:00:00Z')), ['2021-11', '2021-12'])
  t.same(monthKeys(at('2022-04-30T23:30:00Z'), at('2022-05-01T05:00:00Z')), ['2022-05'], '00:30 BST on 1 May is May')
  const months = monthsOf(dayStart('2021-10-01'), dayStart('2022-08-01'))
  t.same(
    months.map((m) => m.key),
    ['2021-10', '2021-11', '2021-12', '2022-01', '2022-02', '2022-03', '2022-04', '2022-05', '2022-06', '2022-07'],
  )
  t.same(months[1], {
    key: '2021-11',
    label: 'November 2021',
    short: 'Nov 21',
    start: at('2021-11-01T00:00:00Z'),
    end: at('2021-12-01T00:00:00Z'),
  })
  t.equal(months[0]!.end - months[0]!.start, (31 * 24 + 1) * 3_600_000, 'October 2021 is 745 real hours')
})

t.test('the address: a deep link, defaults for anything missing or wrong, at most ten years', async (t) => {
  t.same(parseQuery('?from=2021-10-01&to=2022-08-01&party=DSP', '2026-12-07'), { from: '2021-10-01', to: '2022-08-01', parties: ['DSP'] })
  t.same(parseQuery('?party=DSP,CSP-N,%20,bad%20party', '2026-12-07').parties, ['DSP', 'CSP-N'])
  t.same(defaultQuery('2026-12-07'), { from: '2026-11-01', to: '2027-10-01', parties: [] })
  t.same(parseQuery('', '2026-12-07'), defaultQuery('2026-12-07'))
  t.same(parseQuery('?from=2021-02-30&to=nonsense', '2026-12-07'), defaultQuery('2026-12-07'))
  t.same(
    parseQuery('?from=2022-08-01&to=2021-10-01', '2026-12-07'),
    { from: '2022-08-01', to: '2023-07-01', parties: [] },
    'to before from',
  )
  const long = parseQuery('?from=2000-01-01&to=2030-01-01', '2026-12-07')
  t.equal((Date.parse(long.to) - Date.parse(long.from)) / 86_400_000, MAX_RANGE_DAYS)
  t.equal(formatQuery({ from: '2021-10-01', to: '2022-08-01', parties: ['DSP'] }), '?from=2021-10-01&to=2022-08-01&party=DSP')
  t.equal(formatQuery({ from: '2021-10-01', to: '2022-08-01', parties: [] }), '?from=2021-10-01&to=2022-08-01')
})
