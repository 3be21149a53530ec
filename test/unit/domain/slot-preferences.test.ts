import { readFileSync } from 'node:fs'
import t from 'tap'
import { DEFAULT_PARTY_SERVICES, DEFAULT_PARTIES, DEFAULT_SERVICES } from '../../../src/domain/reference.ts'
import { assumedServices, ownWindows, warningCount } from '../../../src/domain/slot-preferences.ts'
import { aWindow } from './builders.ts'

const opsg = JSON.parse(readFileSync(new URL('../../../examples/opsg-58-plan.json', import.meta.url), 'utf8')) as {
  windows: { party: string; services: string[]; start: string; end: string }[]
}
const plan = opsg.windows.map((w) => ({ ...w, status: 'agreed' as const, start: new Date(w.start), end: new Date(w.end) }))

t.test('assumedServices: the party planned windows first, then the reference default, else none', async (t) => {
  const fromPlan = assumedServices('DSP', plan)
  t.equal(fromPlan.from, 'plan')
  t.same(fromPlan.services, opsg.windows[0]!.services, 'what the OPSG 58 windows list, in their order')
  t.same(assumedServices('CSP-N', plan), { services: ['sm-wan'], from: 'reference' }, 'no CSP-N window in the plan')
  t.same(
    assumedServices('DSP', [{ ...plan[0]!, status: 'cancelled' }]),
    { services: [...DEFAULT_PARTY_SERVICES.DSP!], from: 'reference' },
    'a cancelled window says nothing',
  )
  t.same(assumedServices('ACME', []), { services: [], from: 'none' })
  for (const party of DEFAULT_PARTIES) {
    const d = DEFAULT_PARTY_SERVICES[party.id]
    t.ok(d?.length, `${party.id} has a default`)
    t.ok(
      d?.every((s) => DEFAULT_SERVICES.some((x) => x.id === s)),
      `${party.id}: every default is a catalogue service`,
    )
  }
  t.ok(
    DEFAULT_PARTY_SERVICES.DSP!.some((s) => DEFAULT_SERVICES.find((x) => x.id === s)?.prepayment),
    'a DSP outage stops top-ups',
  )
})

t.test('ownWindows: shares time with one of the party own counted windows, ends exclusive', async (t) => {
  const at = (iso: string) => Date.parse(iso)
  const own = ownWindows('DSP', [
    ...plan,
    { ...aWindow('2022-08-07', '00:00', '06:00'), party: 'DSP', status: 'rejected' },
    { ...aWindow('2022-08-14', '00:00', '06:00'), party: 'CSP-N', status: 'agreed' },
  ])
  t.equal(own.count, 14, 'the 14 OPSG 58 windows; the rejected one and the CSP-N one are not DSP plan')
  // DSP-TR-11: 2022-05-15 00:00–06:00 BST.
  t.equal(own.overlaps(at('2022-05-15T05:45:00+01:00'), at('2022-05-15T11:45:00+01:00')), true)
  t.equal(own.overlaps(at('2022-05-14T18:15:00+01:00'), at('2022-05-15T00:15:00+01:00')), true)
  t.equal(own.overlaps(at('2022-05-15T06:00:00+01:00'), at('2022-05-15T12:00:00+01:00')), false, 'starts as it ends')
  t.equal(own.overlaps(at('2022-05-14T18:00:00+01:00'), at('2022-05-15T00:00:00+01:00')), false, 'ends as it starts')
  t.equal(own.overlaps(at('2022-08-07T01:00:00+01:00'), at('2022-08-07T02:00:00+01:00')), false, 'rejected')
  t.equal(own.overlaps(at('2022-08-14T01:00:00+01:00'), at('2022-08-14T02:00:00+01:00')), false, "another party's")
  // A long window swallowing later short ones: the running maximum of ends still finds it.
  const nested = ownWindows('DSP', [
    { party: 'DSP', status: 'agreed', start: new Date(at('2022-06-01T00:00:00Z')), end: new Date(at('2022-06-03T00:00:00Z')) },
    { party: 'DSP', status: 'agreed', start: new Date(at('2022-06-01T01:00:00Z')), end: new Date(at('2022-06-01T02:00:00Z')) },
  ])
  t.equal(nested.overlaps(at('2022-06-02T00:00:00Z'), at('2022-06-02T06:00:00Z')), true)
})

t.test('warningCount: distinct codes above info, waived ones aside', async (t) => {
  const f = (code: string, severity: string, waiver?: object) => ({ code, severity, ...(waiver ? { waiver } : {}) }) as never
  t.equal(warningCount([f('MONTHLY_CAP', 'warning'), f('PERMITTED_HOURS', 'info')]), 1)
  t.equal(warningCount([f('OVERLAP', 'warning'), f('OVERLAP', 'warning'), f('MIN_SPACING', 'warning'), f('WINTER', 'objection')]), 3)
  t.equal(warningCount([f('WINTER', 'objection', { id: 'w1' })]), 0, 'a waiver')
  t.equal(warningCount([f('WINTER', 'objection')], new Set(['WINTER'])), 0, 'waived by the search')
})
