import t from 'tap'
import { programmeOf, withProgramme } from '../../../board/src/query.ts'
import { boardRangeOf, type ReplanEntryDto, replanDiff } from '../../../board/src/replan-diff.ts'
import { localDate } from '../../../board/src/time.ts'

// The re-plan preview's diff and the programme view's address, without a browser.
const finding = (code: string, severity: 'breach' | 'objection' | 'warning' | 'info' = 'breach') => ({ code, severity, message: code })
const entry = (
  reference: string,
  old: [string, string],
  next: [string, string] | null,
  over: Partial<ReplanEntryDto> = {},
): ReplanEntryDto => ({
  windowId: `id-${reference}`,
  reference,
  kept: false,
  old: { start: old[0], end: old[1], localStart: old[0] },
  new: next && { start: next[0], end: next[1], localStart: next[0] },
  before: {
    worstSeverity: 'breach',
    findings: [finding('NOTICE_PERIOD'), finding('PREPAYMENT_PEAK', 'objection'), finding('HOLIDAY_ADJACENT', 'info')],
  },
  after: { worstSeverity: 'warning', findings: [finding('PREPAYMENT_PEAK', 'objection'), finding('LOW_HEADROOM', 'warning')] },
  expectedFailedTopUps: 10,
  ...over,
})

t.test('moved windows: old and new positions, the findings that disappear and appear (info left out)', async (t) => {
  const d = replanDiff({
    entries: [
      entry('DSP-TR-01', ['2021-11-14T00:00:00Z', '2021-11-14T06:00:00Z'], ['2023-05-14T23:00:00Z', '2023-05-15T05:00:00Z']),
      entry('DSP-TR-11', ['2022-04-10T00:00:00Z', '2022-04-10T06:00:00Z'], ['2022-04-10T00:00:00Z', '2022-04-10T06:00:00Z'], {
        kept: true,
      }),
    ],
  })
  t.equal(d.moved.length, 1)
  const m = d.moved[0]!
  t.equal(m.reference, 'DSP-TR-01')
  t.equal(m.windowId, 'id-DSP-TR-01')
  t.same(m.old, { start: Date.parse('2021-11-14T00:00:00Z'), end: Date.parse('2021-11-14T06:00:00Z') })
  t.same(m.new, { start: Date.parse('2023-05-14T23:00:00Z'), end: Date.parse('2023-05-15T05:00:00Z') })
  t.same(m.gone, ['NOTICE_PERIOD'], 'the notice breach disappears; the info finding is not listed')
  t.same(m.appeared, ['LOW_HEADROOM'])
  t.equal(m.worstBefore, 'breach')
  t.equal(m.worstAfter, 'warning')
  t.same(d.kept, ['DSP-TR-11'])
  t.same(d.unplaced, [])
  t.same(d.span, { start: Date.parse('2021-11-14T00:00:00Z'), end: Date.parse('2023-05-15T05:00:00Z') }, 'spans both positions')
})

t.test('a window given its own dates back counts as kept; one with no slot is unplaced; nothing gives no span', async (t) => {
  const same = ['2022-01-09T00:00:00Z', '2022-01-09T06:00:00Z'] as [string, string]
  const d = replanDiff({ entries: [entry('A', same, same), entry('B', same, null, { after: null })] })
  t.same(d.moved, [])
  t.same(d.kept, ['A'], 'same position as before: apply does not move it either')
  t.same(d.unplaced, ['B'])
  t.same(d.span, { start: Date.parse(same[0]), end: Date.parse(same[1]) })
  t.same(replanDiff({ entries: [] }), { moved: [], kept: [], unplaced: [], span: null })
  const noAfter = replanDiff({ entries: [entry('C', same, ['2022-02-06T00:00:00Z', '2022-02-06T06:00:00Z'], { after: null })] })
  t.same(noAfter.moved[0]!.gone, ['NOTICE_PERIOD', 'PREPAYMENT_PEAK'], 'without an after, every finding above info disappears')
  t.equal(noAfter.moved[0]!.worstAfter, null)
})

t.test('the board range showing a diff: whole local months, to exclusive, across a year end', async (t) => {
  t.same(boardRangeOf({ start: Date.parse('2021-11-14T00:00:00Z'), end: Date.parse('2024-03-10T06:00:00Z') }, localDate), {
    from: '2021-11-01',
    to: '2024-04-01',
  })
  t.same(
    boardRangeOf({ start: Date.parse('2021-10-31T23:30:00Z'), end: Date.parse('2022-12-31T23:00:00Z') }, localDate),
    {
      from: '2021-10-01',
      to: '2023-01-01',
    },
    'local months (GMT in winter); an end at midnight does not touch the next month',
  )
  t.same(
    boardRangeOf({ start: Date.parse('2022-05-31T23:30:00Z'), end: Date.parse('2022-06-01T01:00:00Z') }, localDate),
    {
      from: '2022-06-01',
      to: '2022-07-01',
    },
    '23:30 UTC on 31 May is 00:30 BST on 1 June',
  )
})

t.test('the programme view in the address: all, an id, or nothing; other parameters kept', async (t) => {
  const id = '0f8fad5b-d9cb-469f-a165-70867728950e'
  t.equal(programmeOf('?programme=all'), 'all')
  t.equal(programmeOf(`?from=2021-10-01&programme=${id}`), id)
  t.equal(programmeOf('?programme=../../keys'), null, 'anything else is ignored')
  t.equal(programmeOf('?from=2021-10-01'), null)
  t.equal(withProgramme('?from=2021-10-01&to=2022-08-01&party=DSP', id), `?from=2021-10-01&to=2022-08-01&party=DSP&programme=${id}`)
  t.equal(withProgramme(`?from=2021-10-01&programme=${id}`, 'all'), '?from=2021-10-01&programme=all')
  t.equal(withProgramme('?programme=all', null), '')
  t.equal(withProgramme('?from=2021-10-01&programme=all', null), '?from=2021-10-01')
})
