/** R6: the availability branch a window takes (agreed Planned Maintenance or Unscheduled Downtime). */
import t from 'tap'
import { assess } from '../../../src/domain/assess.ts'
import { noticeState } from '../../../src/domain/findings.ts'
import { availabilityBasis } from '../../../src/domain/impact/index.ts'
import type { WindowPlan } from '../../../src/domain/window.ts'
import { assessOffline } from '../../../src/services/offline-assessment.ts'
import { aWindow, ctxFor } from '../domain/builders.ts'

const inTime = new Date('2021-09-01T10:00:00Z') // before the 4 Oct 2021 deadline for November
const late = new Date('2021-10-05T17:00:00Z') // OPSG 58: one Working Day late
const nov14 = (over: Partial<WindowPlan>) => aWindow('2021-11-14', '00:00', '06:00', over)

function basisOf(w: WindowPlan, waive = false) {
  const key = `${w.id}:NOTICE_PERIOD:notice`
  const ctx = ctxFor(waive ? { waivers: [{ findingKey: key, decisionRef: 'Panel 2021-10 #7' }] } : {})
  const findings = assess([w], ctx).windows[0]!.findings
  return availabilityBasis({ kind: w.kind, status: w.status, notice: noticeState(findings) })
}

t.test('agreed, notice met: agreed Planned Maintenance', async (t) => {
  const b = basisOf(nov14({ status: 'agreed', notifiedAt: inTime }))
  t.equal(b.basis, 'agreed-planned-maintenance')
  t.match(b.reason, /agreed and notified in time/)
})

t.test('agreed, late notice waived: agreed Planned Maintenance', async (t) => {
  const b = basisOf(nov14({ status: 'agreed', notifiedAt: late }), true)
  t.equal(b.basis, 'agreed-planned-maintenance')
  t.match(b.reason, /late notice waived/)
})

t.test('agreed, notice missed (open NOTICE_PERIOD breach): Unscheduled Downtime', async (t) => {
  const b = basisOf(nov14({ status: 'agreed', notifiedAt: late }))
  t.equal(b.basis, 'unscheduled-downtime')
  t.match(b.reason, /notified late \(open NOTICE_PERIOD breach\)/)
})

t.test('proposed (not agreed), even in time: Unscheduled Downtime', async (t) => {
  const b = basisOf(nov14({ status: 'proposed', notifiedAt: inTime }))
  t.equal(b.basis, 'unscheduled-downtime')
  t.match(b.reason, /status proposed: not agreed/)
})

t.test('in progress and completed count as agreed; emergency work never does', async (t) => {
  t.equal(basisOf(nov14({ status: 'in-progress', notifiedAt: inTime })).basis, 'agreed-planned-maintenance')
  t.equal(basisOf(nov14({ status: 'completed', notifiedAt: inTime })).basis, 'agreed-planned-maintenance')
  t.equal(basisOf(nov14({ status: 'agreed', notifiedAt: inTime, kind: 'emergency' })).basis, 'unscheduled-downtime')
})

t.test('the window impact names its basis and keeps both figures', async (t) => {
  const r = await assessOffline(
    [nov14({ status: 'agreed', notifiedAt: inTime }), nov14({ id: 'w2', reference: 'W2', status: 'agreed', notifiedAt: late })],
    {
      now: new Date('2021-11-01T00:00:00Z'),
      tzdbVersion: 'test',
    },
  )
  const av = (i: number) => (r.views[i]!.impact as { availability: Record<string, unknown> }).availability
  t.match(av(0), { basis: 'agreed-planned-maintenance', percent: 100, percentIfAgreed: 100 })
  t.equal(av(0).percentIfNotAgreed, 100 * (1 - 360 / 43_200), 'its own 360 of 43,200 minutes')
  t.match(av(1), { basis: 'unscheduled-downtime', percentIfAgreed: 100 })
  t.equal(av(1).percent, av(1).percentIfNotAgreed)
  t.match(av(1).reason, /notified late/)
})
