import t, { type Test } from 'tap'
import type { MaintenanceWindow } from '../../../src/domain/window.ts'
import {
  CANCELLED_RETENTION_DAYS,
  type CalendarFeedInput,
  type TimeMode,
  icsStatus,
  foldLine,
  isWindowInFeed,
  renderCalendarFeed,
  renderCalendarFeedBytes,
  windowSummary,
  windowUid,
} from '../../../src/feeds/index.ts'
import { golden } from '../../helpers/golden.ts'
import { BLACKOUTS, FINDINGS, GENERATED_AT, META, aWindow, goldenWindows, manyWindows } from './fixtures/feed-fixtures.ts'
import { type ParsedEvent, parseWithIcalJs, parseWithNodeIcal } from './fixtures/parse-helpers.ts'

const DAY = 86_400_000
const goldenDir = new URL('../../fixtures/golden/', import.meta.url)

function goldenInput(timeMode: TimeMode): CalendarFeedInput {
  return {
    meta: { ...META, timeMode },
    windows: goldenWindows(),
    findingsSummary: FINDINGS,
    blackouts: BLACKOUTS,
  }
}

/** What every parser must read back for the windows of a feed (blackouts checked separately). */
function expectedWindowEvents(windows: readonly MaintenanceWindow[], generatedAt: Date) {
  return windows
    .filter((w) => isWindowInFeed(w, generatedAt))
    .map((w) => ({
      uid: windowUid(w.id),
      start: w.start.toISOString(),
      end: w.end.toISOString(),
      status: icsStatus(w.status),
      sequence: w.sequence,
      summary: windowSummary(w),
    }))
    .sort((a, b) => a.uid.localeCompare(b.uid))
}

const pick = (events: ParsedEvent[]) =>
  events
    .filter((e) => !e.uid.startsWith('blackout-'))
    .map(({ uid, start, end, status, sequence, summary }) => ({ uid, start, end, status, sequence, summary }))
    .sort((a, b) => a.uid.localeCompare(b.uid))

/** Checks a feed with both parsers against the input windows; returns the ical.js events. */
function checkParsed(t: Test, ics: string, windows: readonly MaintenanceWindow[], generatedAt: Date) {
  const want = expectedWindowEvents(windows, generatedAt)
  const { events } = parseWithIcalJs(ics)
  const viaNode = parseWithNodeIcal(ics)
  t.same(pick(events), want, 'ical.js reads the windows back')
  t.same(pick(viaNode), want, 'node-ical reads the windows back')
  t.same(
    viaNode.map((e) => [e.uid, e.start, e.end, e.status, e.sequence, e.description, e.categories, e.transparent]),
    events.map((e) => [e.uid, e.start, e.end, e.status, e.sequence, e.description, e.categories, e.transparent]),
    'ical.js and node-ical agree on every event',
  )
  return events
}

for (const timeMode of ['utc', 'europe-london'] as const) {
  t.test(`golden feed (${timeMode})`, async (t) => {
    const file = new URL(`feed-${timeMode}.ics`, goldenDir)
    const ics = renderCalendarFeed(goldenInput(timeMode))
    // To regenerate after a deliberate change: UPDATE_GOLDEN=1 npx tap test/unit/feeds/, then review the diff.
    t.equal(ics, golden(file, ics), 'byte for byte')
    t.same(Buffer.from(renderCalendarFeedBytes(goldenInput(timeMode))), Buffer.from(ics, 'utf8'), 'bytes API = string API')
    t.ok(ics.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:'), 'VERSION and PRODID first')
    t.ok(ics.endsWith('END:VCALENDAR\r\n'))
    t.notOk(/[^\r]\n/.test(ics), 'CRLF only')
    t.ok(
      ics.split('\r\n').every((l) => Buffer.byteLength(l) <= 75),
      'no line over 75 octets',
    )
    for (const prop of ['NAME:', 'X-WR-CALNAME:', 'REFRESH-INTERVAL;VALUE=DURATION:PT1H', 'X-PUBLISHED-TTL:PT1H', 'CALSCALE:GREGORIAN']) {
      t.match(ics, `\r\n${prop}`, prop)
    }
    t.notMatch(ics, /\r\nMETHOD:/, 'no METHOD in a subscribed feed')
    // Never floating: every DTSTART/DTEND is UTC or carries a TZID defined by a VTIMEZONE.
    const times = ics.match(/^(DTSTART|DTEND|DTSTAMP|LAST-MODIFIED)[;:].*$/gm) ?? []
    const events = times.filter((l) => !/^DTSTART:1970/.test(l)) // the VTIMEZONE's own rule starts
    t.ok(events.length > 0)
    t.same(
      events.filter((l) => !(/:\d{8}T\d{6}Z$/.test(l) || /;TZID=Europe\/London:\d{8}T\d{6}$/.test(l))),
      [],
      'no floating times',
    )
    t.same(
      times.filter((l) => /^(DTSTAMP|LAST-MODIFIED)/.test(l) && !l.endsWith('Z')),
      [],
      'DTSTAMP, LAST-MODIFIED in UTC',
    )
    if (timeMode === 'europe-london') {
      t.match(ics, '\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n')
      t.match(ics, '\r\nDTSTART:20211031T003000Z\r\n', 'ambiguous October wall time written in UTC')
      t.match(ics, '\r\nDTSTART;TZID=Europe/London:20220327T003000\r\nDTEND;TZID=Europe/London:20220327T033000\r\n', 'March night')
    } else {
      t.notMatch(ics, 'TZID', 'UTC feed has no TZID')
    }

    const parsed = checkParsed(t, ics, goldenInput(timeMode).windows, GENERATED_AT)
    t.same(
      parsed.map((e) => e.uid),
      [
        '00000000-0000-4000-8000-000000000001@mwp',
        '00000000-0000-4000-8000-000000000002@mwp',
        'blackout-xmas-2021@mwp',
        '00000000-0000-4000-8000-000000000009@mwp',
        '00000000-0000-4000-8000-000000000003@mwp',
        'blackout-switch-2022-04@mwp',
        '00000000-0000-4000-8000-000000000006@mwp',
        '00000000-0000-4000-8000-000000000005@mwp',
        '00000000-0000-4000-8000-000000000004@mwp',
      ],
      'sorted by start; draft and expired cancellation absent',
    )
    const byUid = new Map(parsed.map((e) => [e.uid, e]))
    const oct = byUid.get('00000000-0000-4000-8000-000000000001@mwp')
    t.same([oct?.start, oct?.end], ['2021-10-31T00:30:00.000Z', '2021-10-31T03:00:00.000Z'], 'October night instants')
    const mar = byUid.get('00000000-0000-4000-8000-000000000003@mwp')
    t.same([mar?.start, mar?.end], ['2022-03-27T00:30:00.000Z', '2022-03-27T02:30:00.000Z'], 'March night instants')
    const hostile = byUid.get('00000000-0000-4000-8000-000000000004@mwp')
    const w4 = goldenWindows()[3] as MaintenanceWindow
    t.equal(hostile?.summary, 'DCO-2022-05: no impact — Hostile text: commas, semicolons; back\\slashes')
    t.ok(hostile?.description.startsWith(`${w4.title}\n${w4.description.replace('\r\n', '\n')}\n\n`), 'hostile description round-trips')
    t.match(hostile?.description, 'Change reference: CHG;2022,05\\x')
    t.match(hostile?.description, 'Findings: Breach: overlaps blackout "Christmas, New Year; freeze"')
    t.match(hostile?.description, 'Details: https://mwp.example.org/v1/windows/00000000-0000-4000-8000-000000000004')
    t.match(hostile?.description, 'Regions: Central (Midlands, East Anglia and Wales) (C)')
    t.same(hostile?.categories, ['no impact', 'DCO'])
    t.equal(hostile?.status, 'TENTATIVE', 'proposed → TENTATIVE')
    t.equal(byUid.get('00000000-0000-4000-8000-000000000009@mwp')?.status, 'CANCELLED', 'cancelled kept within 30 days')
    t.equal(byUid.get('00000000-0000-4000-8000-000000000005@mwp')?.status, 'CANCELLED', 'rejected → CANCELLED')
    const blackout = byUid.get('blackout-xmas-2021@mwp')
    t.ok(blackout?.transparent, 'blackouts are transparent')
    t.same(blackout?.categories, ['blackout', 'change-freeze'])
    t.equal(blackout?.summary, 'Blackout: Christmas, New Year; change freeze')
    t.notOk(oct?.transparent, 'windows are opaque')
  })
}

t.test('calendar-level properties read by ical.js', async (t) => {
  const { calendar } = parseWithIcalJs(renderCalendarFeed(goldenInput('utc')))
  t.equal(calendar.getFirstPropertyValue('version'), '2.0')
  t.equal(calendar.getFirstPropertyValue('prodid'), META.prodId)
  t.equal(calendar.getFirstPropertyValue('name'), META.name)
  t.equal(calendar.getFirstPropertyValue('x-wr-calname'), META.name)
  t.equal(calendar.getFirstPropertyValue('description'), META.description)
  t.equal(String(calendar.getFirstPropertyValue('refresh-interval')), 'PT1H')
  t.equal(calendar.getFirstPropertyValue('x-published-ttl'), 'PT1H')
  t.equal(calendar.getFirstPropertyValue('method'), null)
})

t.test('maintnote properties', async (t) => {
  const ics = renderCalendarFeed({
    meta: { ...META, account: 'Supplier 42, Ltd' },
    windows: [aWindow({ status: 'in-progress', impact: 'reduced-redundancy' })],
  })
  const unfolded = ics.replace(/\r\n /g, '')
  for (const line of [
    'X-MAINTNOTE-PROVIDER:DSP',
    'X-MAINTNOTE-ACCOUNT:Supplier 42\\, Ltd',
    'X-MAINTNOTE-MAINTENANCE-ID:DSP-TR-01',
    'X-MAINTNOTE-OBJECT-ID:service-requests',
    'X-MAINTNOTE-OBJECT-ID:prepayment-top-up',
    'X-MAINTNOTE-IMPACT:REDUCED-REDUNDANCY',
    'X-MAINTNOTE-STATUS:IN-PROCESS',
    'URL;VALUE=URI:https://mwp.example.org/v1/windows/00000000-0000-4000-8000-000000000001',
    'STATUS:CONFIRMED',
  ]) {
    t.match(unfolded, `\r\n${line}\r\n`, line)
  }
  const status = (s: MaintenanceWindow['status']) =>
    /X-MAINTNOTE-STATUS:(.*)\r/.exec(renderCalendarFeed({ meta: META, windows: [aWindow({ status: s, end: GENERATED_AT })] }))?.[1]
  t.same((['proposed', 'notified', 'agreed', 'in-progress', 'completed', 'cancelled', 'rejected'] as const).map(status), [
    'TENTATIVE',
    'CONFIRMED',
    'CONFIRMED',
    'IN-PROCESS',
    'COMPLETED',
    'CANCELLED',
    'CANCELLED',
  ])
  const impact = (i: MaintenanceWindow['impact']) =>
    /X-MAINTNOTE-IMPACT:(.*)\r/.exec(renderCalendarFeed({ meta: META, windows: [aWindow({ impact: i })] }))?.[1]
  t.same((['no-impact', 'reduced-redundancy', 'degraded', 'outage'] as const).map(impact), [
    'NO-IMPACT',
    'REDUCED-REDUNDANCY',
    'DEGRADED',
    'OUTAGE',
  ])
})

t.test('SUMMARY names the party once: left out when the reference starts with it', async (t) => {
  const s = (party: string, reference: string, status: MaintenanceWindow['status'] = 'agreed') =>
    windowSummary({ party, reference, impact: 'outage', title: 'Technical refresh', status })
  t.equal(s('DSP', 'DSP-TR-01'), 'DSP-TR-01: outage — Technical refresh', 'DSP-TR-01 of DSP: no "DSP DSP-TR-01"')
  t.equal(s('CSP-N', 'CSP-N-77'), 'CSP-N-77: outage — Technical refresh', 'a party with a hyphen')
  t.equal(s('DSP', 'dsp 7'), 'dsp 7: outage — Technical refresh', 'any case, any separator')
  t.equal(s('DSP', 'DSP'), 'DSP: outage — Technical refresh', 'the reference is the party')
  t.equal(s('DSP', 'TR-01'), 'DSP TR-01: outage — Technical refresh', 'a reference without the party gets it')
  t.equal(s('DSP', 'DSPX-1'), 'DSP DSPX-1: outage — Technical refresh', 'a longer word is not the party')
  t.equal(s('DSP', 'DSP-TR-01', 'cancelled'), 'Cancelled: DSP-TR-01: outage — Technical refresh')
})

t.test('status mapping and drafts', async (t) => {
  t.same((['draft', 'proposed', 'notified', 'agreed', 'in-progress', 'completed', 'cancelled', 'rejected'] as const).map(icsStatus), [
    undefined,
    'TENTATIVE',
    'CONFIRMED',
    'CONFIRMED',
    'CONFIRMED',
    'CONFIRMED',
    'CANCELLED',
    'CANCELLED',
  ])
  const ics = renderCalendarFeed({ meta: META, windows: [aWindow({ status: 'draft' })] })
  t.notMatch(ics, 'BEGIN:VEVENT', 'a draft never appears')
  t.same(parseWithIcalJs(ics).events, [])
  t.same(parseWithNodeIcal(ics), [])
})

t.test(`cancelled and rejected windows are kept ${CANCELLED_RETENTION_DAYS} days after their end, then dropped`, async (t) => {
  const end = GENERATED_AT.getTime() - 30 * DAY
  for (const status of ['cancelled', 'rejected'] as const) {
    const at = (endMs: number) => aWindow({ status, start: new Date(endMs - 4 * 3_600_000), end: new Date(endMs) })
    t.ok(isWindowInFeed(at(end), GENERATED_AT), `${status}: exactly 30 days after the end: kept`)
    t.notOk(isWindowInFeed(at(end - 1), GENERATED_AT), `${status}: 30 days and 1 ms: dropped`)
    const ics = renderCalendarFeed({
      meta: META,
      windows: [at(end), aWindow({ ...at(end - DAY), id: 'old' }), aWindow({ ...at(GENERATED_AT.getTime() + DAY), id: 'future' })],
    })
    t.same(
      parseWithNodeIcal(ics).map((e) => [e.uid, e.status]),
      [
        ['00000000-0000-4000-8000-000000000001@mwp', 'CANCELLED'],
        ['future@mwp', 'CANCELLED'],
      ],
      `${status}: the 31-day-old one is gone`,
    )
  }
  t.ok(isWindowInFeed(aWindow({ status: 'completed', end: new Date(0) }), GENERATED_AT), 'other statuses are not aged out here')
})

t.test('UID stable and SEQUENCE carried across an edit', async (t) => {
  const before = aWindow({ sequence: 2 })
  const after = aWindow({
    sequence: 3,
    start: new Date('2022-01-23T00:00:00Z'),
    end: new Date('2022-01-23T04:00:00Z'),
    updatedAt: new Date('2022-01-05T09:00:00Z'),
  })
  const [a] = parseWithIcalJs(renderCalendarFeed({ meta: META, windows: [before] })).events
  const [b] = parseWithIcalJs(renderCalendarFeed({ meta: META, windows: [after] })).events
  t.equal(a?.uid, b?.uid, 'same UID')
  t.equal(a?.uid, '00000000-0000-4000-8000-000000000001@mwp', 'UID reveals no host')
  t.same([a?.sequence, b?.sequence], [2, 3])
  t.same([a?.start, b?.start], ['2022-01-16T00:00:00.000Z', '2022-01-23T00:00:00.000Z'])
  t.match(renderCalendarFeed({ meta: META, windows: [after] }), '\r\nLAST-MODIFIED:20220105T090000Z\r\n')
})

t.test('deterministic: input order, and ties broken by UID', async (t) => {
  const windows = goldenWindows()
  const a = renderCalendarFeed({ ...goldenInput('utc'), windows })
  const b = renderCalendarFeed({ ...goldenInput('utc'), windows: [...windows].reverse(), blackouts: [...BLACKOUTS].reverse() })
  t.equal(a, b)
  const same = new Date('2022-05-01T00:00:00Z')
  const tie = renderCalendarFeed({
    meta: META,
    windows: [aWindow({ id: 'b', start: same }), aWindow({ id: 'a', start: same }), aWindow({ id: 'c', start: same })],
  })
  t.same(
    parseWithIcalJs(tie).events.map((e) => e.uid),
    ['a@mwp', 'b@mwp', 'c@mwp'],
  )
})

t.test('input validation and odd values', async (t) => {
  t.throws(() => renderCalendarFeed({ meta: { ...META, refreshInterval: 'P1M' }, windows: [] }), RangeError)
  t.throws(() => renderCalendarFeed({ meta: META, windows: [aWindow({ start: new Date(Number.NaN) })] }), RangeError)
  const ics = renderCalendarFeed({
    meta: { ...META, name: 'Feed; with, specials\\', description: undefined, baseUrl: 'https://x.example/api/' },
    windows: [aWindow({ id: 'id with/slash', services: [], regions: [], changeRef: null, description: '', party: 'NEW' })],
  })
  const [e] = parseWithIcalJs(ics).events
  t.match(ics, '\r\nNAME:Feed\\; with\\, specials\\\\\r\n')
  t.notMatch(ics, 'X-WR-CALDESC', 'no description, no X-WR-CALDESC')
  t.match(e?.description, 'Party: NEW\n', 'unknown party: its id')
  t.match(e?.description, 'Services: none\nRegions: none\n')
  t.notMatch(e?.description, 'Change reference')
  t.match(e?.description, 'Details: https://x.example/api/v1/windows/id%20with%2Fslash')
  const longId = `${'é'.repeat(20)}-${'k'.repeat(90)}`
  const long = renderCalendarFeed({ meta: META, windows: [aWindow({ id: longId, reference: 'R'.repeat(120) })] })
  t.ok(
    long.split('\r\n').every((l) => Buffer.byteLength(l) <= 75),
    'long UID and reference folded',
  )
  t.ok(long.includes(`\r\nBEGIN:VEVENT\r\n${foldLine(`UID:${longId}@mwp`)}\r\nDTSTAMP:`), 'UID folded as by foldLine')
  t.same(
    parseWithIcalJs(long).events.map((e) => e.uid),
    [`${longId}@mwp`],
  )
  t.same(
    parseWithNodeIcal(long).map((e) => e.uid),
    [`${longId}@mwp`],
  )
  t.equal(renderCalendarFeed({ meta: META, windows: [] }).split('BEGIN:VEVENT').length, 1, 'empty feed is valid')
  t.same(parseWithIcalJs(renderCalendarFeed({ meta: META, windows: [] })).events, [])
})

t.test('a large feed (1,000 varied windows) parses identically in both parsers', async (t) => {
  const windows = manyWindows(1000)
  for (const timeMode of ['utc', 'europe-london'] as const) {
    const ics = renderCalendarFeed({ meta: { ...META, timeMode }, windows, blackouts: BLACKOUTS })
    t.ok(
      ics.split('\r\n').every((l) => Buffer.byteLength(l) <= 75),
      `${timeMode}: no line over 75 octets`,
    )
    checkParsed(t, ics, windows, GENERATED_AT)
  }
})

t.test('COLOR: each window coloured by its compliance rating (RFC 7986), none when not rated', async (t) => {
  const windows = goldenWindows()
  const [red, amber, green, unrated] = windows
  const ratings = new Map([
    [red!.id, 'red' as const],
    [amber!.id, 'amber' as const],
    [green!.id, 'green' as const],
    [unrated!.id, 'unrated' as const],
  ])
  const ics = renderCalendarFeed({ meta: { ...META, timeMode: 'utc' }, windows, complianceRatings: ratings })
  const events = ics.split('BEGIN:VEVENT').slice(1)
  const colourOf = (id: string) => events.find((e) => e.includes(`UID:${id}@mwp`))?.match(/\r\nCOLOR:(\w+)\r\n/)?.[1] ?? null
  t.equal(colourOf(red!.id), 'red')
  t.equal(colourOf(amber!.id), 'orange', 'amber is the CSS colour orange')
  t.equal(colourOf(green!.id), 'green')
  t.equal(colourOf(unrated!.id), null, 'not rated: no colour')
  t.notMatch(renderCalendarFeed({ meta: { ...META, timeMode: 'utc' }, windows }), /\r\nCOLOR:/, 'no ratings given: no COLOR')
})
