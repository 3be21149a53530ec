import t from 'tap'
import type { WindowDto } from '../../../board/src/types.ts'
import { createBody, draftOf, draftPlan, patchBody, problemsByField, rebase } from '../../../board/src/window-draft.ts'

// The window form's pure part, without a browser: pointers to fields, the bodies sent, a draft rebased
// after a 412, the what-if plan of a draft.
const stored: WindowDto = {
  id: '6f1c8a52-6c1b-4d5e-9a53-0d5f2a0b8c11',
  reference: 'DSP-NEW-01',
  title: 'DSP database patch',
  description: '',
  justification: null,
  riskToService: null,
  party: 'DSP',
  changeRef: null,
  programmeId: null,
  kind: 'planned',
  impact: 'degraded',
  services: ['prepayment-top-up'],
  regions: ['N', 'C', 'S'],
  start: '2022-06-11T23:00:00.000Z',
  end: '2022-06-12T03:00:00.000Z',
  zone: 'Europe/London',
  startLocal: '2022-06-12T00:00:00+01:00[Europe/London]',
  endLocal: '2022-06-12T04:00:00+01:00[Europe/London]',
  durationMinutes: 240,
  notifiedAt: null,
  status: 'proposed',
  version: 1,
  createdBy: 'k',
  updatedAt: '2021-10-06T09:00:00.000Z',
}

t.test('problems by field: the first segment of the JSON Pointer names the field; the rest is shown apart', async (t) => {
  const p = problemsByField([
    { pointer: '/end', message: 'end must be after start' },
    { pointer: '/services/1', message: 'unknown service x' },
    { pointer: '/zone', message: 'must be an IANA time zone' },
    { pointer: '', message: 'not JSON' },
  ])
  t.same(p.byField, { end: ['end must be after start'], services: ['unknown service x'] })
  t.same(p.other, ['/zone: must be an IANA time zone', 'not JSON'])
})

t.test('the POST body: UK wall time as UTC instants, a bad time sent as typed, no regions means the party’s own', async (t) => {
  const body = createBody({
    ...draftOf(undefined, 'DSP'),
    reference: 'R-1',
    title: 'T',
    start: '2022-06-12T00:00',
    end: '2022-06-12T04:00',
  })
  t.equal(body.start, '2022-06-11T23:00:00.000Z', '00:00 BST')
  t.equal(body.end, '2022-06-12T03:00:00.000Z')
  t.equal(body.zone, 'Europe/London')
  t.notOk('regions' in body, 'regions left to the service')
  t.equal(body.changeRef, null, 'an empty change reference is none')
  t.equal(
    createBody({ ...draftOf(undefined, 'DSP'), end: '2022-02-30T04:00' }).end,
    '2022-02-30T04:00',
    'an impossible date goes to the service as typed',
  )
})

t.test('the merge patch: only what changed; unticking every region is null (back to the party’s)', async (t) => {
  const d = draftOf(stored, 'DSP')
  t.equal(d.start, '2022-06-12T00:00', 'shown in UK wall time')
  t.same(patchBody(stored, d), {}, 'unchanged: nothing to send')
  t.same(patchBody(stored, { ...d, end: '2022-06-12T03:00', title: 'New title' }), { title: 'New title', end: '2022-06-12T02:00:00.000Z' })
  t.same(patchBody(stored, { ...d, regions: [] }), { regions: null })
})

t.test('rebase after a 412: the user’s changes kept, the rest taken from the newer version', async (t) => {
  const mine = { ...draftOf(stored, 'DSP'), end: '2022-06-12T03:00' }
  const newer = { ...stored, version: 2, title: 'Changed by a colleague', impact: 'outage' as const }
  const out = rebase(mine, stored, newer)
  t.equal(out.end, '2022-06-12T03:00', 'my end')
  t.equal(out.title, 'Changed by a colleague', 'their title')
  t.equal(out.impact, 'outage')
  t.same(patchBody(newer, out), { end: '2022-06-12T02:00:00.000Z' }, 'saving again sends only my change')
})

t.test(
  'the what-if plan: the draft first with placeholders for what is not yet valid, then the board’s windows of its months',
  async (t) => {
    const other = { ...stored, id: '0b7e2b1e-1111-4c4c-8888-000000000001', reference: 'DSP-TR-12' }
    const july = {
      ...stored,
      id: '0b7e2b1e-1111-4c4c-8888-000000000002',
      start: '2022-07-09T23:00:00.000Z',
      end: '2022-07-10T03:00:00.000Z',
    }
    const d = { ...draftOf(undefined, 'DSP'), start: '2022-06-19T00:00', end: '2022-06-19T02:00' }
    const plan = draftPlan(d, 'new-id', [other, july])!
    t.same(
      plan.map((w) => w.reference),
      ['NEW-WINDOW', 'DSP-TR-12'],
      'June only',
    )
    t.equal(plan[0]!.title, 'New window')
    t.equal(plan[0]!.status, 'proposed')
    t.notOk('regions' in plan[0]!, 'the party’s regions, as the service defaults them')
    t.equal(draftPlan({ ...d, end: '2022-06-18T23:00' }, 'new-id', []), null, 'not judged while the end is before the start')
    t.equal(draftPlan({ ...d, end: '' }, 'new-id', []), null, 'nor without an end')
  },
)
