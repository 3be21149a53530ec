import t from 'tap'
import { parseCsv, toCsv } from '../../../src/cli/csv.ts'
import { type PlanRecord, readPlan } from '../../../src/cli/plan-files.ts'
import { writePlanCsv } from '../../../src/cli/plan-files/csv.ts'
import { writePlanIcs } from '../../../src/cli/plan-files/ics.ts'

// The command line's plan files read without a process or a database: the formats' own edge cases.

const EVENT = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Example CSP North//Change calendar//EN',
  'BEGIN:VEVENT',
  'UID:CRQ000000134669@csp-north.example',
  'DTSTAMP:20220301T120000Z',
  'DTSTART;TZID=Europe/London:20220410T010000',
  'DTEND;TZID=Europe/London:20220410T040000',
  'SUMMARY:SM WAN core router firmware upgrade',
  'DESCRIPTION:Upgrade the core routers\\, one at a time.',
  'BEGIN:VALARM',
  'ACTION:DISPLAY',
  'TRIGGER:-PT15M',
  'DESCRIPTION:Reminder: router work starts in 15 minutes',
  'END:VALARM',
  'X-MWP-PARTY:CSP-N',
  'X-MWP-IMPACT:reduced-redundancy',
  'X-MWP-SERVICES:sm-wan,alerts',
  'X-MWP-REGIONS:N',
  'X-MWP-RISK-TO-SERVICE:Single router path\\; rollback\\, by reload',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n')

t.test("ICS: a VALARM's DESCRIPTION is the alarm's: the window keeps the event's description", async (t) => {
  const plan = await readPlan('plan.ics', EVENT)
  t.same(plan.problems, [])
  t.equal(plan.rows.length, 1)
  const row = plan.rows[0]!
  t.equal(row.window.description, 'Upgrade the core routers, one at a time.')
  t.equal(row.line, 4, 'the line of BEGIN:VEVENT')
  t.equal(row.window.reference, 'CRQ000000134669', 'a reference from the UID when X-MWP-REFERENCE is missing')
  t.same(row.raw.services, ['sm-wan', 'alerts'], 'an X-MWP list')
  t.equal(row.raw.riskToService, 'Single router path; rollback, by reload', 'X-MWP text unescaped as TEXT')
  t.equal(row.window.start.toISOString(), '2022-04-10T00:00:00.000Z', 'a TZID wall time (BST)')
  t.equal(row.window.zone, 'Europe/London', 'the zone from DTSTART')

  const noDescription = await readPlan('plan.ics', EVENT.replace(/\r\nDESCRIPTION:Upgrade[^\r]*/, ''))
  t.equal(noDescription.rows[0]?.raw.description, undefined, 'without its own DESCRIPTION the event takes none from its alarm')
})

t.test('ICS: what cannot be a window is named by row, line and property; a file ical.js cannot read is one problem', async (t) => {
  const allDay = await readPlan('plan.ics', EVENT.replace('DTSTART;TZID=Europe/London:20220410T010000', 'DTSTART;VALUE=DATE:20220410'))
  t.same(
    allDay.problems.map((p) => [p.row, p.line, p.column, p.message]),
    [[1, 4, 'DTSTART', '20220410 is not an iCalendar DATE-TIME (YYYYMMDDTHHMMSS[Z]); all-day windows are not supported']],
  )
  const nonsense = await readPlan('plan.ics', EVENT.replace('20220410T010000', '20220230T010000'))
  t.match(nonsense.problems[0], { column: 'DTSTART', message: '20220230T010000 does not exist in Europe/London' })
  const broken = await readPlan('plan.ics', EVENT.replace('X-MWP-REGIONS:N', 'no colon here'))
  t.equal(broken.rows.length, 0)
  t.match(broken.problems, [{ row: 0, message: /^not an iCalendar file: invalid line/ }])
  t.match((await readPlan('plan.ics', 'hello')).problems, [
    { row: 0, line: 1, message: 'not an iCalendar file: the first line must be BEGIN:VCALENDAR' },
  ])
})

t.test('ICS: an exported plan reads back as the same windows', async (t) => {
  const plan = await readPlan('plan.ics', EVENT)
  const w = plan.rows[0]!.window
  const record: PlanRecord = {
    reference: 'CSP-N-2022-04-RTR',
    title: w.title,
    party: w.party,
    kind: 'planned',
    impact: w.impact,
    start: w.start.toISOString(),
    end: w.end.toISOString(),
    zone: 'Europe/London',
    services: ['sm-wan', 'alerts'],
    regions: ['N'],
    description: 'line one\nline two; with a semicolon, and a comma',
    justification: null,
    riskToService: 'Single router path; rollback, by reload',
    changeRef: null,
    programmeId: null,
    notifiedAt: null,
    status: 'proposed',
  }
  const back = await readPlan('export.ics', writePlanIcs([record], new Date('2022-03-01T12:00:00Z')))
  t.same(back.problems, [])
  const given = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== null))
  t.same(back.rows[0]?.raw, given, 'every field given comes back')
})

t.test('CSV: a malformed record is reported at the line it starts on, and the rest is read', async (t) => {
  const text = 'a,b\r\n1,"two\r\nlines"\r\n2,x"y\r\n3,"never closed\r\n4,four\r\n\r\n5,five'
  const { records, problems } = parseCsv(text)
  t.same(
    records.map((r) => [r.line, r.fields]),
    [
      [1, ['a', 'b']],
      [2, ['1', 'two\r\nlines']],
      [6, ['4', 'four']],
      [8, ['5', 'five']],
    ],
  )
  t.same(problems, [
    { line: 4, message: 'a quote inside unquoted field 2' },
    { line: 5, message: 'a quoted field (field 2) is never closed' },
  ])
})

t.test("CSV: written with the report's formula guard, read back without it", async (t) => {
  const cells = ['=1+1', '-x', '@a', '+b', "'=y", "'plain", 'plain', ' padded ', 'a,b', 'q"q', 'l\nm', '']
  const text = toCsv(
    ['cell'],
    cells.map((c) => [c]),
  )
  t.equal(text.split('\r\n')[1], "'=1+1", 'a formula gets an apostrophe')
  t.equal(text.split('\r\n')[5], "''=y", 'so does an apostrophe before one, so it reads back as written')
  t.match(text, '\r\n" padded "\r\n', 'white space at either end is quoted')
  t.same(
    parseCsv(text)
      .records.slice(1)
      .map((r) => r.fields[0]),
    cells.filter((c) => c !== ''),
    'every cell reads back as written (an empty row is no record)',
  )
  const record = { reference: 'R-1', title: '=HYPERLINK("x")', party: 'DSP', kind: 'planned', impact: 'outage' } as PlanRecord
  const csv = writePlanCsv([
    {
      ...record,
      start: '2022-04-10T00:00:00.000Z',
      end: '2022-04-10T01:00:00.000Z',
      zone: 'Europe/London',
      services: [],
      regions: [],
      description: '- a list',
      justification: null,
      riskToService: null,
      changeRef: null,
      programmeId: null,
      notifiedAt: null,
      status: 'proposed',
    },
  ])
  t.match(csv, `"'=HYPERLINK(""x"")"`)
  const back = await readPlan('plan.csv', csv)
  t.same(back.problems, [])
  t.equal(back.rows[0]?.raw.title, '=HYPERLINK("x")')
  t.equal(back.rows[0]?.raw.description, '- a list')
})
