/**
 * A ruleset's `severities` map is obeyed for every finding code (Ruleset.severities): each code below
 * is produced by a plan made for it, first under the default ruleset, then under an override.
 */
import t from 'tap'
import { assess } from '../../../src/domain/assess.ts'
import { type BlackoutLayer, defaultBlackoutLayers } from '../../../src/domain/blackouts.ts'
import { FINDING_CODE_LIST, type Finding, type FindingCode, type Severity } from '../../../src/domain/findings.ts'
import { DEFAULT_RULESET, type Ruleset } from '../../../src/domain/ruleset.ts'
import type { WindowPlan } from '../../../src/domain/window.ts'
import { assessOffline } from '../../../src/services/offline-assessment.ts'
import { aWindow, ctxFor } from '../domain/builders.ts'

const withOverride = (code: FindingCode, severity: Severity): Ruleset => ({
  ...DEFAULT_RULESET,
  version: `test-${code}-${severity}`,
  severities: { [code]: severity },
})

const early = new Date('2020-01-02T10:00:00Z')
const notified = (w: WindowPlan): WindowPlan => ({ ...w, notifiedAt: early })

const customLayer = (severity: Severity): BlackoutLayer => ({
  id: 'data-centre-move',
  name: 'Data centre move',
  category: 'custom',
  severity,
  scope: {},
  owner: 'DCC',
  legalBasis: 'test layer',
  provenance: 'assumed',
  periods: [{ start: new Date('2022-05-14T00:00:00Z'), end: new Date('2022-05-16T00:00:00Z') }],
})

/** The severities of the subject's findings of `code`, judged by the pure engine. */
function engine(plan: readonly WindowPlan[], code: FindingCode, rs: Ruleset, extraLayers: BlackoutLayer[] = [], subject = 0): string[] {
  const ctx = ctxFor({ rs, blackouts: [...defaultBlackoutLayers(rs), ...extraLayers] })
  return assess(plan, ctx)
    .windows[subject]!.findings.filter((f) => f.code === code)
    .map((f) => f.severity)
}

/** The same through the offline assessment (impact attacher included: REDUNDANCY_LOSS, OVERRUN). */
async function offline(plan: readonly WindowPlan[], code: FindingCode, rs: Ruleset, subject = 0): Promise<string[]> {
  const r = await assessOffline(plan, { now: new Date('2022-08-01T00:00:00Z'), tzdbVersion: 'test', ruleset: rs })
  return r.views[subject]!.findings.filter((f: Finding) => f.code === code).map((f: Finding) => f.severity)
}

const cases: { code: FindingCode; override: Severity; run: (rs: Ruleset) => string[] | Promise<string[]>; before: string[] }[] = [
  {
    code: 'NOTICE_PERIOD',
    override: 'objection',
    before: ['breach'],
    run: (rs) => engine([aWindow('2021-11-14', '00:00', '06:00', { notifiedAt: new Date('2021-10-05T12:00:00Z') })], 'NOTICE_PERIOD', rs),
  },
  {
    code: 'SCHEDULE_CONTENT',
    override: 'objection',
    before: ['warning'],
    run: (rs) => engine([notified(aWindow('2022-05-08', '00:00', '06:00', { riskToService: null }))], 'SCHEDULE_CONTENT', rs),
  },
  {
    code: 'PERMITTED_HOURS',
    override: 'breach',
    before: ['warning'],
    run: (rs) => engine([notified(aWindow('2022-05-08', '10:00', '14:00'))], 'PERMITTED_HOURS', rs),
  },
  {
    code: 'CLOCK_CHANGE_NIGHT',
    override: 'objection',
    before: ['warning'],
    run: (rs) => engine([notified(aWindow('2022-10-30'))], 'CLOCK_CHANGE_NIGHT', rs),
  },
  {
    code: 'MAX_DURATION',
    override: 'objection',
    before: ['warning'],
    run: (rs) => engine([notified(aWindow('2022-05-08', '22:00', '05:00'))], 'MAX_DURATION', rs),
  },
  {
    code: 'MONTHLY_CAP',
    override: 'objection',
    before: ['breach'],
    run: (rs) => engine([notified(aWindow('2022-05-08')), notified(aWindow('2022-05-22'))], 'MONTHLY_CAP', rs),
  },
  {
    code: 'WINTER',
    override: 'warning',
    before: ['objection'],
    run: (rs) => engine([notified(aWindow('2022-01-16'))], 'WINTER', rs),
  },
  {
    code: 'PREPAYMENT_PEAK',
    override: 'warning',
    before: ['objection'],
    run: (rs) => engine([notified(aWindow('2021-11-14'))], 'PREPAYMENT_PEAK', rs),
  },
  {
    code: 'BANK_HOLIDAY',
    override: 'objection',
    before: ['warning'],
    run: (rs) => engine([notified(aWindow('2022-05-02'))], 'BANK_HOLIDAY', rs),
  },
  {
    code: 'RELEASE_FREEZE',
    override: 'objection',
    before: ['warning'],
    run: (rs) => engine([notified(aWindow('2021-11-07'))], 'RELEASE_FREEZE', rs),
  },
  {
    code: 'BLACKOUT',
    override: 'objection',
    before: ['warning'],
    run: (rs) => engine([notified(aWindow('2022-05-15'))], 'BLACKOUT', rs, [customLayer('warning')]),
  },
  {
    code: 'OVERLAP',
    override: 'objection',
    before: ['warning'],
    run: (rs) =>
      engine(
        [
          notified(aWindow('2022-05-08')),
          notified(aWindow('2022-05-08', '02:00', '04:00', { id: 'w2', reference: 'CSP-1', party: 'CSP_N', regions: ['N'] })),
        ],
        'OVERLAP',
        rs,
      ),
  },
  {
    code: 'MIN_SPACING',
    override: 'objection',
    before: ['warning'],
    run: (rs) => engine([notified(aWindow('2022-05-08')), notified(aWindow('2022-05-11'))], 'MIN_SPACING', rs, [], 1),
  },
  {
    code: 'OVERRUN',
    override: 'objection',
    before: ['breach'],
    run: (rs) =>
      offline(
        [
          {
            ...notified(aWindow('2022-05-08')),
            status: 'completed',
            actualStart: new Date('2022-05-07T23:00:00Z'),
            actualEnd: new Date('2022-05-08T06:30:00Z'),
          } as WindowPlan,
        ],
        'OVERRUN',
        rs,
      ),
  },
  {
    code: 'REDUNDANCY_LOSS',
    override: 'breach',
    before: ['objection'],
    run: (rs) =>
      offline(
        [
          notified(aWindow('2022-05-08', '00:00', '06:00', { impact: 'reduced-redundancy' })),
          notified(aWindow('2022-05-08', '01:00', '03:00', { id: 'w2', reference: 'CSP-1', party: 'CSP_N', regions: ['N'] })),
        ],
        'REDUNDANCY_LOSS',
        rs,
      ),
  },
]

t.test('every finding code has a case here', async (t) => {
  t.same(cases.map((c) => c.code).sort(), [...FINDING_CODE_LIST].sort())
})

for (const c of cases) {
  t.test(`${c.code}: severities.${c.code} = '${c.override}' is obeyed`, async (t) => {
    t.same(await c.run(DEFAULT_RULESET), c.before, 'the plan produces the code at its default severity')
    t.same(
      await c.run(withOverride(c.code, c.override)),
      c.before.map(() => c.override),
      'the override replaces it',
    )
  })
}

t.test('milder cases stay milder unless the override is milder still', async (t) => {
  // MONTHLY_CAP within the headroom: one 330-minute window in a month (cap 360, headroom 60).
  const headroom = [notified(aWindow('2022-05-08', '00:30', '06:00'))]
  t.same(engine(headroom, 'MONTHLY_CAP', DEFAULT_RULESET), ['warning'])
  t.same(engine(headroom, 'MONTHLY_CAP', withOverride('MONTHLY_CAP', 'objection')), ['warning'], 'headroom stays a warning')
  t.same(engine(headroom, 'MONTHLY_CAP', withOverride('MONTHLY_CAP', 'info')), ['info'], 'an info override is milder still')
  // PREPAYMENT_PEAK's evening peak (warning) under an objection → breach override.
  const evening = [notified(aWindow('2022-05-10', '17:00', '19:00'))]
  t.same(engine(evening, 'PREPAYMENT_PEAK', DEFAULT_RULESET), ['warning'])
  t.same(engine(evening, 'PREPAYMENT_PEAK', withOverride('PREPAYMENT_PEAK', 'breach')), ['warning'])
  // NOTICE_PERIOD for an emergency without justification (warning).
  const emergency = [aWindow('2022-05-10', '10:00', '12:00', { kind: 'emergency', justification: null })]
  t.same(engine(emergency, 'NOTICE_PERIOD', withOverride('NOTICE_PERIOD', 'objection')), ['warning'])
  t.same(engine(emergency, 'NOTICE_PERIOD', withOverride('NOTICE_PERIOD', 'info')), ['info'])
  // PERMITTED_HOURS on a non-preferred weekday (info) stays info under a breach override.
  t.same(engine([notified(aWindow('2022-05-10'))], 'PERMITTED_HOURS', withOverride('PERMITTED_HOURS', 'breach')), ['info'])
  // A custom layer's own severity above its code's default is its main severity: the override replaces it.
  t.same(engine([notified(aWindow('2022-05-15'))], 'BLACKOUT', withOverride('BLACKOUT', 'info'), [customLayer('objection')]), ['info'])
})
