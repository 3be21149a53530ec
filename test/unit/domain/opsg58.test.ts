import t from 'tap'
import { assess } from '../../../src/domain/assess.ts'
import { ctxFor, opsg58Plan } from './builders.ts'

t.test('OPSG 58: the 14 DSP Technical Refresh windows notified 2021-10-05', async (t) => {
  const plan = opsg58Plan()
  const a = assess(plan, ctxFor({ now: new Date('2021-10-05T17:00:00Z') }))
  const by = (code: string, sev: string) =>
    a.windows.flatMap((w, i) => (w.findings.some((f) => f.code === code && f.severity === sev) ? [i + 1] : []))

  t.same(by('NOTICE_PERIOD', 'breach'), [1, 2], 'notice breaches on windows 1–2 only')
  t.same(by('NOTICE_PERIOD', 'warning'), [], 'no strict-only notice warnings')
  t.same(by('WINTER', 'objection'), [1, 2, 3, 4, 5, 6, 7, 8, 9], 'winter objections on windows 1–9 only')
  t.same(by('PREPAYMENT_PEAK', 'objection'), [1, 2], 'November top-up objections on windows 1–2 only')
  t.same(by('MONTHLY_CAP', 'breach'), [1, 2, 3, 4, 5, 6, 7, 8, 13, 14], 'cap breaches in Nov, Dec, Jan, Feb, Jul')
  t.same(by('MONTHLY_CAP', 'warning'), [9, 10, 11, 12], 'at the cap, within headroom, Mar–Jun')
  t.same(by('RELEASE_FREEZE', 'warning'), [], 'no window within 7 days of 4 Nov 2021')
  t.same(by('BANK_HOLIDAY', 'warning'), [], 'no window on a bank holiday ± 1 day')
  t.same(by('CLOCK_CHANGE_NIGHT', 'warning'), [])
  t.same(by('PERMITTED_HOURS', 'warning'), [])
  t.same(by('MIN_SPACING', 'warning'), [], 'windows 7 days apart are not too close')
  t.same(by('OVERLAP', 'warning'), [])

  // Window 2 (28 Nov) is within the 3 days before St Andrew's Day (Scotland: DSP reaches region N).
  const w2pre = a.windows[1]!.findings.find((f) => f.key.endsWith(':pre-bank-holiday'))
  t.equal(w2pre?.severity, 'warning')
  t.match(w2pre?.message, /St Andrew/)

  const minutes = Object.fromEntries(a.months.map((m) => [m.month, m.plannedMinutes]))
  t.same(minutes, {
    '2021-11': 720,
    '2021-12': 720,
    '2022-01': 720,
    '2022-02': 720,
    '2022-03': 360,
    '2022-04': 360,
    '2022-05': 360,
    '2022-06': 360,
    '2022-07': 720,
  })
  t.same(
    a.months.map((m) => m.status),
    ['breach', 'breach', 'breach', 'breach', 'warning', 'warning', 'warning', 'warning', 'breach'],
  )

  const n1 = a.windows[0]!.findings.find((f) => f.code === 'NOTICE_PERIOD')!
  t.equal(
    n1.message,
    'DSP-TR-01: notified 2021-10-05; the deadline for November 2021 was 2021-10-04, 20 Working Days before 1 November (england-and-wales)',
  )
  t.equal(n1.key, 'dsp-tr-01:NOTICE_PERIOD:notice')
  t.equal(n1.rule.provenance, 'recalled')
  t.equal(n1.waivable, true)
  t.match(n1.evidence, {
    deadlineDate: '2021-10-04',
    notifiedLocalDate: '2021-10-05',
    month: '2021-11',
    calendar: 'england-and-wales',
    strictDeadlineDate: '2021-10-04',
    workingDaysLate: 1,
  })

  const cap1 = a.windows[0]!.findings.find((f) => f.code === 'MONTHLY_CAP')!
  t.equal(cap1.key, 'dsp-tr-01:MONTHLY_CAP:monthly-cap:2021-11')
  t.equal(cap1.rule.provenance, 'assumed')
  t.match(cap1.message, /November 2021: 720 planned minutes .* exceed the cap of 360 minutes \(assumed\) by 360/)
  t.match(cap1.evidence, { plannedMinutes: 720, capMinutes: 360, windowMinutesInMonth: 360 })
  const winter = a.windows[0]!.findings.find((f) => f.code === 'WINTER')!
  t.equal(winter.key, 'dsp-tr-01:WINTER:blackout:winter')
  t.match(winter.evidence, { periodLocal: '2021-10-01 to 2022-03-31', overlapMinutes: 360 })

  // Nothing above info beyond the expected codes.
  const codes = new Set(a.windows.flatMap((w) => w.findings.map((f) => f.code)))
  t.same([...codes].sort(), ['MONTHLY_CAP', 'NOTICE_PERIOD', 'PREPAYMENT_PEAK', 'WINTER'])
  t.equal(a.provenance.rulesetId, 'sec-planned-maintenance-default')
  t.equal(a.provenance.calendars['england-and-wales'], 'date-holidays@3.37.0+ovr:0')
  t.equal(a.provenance.tzdbVersion, 'test-tz')
})

t.test('OPSG 58 windows published a day earlier (4 Oct) meet the notice rule', async (t) => {
  const plan = opsg58Plan().map((w) => ({ ...w, notifiedAt: new Date('2021-10-04T22:59:00Z') }))
  const a = assess(plan, ctxFor())
  t.equal(a.windows.filter((w) => w.findings.some((f) => f.code === 'NOTICE_PERIOD')).length, 0)
  const late = opsg58Plan().map((w) => ({ ...w, notifiedAt: new Date('2021-10-04T23:00:00Z') })) // 00:00 BST 5 Oct
  const b = assess(late, ctxFor())
  t.equal(b.windows.filter((w) => w.findings.some((f) => f.code === 'NOTICE_PERIOD')).length, 2)
})

t.test('a waiver marks the finding and keeps it visible; an expired one does not', async (t) => {
  const plan = opsg58Plan()
  const key = 'dsp-tr-01:NOTICE_PERIOD:notice'
  const waiver = {
    findingKey: key,
    approvedBy: 'sec-panel' as const,
    decisionRef: 'OPSG58/01',
    decidedAt: new Date('2021-10-05T12:00:00Z'),
    reason: 'accepted',
  }
  const a = assess(plan, ctxFor({ waivers: [waiver] }))
  const f = a.windows[0]!.findings.find((x) => x.key === key)!
  t.equal(f.severity, 'breach')
  t.equal(f.waiver?.decisionRef, 'OPSG58/01')
  const b = assess(plan, ctxFor({ waivers: [{ ...waiver, expiresAt: new Date('2021-10-01T00:00:00Z') }] }))
  t.equal(b.windows[0]!.findings.find((x) => x.key === key)!.waiver, undefined)
})
