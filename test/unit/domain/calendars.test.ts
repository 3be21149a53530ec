import t from 'tap'
import { buildCalendars, calendarsForRegions, digest, nationsForRegions, validateOverrides } from '../../../src/domain/calendars.ts'
import { assess } from '../../../src/domain/assess.ts'
import { clockChanges, realMinutesInMonth, resolveWall, wallToInstant, zoneClock, InvalidZoneError } from '../../../src/domain/time.ts'
import { aWindow, ctxFor } from './builders.ts'

// domain.md §3.6: 20 Working Days before the 1st, the 1st not counted.
const DEADLINES: [string, string, string, string][] = [
  ['2021-11-01', '2021-10-04', '2021-10-04', '2021-10-04'],
  ['2021-12-01', '2021-11-03', '2021-11-02', '2021-11-02'],
  ['2022-01-01', '2021-12-02', '2021-12-02', '2021-12-02'],
  ['2022-02-01', '2022-01-04', '2021-12-31', '2021-12-31'],
  ['2022-03-01', '2022-02-01', '2022-02-01', '2022-02-01'],
  ['2022-04-01', '2022-03-04', '2022-03-04', '2022-03-03'],
  ['2022-05-01', '2022-03-31', '2022-03-31', '2022-03-31'],
  ['2022-06-01', '2022-05-04', '2022-05-04', '2022-05-04'],
  ['2022-07-01', '2022-06-01', '2022-06-01', '2022-06-01'],
]

t.test('notice deadlines of domain.md §3.6 under england-and-wales, gb and uk', async (t) => {
  const cals = buildCalendars()
  for (const [first, ew, gb, uk] of DEADLINES) {
    t.equal(cals.get('england-and-wales').countBack(first, 20), ew, `E&W ${first}`)
    t.equal(cals.get('gb').countBack(first, 20), gb, `GB ${first}`)
    t.equal(cals.get('uk').countBack(first, 20), uk, `UK ${first}`)
  }
  t.equal(cals.get('gb').workingDaysBetween('2021-10-05', '2021-11-01'), 18, '18 WD strictly between 5 Oct and 1 Nov')
  t.equal(cals.get('england-and-wales').addWorkingDays('2021-10-04', 20), '2021-11-01')
  t.equal(cals.get('england-and-wales').addWorkingDays('2021-11-01', -20), '2021-10-04')
})

t.test('working days: weekends, holidays per nation, observances work', async (t) => {
  const c = buildCalendars()
  const ew = c.get('england-and-wales')
  const sc = c.get('scotland')
  const ni = c.get('northern-ireland')
  t.equal(ew.isWorkingDay('2021-11-30'), true, "St Andrew's Day is a working day in E&W")
  t.equal(sc.isWorkingDay('2021-11-30'), false)
  t.equal(sc.nonWorkingReason('2021-11-30'), 'St Andrew’s Day')
  t.equal(c.get('gb').isWorkingDay('2021-11-30'), false)
  t.equal(sc.isWorkingDay('2022-04-18'), true, 'Easter Monday is not a Scottish bank holiday')
  t.equal(ew.isWorkingDay('2022-04-18'), false)
  t.equal(ni.isWorkingDay('2022-03-17'), false, "St Patrick's Day in NI")
  t.equal(c.get('gb').isWorkingDay('2022-03-17'), true)
  t.equal(c.get('uk').isWorkingDay('2022-03-17'), false)
  t.equal(ew.isWorkingDay('2022-03-27'), false, 'a Sunday')
  t.equal(ew.nonWorkingReason('2022-03-26'), 'Saturday')
  t.equal(ew.isWorkingDay('2022-03-28'), true, "Mother's Day observance does not matter; a Monday works")
  t.equal(ew.isWorkingDay('2022-09-19'), false, 'State Funeral (in date-holidays 3.37)')
  t.same(
    ew.holidays(2022).map((h) => h.date),
    [
      '2022-01-01',
      '2022-01-03',
      '2022-04-15',
      '2022-04-18',
      '2022-05-02',
      '2022-06-02',
      '2022-06-03',
      '2022-08-29',
      '2022-09-19',
      '2022-12-25',
      '2022-12-26',
      '2022-12-27',
    ],
  )
})

t.test('an override holiday moves a deadline and a finding; versions change', async (t) => {
  const base = buildCalendars()
  const override = {
    calendar: 'england-and-wales' as const,
    date: '2021-10-20',
    action: 'add' as const,
    name: 'Made-up Day',
    reason: 'proclaimed at short notice',
  }
  const c = buildCalendars({ overrides: [override] })
  t.equal(c.get('england-and-wales').countBack('2021-11-01', 20), '2021-10-01', 'deadline moves from Mon 4 Oct to Fri 1 Oct')
  t.equal(c.get('gb').countBack('2021-11-01', 20), '2021-10-01', 'the union inherits the nation override')
  t.equal(c.get('scotland').countBack('2021-11-01', 20), '2021-10-04', 'Scotland unaffected')
  t.equal(c.get('england-and-wales').nonWorkingReason('2021-10-20'), 'Made-up Day')
  t.not(c.versions()['england-and-wales'], base.versions()['england-and-wales'])
  t.equal(c.versions().scotland, base.versions().scotland)
  t.match(c.versions().gb, /^date-holidays@3\.37\.0\+ovr:1:[0-9a-f]{8}$/)
  t.equal(buildCalendars({ overrides: [override] }).versions().gb, c.versions().gb, 'version is deterministic')

  // Notified on Mon 4 Oct: in time normally, late with the override.
  const w = aWindow('2021-11-14', '00:00', '06:00', { notifiedAt: new Date('2021-10-04T12:00:00Z') })
  const ok = assess([w], ctxFor()).windows[0]!.findings.filter((f) => f.code === 'NOTICE_PERIOD')
  t.same(ok, [])
  const late = assess([w], ctxFor({ overrides: [override] })).windows[0]!.findings.filter((f) => f.code === 'NOTICE_PERIOD')
  t.equal(late.length, 1)
  t.equal(late[0]!.severity, 'breach')
  t.match(late[0]!.message, /the deadline for November 2021 was 2021-10-01, 20 Working Days before 1 November \(england-and-wales\)/)

  // Removing a holiday: Christmas substitute 2021-12-28 becomes a working day.
  const rm = buildCalendars({ overrides: [{ calendar: 'england-and-wales', date: '2021-12-28', action: 'remove', reason: 'test' }] })
  t.equal(rm.get('england-and-wales').isWorkingDay('2021-12-28'), true)
  t.equal(rm.get('gb').isWorkingDay('2021-12-28'), false, 'gb keeps it: Scotland still has the holiday')
  const rmGb = buildCalendars({ overrides: [{ calendar: 'gb', date: '2021-12-28', action: 'remove', reason: 'test' }] })
  t.equal(rmGb.get('gb').isWorkingDay('2021-12-28'), true, 'a gb override applies to the union')
  t.equal(rmGb.get('scotland').isWorkingDay('2021-12-28'), false, 'but not to the nation')
  t.equal(rmGb.get('uk').isWorkingDay('2021-12-28'), false, 'nor to uk')
})

t.test('strict gb calendar: a miss only there is a warning', async (t) => {
  // December 2021: E&W deadline 3 Nov, GB deadline 2 Nov (St Andrew's Day).
  const w = aWindow('2021-12-05', '00:00', '06:00', { notifiedAt: new Date('2021-11-03T10:00:00Z') })
  const f = assess([w], ctxFor({ now: new Date('2021-11-03T10:00:00Z') })).windows[0]!.findings.filter((x) => x.code === 'NOTICE_PERIOD')
  t.equal(f.length, 1)
  t.equal(f[0]!.severity, 'warning')
  t.match(f[0]!.evidence, { calendar: 'gb', deadlineDate: '2021-11-02', primaryDeadlineDate: '2021-11-03', primaryInTime: true })
  // notifiedAt null is judged at `now`.
  const pending = aWindow('2021-12-05', '00:00', '06:00', { notifiedAt: null, status: 'draft' })
  const g = assess([pending], ctxFor({ now: new Date('2021-11-10T10:00:00Z') })).windows[0]!.findings.find(
    (x) => x.code === 'NOTICE_PERIOD',
  )!
  t.equal(g.severity, 'breach')
  t.match(g.message, /not yet notified \(assessed as if notified now, 2021-11-10\)/)
  t.equal(g.evidence.assumedNotifiedNow, true)
})

t.test('override validation and digest', async (t) => {
  t.same(
    validateOverrides([{ calendar: 'mars' as never, date: '2021-02-30', action: 'add', reason: '' }]).map((p) => p.pointer),
    ['/0/calendar', '/0/date', '/0/reason'],
  )
  t.throws(() => buildCalendars({ overrides: [{ calendar: 'gb', date: 'x', action: 'add', reason: 'r' }] }))
  t.equal(digest(''), '811c9dc5')
  t.equal(digest('a'), 'e40c292c')
})

t.test('regions to nations to calendars', async (t) => {
  t.same(nationsForRegions(['N']), ['scotland', 'england'])
  t.same(calendarsForRegions(['N']), ['england-and-wales', 'scotland'])
  t.same(calendarsForRegions(['C']), ['england-and-wales'])
  t.same(calendarsForRegions(['S']), ['england-and-wales'])
  t.same(calendarsForRegions(['S', 'N', 'C']), ['england-and-wales', 'scotland'])
  t.same(calendarsForRegions(['X']), [])
})

t.test('time: wall clock and instants in Europe/London', async (t) => {
  t.equal(realMinutesInMonth(2021, 10, 'Europe/London'), 44_700)
  t.equal(realMinutesInMonth(2022, 3, 'Europe/London'), 44_580)
  t.equal(realMinutesInMonth(2022, 2, 'Europe/London'), 40_320)
  t.equal(realMinutesInMonth(2022, 3, 'UTC'), 44_640)
  t.same(resolveWall(2021, 10, 31, 1, 30, 'Europe/London'), { ms: Date.UTC(2021, 9, 31, 0, 30), status: 'ambiguous' }, 'fold: first')
  t.same(resolveWall(2022, 3, 27, 1, 30, 'Europe/London'), { ms: Date.UTC(2022, 2, 27, 1, 30), status: 'gap' }, 'gap: offset before')
  t.same(resolveWall(2022, 7, 1, 0, 0, 'Europe/London'), { ms: Date.UTC(2022, 5, 30, 23, 0), status: 'exact' })
  t.equal(wallToInstant(2021, 3, 14, 2, 30, 'America/New_York').toISOString(), '2021-03-14T07:30:00.000Z')
  t.equal(wallToInstant(2021, 11, 7, 1, 30, 'America/New_York').toISOString(), '2021-11-07T05:30:00.000Z', 'EDT first')
  const changes = clockChanges(new Date('2021-01-01Z'), new Date('2024-01-01Z'), 'Europe/London').map((c) =>
    new Date(c.at).toISOString().slice(0, 10),
  )
  t.same(changes, ['2021-03-28', '2021-10-31', '2022-03-27', '2022-10-30', '2023-03-26', '2023-10-29'])
  const c = zoneClock('Europe/London')
  t.equal(c.localDate(Date.UTC(2021, 5, 30, 23, 30)), '2021-07-01')
  t.equal(c.localTime(Date.UTC(2021, 9, 31, 1, 0)), '01:00')
  t.throws(() => zoneClock('Europe/Londn'), InvalidZoneError)
  t.equal(zoneClock('Australia/Lord_Howe').offsetAt(Date.UTC(2022, 0, 1)), 660, 'half-hour DST zone')
  t.equal(zoneClock('Australia/Lord_Howe').offsetAt(Date.UTC(2022, 6, 1)), 630)
})
