import t from 'tap'
import { assess } from '../../../src/domain/assess.ts'
import { type BlackoutLayer, defaultBlackoutLayers } from '../../../src/domain/blackouts.ts'
import { complianceOf } from '../../../src/domain/compliance.ts'
import { certaintyOf, type Finding, findingCertainty, weakestProvenance } from '../../../src/domain/findings.ts'
import { DEFAULT_RULESET, p, type Ruleset } from '../../../src/domain/ruleset.ts'
import { aWindow, ctxFor, opsg58Plan } from './builders.ts'

/** The parameters every finding rests on, as `code/severity:rule or layer → pointers`. */
function bases(findings: readonly Finding[]): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const f of findings)
    out.set(
      `${f.code}/${f.severity}:${(f.evidence.layerId as string | undefined) ?? f.rule.id}`,
      f.rule.basis.map((b) => b.parameter),
    )
  return out
}

t.test('labels: the weakest part decides; certainty turns on assumed alone', async (t) => {
  t.equal(weakestProvenance(['verified', 'recalled', 'paraphrase']), 'recalled')
  t.equal(weakestProvenance([]), 'assumed', 'nothing to rest on is no better than assumed')
  t.equal(certaintyOf([{ parameter: '/a', provenance: 'recalled' }]), 'confirmed', 'a recalled limit still has a source')
  t.equal(
    certaintyOf([
      { parameter: '/a', provenance: 'recalled' },
      { parameter: '/b', provenance: 'assumed' },
    ]),
    'unconfirmed',
  )
  t.equal(findingCertainty({ rule: { provenance: 'assumed' } }), 'unconfirmed', 'stored before certainty existed')
  t.equal(findingCertainty({ certainty: 'confirmed', rule: { provenance: 'assumed' } }), 'confirmed', 'its own field wins')
})

t.test('each rule names the parameters its findings turn on', async (t) => {
  // One plan that makes every code the engine emits: the OPSG 58 windows, plus windows that break
  // the hours, the duration, a clock-change night, spacing, overlap, a bank holiday, a release freeze,
  // schedule content and an operator's layer, and one only the strict calendar finds late.
  const w = (date: string, from: string, to: string, over = {}) =>
    aWindow(date, from, to, { notifiedAt: new Date('2021-06-01T09:00:00Z'), ...over })
  const plan = [
    ...opsg58Plan(),
    w('2022-05-03', '17:00', '23:30', { id: 'long', reference: 'LONG', party: 'CSP-N', regions: ['N'] }),
    w('2022-10-30', '00:00', '06:00', { id: 'cc', reference: 'CC', party: 'CSP-N', regions: ['N'] }),
    w('2022-05-04', '01:00', '03:00', { id: 'near', reference: 'NEAR', party: 'CSP-N', regions: ['N'] }),
    w('2022-05-15', '01:00', '02:00', { id: 'ovl', reference: 'OVL', party: 'CSP-N', regions: ['N'] }),
    w('2021-11-05', '01:00', '02:00', { id: 'rel', reference: 'REL', party: 'CSP-N', regions: ['N'] }),
    w('2022-06-19', '01:00', '02:00', { id: 'sc', reference: 'SC', party: 'CSP-N', regions: ['N'], riskToService: null, changeRef: null }),
    w('2022-06-23', '01:00', '02:00', { id: 'em', reference: 'EM', party: 'CSP-N', regions: ['N'], kind: 'emergency', justification: '' }),
    // December 2021: in time under England & Wales (deadline 3 Nov), late under GB (2 Nov, St Andrew's Day).
    aWindow('2021-12-19', '01:00', '02:00', {
      id: 'strict',
      reference: 'STRICT',
      party: 'CSP-N',
      regions: ['N'],
      notifiedAt: new Date('2021-11-03T10:00:00Z'),
    }),
  ]
  const freeze: BlackoutLayer = {
    id: 'dsp-freeze',
    name: 'DSP change freeze',
    category: 'custom',
    severity: 'objection',
    scope: {},
    owner: 'DCC',
    legalBasis: 'DCC change board',
    provenance: 'verified',
    periods: [{ start: new Date('2022-06-18T00:00:00Z'), end: new Date('2022-06-20T00:00:00Z') }],
  }
  const ctx = ctxFor({ now: new Date('2021-10-05T17:00:00Z'), blackouts: [...defaultBlackoutLayers(DEFAULT_RULESET), freeze] })
  const a = assess(plan, ctx)
  const found = new Map<string, string[]>()
  for (const wa of a.windows) for (const [k, v] of bases(wa.findings)) if (!found.has(k)) found.set(k, v)
  const expected: Record<string, string[]> = {
    'NOTICE_PERIOD/breach:notice': ['/notice/mode', '/notice/workingDays'],
    'NOTICE_PERIOD/warning:emergency-justification': ['/notice/emergencyRequiresJustification'],
    'NOTICE_PERIOD/warning:notice': [
      '/notice/mode',
      '/notice/workingDays',
      '/notice/strict',
      '/workingDays/primaryCalendar',
      '/workingDays/strictCalendar',
    ],
    'MONTHLY_CAP/breach:monthly-cap': ['/cap/minutesPerMonth'],
    'MONTHLY_CAP/warning:monthly-cap': ['/cap/minutesPerMonth', '/cap/headroomMinutes'],
    'WINTER/objection:winter': ['/seasonal/winter/from', '/seasonal/winter/to'],
    'PREPAYMENT_PEAK/objection:november-top-up': ['/seasonal/highTopUp/value/0'],
    'PREPAYMENT_PEAK/warning:evening-peak': ['/seasonal/eveningPeak/from', '/seasonal/eveningPeak/to'],
    'PREPAYMENT_PEAK/warning:pre-bank-holiday': ['/holidays/preHolidayDays'],
    'PERMITTED_HOURS/warning:permitted-hours': ['/permittedHours/from', '/permittedHours/to'],
    'PERMITTED_HOURS/info:permitted-hours': ['/permittedHours/preferredWeekdays'],
    'MAX_DURATION/warning:duration': ['/duration/maxWindowMinutes'],
    'CLOCK_CHANGE_NIGHT/warning:clock-change': ['/clockChange/forbidNights'],
    'MIN_SPACING/warning:spacing': ['/spacing/minHoursBetweenStarts'],
    'OVERLAP/warning:overlap': ['/overlap/impacts'],
    'RELEASE_FREEZE/warning:sec-release-freeze': ['/releases/dates', '/releases/bufferDays'],
    'SCHEDULE_CONTENT/warning:schedule-content': ['/scheduleContent/required'],
    'SCHEDULE_CONTENT/warning:change-ref': ['/scheduleContent/changeRefRequired'],
    'BLACKOUT/objection:dsp-freeze': ['blackout:dsp-freeze'],
  }
  for (const [key, pointers] of Object.entries(expected)) t.same(found.get(key), pointers, key)
  const ruleKeys = new Set([...found.keys()].map((k) => k.split('/')[0]))
  for (const code of ['NOTICE_PERIOD', 'MONTHLY_CAP', 'WINTER', 'PREPAYMENT_PEAK', 'PERMITTED_HOURS', 'MAX_DURATION'])
    t.ok(ruleKeys.has(code), `${code} made by the plan`)
  // Every finding's label is the weakest of its basis, and its certainty follows from the basis.
  for (const wa of a.windows)
    for (const f of wa.findings) {
      t.equal(f.rule.provenance, weakestProvenance(f.rule.basis.map((b) => b.provenance)), `${f.key}: label`)
      t.equal(f.certainty, certaintyOf(f.rule.basis), `${f.key}: certainty`)
    }
})

t.test('OPSG 58: two confirmed breaches; every cap breach rests on the assumed 360 minutes', async (t) => {
  const a = assess(opsg58Plan(), ctxFor({ now: new Date('2021-10-05T17:00:00Z') }))
  const breaches = a.windows.flatMap((w) => w.findings.filter((f) => f.severity === 'breach'))
  const confirmed = breaches.filter((f) => f.certainty === 'confirmed')
  t.same(
    confirmed.map((f) => `${f.reference} ${f.code}`),
    ['DSP-TR-01 NOTICE_PERIOD', 'DSP-TR-02 NOTICE_PERIOD'],
  )
  t.ok(
    breaches.filter((f) => f.code === 'MONTHLY_CAP').every((f) => f.certainty === 'unconfirmed'),
    'cap breaches unconfirmed',
  )
  t.equal(breaches.filter((f) => f.code === 'MONTHLY_CAP').length, 10)
  t.same(a.summary.confirmed.breach, 2)
  t.same(a.summary.unconfirmed.breach, 10)
  t.same(a.summary.all.breach, 12)

  // Colour by compliance: November red (notice missed), the other winter windows amber, April–June green.
  const colours = a.windows.map((w) => w.compliance.rating)
  t.same(colours, ['red', 'red', ...Array(7).fill('amber'), 'green', 'green', 'green', 'amber', 'amber'])
  t.ok(new Set(colours).size >= 2, 'never all one colour')
  t.same(
    a.windows[2]!.compliance.reasons.map((r) => r.code),
    ['OPEN_UNCONFIRMED_BREACH', 'OPEN_OBJECTION'],
  )
})

t.test('a cap set from the SEC text (verified, or any sourced label) makes the cap findings confirmed', async (t) => {
  for (const label of ['verified', 'recalled', 'paraphrase', 'inferred'] as const) {
    const rs: Ruleset = {
      ...DEFAULT_RULESET,
      version: `test-${label}`,
      cap: { ...DEFAULT_RULESET.cap, minutesPerMonth: p(360, label, 'SEC H8 as read by the operator') },
    }
    const a = assess(opsg58Plan(), ctxFor({ rs, now: new Date('2021-10-05T17:00:00Z') }))
    const cap = a.windows.flatMap((w) => w.findings.filter((f) => f.code === 'MONTHLY_CAP' && f.severity === 'breach'))
    t.equal(cap.length, 10)
    t.ok(
      cap.every((f) => f.certainty === 'confirmed' && f.rule.provenance === label),
      `${label}: confirmed, labelled ${label}`,
    )
    t.equal(a.windows[0]!.compliance.rating, 'red')
    t.equal(a.windows[2]!.compliance.rating, 'red', 'December: a confirmed cap breach now')
    // The warning still rests on the assumed headroom as well.
    const warn = a.windows[9]!.findings.find((f) => f.code === 'MONTHLY_CAP')
    t.equal(warn?.certainty, 'unconfirmed', 'the headroom warning still rests on the assumed headroom')
  }
})

t.test('compliance colour: waived findings do not count; warnings never colour', async (t) => {
  const rule = { provenance: 'recalled' }
  t.equal(complianceOf([{ code: 'NOTICE_PERIOD', severity: 'breach', certainty: 'confirmed', rule, waiver: {} }]).rating, 'green')
  t.equal(complianceOf([{ code: 'OVERLAP', severity: 'warning', certainty: 'unconfirmed', rule }]).rating, 'green')
  t.equal(complianceOf([{ code: 'WINTER', severity: 'objection', certainty: 'confirmed', rule }]).rating, 'amber')
  t.equal(complianceOf([], false).rating, 'unrated')
  const red = complianceOf([
    { code: 'NOTICE_PERIOD', severity: 'breach', certainty: 'confirmed', rule },
    { code: 'MONTHLY_CAP', severity: 'breach', certainty: 'unconfirmed', rule: { provenance: 'assumed' } },
  ])
  t.equal(red.rating, 'red')
  t.same(
    red.reasons.map((r) => [r.code, r.codes]),
    [
      ['OPEN_CONFIRMED_BREACH', ['NOTICE_PERIOD']],
      ['OPEN_UNCONFIRMED_BREACH', ['MONTHLY_CAP']],
    ],
  )
})

t.test('a window that does nothing wrong is green and has no unconfirmed breach', async (t) => {
  const w = aWindow('2022-05-15', '01:00', '05:00', { notifiedAt: new Date('2022-01-04T10:00:00Z') })
  const a = assess([w], ctxFor({ now: new Date('2022-01-04T10:00:00Z') }))
  t.equal(a.windows[0]!.compliance.rating, 'green')
  t.same(a.summary.unconfirmed.breach, 0)
})
