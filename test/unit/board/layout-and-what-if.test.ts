import t from 'tap'
import { blackoutRows, dragMinutes, fractionOf, packLanes, placeSpan, type Span, stepOf } from '../../../board/src/layout.ts'
import type { BlackoutPeriod, WindowDto } from '../../../board/src/types.ts'
import { chunkPlan, reopensNotice, toDryRun, whatIfPlan } from '../../../board/src/what-if.ts'

// The timeline's layout maths and the what-if's plan, without a browser.
const range: Span = { start: 0, end: 1000 }

t.test('placing spans: percentages of the range, clipped, null outside', async (t) => {
  t.equal(fractionOf(250, range), 0.25)
  t.same(placeSpan(range, { start: 100, end: 200 }), { left: 10, width: 10 })
  t.same(placeSpan(range, { start: -100, end: 100 }), { left: 0, width: 10 }, 'clipped at the start')
  t.same(placeSpan(range, { start: 900, end: 1100 }), { left: 90, width: 10 }, 'clipped at the end')
  t.equal(placeSpan(range, { start: 1000, end: 1100 }), null, 'after the range (end exclusive)')
  t.equal(placeSpan(range, { start: -10, end: 0 }), null, 'before it')
  t.same(placeSpan(range, { start: 500, end: 500 }), { left: 50, width: 0 }, 'an instant inside (today)')
})

t.test('lanes: bars and their labels never overlap; far-apart bars share a lane; a crowd shares the last lane unlabelled', async (t) => {
  const span = (s: number, e: number) => ({ id: `${s}`, s, e })
  const items = [span(0, 10), span(500, 510), span(5, 20), span(30, 40)]
  const { placed, lanes } = packLanes(
    items,
    (i) => ({ start: i.s, end: i.e }),
    () => 'DSP-TR-01',
    range,
    { widthPx: 1000 },
  )
  // 1 px per ms: a label of 9 characters at 7 px is 63 px, so a bar at 5 or 30 cannot follow the bar at 0 in its lane
  t.equal(lanes, 3)
  const laneOf = (id: string) => placed.find((p) => p.item.id === id)!.lane
  t.equal(laneOf('0'), 0)
  t.equal(laneOf('5'), 1)
  t.equal(laneOf('30'), 2)
  t.equal(laneOf('500'), 0, 'far away: back in the first lane')
  t.ok(
    placed.every((p) => p.label),
    'every label fits',
  )
  const wide = packLanes(
    items,
    (i) => ({ start: i.s, end: i.e }),
    () => 'X',
    range,
    { widthPx: 100_000 },
  )
  t.equal(wide.lanes, 2, 'wide enough: only the two bars that share time need two lanes')
  const crowd = Array.from({ length: 50 }, (_, i) => span(i, i + 1))
  const packed = packLanes(
    crowd,
    (i) => ({ start: i.s, end: i.e }),
    () => 'DSP-TR-01',
    range,
    { widthPx: 1000, maxLanes: 4 },
  )
  t.equal(packed.lanes, 4)
  t.equal(packed.placed.length, 50, 'every bar is placed')
  t.ok(
    packed.placed.some((p) => !p.label),
    'past the last lane, labels are dropped',
  )
  t.equal(
    packLanes(
      [span(2000, 2100)],
      (i) => ({ start: i.s, end: i.e }),
      () => 'x',
      range,
      { widthPx: 1000 },
    ).placed.length,
    0,
    'outside: left out',
  )
})

t.test('keys and drags in minutes', async (t) => {
  t.equal(stepOf('ArrowRight'), 15)
  t.equal(stepOf('ArrowUp'), 15)
  t.equal(stepOf('ArrowLeft'), -15)
  t.equal(stepOf('ArrowDown'), -15)
  t.equal(stepOf('PageUp'), 1440)
  t.equal(stepOf('PageDown'), -1440)
  t.equal(stepOf('Enter'), null)
  const year = { start: 0, end: 365 * 86_400_000 }
  t.equal(dragMinutes(0, 1000, year), 0)
  t.equal(dragMinutes(1000, 1000, year), 365 * 1440, 'the whole width is the whole range')
  t.equal(dragMinutes(-1, 1000, year), -525, '1 px of a year on 1,000 px: 525.6 min, snapped to 15')
})

const aWindow = (over: Partial<WindowDto>): WindowDto => ({
  id: 'w1',
  reference: 'DSP-TR-01',
  title: 'Refresh',
  description: 'Replace',
  justification: null,
  riskToService: 'rollback rehearsed',
  party: 'DSP',
  changeRef: null,
  programmeId: null,
  kind: 'planned',
  impact: 'outage',
  services: ['service-requests'],
  regions: ['N', 'C', 'S'],
  start: '2021-11-14T00:00:00.000Z',
  end: '2021-11-14T06:00:00.000Z',
  zone: 'Europe/London',
  startLocal: '2021-11-14T00:00:00+00:00[Europe/London]',
  endLocal: '2021-11-14T06:00:00+00:00[Europe/London]',
  durationMinutes: 360,
  notifiedAt: '2021-10-05T17:00:00.000Z',
  status: 'notified',
  version: 2,
  createdBy: 'k',
  updatedAt: '2021-10-05T17:00:00.000Z',
  ...over,
})

t.test('the what-if plan: the moved window first, then the other windows of every month it touches before and after', async (t) => {
  const moved = aWindow({})
  const all = [
    moved,
    aWindow({ id: 'nov', reference: 'NOV', start: '2021-11-28T00:00:00.000Z', end: '2021-11-28T06:00:00.000Z' }),
    aWindow({ id: 'dec', reference: 'DEC', start: '2021-12-05T00:00:00.000Z', end: '2021-12-05T06:00:00.000Z' }),
    aWindow({ id: 'apr', reference: 'APR', start: '2022-04-10T23:00:00.000Z', end: '2022-04-11T05:00:00.000Z' }),
    aWindow({ id: 'may', reference: 'MAY', start: '2022-04-30T23:30:00.000Z', end: '2022-05-01T05:00:00.000Z' }),
  ]
  const move = { start: Date.parse('2022-04-23T23:00:00Z'), end: Date.parse('2022-04-24T05:00:00Z'), notifiedAt: moved.notifiedAt }
  const plan = whatIfPlan(all, moved, move)
  t.same(
    plan.map((w) => w.reference),
    ['DSP-TR-01', 'NOV', 'APR'],
    'November (where it was) and April (where it goes); 00:30 BST on 1 May is May',
  )
  t.match(plan[0], {
    id: 'w1',
    start: '2022-04-23T23:00:00.000Z',
    end: '2022-04-24T05:00:00.000Z',
    notifiedAt: '2021-10-05T17:00:00.000Z',
    status: 'notified',
  })
  t.equal(whatIfPlan(all, moved, { ...move, notifiedAt: null })[0]!.notifiedAt, null, 'a changed notice date goes in as given')
  const dry = toDryRun(moved)
  t.same(Object.keys(dry).sort(), [
    'changeRef',
    'description',
    'end',
    'id',
    'impact',
    'justification',
    'kind',
    'notifiedAt',
    'party',
    'programmeId',
    'reference',
    'regions',
    'riskToService',
    'services',
    'start',
    'status',
    'title',
    'zone',
  ])
})

t.test('saving a move re-opens notice only for a notified or agreed window moved earlier or later-ending', async (t) => {
  const w = aWindow({})
  const later = { start: Date.parse('2022-04-23T23:00:00Z'), end: Date.parse('2022-04-24T05:00:00Z') }
  const inside = { start: Date.parse('2021-11-14T01:00:00Z'), end: Date.parse('2021-11-14T05:00:00Z') }
  t.equal(reopensNotice(w, later), true, 'a later end')
  t.equal(reopensNotice(w, inside), false, 'shorter, inside: not material')
  t.equal(reopensNotice(aWindow({ status: 'agreed' }), later), true)
  t.equal(reopensNotice(aWindow({ status: 'proposed', notifiedAt: null }), later), false, 'not notified: nothing to re-open')
})

t.test('dry-run chunks stay under the body limit', async (t) => {
  const plan = Array.from({ length: 2000 }, (_, i) => toDryRun(aWindow({ id: `w${i}`, description: 'x'.repeat(400) })))
  const chunks = chunkPlan(plan)
  t.ok(chunks.length >= 2)
  t.equal(
    chunks.reduce((n, c) => n + c.length, 0),
    2000,
  )
  t.ok(
    chunks.every((c) => JSON.stringify({ windows: c, context: 'with-stored' }).length < 1_048_576),
    'each body under 1 MiB',
  )
  t.same(chunkPlan([]), [])
})

t.test('blackout rows: one per layer, bank holidays per nation, in category order', async (t) => {
  const p = (layerId: string, category: BlackoutPeriod['category'], nation?: string): BlackoutPeriod => ({
    layerId,
    name: layerId,
    category,
    severity: 'warning',
    provenance: 'verified',
    start: '2021-12-27T00:00:00Z',
    end: '2021-12-28T00:00:00Z',
    ...(nation ? { nation } : {}),
  })
  const rows = blackoutRows([
    p('bank-holidays', 'bank-holiday', 'scotland'),
    p('winter', 'winter'),
    p('bank-holidays', 'bank-holiday', 'england-and-wales'),
    p('bank-holidays', 'bank-holiday', 'england-and-wales'),
    p('freeze', 'release-freeze'),
  ])
  t.same(
    rows.map((r) => [r.label, r.periods.length]),
    [
      ['winter', 1],
      ['bank-holidays (England and Wales)', 2],
      ['bank-holidays (Scotland)', 1],
      ['freeze', 1],
    ],
  )
})
