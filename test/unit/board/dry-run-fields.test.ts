import t from 'tap'
import type { WindowDto } from '../../../board/src/types.ts'
import { toDryRun } from '../../../board/src/what-if.ts'
import { SUBMITTER_FIELDS } from '../../../src/domain/window.ts'
import { DryRunWindow } from '../../../src/schemas/windows.ts'

// The board's dry-run window, the domain's field list and the API's DryRunWindow schema are one list:
// if any of the three gains or loses a field, this fails.
const stored: WindowDto = {
  id: '6f1c2a52-8f0e-4d3a-9a57-3b1f0f6b2c11',
  reference: 'DSP-TR-01',
  title: 'Refresh',
  description: 'Replace the core switches',
  justification: null,
  riskToService: 'rollback rehearsed',
  party: 'DSP',
  changeRef: 'CRQ000000134669',
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
}
const sorted = (keys: Iterable<string>) => [...keys].sort()

t.test("the board sends the domain's submitter fields, plus id, notice and status, and nothing else", async (t) => {
  t.same(sorted(Object.keys(toDryRun(stored))), sorted([...SUBMITTER_FIELDS, 'id', 'notifiedAt', 'status']))
})

t.test("the board's dry-run window has exactly the fields of the API's DryRunWindow", async (t) => {
  t.same(sorted(Object.keys(toDryRun(stored))), sorted(Object.keys(DryRunWindow.shape)))
  const parsed = DryRunWindow.safeParse(toDryRun(stored))
  t.ok(parsed.success, `the API's strict schema accepts it: ${parsed.error?.message ?? ''}`)
})

t.test('a moved window keeps every field and changes only its times and notice', async (t) => {
  const move = { start: Date.parse('2021-11-21T00:00:00Z'), end: Date.parse('2021-11-21T06:00:00Z'), notifiedAt: null }
  const moved = toDryRun(stored, move)
  t.same(moved, { ...toDryRun(stored), start: '2021-11-21T00:00:00.000Z', end: '2021-11-21T06:00:00.000Z', notifiedAt: null })
  t.ok(DryRunWindow.safeParse(moved).success, 'still accepted by the API')
})
