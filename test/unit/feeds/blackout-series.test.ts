import { spawnSync } from 'node:child_process'
import ICAL from 'ical.js'
import nodeIcal from 'node-ical'
import t from 'tap'
import { type BlackoutLayer, defaultBlackoutLayers, expandLayer } from '../../../src/domain/blackouts.ts'
import { buildCalendars } from '../../../src/domain/calendars.ts'
import { DEFAULT_RULESET } from '../../../src/domain/ruleset.ts'
import { blackoutSeries, type FeedBlackout, renderCalendarFeed, type TimeMode } from '../../../src/feeds/index.ts'
import { META } from './fixtures/feed-fixtures.ts'

// Both clock changes of 2021-22 (and of 2022-23, 2023-24), and the leap-year winter of 2023-24.
const FROM = new Date('2021-10-01T00:00:00Z')
const TO = new Date('2024-06-01T00:00:00Z')
const calendars = buildCalendars()
const recurring = defaultBlackoutLayers(DEFAULT_RULESET).filter((l) => l.recurrence)
/** Saturday 22:00 for 6 hours: the two changeover nights end an hour later or earlier than the rest. */
const saturdayNights: BlackoutLayer = {
  id: 'saturday-nights',
  name: 'Saturday nights',
  category: 'custom',
  severity: 'warning',
  scope: {},
  owner: 'test',
  legalBasis: 'test',
  provenance: 'assumed',
  recurrence: {
    rrule: 'FREQ=WEEKLY;BYDAY=SA;COUNT=500',
    dtstart: '2021-01-02',
    startTime: '22:00',
    duration: 'PT6H',
    zone: 'Europe/London',
  },
}
const layers = [...recurring, saturdayNights]

/** The feed events of each layer as the service writes them: one series, then single events. */
function feedBlackouts(): { blackouts: FeedBlackout[]; layerOf: Map<string, string> } {
  const blackouts: FeedBlackout[] = []
  const layerOf = new Map<string, string>()
  for (const layer of layers) {
    const s = blackoutSeries(layer, FROM, TO, { calendars })
    if (s.series) {
      const { start, end, ...recurrence } = s.series
      blackouts.push({ id: layer.id, name: layer.name, category: layer.category, start, end, recurrence })
      layerOf.set(`blackout-${layer.id}@mwp`, layer.id)
    }
    s.singles.forEach((p, i) => {
      blackouts.push({ id: `${layer.id}-${i}`, name: layer.name, category: layer.category, start: p.start, end: p.end })
      layerOf.set(`blackout-${layer.id}-${i}@mwp`, layer.id)
    })
  }
  return { blackouts, layerOf }
}

type Occ = [uid: string, start: string, end: string]

function byLayer(occs: readonly Occ[], layerOf: Map<string, string>): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [uid, s, e] of occs) (out[layerOf.get(uid) ?? uid] ??= []).push(`${s}/${e}`)
  for (const k in out) out[k]!.sort()
  return out
}

const expected: Record<string, string[]> = {}
for (const layer of layers)
  expected[layer.id] = expandLayer(layer, FROM, TO, { calendars })
    .map((p) => `${p.start.toISOString()}/${p.end.toISOString()}`)
    .sort()

function viaIcalJs(ics: string): Occ[] {
  const root = new ICAL.Component(ICAL.parse(ics))
  for (const vtz of root.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(vtz)
  const out: Occ[] = []
  for (const ve of root.getAllSubcomponents('vevent')) {
    const ev = new ICAL.Event(ve)
    if (!ev.isRecurring()) {
      // Read as written: ical.js's occurrence details add DTEND − DTSTART in wall time, an hour off across a change.
      out.push([ev.uid, ev.startDate.toJSDate().toISOString(), ev.endDate.toJSDate().toISOString()])
      continue
    }
    const it = ev.iterator()
    for (let n = it.next(), i = 0; n && i < 5000; n = it.next(), i++) {
      const d = ev.getOccurrenceDetails(n)
      out.push([ev.uid, d.startDate.toJSDate().toISOString(), d.endDate.toJSDate().toISOString()])
    }
  }
  return out
}

function viaNodeIcal(ics: string): Occ[] {
  const out: Occ[] = []
  for (const e of Object.values(nodeIcal.sync.parseICS(ics))) {
    if (e?.type !== 'VEVENT') continue // narrowing needed for TS
    for (const i of nodeIcal.expandRecurringEvent(e, { from: new Date('2020-01-01T00:00:00Z'), to: TO }))
      out.push([e.uid, i.start.toISOString(), i.end.toISOString()])
  }
  return out
}

function viaPython(ics: string): Occ[] {
  // Debian's python3 (pyenv's shadows it on PATH and cannot see python3-icalendar: stack notes §11).
  const script = new URL('./fixtures/expand_ics.py', import.meta.url).pathname
  const r = spawnSync('/usr/bin/python3', [script, TO.toISOString()], { input: ics, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`python icalendar failed: ${r.stderr || r.error}`)
  return JSON.parse(r.stdout) as Occ[]
}

t.test('each recurring layer is one RRULE series; what it cannot hold is single events, EXDATE where it skips', async (t) => {
  const { blackouts } = feedBlackouts()
  const series = blackouts.filter((b) => b.recurrence)
  t.same(
    series.map((b) => b.id),
    layers.map((l) => l.id),
    'one series per layer',
  )
  const peak = series.find((b) => b.id === 'evening-peak')!
  t.same(peak.recurrence, { rrule: 'FREQ=DAILY', tzid: 'Europe/London', until: new Date('2024-05-31T15:00:00Z'), exdates: [] })
  t.equal(expected['evening-peak']!.length, 974, 'the 974 evening peaks of the range…')
  t.equal(blackouts.filter((b) => b.id.startsWith('evening-peak')).length, 1, '…are one event')
  t.same(
    blackouts.filter((b) => b.id.startsWith('winter')).map((b) => [b.id, b.start.toISOString(), b.end.toISOString()]),
    [
      ['winter', '2021-09-30T23:00:00.000Z', '2022-03-31T23:00:00.000Z'],
      ['winter-0', '2023-09-30T23:00:00.000Z', '2024-03-31T23:00:00.000Z'],
    ],
    'winter: the 182-day winters as a series, the leap-year one (183 days) on its own',
  )
  const sat = series.find((b) => b.id === 'saturday-nights')!
  t.equal(sat.recurrence?.rrule, 'FREQ=WEEKLY;BYDAY=SA', 'COUNT replaced by UNTIL')
  t.same(
    sat.recurrence?.exdates?.map((d) => d.toISOString()),
    [
      '2021-10-30T21:00:00.000Z',
      '2022-03-26T22:00:00.000Z',
      '2022-10-29T21:00:00.000Z',
      '2023-03-25T22:00:00.000Z',
      '2023-10-28T21:00:00.000Z',
      '2024-03-30T22:00:00.000Z',
    ],
    'the changeover nights (7 and 5 hours long) are EXDATEs…',
  )
  t.same(
    blackouts.filter((b) => b.id.startsWith('saturday-nights-')).map((b) => (b.end.getTime() - b.start.getTime()) / 3_600_000),
    [7, 5, 7, 5, 7, 5],
    '…and single events',
  )
})

for (const timeMode of ['utc', 'europe-london'] as TimeMode[]) {
  t.test(`ical.js, node-ical and python icalendar expand the feed (${timeMode}) to the domain's occurrences`, async (t) => {
    const { blackouts, layerOf } = feedBlackouts()
    const ics = renderCalendarFeed({ meta: { ...META, timeMode }, windows: [], blackouts })
    t.match(ics, '\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n', 'the VTIMEZONE the series refer to, in either mode')
    t.match(ics, /\r\nDTSTART;TZID=Europe\/London:20211001T160000\r\nDTEND;TZID=Europe\/London:20211001T220000\r\n/)
    t.match(ics, /\r\nRRULE:FREQ=DAILY;UNTIL=20240531T150000Z\r\n/)
    t.match(ics, /\r\nEXDATE;TZID=Europe\/London:20211030T220000,20220326T220000,/)
    t.ok(
      ics.split('\r\n').every((l) => Buffer.byteLength(l) <= 75),
      'no line over 75 octets',
    )
    const events = ics.split('BEGIN:VEVENT').length - 1
    t.ok(events < 20, `${events} events in all`)
    const icalJs = byLayer(viaIcalJs(ics), layerOf)
    t.same(icalJs, expected, 'ical.js')
    t.same(byLayer(viaNodeIcal(ics), layerOf), expected, 'node-ical')
    t.same(byLayer(viaPython(ics), layerOf), expected, 'python icalendar + dateutil')
    t.ok(icalJs['evening-peak']!.includes('2021-10-30T15:00:00.000Z/2021-10-30T21:00:00.000Z'), 'BST evening before the change')
    t.ok(icalJs['evening-peak']!.includes('2021-10-31T16:00:00.000Z/2021-10-31T22:00:00.000Z'), 'GMT evening of the change')
    t.ok(icalJs['evening-peak']!.includes('2022-03-27T15:00:00.000Z/2022-03-27T21:00:00.000Z'), 'BST evening of the spring change')
  })
}
