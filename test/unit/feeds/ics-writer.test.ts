import fc from 'fast-check'
import ICAL from 'ical.js'
import nodeIcal from 'node-ical'
import t, { type Test } from 'tap'
import {
  IcsWriter,
  contentLine,
  dateTimeLine,
  escapeText,
  escapeTextList,
  foldLine,
  formatLondonWallTime,
  formatUtcDateTime,
  isAmbiguousLondonWallTime,
  isIcsDuration,
  londonOffsetMinutes,
  paramValue,
  textLine,
  vtimezoneLines,
} from '../../../src/feeds/index.ts'

const octets = (s: string) => Buffer.byteLength(s, 'utf8')
const fatal = new TextDecoder('utf-8', { fatal: true })

/** Every physical line: at most 75 octets, valid UTF-8 on its own, CRLF only, continuations start with a space. */
function checkLines(t: Test, ics: string, what: string): void {
  t.notOk(/[^\r]\n|^\n/.test(ics), `${what}: no bare LF`)
  t.notOk(/\r(?!\n)/.test(ics), `${what}: no bare CR`)
  const bytes = Buffer.from(ics, 'utf8')
  let start = 0
  let bad = ''
  for (let i = 0; i + 1 < bytes.length; i++) {
    if (bytes[i] !== 13 || bytes[i + 1] !== 10) continue
    const line = bytes.subarray(start, i)
    if (line.length > 75) bad ||= `line of ${line.length} octets`
    try {
      fatal.decode(line)
    } catch {
      bad ||= `line at octet ${start} splits a UTF-8 character`
    }
    start = i + 2
  }
  t.equal(bad, '', `${what}: lines ≤ 75 octets and whole characters`)
}

/** Runs a fast-check property as one assertion; the counterexample goes into the tap report. */
function assertProperty(t: Test, property: fc.IRawProperty<[string, ...string[]]>, params: fc.Parameters<[string, ...string[]]>): void {
  try {
    fc.assert(property, params)
    t.pass(`property holds for ${params.numRuns} runs`)
  } catch (e) {
    t.fail(e instanceof Error ? e.message : String(e))
  }
}

/** What TEXT escaping can preserve: CR/CRLF read back as LF, controls dropped, lone surrogates U+FFFD. */
function representable(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
}

function wrap(lines: string[]): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//EN',
    'BEGIN:VEVENT',
    'UID:x@mwp',
    'DTSTAMP:20220401T120000Z',
    'DTSTART:20220401T120000Z',
    'DTEND:20220401T130000Z',
    ...lines,
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n')
}

t.test('escapeText', async (t) => {
  t.equal(escapeText('plain text'), 'plain text')
  t.equal(escapeText('a, b; c\\d'), 'a\\, b\\; c\\\\d')
  t.equal(escapeText('one\ntwo\r\nthree\rfour'), 'one\\ntwo\\nthree\\nfour')
  t.equal(escapeText('tab\tkept, bell\u0007 and NUL\u0000 dropped, DEL\u007f too'), 'tab\tkept\\, bell and NUL dropped\\, DEL too')
  t.equal(escapeText('emoji 🔧 kept'), 'emoji 🔧 kept')
  t.equal(escapeText('lone \ud800 and \udc00'), 'lone \ufffd and \ufffd')
  t.equal(escapeText(':colon and "quotes" need nothing'), ':colon and "quotes" need nothing')
  t.equal(escapeTextList(['outage', 'a,b', 'c;d']), 'outage,a\\,b,c\\;d')
})

t.test('foldLine', async (t) => {
  t.equal(foldLine('SUMMARY:short'), 'SUMMARY:short')
  const exact = `DESCRIPTION:${'x'.repeat(63)}`
  t.equal(octets(exact), 75)
  t.equal(foldLine(exact), exact, 'exactly 75 octets: not folded')
  const long = `DESCRIPTION:${'x'.repeat(64)}`
  t.equal(foldLine(long), `DESCRIPTION:${'x'.repeat(63)}\r\n x`)
  const parts = foldLine(`X:${'y'.repeat(300)}`).split('\r\n')
  t.same(parts.map(octets), [75, 75, 75, 75, 6], 'continuations carry 74 octets after the space')
  // A 3-octet character at octets 74–76 moves whole to the next line.
  const euro = foldLine(`${'a'.repeat(73)}€b`)
  t.equal(euro, `${'a'.repeat(73)}\r\n €b`)
  // A 4-octet emoji (a surrogate pair) is never split.
  const emoji = foldLine(`${'a'.repeat(72)}🔧b`)
  t.equal(emoji, `${'a'.repeat(72)}\r\n 🔧b`)
  const word = foldLine(`DESCRIPTION:${'Ü'.repeat(200)}`)
  checkLines(t, `${word}\r\n`, '200 two-octet characters')
  t.equal(word.replace(/\r\n /g, ''), `DESCRIPTION:${'Ü'.repeat(200)}`, 'unfolds to the original')
})

t.test('contentLine, textLine and paramValue', async (t) => {
  t.equal(contentLine('DTSTART', '20211031T003000Z'), 'DTSTART:20211031T003000Z')
  t.equal(contentLine('REFRESH-INTERVAL', 'PT1H', { VALUE: 'DURATION' }), 'REFRESH-INTERVAL;VALUE=DURATION:PT1H')
  t.equal(textLine('SUMMARY', 'a, b'), 'SUMMARY:a\\, b')
  t.equal(paramValue('Europe/London'), 'Europe/London')
  t.equal(paramValue('a;b'), '"a;b"')
  t.equal(paramValue('say "hi": now'), '"say hi: now"')
})

t.test('UTC date-times', async (t) => {
  t.equal(formatUtcDateTime(new Date('2021-10-31T00:30:00Z')), '20211031T003000Z')
  t.equal(formatUtcDateTime(new Date('2022-03-27T01:00:59.999Z')), '20220327T010059Z', 'seconds truncated')
  t.equal(formatUtcDateTime(new Date('1999-12-31T23:59:59Z')), '19991231T235959Z')
  t.equal(formatUtcDateTime(new Date('2024-02-29T12:00:00Z')), '20240229T120000Z')
  t.equal(formatUtcDateTime(new Date('1969-07-20T20:17:40Z')), '19690720T201740Z', 'before the epoch')
  t.throws(() => formatUtcDateTime(new Date('nope')), RangeError)
  t.throws(() => formatUtcDateTime(new Date('+010000-01-01T00:00:00Z')), RangeError)
  // Every instant of a span (hourly for 4 years, odd minutes) agrees with toISOString.
  let mismatches = 0
  for (let ms = Date.UTC(2020, 0, 1); ms < Date.UTC(2024, 0, 1); ms += 3_600_000 + 61_000) {
    const iso = new Date(ms).toISOString()
    const want = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`
    if (formatUtcDateTime(new Date(ms)) !== want) mismatches++
  }
  t.equal(mismatches, 0)
})

t.test('Europe/London wall times agree with Intl and with ical.js reading our VTIMEZONE', async (t) => {
  const intl = new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/London',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  })
  let mismatches = 0
  for (let ms = Date.UTC(1997, 0, 1); ms < Date.UTC(2031, 0, 1); ms += 7 * 3_600_000 + 13 * 60_000) {
    const want = intl.format(new Date(ms)).replace(/[-: ]/g, (c) => (c === ' ' ? 'T' : ''))
    if (formatLondonWallTime(new Date(ms)) !== want) mismatches++
  }
  t.equal(mismatches, 0, 'same as Intl (tzdata) from 1997 to 2030')
  t.equal(londonOffsetMinutes(new Date('2022-03-27T00:59:59Z')), 0)
  t.equal(londonOffsetMinutes(new Date('2022-03-27T01:00:00Z')), 60)
  t.equal(londonOffsetMinutes(new Date('2021-10-31T00:59:59Z')), 60)
  t.equal(londonOffsetMinutes(new Date('2021-10-31T01:00:00Z')), 0)
  t.equal(formatLondonWallTime(new Date('2022-03-27T01:00:00Z')), '20220327T020000', 'the gap is skipped')
  t.notOk(isAmbiguousLondonWallTime(new Date('2021-10-30T23:59:59Z')))
  t.ok(isAmbiguousLondonWallTime(new Date('2021-10-31T00:00:00Z')), '01:00 BST')
  t.ok(isAmbiguousLondonWallTime(new Date('2021-10-31T01:59:59Z')), '01:59 GMT')
  t.notOk(isAmbiguousLondonWallTime(new Date('2021-10-31T02:00:00Z')))
  t.notOk(isAmbiguousLondonWallTime(new Date('2022-03-27T00:30:00Z')), 'the spring gap has no ambiguity')
  t.equal(dateTimeLine('DTSTART', new Date('2022-07-01T08:00:00Z'), 'europe-london'), 'DTSTART;TZID=Europe/London:20220701T090000')
  t.equal(dateTimeLine('DTSTART', new Date('2021-10-31T00:30:00Z'), 'europe-london'), 'DTSTART:20211031T003000Z', 'ambiguous → UTC')
  t.equal(dateTimeLine('DTEND', new Date('2022-07-01T08:00:00Z')), 'DTEND:20220701T080000Z')

  // ical.js converts each TZID wall time we write back to the same instant, DST nights included.
  const instants: Date[] = []
  for (let ms = Date.UTC(2021, 9, 30, 22); ms < Date.UTC(2021, 9, 31, 4); ms += 15 * 60_000) instants.push(new Date(ms))
  for (let ms = Date.UTC(2022, 2, 26, 22); ms < Date.UTC(2022, 2, 27, 4); ms += 15 * 60_000) instants.push(new Date(ms))
  const ics = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//EN',
    ...vtimezoneLines('Europe/London', 2022),
    ...instants.flatMap((d, i) => [
      'BEGIN:VEVENT',
      `UID:${i}@mwp`,
      'DTSTAMP:20220401T120000Z',
      dateTimeLine('DTSTART', d, 'europe-london'),
      dateTimeLine('DTEND', new Date(d.getTime() + 3_600_000), 'europe-london'),
      'END:VEVENT',
    ]),
    'END:VCALENDAR',
    '',
  ].join('\r\n')
  const root = new ICAL.Component(ICAL.parse(ics))
  for (const vtz of root.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(vtz)
  const icalStarts = root.getAllSubcomponents('vevent').map((ve) => new ICAL.Event(ve).startDate.toJSDate().toISOString())
  t.same(
    icalStarts,
    instants.map((d) => d.toISOString()),
    'ical.js',
  )
  const nodeStarts = Object.values(nodeIcal.sync.parseICS(ics)).flatMap((e) => (e && e.type === 'VEVENT' ? [e.start.toISOString()] : []))
  t.same(
    nodeStarts,
    instants.map((d) => d.toISOString()),
    'node-ical',
  )
})

/** The Europe/London VTIMEZONE feeds carried when it was written by hand (the UK rule since 1996). */
const UK_VTIMEZONE = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/London',
  'X-LIC-LOCATION:Europe/London',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0000',
  'TZOFFSETTO:+0100',
  'TZNAME:BST',
  'DTSTART:19700329T010000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0000',
  'TZNAME:GMT',
  'DTSTART:19701025T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
]

t.test('VTIMEZONE from the zone clock: the UK rule, and other zones', async (t) => {
  for (const year of [1997, 2021, 2022, 2030]) t.same(vtimezoneLines('Europe/London', year), UK_VTIMEZONE, `Europe/London in ${year}`)
  t.same(
    vtimezoneLines('Australia/Adelaide', 2022).slice(3),
    [
      'BEGIN:STANDARD',
      'TZOFFSETFROM:+1030',
      'TZOFFSETTO:+0930',
      'TZNAME:GMT+9:30',
      'DTSTART:19700405T030000',
      'RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU',
      'END:STANDARD',
      'BEGIN:DAYLIGHT',
      'TZOFFSETFROM:+0930',
      'TZOFFSETTO:+1030',
      'TZNAME:GMT+10:30',
      'DTSTART:19701004T020000',
      'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=1SU',
      'END:DAYLIGHT',
      'END:VTIMEZONE',
    ],
    'a half-hour zone in the southern hemisphere: first Sundays, standard time first',
  )
  t.same(
    vtimezoneLines('Asia/Tokyo', 2022).slice(3),
    ['BEGIN:STANDARD', 'TZOFFSETFROM:+0900', 'TZOFFSETTO:+0900', 'DTSTART:19700101T000000', 'END:STANDARD', 'END:VTIMEZONE'],
    'a zone without clock changes',
  )
  // ical.js, reading the Adelaide VTIMEZONE we write, gives the offsets tzdata gives.
  const ics = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//test//EN',
    ...vtimezoneLines('Australia/Adelaide', 2022),
    'END:VCALENDAR',
    '',
  ].join('\r\n')
  const zone = new ICAL.Timezone(new ICAL.Component(ICAL.parse(ics)).getFirstSubcomponent('vtimezone') as ICAL.Component)
  for (const [wall, offset] of [
    ['2022-04-03T01:30:00', 10.5 * 3600],
    ['2022-04-03T03:30:00', 9.5 * 3600],
    ['2022-10-02T01:30:00', 9.5 * 3600],
    ['2022-10-02T03:30:00', 10.5 * 3600],
  ] as const) {
    t.equal(zone.utcOffset(ICAL.Time.fromDateTimeString(wall)), offset, `Adelaide ${wall}`)
  }
})

t.test('isIcsDuration', async (t) => {
  for (const ok of ['PT1H', 'PT15M', 'P1D', 'P1W', 'P1DT12H', 'PT1H30M', '-PT5M', 'PT0S']) t.ok(isIcsDuration(ok), ok)
  for (const bad of ['P', 'PT', 'P1M', 'P1Y', '1H', 'PT1.5H', 'P1W2D', 'pt1h', '']) t.notOk(isIcsDuration(bad), bad)
})

t.test('IcsWriter writes the same bytes as the string primitives', async (t) => {
  const w = new IcsWriter(8) // tiny, so that growth is exercised
  w.raw('SUMMARY:').text('a, b').end()
  w.line('DTSTART:20211031T003000Z')
  t.equal(w.toString(), 'SUMMARY:a\\, b\r\nDTSTART:20211031T003000Z\r\n')
  t.same(Buffer.from(w.toBytes()), Buffer.from(w.toString(), 'utf8'))
  assertProperty(
    t,
    fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 40 }), (a, b) => {
      const w = new IcsWriter(16)
      w.raw('DESCRIPTION:').text(a).raw('\\n').text(b).end()
      w.raw('X-RAW:').raw(b).end()
      const want = `${foldLine(`DESCRIPTION:${escapeText(a)}\\n${escapeText(b)}`)}\r\n${foldLine(`X-RAW:${b}`)}\r\n`
      return w.toString() === want.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    }),
    { numRuns: 500 },
  )
})

// node-ical (what follows was seen with 0.27.2; 0.26.1 passes the same checks) is checked on the fixed
// hostile texts below, the golden feeds and the 1,000-window
// feed, not on random input: its TEXT unescaping (lib/ical-parser-utils.js `text`) strips a DQUOTE
// pair wrapping a whole single-line value, reads a literal backslash + 'n' as a newline and drops every
// DQUOTE of a line containing 'TZID='; and after some ~1,300 random inputs in one process it was seen
// to stop returning SUMMARY and DESCRIPTION for every later, valid, calendar (state kept between
// parses; not reduced to a cause). ical.js is stateless here and checked on every input.
t.test('property: folding and escaping round-trip arbitrary Unicode through ical.js', async (t) => {
  const texts = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({ unit: 'grapheme', maxLength: 200 }),
    fc
      .array(fc.constantFrom('\\', ';', ',', '\n', '\r\n', '\r', ' ', 'é', '€', '🔧', '👩‍👩‍👧', 'x', 'n', 'N', ':', '"', '\t', 'TZID='), {
        maxLength: 200,
      })
      .map((a) => a.join('')),
  )
  let failures = ''
  assertProperty(
    t,
    fc.property(texts, (s) => {
      const w = new IcsWriter()
      w.raw('SUMMARY:').text(s).end()
      w.raw('DESCRIPTION:').text(`${s} / ${s}`).end()
      const ics = wrap([w.toString().slice(0, -2)])
      const lines = ics.split('\r\n')
      if (lines.some((l) => octets(l) > 75 || l.includes('\n') || l.includes('\r'))) {
        failures ||= JSON.stringify(s)
        return false
      }
      const want = representable(s)
      const ve = new ICAL.Component(ICAL.parse(ics)).getFirstSubcomponent('vevent')
      const viaIcalJs = [ve?.getFirstPropertyValue('summary'), ve?.getFirstPropertyValue('description')]
      return viaIcalJs[0] === want && viaIcalJs[1] === `${want} / ${want}`
    }),
    { numRuns: 600 },
  )
  t.equal(failures, '')
  // The hostile texts of issue 6, explicitly.
  const hostile = `commas, semicolons; back\\slashes C:\\new\nnew lines\r\nemoji 🔧⚡👩‍👩‍👧 ${'W'.repeat(200)} ${'€'.repeat(30)}`
  const ics = wrap([textLine('DESCRIPTION', hostile)])
  checkLines(t, ics, 'hostile text')
  const ve = new ICAL.Component(ICAL.parse(ics)).getFirstSubcomponent('vevent')
  t.equal(ve?.getFirstPropertyValue('description'), hostile.replace('\r\n', '\n'), 'ical.js')
  const nodeHostile = hostile.replace('C:\\new', 'C:\\temp') // node-ical reads a literal backslash + n as a newline
  const ev = Object.values(nodeIcal.sync.parseICS(wrap([textLine('DESCRIPTION', nodeHostile)]))).find((e) => e?.type === 'VEVENT')
  t.equal(ev?.type === 'VEVENT' ? ev.description : undefined, nodeHostile.replace('\r\n', '\n'), 'node-ical')
})
