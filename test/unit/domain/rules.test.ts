import t from 'tap'
import { assess } from '../../../src/domain/assess.ts'
import {
  blackoutStateAt,
  defaultBlackoutLayers,
  expandLayer,
  validateBlackoutLayer,
  type BlackoutLayer,
} from '../../../src/domain/blackouts.ts'
import { buildCalendars } from '../../../src/domain/calendars.ts'
import { FINDING_CODES } from '../../../src/domain/findings.ts'
import { expandRecurrence, RecurrenceError } from '../../../src/domain/recurrence.ts'
import { DEFAULT_RULESET, p, type Ruleset } from '../../../src/domain/ruleset.ts'
import { validateRuleset } from '../../../src/domain/ruleset-validation.ts'
import { aWindow, ctxFor } from './builders.ts'

const sev = (list: { code: string; severity: string }[]) => list.map((f) => `${f.code}/${f.severity}`)

t.test('finding codes and default severities (issue 3 §3)', async (t) => {
  t.same(FINDING_CODES, {
    NOTICE_PERIOD: 'breach',
    SCHEDULE_CONTENT: 'warning',
    PERMITTED_HOURS: 'warning',
    CLOCK_CHANGE_NIGHT: 'warning',
    MAX_DURATION: 'warning',
    MONTHLY_CAP: 'breach',
    WINTER: 'objection',
    PREPAYMENT_PEAK: 'objection',
    BANK_HOLIDAY: 'warning',
    RELEASE_FREEZE: 'warning',
    BLACKOUT: 'warning',
    OVERLAP: 'warning',
    MIN_SPACING: 'warning',
    OVERRUN: 'breach',
    REDUNDANCY_LOSS: 'objection',
  })
})

t.test('every clock-change night 2021–2023', async (t) => {
  const nights: [string, number][] = [
    ['2021-03-28', 300],
    ['2021-10-31', 420],
    ['2022-03-27', 300],
    ['2022-10-30', 420],
    ['2023-03-26', 300],
    ['2023-10-29', 420],
  ]
  for (const [date, minutes] of nights) {
    const w = aWindow(date, '00:00', '06:00', { notifiedAt: new Date(Date.parse(date) - 90 * 86_400_000) })
    const a = assess([w], ctxFor({ now: w.notifiedAt! }))
    t.equal(a.windows[0]!.realMinutes, minutes, `${date}: ${minutes} real minutes`)
    const cc = a.windows[0]!.findings.find((f) => f.code === 'CLOCK_CHANGE_NIGHT')
    t.equal(cc?.severity, 'warning', `${date}: CLOCK_CHANGE_NIGHT warning`)
    t.equal(cc?.evidence.realMinutes, minutes)
    t.equal(cc?.evidence.wallClockMinutes, 360)
    t.match(cc?.message, new RegExp(`^MW-${date}-0000: runs ${date} 00:00–06:00 \\(Europe/London\\) across a clock change`))
    t.equal(
      a.windows[0]!.findings.some((f) => f.code === 'PERMITTED_HOURS' && f.severity === 'warning'),
      false,
      'still inside 00:00–06:00 local',
    )
    t.equal(
      a.windows[0]!.findings.some((f) => f.code === 'MAX_DURATION'),
      minutes > 360,
      'MAX_DURATION only when longer than 360 real minutes',
    )
    const month = a.months.find((m) => m.month === date.slice(0, 7))!
    t.equal(month.plannedMinutes, minutes, 'the cap counts real minutes')
  }
  // The Sunday before and after: no clock change.
  const plain = aWindow('2022-10-23', '00:00', '06:00')
  t.equal(
    assess([plain], ctxFor()).windows[0]!.findings.some((f) => f.code === 'CLOCK_CHANGE_NIGHT'),
    false,
  )
  const month = assess([aWindow('2021-10-31')], ctxFor()).months[0]!
  t.equal(month.realMinutesInMonth, 44_700)
})

t.test("St Andrew's Day: region N gets BANK_HOLIDAY, S does not", async (t) => {
  const base = { notifiedAt: new Date('2021-09-01T10:00:00Z'), party: 'CSP-N' }
  const north = aWindow('2021-11-30', '00:00', '06:00', { ...base, id: 'n', reference: 'N-1', regions: ['N'] })
  const south = aWindow('2021-11-30', '00:00', '06:00', { ...base, id: 's', reference: 'S-1', party: 'CSP-S', regions: ['S'] })
  const an = assess([north], ctxFor()).windows[0]!.findings
  const as = assess([south], ctxFor()).windows[0]!.findings
  const bh = an.find((f) => f.code === 'BANK_HOLIDAY')!
  t.equal(bh.severity, 'warning')
  t.equal(bh.key, 'n:BANK_HOLIDAY:blackout:bank-holidays')
  t.match(bh.message, /St Andrew’s Day 2021-11-30 \(scotland\)/)
  t.equal(
    as.some((f) => f.code === 'BANK_HOLIDAY'),
    false,
  )
  t.equal(
    as.some((f) => f.key.endsWith(':pre-bank-holiday')),
    false,
  )
  // ± 1 day: 1 Dec in N is inside the buffer; 2 Dec is not.
  const dec1 = aWindow('2021-12-01', '00:00', '06:00', { ...base, regions: ['N'] })
  const dec2 = aWindow('2021-12-02', '00:00', '06:00', { ...base, regions: ['N'] })
  t.equal(
    assess([dec1], ctxFor()).windows[0]!.findings.some((f) => f.code === 'BANK_HOLIDAY'),
    true,
  )
  t.equal(
    assess([dec2], ctxFor()).windows[0]!.findings.some((f) => f.code === 'BANK_HOLIDAY'),
    false,
  )
  // 3 days before: 27 Nov in N → PREPAYMENT_PEAK warning (pre-holiday); 26 Nov not.
  const n27 = assess([aWindow('2021-11-27', '00:00', '06:00', { ...base, regions: ['N'] })], ctxFor()).windows[0]!.findings
  t.same(sev(n27.filter((f) => f.key.endsWith(':pre-bank-holiday'))), ['PREPAYMENT_PEAK/warning'])
  const n26 = assess([aWindow('2021-11-26', '00:00', '06:00', { ...base, regions: ['N'] })], ctxFor()).windows[0]!.findings
  t.equal(
    n26.some((f) => f.key.endsWith(':pre-bank-holiday')),
    false,
  )
})

t.test('release freeze, Christmas peak, evening peak, custom layer', async (t) => {
  const nb = { notifiedAt: new Date('2021-06-01T10:00:00Z') }
  const rel = assess([aWindow('2021-11-11', '00:00', '06:00', nb)], ctxFor()).windows[0]!.findings
  t.equal(rel.find((f) => f.code === 'RELEASE_FREEZE')?.severity, 'warning', '11 Nov is within 7 days of 4 Nov')
  t.match(rel.find((f) => f.code === 'RELEASE_FREEZE')?.evidence, {
    periodLocal: '2021-10-28 to 2021-11-11',
    label: 'SEC Release 2021-11-04',
  })
  t.equal(
    assess([aWindow('2021-11-12', '00:00', '06:00', nb)], ctxFor()).windows[0]!.findings.some((f) => f.code === 'RELEASE_FREEZE'),
    false,
  )
  const xmas = assess([aWindow('2022-01-05', '00:00', '06:00', nb)], ctxFor()).windows[0]!.findings
  t.equal(xmas.find((f) => f.key.endsWith(':christmas-new-year'))?.severity, 'objection')
  t.equal(
    assess([aWindow('2022-01-06', '00:00', '06:00', nb)], ctxFor()).windows[0]!.findings.some((f) => f.key.endsWith(':christmas-new-year')),
    false,
  )
  const eve = assess([aWindow('2022-06-19', '21:00', '23:00', nb)], ctxFor()).windows[0]!.findings
  const ep = eve.find((f) => f.key.endsWith(':evening-peak'))!
  t.equal(ep.severity, 'warning')
  t.equal(ep.evidence.overlapMinutes, 60)
  t.equal(eve.find((f) => f.code === 'PERMITTED_HOURS')?.severity, 'warning')
  // Evening peak stays 16:00–22:00 local on a clock-change day.
  const dst = assess([aWindow('2022-03-27', '15:00', '17:00', nb)], ctxFor()).windows[0]!.findings.find((f) =>
    f.key.endsWith(':evening-peak'),
  )!
  t.equal(dst.evidence.periodStart, '2022-03-27T15:00:00.000Z')
  t.equal(dst.evidence.overlapMinutes, 60)

  const custom: BlackoutLayer = {
    id: 'smets1-batch',
    name: 'SMETS1 migration batch',
    category: 'custom',
    severity: 'objection',
    scope: { parties: ['CSP-N'] },
    owner: 'DCC migration',
    legalBasis: 'migration batch',
    provenance: 'assumed',
    periods: [{ start: new Date('2022-05-01T00:00:00Z'), end: new Date('2022-05-03T00:00:00Z'), label: 'batch 42' }],
  }
  t.same(validateBlackoutLayer(custom), [])
  const ctx = ctxFor({ blackouts: [...defaultBlackoutLayers(DEFAULT_RULESET), custom] })
  const hitN = assess([aWindow('2022-05-01', '01:00', '03:00', { ...nb, party: 'CSP-N', regions: ['N'] })], ctx).windows[0]!.findings
  t.equal(hitN.find((f) => f.code === 'BLACKOUT')?.severity, 'objection')
  t.equal(hitN.find((f) => f.code === 'BLACKOUT')?.key, 'w-2022-05-01-01:00:BLACKOUT:blackout:smets1-batch')
  const hitS = assess([aWindow('2022-05-01', '01:00', '03:00', { ...nb, party: 'CSP-S', regions: ['S'] })], ctx).windows[0]!.findings
  t.equal(
    hitS.some((f) => f.code === 'BLACKOUT'),
    false,
    'scope: other parties unaffected',
  )
  t.same(
    validateBlackoutLayer({ ...custom, category: 'x', periods: [{ start: new Date(2), end: new Date(1) }] }).map((x) => x.pointer),
    ['/category', '/periods/0/end'],
  )
  t.same(
    validateBlackoutLayer({
      ...custom,
      periods: undefined,
      recurrence: { rrule: 'FREQ=NOPE', dtstart: '2021-01-01', startTime: '25:00', duration: 'PT0H', zone: 'X/Y' },
    }).map((x) => x.pointer),
    ['/recurrence/rrule', '/recurrence/startTime', '/recurrence/zone', '/recurrence/duration'],
  )
})

t.test('blackout state at an instant and the next change', async (t) => {
  const calendars = buildCalendars()
  const layers = defaultBlackoutLayers(DEFAULT_RULESET)
  const s1 = blackoutStateAt(layers, new Date('2021-11-14T12:00:00Z'), { calendars })
  t.same(
    s1.active.map((a) => a.id),
    ['winter', 'november-top-up'],
  )
  t.equal(s1.nextChangeAt?.toISOString(), '2021-11-14T16:00:00.000Z', 'evening peak starts at 16:00 GMT')
  const s2 = blackoutStateAt(layers, new Date('2021-11-14T16:00:00Z'), { calendars })
  t.same(
    s2.active.map((a) => a.id),
    ['winter', 'november-top-up', 'evening-peak'],
  )
  t.equal(s2.nextChangeAt?.toISOString(), '2021-11-14T22:00:00.000Z')
  const s3 = blackoutStateAt(layers, new Date('2021-11-28T00:00:00Z'), { calendars, regions: ['S'] })
  t.same(
    s3.active.map((a) => a.id),
    ['winter', 'november-top-up'],
    'S: no Scottish holidays',
  )
  const s4 = blackoutStateAt(layers, new Date('2021-11-28T00:00:00Z'), { calendars, regions: ['N'] })
  t.same(
    s4.active.map((a) => a.id),
    ['winter', 'november-top-up', 'pre-bank-holiday'],
  )
  const summer = blackoutStateAt(layers, new Date('2022-07-10T01:00:00Z'), { calendars })
  t.same(summer.active, [])
  t.equal(summer.nextChangeAt?.toISOString(), '2022-07-10T15:00:00.000Z', '16:00 BST')
  const winter = expandLayer(layers[0]!, new Date('2021-01-01Z'), new Date('2023-01-01Z'), { calendars })
  t.same(
    winter.map((x) => [x.start.toISOString(), x.end.toISOString()]),
    [
      ['2020-10-01T00:00:00.000Z', '2021-04-01T00:00:00.000Z'].map((_s, i) =>
        i === 0 ? '2020-09-30T23:00:00.000Z' : '2021-03-31T23:00:00.000Z',
      ),
      ['2021-09-30T23:00:00.000Z', '2022-03-31T23:00:00.000Z'],
      ['2022-09-30T23:00:00.000Z', '2023-03-31T23:00:00.000Z'],
    ],
  )
})

t.test('recurrence: wall-clock times across DST, gaps skipped and listed, caps', async (t) => {
  const weekly = expandRecurrence({
    rrule: 'FREQ=WEEKLY;BYDAY=SU;COUNT=4',
    dtstart: '2021-10-24',
    startTime: '00:00',
    endTime: '06:00',
    zone: 'Europe/London',
  })
  t.same(
    weekly.occurrences.map((o) => [o.localDate, o.start.toISOString(), (o.end.getTime() - o.start.getTime()) / 60000]),
    [
      ['2021-10-24', '2021-10-23T23:00:00.000Z', 360],
      ['2021-10-31', '2021-10-30T23:00:00.000Z', 420],
      ['2021-11-07', '2021-11-07T00:00:00.000Z', 360],
      ['2021-11-14', '2021-11-14T00:00:00.000Z', 360],
    ],
  )
  t.equal(weekly.truncated, false)
  const spring = expandRecurrence({
    rrule: 'RRULE:FREQ=DAILY;COUNT=4',
    dtstart: '2022-03-25',
    startTime: '01:30',
    endTime: '03:00',
    zone: 'Europe/London',
  })
  t.same(
    spring.occurrences.map((o) => o.start.toISOString()),
    ['2022-03-25T01:30:00.000Z', '2022-03-26T01:30:00.000Z', '2022-03-28T00:30:00.000Z'],
  )
  t.same(spring.skipped, [{ localStart: '2022-03-27T01:30', reason: 'nonexistent-local-time' }])
  const sunday = expandRecurrence({
    rrule: 'FREQ=WEEKLY;BYDAY=SU;COUNT=3',
    dtstart: '2022-03-20',
    startTime: '00:00',
    endTime: '06:00',
    zone: 'Europe/London',
  })
  t.same(
    sunday.occurrences.map((o) => (o.end.getTime() - o.start.getTime()) / 60000),
    [360, 300, 360],
    '00:00–06:00 stays local',
  )
  const fold = expandRecurrence({
    rrule: 'FREQ=DAILY;COUNT=1',
    dtstart: '2021-10-31',
    startTime: '01:30',
    endTime: '02:30',
    zone: 'Europe/London',
  })
  t.equal(fold.occurrences[0]!.start.toISOString(), '2021-10-31T00:30:00.000Z', 'ambiguous → first (BST)')
  t.equal((fold.occurrences[0]!.end.getTime() - fold.occurrences[0]!.start.getTime()) / 60000, 120)
  const ex = expandRecurrence({
    rrule: 'FREQ=WEEKLY;BYDAY=SU;UNTIL=20211128',
    dtstart: '2021-11-07',
    startTime: '00:00',
    endTime: '06:00',
    zone: 'Europe/London',
    exdates: ['2021-11-14'],
  })
  t.same(
    ex.occurrences.map((o) => o.localDate),
    ['2021-11-07', '2021-11-21', '2021-11-28'],
  )
  const overnight = expandRecurrence({
    rrule: 'FREQ=DAILY;COUNT=1',
    dtstart: '2022-01-01',
    startTime: '23:00',
    endTime: '01:00',
    zone: 'Europe/London',
  })
  t.equal((overnight.occurrences[0]!.end.getTime() - overnight.occurrences[0]!.start.getTime()) / 60000, 120)
  const unbounded = expandRecurrence({
    rrule: 'FREQ=DAILY',
    dtstart: '2022-01-01',
    startTime: '00:00',
    endTime: '01:00',
    zone: 'Europe/London',
  })
  t.equal(unbounded.occurrences.length, 1000)
  t.equal(unbounded.truncated, true)
  t.equal(unbounded.truncatedReason, 'more than 1000 occurrences')
  const tenYears = expandRecurrence({
    rrule: 'FREQ=WEEKLY',
    dtstart: '2022-01-02',
    startTime: '00:00',
    endTime: '01:00',
    zone: 'Europe/London',
  })
  t.equal(tenYears.occurrences.length, 522)
  t.equal(tenYears.truncated, true)
  t.match(tenYears.truncatedReason, /10 years/)
  const bad = (rrule: string) => () =>
    expandRecurrence({ rrule, dtstart: '2022-01-01', startTime: '00:00', endTime: '01:00', zone: 'Europe/London' })
  t.throws(bad('FREQ=SOMETIMES'), RecurrenceError)
  t.throws(bad('FOO=1'), RecurrenceError)
  t.throws(bad(''), RecurrenceError)
  t.throws(bad('FREQ=DAILY;COUNT=0'), RecurrenceError)
  t.throws(bad('FREQ=DAILY;TZID=Europe/London'), RecurrenceError)
  t.throws(bad('FREQ=DAILY;BYHOUR=25'), RecurrenceError)
  t.throws(bad('FREQ=DAILY;UNTIL=garbage'), RecurrenceError)
  t.throws(
    () => expandRecurrence({ rrule: 'FREQ=DAILY', dtstart: '2022-02-30', startTime: '00:00', endTime: '01:00', zone: 'Europe/London' }),
    { field: 'dtstart' } as unknown as Error,
  )
  t.throws(
    () => expandRecurrence({ rrule: 'FREQ=DAILY', dtstart: '2022-02-01', startTime: '00:00', endTime: '01:00', zone: 'Mars/Base' }),
    { field: 'zone' } as unknown as Error,
  )
})

t.test('ruleset validation: missing and contradictory parameters', async (t) => {
  t.same(validateRuleset(DEFAULT_RULESET), [])
  const bad: Ruleset = {
    ...DEFAULT_RULESET,
    zone: 'Europe/Londn',
    cap: { ...DEFAULT_RULESET.cap, headroomMinutes: p(400, 'assumed') },
    permittedHours: { ...DEFAULT_RULESET.permittedHours, from: p('06:00', 'assumed'), to: p('00:00', 'assumed') },
    workingDays: { ...DEFAULT_RULESET.workingDays, primaryCalendar: p('mars' as never, 'assumed') },
    waivable: p(['NOPE' as never], 'assumed'),
    severities: { WINTER: 'fatal' as never },
  }
  t.same(
    validateRuleset(bad).map((x) => x.pointer),
    [
      '/zone',
      '/workingDays/primaryCalendar/value',
      '/permittedHours/to/value',
      '/cap/headroomMinutes/value',
      '/severities/WINTER',
      '/waivable/value',
    ],
  )
  t.match(
    validateRuleset(bad).find((x) => x.pointer === '/cap/headroomMinutes/value')?.message,
    'headroom (400) is larger than the cap (360)',
  )
  const { notice: _n, ...missing } = DEFAULT_RULESET
  t.same(
    validateRuleset(missing).map((x) => x.pointer),
    ['/notice', '/notice/mode', '/notice/workingDays', '/notice/strict', '/notice/emergencyRequiresJustification'],
  )
  t.same(
    validateRuleset({ ...DEFAULT_RULESET, notice: { ...DEFAULT_RULESET.notice, workingDays: { value: -1, provenance: 'guessed' } } }).map(
      (x) => x.pointer,
    ),
    ['/notice/workingDays/provenance', '/notice/workingDays/value'],
  )
  t.same(validateRuleset(42), [{ pointer: '', message: 'a ruleset must be an object' }])
})

t.test('per-window notice mode, emergency, schedule content, hours, duration', async (t) => {
  const perWindow: Ruleset = { ...DEFAULT_RULESET, notice: { ...DEFAULT_RULESET.notice, mode: p('per-window', 'assumed') } }
  const late = aWindow('2021-11-14', '00:00', '06:00', { notifiedAt: new Date('2021-10-05T17:00:00Z') })
  t.equal(
    assess([late], ctxFor({ rs: perWindow })).windows[0]!.findings.some((f) => f.code === 'NOTICE_PERIOD'),
    false,
    'passes per-window',
  )
  const tooLate = aWindow('2021-11-02', '00:00', '06:00', { notifiedAt: new Date('2021-10-06T17:00:00Z') })
  const f = assess([tooLate], ctxFor({ rs: perWindow })).windows[0]!.findings.find((x) => x.code === 'NOTICE_PERIOD')!
  t.match(f.message, /the deadline for a window starting 2021-11-02 was 2021-10-05, 20 Working Days before it \(england-and-wales\)/)

  const em = aWindow('2021-11-14', '10:00', '12:00', { kind: 'emergency', justification: ' ', notifiedAt: null })
  const ef = assess([em], ctxFor()).windows[0]!
  t.same(sev(ef.findings), ['NOTICE_PERIOD/warning'], 'emergency: only the justification warning')
  t.equal(ef.findings[0]!.rule.id, 'emergency-justification')
  t.same(assess([{ ...em, justification: 'fibre cut' }], ctxFor()).windows[0]!.findings, [])
  t.equal(assess([em], ctxFor()).months.length, 0, 'emergency minutes are not in the cap')

  const nb = { notifiedAt: new Date('2021-01-04T10:00:00Z') }
  const sc = assess([aWindow('2021-07-04', '00:00', '02:00', { ...nb, riskToService: null, services: [] })], ctxFor()).windows[0]!.findings
  t.match(sc.find((x) => x.code === 'SCHEDULE_CONTENT')?.evidence, { missing: ['services', 'riskToService'] })
  const draftNoRisk = assess([aWindow('2021-07-04', '00:00', '02:00', { ...nb, riskToService: null, status: 'proposed' })], ctxFor())
    .windows[0]!.findings
  t.equal(
    draftNoRisk.some((x) => x.code === 'SCHEDULE_CONTENT'),
    false,
    'only published windows',
  )

  const tue = assess([aWindow('2021-07-06', '01:00', '03:00', nb)], ctxFor()).windows[0]!.findings
  t.same(sev(tue), ['PERMITTED_HOURS/info'])
  const long = assess([aWindow('2021-07-04', '22:00', '06:00', nb)], ctxFor()).windows[0]!.findings
  t.same(
    sev(long).filter((x) => !x.startsWith('PREPAYMENT')),
    ['MONTHLY_CAP/breach', 'MAX_DURATION/warning', 'PERMITTED_HOURS/warning'],
  )
  t.match(long.find((x) => x.code === 'MAX_DURATION')?.message, /lasts 480 real minutes, more than the maximum of 360/)
  // Local time spans are written with an en dash (as before commit 93cf951 wrote them out as 'to').
  t.match(tue.find((x) => x.code === 'PERMITTED_HOURS')?.message, /runs 2021-07-06 01:00–03:00 \(Europe\/London\) on a Tuesday/)
  t.match(
    long.find((x) => x.code === 'PERMITTED_HOURS')?.message,
    /runs 2021-07-04 22:00–06:00 \(Europe\/London\), ending 2021-07-05 06:00, outside the permitted hours 00:00–06:00 local/,
  )
})

t.test('cap: union GB-wide, month split, background, statuses, per-party', async (t) => {
  const nb = { notifiedAt: new Date('2021-01-04T10:00:00Z') }
  const a = aWindow('2021-07-04', '00:00', '04:00', { ...nb, id: 'a', reference: 'A' })
  const b = aWindow('2021-07-04', '02:00', '06:00', { ...nb, id: 'b', reference: 'B', party: 'CSP-N', regions: ['N'] })
  const r = assess([a, b], ctxFor())
  t.equal(r.months[0]!.plannedMinutes, 360, 'overlapping windows count once')
  t.equal(r.months[0]!.status, 'warning')
  t.same(
    r.windows.map((w) => sev(w.findings.filter((f) => f.code !== 'PERMITTED_HOURS'))),
    [
      ['MONTHLY_CAP/warning', 'OVERLAP/warning'],
      ['MONTHLY_CAP/warning', 'OVERLAP/warning'],
    ],
  )
  t.match(r.windows[0]!.findings.find((f) => f.code === 'OVERLAP')?.evidence, { overlapping: ['B'], sharedMinutes: [120] })
  t.equal(
    r.windows[0]!.findings.find((f) => f.code === 'OVERLAP')?.message,
    'A: overlaps 1 other window in a shared region: B (CSP-N, 2021-07-04 02:00–06:00, 120 min shared)',
  )

  // A window across a month boundary: 31 Jul 23:00 → 1 Aug 03:00 BST splits 60 / 180.
  const x = assess([aWindow('2021-07-31', '23:00', '03:00', nb)], ctxFor())
  t.same(
    x.months.map((m) => [m.month, m.plannedMinutes]),
    [
      ['2021-07', 60],
      ['2021-08', 180],
    ],
  )

  // Background: counts toward the cap, gets no findings; its drafts and cancelled windows do not count.
  const bg = [
    aWindow('2021-07-11', '00:00', '06:00', { ...nb, id: 'bg1', reference: 'BG1', party: 'CSP-S', regions: ['S'] }),
    aWindow('2021-07-18', '00:00', '06:00', { ...nb, id: 'bg2', reference: 'BG2', status: 'draft' }),
    aWindow('2021-07-25', '00:00', '06:00', { ...nb, id: 'bg3', reference: 'BG3', status: 'cancelled' }),
  ]
  const one = aWindow('2021-07-04', '00:00', '01:00', nb)
  const withBg = assess([one], ctxFor({ background: bg }))
  t.equal(withBg.windows.length, 1)
  t.equal(withBg.months[0]!.plannedMinutes, 420)
  t.equal(withBg.windows[0]!.findings.find((f) => f.code === 'MONTHLY_CAP')?.severity, 'breach')
  // Subjects: rejected/cancelled do not count and are not assessed; a draft is assessed as if proposed.
  const subj = assess([one, { ...bg[0]!, status: 'rejected' }, { ...bg[1]!, status: 'draft' }], ctxFor())
  t.equal(subj.windows[1]!.assessed, false)
  t.same(subj.windows[1]!.findings, [])
  t.equal(subj.months[0]!.plannedMinutes, 420)
  // no-impact and reduced-redundancy windows do not disrupt the Services.
  const rr = assess([aWindow('2021-07-04', '00:00', '06:00', { ...nb, impact: 'reduced-redundancy' })], ctxFor())
  t.equal(rr.months[0]!.plannedMinutes, 0)

  const perParty: Ruleset = { ...DEFAULT_RULESET, cap: { ...DEFAULT_RULESET.cap, perParty: p({ 'CSP-N': 60 }, 'assumed') } }
  const pp = assess([b], ctxFor({ rs: perParty })).windows[0]!.findings.filter((f) => f.code === 'MONTHLY_CAP')
  t.same(
    pp.map((f) => [f.key, f.severity]),
    [['b:MONTHLY_CAP:monthly-cap:2021-07:party:CSP-N', 'breach']],
  )
})

t.test('spacing: same-party outages less than 7 × 24 h apart', async (t) => {
  const nb = { notifiedAt: new Date('2021-01-04T10:00:00Z') }
  const w1 = aWindow('2021-07-04', '00:00', '02:00', { ...nb, id: 'a', reference: 'A' })
  const w2 = aWindow('2021-07-10', '00:00', '02:00', { ...nb, id: 'b', reference: 'B' })
  const w3 = aWindow('2021-07-11', '00:00', '02:00', { ...nb, id: 'c', reference: 'C', party: 'CSP-S', regions: ['S'] })
  const r = assess([w1, w2, w3], ctxFor())
  const sp = r.windows.map((w) => w.findings.find((f) => f.code === 'MIN_SPACING'))
  t.match(sp[0]?.message, /starts 2021-07-04 00:00, 6 days 0 hours before B \(DSP\)/)
  t.equal(sp[1]?.evidence.nearest, 'A')
  t.equal(sp[2], undefined, 'other party')
  const week = assess([w1, aWindow('2021-07-11', '00:00', '02:00', nb)], ctxFor())
  t.equal(
    week.windows.some((w) => w.findings.some((f) => f.code === 'MIN_SPACING')),
    false,
    'exactly 168 h is fine',
  )
})
