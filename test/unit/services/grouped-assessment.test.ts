/**
 * The grouped-assessment core shared by the compliance service and `mwp check`: windows judged by
 * different rulesets come back in input order, each group judged together, the months of all groups
 * once; and a window's views carry exactly the months it has minutes in.
 */
import t from 'tap'
import { assess } from '../../../src/domain/assess.ts'
import { defaultBlackoutLayers } from '../../../src/domain/blackouts.ts'
import { DEFAULT_RULESET, type Ruleset } from '../../../src/domain/ruleset.ts'
import { SUBMITTER_FIELDS, submittedPlan } from '../../../src/domain/window.ts'
import { assessGroups, groupByRuleset } from '../../../src/services/grouped-assessment.ts'
import { aWindow, ctxFor } from '../domain/builders.ts'

const OTHER: Ruleset = { ...DEFAULT_RULESET, version: 'test-other' }

t.test('groups keep input order; each group is judged as the engine judges it alone', async (t) => {
  const plan = [aWindow('2021-11-14'), aWindow('2021-11-28'), aWindow('2021-12-05'), aWindow('2022-01-30', '22:00', '02:00')]
  const groups = groupByRuleset(plan, (w) => (w.start.getUTCMonth() === 11 ? OTHER : DEFAULT_RULESET))
  t.same([...groups.values()], [[0, 1, 3], [2]])
  const base = ctxFor()
  const r = assessGroups(plan, groups, {
    now: base.now,
    tzdbVersion: base.tzdbVersion,
    calendars: base.calendars,
    regions: base.regions!,
    blackoutsFor: defaultBlackoutLayers,
  })
  t.same(
    r.views.map((v) => [v.reference, v.ruleset.version]),
    plan.map((w, i) => [w.reference, i === 2 ? 'test-other' : DEFAULT_RULESET.version]),
  )
  const alone = assess([plan[0]!, plan[1]!, plan[3]!], base)
  t.same(r.views[1]!.findings, alone.windows[1]!.findings, 'the same findings as one assess() of its group')
  t.equal(r.provenance.length, 2)
  t.same(
    r.months.map((m) => m.month),
    ['2021-11', '2021-12', '2022-01'],
    'months of every group, in order',
  )
  t.same(
    r.views[3]!.months.map((m) => m.month),
    ['2022-01'],
    'a window ending at 02:00 on 31 January touches January only',
  )
  t.equal(r.views[0]!.assessedAt, base.now.toISOString())
  t.equal(r.views[0]!.windowVersion, null, 'a plan has no stored version')
})

t.test('one field list: a submitted window gets the service defaults', async (t) => {
  const start = new Date('2021-11-14T00:00:00Z')
  const end = new Date('2021-11-14T06:00:00Z')
  const p = submittedPlan({ reference: 'R-1', title: 'T', party: 'DSP', impact: 'outage', start, end }, { regions: ['N'] })
  t.same(Object.keys(p), [...SUBMITTER_FIELDS])
  t.same(p, {
    reference: 'R-1',
    title: 'T',
    description: '',
    justification: null,
    riskToService: null,
    party: 'DSP',
    changeRef: null,
    programmeId: null,
    kind: 'planned',
    impact: 'outage',
    services: [],
    regions: ['N'],
    start,
    end,
    zone: 'Europe/London',
  })
})
