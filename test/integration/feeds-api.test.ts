import ICAL from 'ical.js'
import nodeIcal from 'node-ical'
import { sql } from 'kysely'
import t from 'tap'
import { aWindow, buildTestApp } from '../helpers/test-app.ts'

const ctx = await buildTestApp(t)
const { app } = ctx
const dsp = await ctx.keyFor('submitter', ['DSP'])
const cspN = await ctx.keyFor('submitter', ['CSP-N'])
const viewer = await ctx.keyFor('viewer')
const START = '2021-10-01T09:00:00Z'

t.beforeEach(async () => {
  ctx.clock.set(START)
  await ctx.reset()
})

interface Ev {
  uid: string
  start: number
  end: number
  status: string
  sequence: number
  summary: string
  transp: string | null
  categories: string[]
  description: string
}

/** Every VEVENT of a feed as ical.js reads it (VTIMEZONEs registered first). */
function parse(ics: string): Ev[] {
  const root = new ICAL.Component(ICAL.parse(ics))
  for (const vtz of root.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(vtz)
  return root.getAllSubcomponents('vevent').map((ve) => {
    const ev = new ICAL.Event(ve)
    return {
      uid: ev.uid,
      start: ev.startDate.toJSDate().getTime(),
      end: ev.endDate.toJSDate().getTime(),
      status: String(ve.getFirstPropertyValue('status')),
      sequence: ev.sequence,
      summary: ev.summary,
      transp: (ve.getFirstPropertyValue('transp') as string | null) ?? null,
      categories: ve.getAllProperties('categories').flatMap((p) => p.getValues().map(String)),
      description: ev.description,
    }
  })
}

async function window(over: Record<string, unknown>, headers: Record<string, string> = dsp) {
  const r = await app.inject({ method: 'POST', url: '/v1/windows', headers, payload: aWindow(over) })
  if (r.statusCode !== 201) throw new Error(r.body)
  return r.json() as { id: string; version: number; start: string; end: string; status: string }
}

async function cancel(id: string) {
  const r = await app.inject({
    method: 'POST',
    url: `/v1/windows/${id}/status`,
    headers: dsp,
    payload: { to: 'cancelled', reason: 'no longer needed' },
  })
  if (r.statusCode !== 200) throw new Error(r.body)
}

async function createFeed(payload: Record<string, unknown>, headers: Record<string, string> = viewer) {
  const r = await app.inject({ method: 'POST', url: '/v1/feeds', headers, payload })
  if (r.statusCode !== 201) throw new Error(r.body)
  const body = r.json() as { id: string; url: string; webcalUrl: string; name: string; filter: Record<string, unknown> }
  return { ...body, path: new URL(body.url).pathname }
}

/** A plan: proposed, draft and cancelled DSP windows, and one CSP-N window. */
async function plan() {
  const proposed = await window({ reference: 'DSP-1', title: 'Core switch; firmware, phase 1 \\ rollback ready' })
  const draft = await window({ reference: 'DSP-2', status: 'draft', start: '2022-05-16T00:00:00+01:00', end: '2022-05-16T02:00:00+01:00' })
  const cancelled = await window({ reference: 'DSP-3', start: '2022-05-17T00:00:00+01:00', end: '2022-05-17T03:00:00+01:00' })
  await cancel(cancelled.id)
  const other = await window({ party: 'CSP-N', reference: 'N-1', regions: ['N'], services: ['service-requests'] }, cspN)
  return { proposed, draft, cancelled, other }
}

t.test('a feed with a filter: capability URL, no header needed, the same windows, instants and statuses as the API', async (t) => {
  const w = await plan()
  const res = await app.inject({
    method: 'POST',
    url: '/v1/feeds',
    headers: viewer,
    payload: { name: 'DSP outages', filter: { parties: ['DSP'] } },
  })
  t.equal(res.statusCode, 201, res.body)
  const feed = res.json()
  t.match(feed.url, /^http:\/\/mwp\.test\/feeds\/[A-Za-z0-9_-]{32}\.ics$/, 'http(s) capability URL, 192-bit token')
  t.equal(feed.webcalUrl, feed.url.replace(/^http:/, 'webcal:'))
  t.equal(res.headers['cache-control'], 'no-store')
  t.same(feed.filter, { parties: ['DSP'] })
  const token = /\/feeds\/(.+)\.ics$/.exec(feed.url)![1]!
  const stored = await ctx.db.selectFrom('feeds').select(['token_hash']).where('id', '=', feed.id).executeTakeFirstOrThrow()
  t.notOk(Buffer.from(stored.token_hash).toString('latin1').includes(token), 'the token itself is not stored')
  t.equal(stored.token_hash.length, 32, 'only its SHA-256')

  const got = await app.inject({ url: new URL(feed.url).pathname })
  t.equal(got.statusCode, 200, 'no Authorization header needed')
  t.equal(got.headers['content-type'], 'text/calendar; charset=utf-8')
  t.match(got.headers.etag, /^"[A-Za-z0-9_-]+"$/)
  t.ok(got.headers['last-modified'] && !Number.isNaN(Date.parse(String(got.headers['last-modified']))))
  t.equal(got.headers['cache-control'], 'private, max-age=300')
  t.ok(got.body.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n'))
  t.match(got.body, /\r\nNAME:DSP outages\r\n/)
  t.match(got.body, /\r\nX-WR-CALNAME:DSP outages\r\n/)
  t.match(got.body, /\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n/)
  t.notMatch(got.body, /[^\r]\n/, 'CRLF line ends only')

  const api = (await app.inject({ url: '/v1/windows?party=DSP', headers: viewer })).json().items as {
    id: string
    start: string
    end: string
    status: string
  }[]
  const expected = api.filter((x) => x.status !== 'draft')
  t.equal(expected.length, 2)
  const events = parse(got.body)
  t.equal(events.length, expected.length, 'drafts and other parties are absent')
  const byUid = new Map(events.map((e) => [e.uid, e]))
  for (const x of expected) {
    const e = byUid.get(`${x.id}@mwp`)
    t.ok(e, `event for ${x.id}`)
    t.equal(e!.start, Date.parse(x.start), 'DTSTART is the API instant')
    t.equal(e!.end, Date.parse(x.end), 'DTEND is the API instant')
    t.equal(e!.status, x.status === 'proposed' ? 'TENTATIVE' : x.status === 'cancelled' ? 'CANCELLED' : 'CONFIRMED')
  }
  t.equal(byUid.get(`${w.proposed.id}@mwp`)!.status, 'TENTATIVE')
  t.equal(byUid.get(`${w.cancelled.id}@mwp`)!.status, 'CANCELLED')
  t.notOk(byUid.has(`${w.draft.id}@mwp`), 'no draft')
  t.notOk(byUid.has(`${w.other.id}@mwp`), 'no window of another party')
  t.match(byUid.get(`${w.proposed.id}@mwp`)!.description, /Core switch; firmware, phase 1 \\ rollback ready/, 'TEXT escaping round-trips')
  t.match(
    byUid.get(`${w.proposed.id}@mwp`)!.description,
    /Findings: (red|amber|green): \d+ (breach|breaches|objections?|warnings?|breach(es)? on an assumed limit) \([A-Z_]+(, [A-Z_]+)*\)/,
    'findings summary from the stored assessment: the colour, then each severity with its own codes',
  )

  // node-ical reads the same events.
  const ni = Object.values(nodeIcal.sync.parseICS(got.body)).flatMap((e) => (e && e.type === 'VEVENT' ? [e] : []))
  t.same(
    ni.map((e) => [e.uid, new Date(e.start).getTime(), e.end ? new Date(e.end).getTime() : null, e.status]).sort(),
    events.map((e) => [e.uid, e.start, e.end, e.status]).sort(),
    'node-ical agrees',
  )
})

t.test('UID stable and SEQUENCE increasing across an edit; 304 while unchanged, 200 after', async (t) => {
  const w = await window({ reference: 'DSP-9' })
  const feed = await createFeed({ name: 'all', filter: {} })
  const first = await app.inject({ url: feed.path })
  t.equal(first.statusCode, 200)
  const etag = String(first.headers.etag)
  const before = parse(first.body).find((e) => e.uid === `${w.id}@mwp`)!
  t.ok(before)

  const again = await app.inject({ url: feed.path, headers: { 'if-none-match': etag } })
  t.equal(again.statusCode, 304, 'unchanged feed')
  t.equal(again.body, '')
  t.equal(again.headers.etag, etag)
  t.equal(
    (await app.inject({ url: feed.path, headers: { 'if-none-match': `W/${etag}, "other"` } })).statusCode,
    304,
    'weak comparison, lists',
  )
  t.equal((await app.inject({ url: feed.path, headers: { 'if-none-match': '"something-else"' } })).statusCode, 200)
  t.equal((await app.inject({ url: feed.path })).headers.etag, etag, 'same bytes, same ETag')

  ctx.clock.advance(60_000)
  const patch = await app.inject({
    method: 'PATCH',
    url: `/v1/windows/${w.id}`,
    headers: { ...dsp, 'if-match': `"${w.version}"`, 'content-type': 'application/merge-patch+json' },
    payload: JSON.stringify({ start: '2022-05-15T01:00:00+01:00', title: 'Moved by an hour' }),
  })
  t.equal(patch.statusCode, 200, patch.body)
  const after = await app.inject({ url: feed.path, headers: { 'if-none-match': etag } })
  t.equal(after.statusCode, 200, 'changed feed')
  t.not(after.headers.etag, etag)
  const moved = parse(after.body).find((e) => e.uid === `${w.id}@mwp`)!
  t.ok(moved, 'same UID')
  t.ok(moved.sequence > before.sequence, `SEQUENCE ${before.sequence} → ${moved.sequence}`)
  t.equal(moved.start, Date.parse('2022-05-15T00:00:00Z'))
  t.match(moved.summary, /Moved by an hour/)

  // A status change under a standing clock still changes the feed.
  const etag2 = String(after.headers.etag)
  await cancel(w.id)
  const cancelled = await app.inject({ url: feed.path, headers: { 'if-none-match': etag2 } })
  t.equal(cancelled.statusCode, 200)
  t.equal(parse(cancelled.body).find((e) => e.uid === `${w.id}@mwp`)!.status, 'CANCELLED')
})

t.test(
  'If-Modified-Since: 304 when nothing changed since (to the second), 200 after a change; If-None-Match wins; a bad date is ignored',
  async (t) => {
    const w = await window({ reference: 'DSP-IMS' })
    const feed = await createFeed({ name: 'all', filter: {} })
    const first = await app.inject({ url: feed.path })
    t.equal(first.statusCode, 200)
    const lastModified = String(first.headers['last-modified'])
    const lm = Date.parse(lastModified)
    t.ok(Number.isFinite(lm), `Last-Modified is an HTTP-date: ${lastModified}`)
    const get = (headers: Record<string, string>, method: 'GET' | 'HEAD' = 'GET') => app.inject({ method, url: feed.path, headers })
    const at = (ms: number) => new Date(ms).toUTCString()

    const same = await get({ 'if-modified-since': lastModified })
    t.equal(same.statusCode, 304, 'the Last-Modified date itself')
    t.equal(same.body, '')
    t.equal(same.headers.etag, first.headers.etag, '304 carries the ETag')
    t.equal(same.headers['last-modified'], lastModified, 'and Last-Modified')
    t.equal((await get({ 'if-modified-since': at(lm + 3_600_000) })).statusCode, 304, 'a later date')
    t.equal((await get({ 'if-modified-since': at(lm + 999) })).statusCode, 304, 'the same second')
    t.equal((await get({ 'if-modified-since': at(lm - 1000) })).statusCode, 200, 'a second earlier')
    t.equal((await get({ 'if-modified-since': lastModified }, 'HEAD')).statusCode, 304, 'HEAD too')
    const rfc850 = new Date(lm + 86_400_000)
    const obsolete = `${rfc850.toLocaleDateString('en-GB', { weekday: 'long', timeZone: 'UTC' })}, ${rfc850.toUTCString().slice(5, 7)}-${rfc850.toUTCString().slice(8, 11)}-${rfc850.toUTCString().slice(14, 16)} ${rfc850.toUTCString().slice(17)}`
    t.equal((await get({ 'if-modified-since': obsolete })).statusCode, 304, `the obsolete RFC 850 form: ${obsolete}`)

    for (const bad of [
      'yesterday',
      '2999-01-01T00:00:00Z',
      `${at(lm + 3_600_000)}, ${at(lm + 3_600_000)}`,
      'Wed, 31 Feb 2099 00:00:00 GMT',
      '',
    ]) {
      const r = await get({ 'if-modified-since': bad })
      t.equal(r.statusCode, 200, `not an HTTP-date, ignored: "${bad}"`)
      t.ok(r.body.startsWith('BEGIN:VCALENDAR'))
    }

    t.equal(
      (await get({ 'if-none-match': '"other"', 'if-modified-since': at(lm + 3_600_000) })).statusCode,
      200,
      'If-None-Match not matching: 200 whatever If-Modified-Since says',
    )
    t.equal(
      (await get({ 'if-none-match': String(first.headers.etag), 'if-modified-since': at(lm - 86_400_000) })).statusCode,
      304,
      'If-None-Match matching: 304 though If-Modified-Since is earlier',
    )

    ctx.clock.advance(60_000)
    const patch = await app.inject({
      method: 'PATCH',
      url: `/v1/windows/${w.id}`,
      headers: { ...dsp, 'if-match': `"${w.version}"`, 'content-type': 'application/merge-patch+json' },
      payload: JSON.stringify({ title: 'Retitled' }),
    })
    t.equal(patch.statusCode, 200, patch.body)
    const changed = await get({ 'if-modified-since': lastModified })
    t.equal(changed.statusCode, 200, 'changed since: 200')
    t.ok(Date.parse(String(changed.headers['last-modified'])) > lm, 'a later Last-Modified')
    t.match(changed.body, /Retitled/)
    t.equal((await get({ 'if-modified-since': String(changed.headers['last-modified']) })).statusCode, 304, 'and 304 again from it')
  },
)

t.test(
  'an unchanged feed is answered from memory until a change is committed: an edit (even in SQL) or a window leaving the filter changes the ETag',
  async (t) => {
    const w = await window({ reference: 'DSP-C1' })
    const n = await window({ party: 'CSP-N', reference: 'N-C1', regions: ['N'], services: ['service-requests'] }, cspN)
    const feed = await createFeed({ name: 'north', filter: { regions: ['N'] } })
    const first = await app.inject({ url: feed.path })
    t.same(
      parse(first.body)
        .map((e) => e.uid)
        .sort(),
      [w.id, n.id].map((id) => `${id}@mwp`).sort(),
    )
    const etag = String(first.headers.etag)
    // Validated by the first request; these are answered without reading the windows.
    for (let i = 0; i < 3; i++) t.equal((await app.inject({ url: feed.path, headers: { 'if-none-match': etag } })).statusCode, 304)
    t.equal((await app.inject({ url: feed.path })).headers.etag, etag)

    // A change another instance (or psql) commits, under a standing clock: the database announces it.
    await ctx.db.updateTable('windows').set({ title: 'Renamed in SQL', version: sql`version + 1` }).where('id', '=', w.id).execute()
    const renamed = await app.inject({ url: feed.path, headers: { 'if-none-match': etag } })
    t.equal(renamed.statusCode, 200, 'the edit is seen')
    t.not(renamed.headers.etag, etag)
    t.match(parse(renamed.body).find((e) => e.uid === `${w.id}@mwp`)!.summary, /Renamed in SQL/)
    const etag2 = String(renamed.headers.etag)
    t.equal((await app.inject({ url: feed.path, headers: { 'if-none-match': etag2 } })).statusCode, 304, 'validated again')

    // A window leaving the filter (its regions no longer include N).
    const patch = await app.inject({
      method: 'PATCH',
      url: `/v1/windows/${n.id}`,
      headers: { ...cspN, 'if-match': `"${n.version}"`, 'content-type': 'application/merge-patch+json' },
      payload: JSON.stringify({ regions: ['C'] }),
    })
    t.equal(patch.statusCode, 200, patch.body)
    const left = await app.inject({ url: feed.path, headers: { 'if-none-match': etag2 } })
    t.equal(left.statusCode, 200, 'the feed changed')
    t.not(left.headers.etag, etag2)
    t.same(
      parse(left.body).map((e) => e.uid),
      [`${w.id}@mwp`],
      'the window that left is gone',
    )

    // A new stored assessment of a shown window (its findings are in the description) is seen too.
    const etag3 = String(left.headers.etag)
    await ctx.db.deleteFrom('assessments').where('window_id', '=', w.id).execute()
    t.equal((await app.inject({ url: feed.path, headers: { 'if-none-match': etag3 } })).statusCode, 200, 'assessments changed')
  },
)

t.test('HEAD: headers and length of GET, no body; 304 too', async (t) => {
  await window({ reference: 'DSP-H' })
  const feed = await createFeed({ name: 'head', filter: { parties: ['DSP'] } })
  const get = await app.inject({ url: feed.path })
  const head = await app.inject({ method: 'HEAD', url: feed.path })
  t.equal(head.statusCode, 200)
  t.equal(head.body, '')
  t.equal(head.headers.etag, get.headers.etag)
  t.equal(head.headers['content-type'], 'text/calendar; charset=utf-8')
  t.equal(Number(head.headers['content-length']), Buffer.byteLength(get.body))
  t.equal((await app.inject({ method: 'HEAD', url: feed.path, headers: { 'if-none-match': String(get.headers.etag) } })).statusCode, 304)
  t.equal((await app.inject({ method: 'HEAD', url: '/feeds/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics' })).statusCode, 404)
})

t.test('cancelled windows stay 30 days after their end, then leave the feed', async (t) => {
  const w = await plan()
  const feed = await createFeed({ name: 'dsp', filter: { parties: ['DSP'] } })
  ctx.clock.set('2022-06-16T01:00:00Z') // day 30 after DSP-3's end (2022-05-17T02:00Z)
  const kept = await app.inject({ url: feed.path })
  t.ok(
    parse(kept.body).some((e) => e.uid === `${w.cancelled.id}@mwp`),
    'kept on day 30',
  )
  ctx.clock.set('2022-06-16T02:00:01Z')
  const gone = await app.inject({ url: feed.path, headers: { 'if-none-match': String(kept.headers.etag) } })
  t.equal(gone.statusCode, 200, 'the feed changed')
  t.notOk(
    parse(gone.body).some((e) => e.uid === `${w.cancelled.id}@mwp`),
    'dropped after 30 days',
  )
  t.ok(parse(gone.body).some((e) => e.uid === `${w.proposed.id}@mwp`))
})

t.test('statuses filter and Europe/London times; blackouts and bank holidays as transparent events', async (t) => {
  const w = await plan()
  const tentative = await createFeed({ name: 'proposed only', filter: { statuses: ['proposed'], timeMode: 'europe-london' } })
  const body = (await app.inject({ url: tentative.path })).body
  t.match(body, /BEGIN:VTIMEZONE\r\nTZID:Europe\/London\r\n/)
  t.match(body, /DTSTART;TZID=Europe\/London:20220515T000000\r\n/)
  const evs = parse(body)
  t.same(evs.map((e) => e.uid).sort(), [w.proposed.id, w.other.id].map((id) => `${id}@mwp`).sort())
  t.equal(evs.find((e) => e.uid === `${w.proposed.id}@mwp`)!.start, Date.parse(w.proposed.start))

  const withBlackouts = await createFeed({
    name: 'N with blackouts',
    filter: { regions: ['N'], includeBlackouts: true, includeBankHolidays: true },
  })
  const b = parse((await app.inject({ url: withBlackouts.path })).body)
  const transparent = b.filter((e) => e.transp === 'TRANSPARENT')
  t.ok(transparent.length > 0, 'blackout events')
  t.ok(transparent.every((e) => e.categories.includes('blackout')))
  t.ok(
    transparent.some((e) => e.categories.includes('winter')),
    'the winter layer',
  )
  const xmas = transparent.find((e) => /Bank holiday: Christmas Day/.test(e.summary) && e.start === Date.parse('2022-12-25T00:00:00Z'))
  t.ok(xmas, 'Christmas Day 2022 as a bank holiday')
  t.same(
    transparent.filter((e) => e.end <= Date.parse('2022-05-01T00:00:00+01:00')).map((e) => `${e.uid} ${new Date(e.start).toISOString()}`),
    [],
    "nothing before the first day of the earliest window's month (May 2022), though today is 1 October 2021",
  )
  t.ok(b.filter((e) => e.transp !== 'TRANSPARENT').length >= 3, 'windows are still there')
  t.equal(new Set(b.map((e) => e.uid)).size, b.length, 'UIDs are unique')
  const again = parse((await app.inject({ url: withBlackouts.path })).body)
  t.same(
    again.map((e) => e.uid),
    b.map((e) => e.uid),
    'blackout UIDs are stable',
  )
})

t.test(
  "a feed of 2021-22 windows read years later: blackouts from the windows' first month, recurring layers as RRULE events, 304 when unchanged",
  async (t) => {
    for (const [i, day] of ['2021-11-14', '2022-03-13', '2022-07-17'].entries())
      await window({ reference: `DSP-TR-0${i + 1}`, start: `${day}T00:00:00Z`, end: `${day}T06:00:00Z` })
    ctx.clock.set('2026-12-01T09:00:00Z')
    const feed = await createFeed({ name: 'DSP TR with blackouts', filter: { includeBlackouts: true, includeBankHolidays: true } })
    const r = await app.inject({ url: feed.path })
    t.equal(r.statusCode, 200)
    const events = parse(r.body)
    const kinds = new Map<string, number>()
    for (const e of events) {
      const kind = e.transp !== 'TRANSPARENT' ? 'window' : (/^blackout-(bank-holiday|[a-z-]+?)(-\d{8}T|@)/.exec(e.uid)?.[1] ?? e.uid)
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
    }
    t.comment(
      `the 2021-22 feed: ${events.length} events, ${Buffer.byteLength(r.body)} bytes: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`,
    )
    const peak = r.body.split('BEGIN:VEVENT').filter((e) => e.includes('UID:blackout-evening-peak'))
    t.ok(peak.length >= 1 && peak.length <= 3, `the evening peak is ${peak.length} event(s)`)
    t.ok(
      peak.some((e) => /\r\nRRULE:FREQ=DAILY;UNTIL=\d{8}T\d{6}Z\r\n/.test(e)),
      'with an RRULE',
    )
    t.match(r.body, /\r\nDTSTART;TZID=Europe\/London:20211101T160000\r\n/, "from the first day of the earliest window's month")
    const blackouts2021 = events.filter((e) => e.transp === 'TRANSPARENT' && e.start < Date.parse('2022-01-01T00:00:00Z'))
    t.ok(
      blackouts2021.some((e) => e.categories.includes('winter')),
      'winter 2021-22 beside the windows',
    )
    t.ok(
      blackouts2021.some((e) => /Bank holiday: Christmas Day/.test(e.summary)),
      'bank holidays of 2021',
    )
    t.ok(
      events.some((e) => /Bank holiday: Christmas Day/.test(e.summary) && e.start === Date.parse('2027-12-25T00:00:00Z')) === false &&
        events.some((e) => /Bank holiday: Christmas Day/.test(e.summary) && e.start === Date.parse('2026-12-25T00:00:00Z')),
      'to a year after today (2026-12-01): Christmas 2026 in, 2027 out',
    )
    const recurringLayers = ['winter', 'november-top-up', 'christmas-new-year', 'evening-peak']
    const fromRules = recurringLayers.reduce((n, k) => n + (kinds.get(k) ?? 0), 0)
    t.ok(fromRules <= 8, `the recurring layers over six years are ${fromRules} events, not thousands`)
    t.equal(new Set(events.map((e) => e.uid)).size, events.length, 'UIDs are unique')
    const again = await app.inject({ url: feed.path })
    t.equal(again.body, r.body, 'the same bytes again: stable UIDs')
    const unchanged = await app.inject({ url: feed.path, headers: { 'if-modified-since': String(r.headers['last-modified']) } })
    t.equal(unchanged.statusCode, 304, 'If-Modified-Since: 304')
    ctx.clock.set('2026-12-02T09:00:00Z')
    const nextDay = await app.inject({ url: feed.path, headers: { 'if-modified-since': String(r.headers['last-modified']) } })
    t.equal(nextDay.statusCode, 200, 'the next day the range (a year after today) moved: 200, not 304')
    t.ok(Date.parse(String(nextDay.headers['last-modified'])) >= Date.parse('2026-12-02T00:00:00Z'), 'Last-Modified moved with it')
  },
)

t.test('a filter with from/to: only windows overlapping [from, to), blackouts and bank holidays over exactly that span', async (t) => {
  ctx.clock.set('2021-08-01T09:00:00Z')
  const before = await window({ reference: 'DSP-R-0', start: '2021-09-15T00:00:00Z', end: '2021-09-15T06:00:00Z' })
  const straddling = await window({ reference: 'DSP-R-1', start: '2021-09-30T22:00:00Z', end: '2021-10-01T04:00:00Z' })
  const inside = [
    straddling,
    await window({ reference: 'DSP-R-2', start: '2021-11-14T00:00:00Z', end: '2021-11-14T06:00:00Z' }),
    await window({ reference: 'DSP-R-3', start: '2022-03-13T00:00:00Z', end: '2022-03-13T06:00:00Z' }),
  ]
  const atTo = await window({ reference: 'DSP-R-4', start: '2022-08-01T00:00:00Z', end: '2022-08-01T06:00:00Z' })
  const after = await window({ reference: 'DSP-R-5', start: '2022-09-18T00:00:00Z', end: '2022-09-18T06:00:00Z' })
  ctx.clock.set(START)
  const FROM = Date.parse('2021-10-01T00:00:00Z')
  const TO = Date.parse('2022-08-01T00:00:00Z')
  const feed = await createFeed({
    name: 'winter 2021-22',
    filter: { includeBlackouts: true, includeBankHolidays: true, from: '2021-10-01T01:00:00+01:00', to: '2022-08-01T00:00:00Z' },
  })
  t.same([feed.filter.from, feed.filter.to], ['2021-10-01T00:00:00.000Z', '2022-08-01T00:00:00.000Z'], 'from/to answered in UTC')
  const listed = (await app.inject({ url: '/v1/feeds', headers: viewer })).json() as { items: { id: string; filter: unknown }[] }
  t.same(listed.items.find((f) => f.id === feed.id)?.filter, feed.filter, 'listed as created')

  const r = await app.inject({ url: feed.path })
  t.equal(r.statusCode, 200)
  const events = parse(r.body)
  const windows = events.filter((e) => e.transp !== 'TRANSPARENT')
  t.same(
    windows.map((e) => e.uid).sort(),
    inside.map((w) => `${w.id}@mwp`).sort(),
    'the windows overlapping [from, to), the one ending inside it too',
  )
  for (const w of [before, atTo, after])
    t.notOk(
      windows.some((e) => e.uid === `${w.id}@mwp`),
      `${w.start} is out`,
    )

  const blackouts = events.filter((e) => e.transp === 'TRANSPARENT')
  t.ok(
    blackouts.some((e) => e.categories.includes('winter') && e.start < Date.parse('2022-01-01T00:00:00Z')),
    'winter 2021-22',
  )
  t.ok(
    blackouts.some((e) => /Bank holiday: Christmas Day/.test(e.summary) && e.start === Date.parse('2021-12-25T00:00:00Z')),
    'Christmas Day 2021',
  )
  t.same(
    blackouts.filter((e) => e.start >= TO || e.end <= FROM).map((e) => `${e.summary} ${new Date(e.start).toISOString()}`),
    [],
    'nothing outside [from, to)',
  )
  const untils = [...r.body.matchAll(/;UNTIL=(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/g)].map((m) =>
    Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`),
  )
  t.ok(untils.length > 0 && untils.every((u) => u < TO), 'recurring layers end before to')

  const plain = await createFeed({ name: 'no range', filter: { includeBlackouts: true, includeBankHolidays: true } })
  const wide = parse((await app.inject({ url: plain.path })).body)
  t.ok(
    wide.some((e) => e.uid === `${after.id}@mwp`) && wide.some((e) => e.transp === 'TRANSPARENT' && e.start >= TO),
    'without from/to the same data reaches past 2022-08-01',
  )

  ctx.clock.set('2026-12-01T09:00:00Z')
  const later = await app.inject({ url: feed.path, headers: { 'if-modified-since': String(r.headers['last-modified']) } })
  t.equal(later.statusCode, 304, 'the span is fixed: years later the feed has not moved')
})

t.test('a bad from/to is 400 naming the field, and no feed is stored', async (t) => {
  const cases: [Record<string, unknown>, string][] = [
    [{ from: '2022-08-01T00:00:00Z', to: '2021-10-01T00:00:00Z' }, '/filter/to'],
    [{ from: '2022-08-01T00:00:00Z', to: '2022-08-01T00:00:00Z' }, '/filter/to'],
    [{ from: '2021-10-01T00:00:00Z', to: '2031-10-04T00:00:00Z' }, '/filter/to'],
    [{ from: '2021-10-01T00:00:00Z' }, '/filter/to'],
    [{ to: '2022-08-01T00:00:00Z' }, '/filter/from'],
    [{ from: '2021-10-01T00:00:00', to: '2022-08-01T00:00:00Z' }, '/filter/from'],
    [{ from: '2021-10-01T00:00:00Z', to: 'next summer' }, '/filter/to'],
  ]
  for (const [filter, pointer] of cases) {
    const r = await app.inject({ method: 'POST', url: '/v1/feeds', headers: viewer, payload: { name: 'bad range', filter } })
    t.equal(r.statusCode, 400, r.body)
    t.match(r.headers['content-type'], /application\/problem\+json/)
    t.ok(
      r.json().errors?.some((e: { pointer: string }) => e.pointer === pointer),
      `${pointer} in ${r.body}`,
    )
  }
  const ten = await app.inject({
    method: 'POST',
    url: '/v1/feeds',
    headers: viewer,
    payload: { name: 'ten years', filter: { from: '2021-10-01T00:00:00Z', to: '2031-10-01T00:00:00Z' } },
  })
  t.equal(ten.statusCode, 201, 'ten years is allowed')
  const n = await ctx.db
    .selectFrom('feeds')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  t.equal(Number(n.n), 1, 'only the good feed stored')
})

t.test('filters naming unknown parties or services are 400 naming the field', async (t) => {
  const cases: [Record<string, unknown>, string][] = [
    [{ parties: ['XYZ'] }, '/filter/parties/0'],
    [{ services: ['service-requests', 'nope'] }, '/filter/services/1'],
    [{ regions: ['N', 'Q'] }, '/filter/regions/1'],
  ]
  for (const [filter, pointer] of cases) {
    const r = await app.inject({ method: 'POST', url: '/v1/feeds', headers: viewer, payload: { name: 'bad', filter } })
    t.equal(r.statusCode, 400, r.body)
    t.match(r.headers['content-type'], /application\/problem\+json/)
    t.ok(
      r.json().errors.some((e: { pointer: string }) => e.pointer === pointer),
      `${pointer} in ${r.body}`,
    )
  }
  const draft = await app.inject({
    method: 'POST',
    url: '/v1/feeds',
    headers: viewer,
    payload: { name: 'drafts', filter: { statuses: ['draft'] } },
  })
  t.equal(draft.statusCode, 400, 'drafts are never in a feed')
  const noName = await app.inject({ method: 'POST', url: '/v1/feeds', headers: viewer, payload: { filter: {} } })
  t.equal(noName.statusCode, 400)
  t.equal(
    Number(
      (
        await ctx.db
          .selectFrom('feeds')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
    0,
    'nothing stored',
  )
})

t.test('each key manages its own feeds; an admin all', async (t) => {
  const mine = await createFeed({ name: 'mine', filter: {} }, viewer)
  const theirs = await createFeed({ name: 'theirs', filter: {} }, dsp)
  const list = (await app.inject({ url: '/v1/feeds', headers: viewer })).json().items as { id: string; url?: string }[]
  t.same(
    list.map((f) => f.id),
    [mine.id],
    'own feeds only',
  )
  t.notOk('url' in list[0]!, 'the token is not shown again')
  t.equal(
    (await app.inject({ method: 'DELETE', url: `/v1/feeds/${theirs.id}`, headers: viewer })).statusCode,
    404,
    "another key's feed is not found",
  )
  t.equal((await app.inject({ url: theirs.path })).statusCode, 200, 'and still works')
  const all = (await app.inject({ url: '/v1/feeds', headers: ctx.admin })).json().items as { id: string }[]
  t.same(all.map((f) => f.id).sort(), [mine.id, theirs.id].sort(), 'admin lists all')
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/feeds/${theirs.id}`, headers: ctx.admin })).statusCode, 204, 'admin revokes any')
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/feeds/${mine.id}`, headers: viewer })).statusCode, 204, 'owner revokes own')
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/feeds/${mine.id}`, headers: viewer })).statusCode, 404, 'twice is 404')
  t.same((await app.inject({ url: '/v1/feeds', headers: viewer })).json().items, [])
})

t.test('a revoked or unknown token is 404 problem+json', async (t) => {
  const feed = await createFeed({ name: 'soon gone', filter: {} })
  t.equal((await app.inject({ url: feed.path })).statusCode, 200)
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/feeds/${feed.id}`, headers: viewer })).statusCode, 204)
  for (const path of [feed.path, '/feeds/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics', '/feeds/x.ics']) {
    const r = await app.inject({ url: path })
    t.equal(r.statusCode, 404, path)
    t.match(r.headers['content-type'], /application\/problem\+json/)
    t.equal(r.json().detail, 'There is no feed at this address: the link may be mistyped or the feed revoked.', path)
  }
})

t.test('revoking the API key revokes its feeds', async (t) => {
  const key = await ctx.keyFor('reviewer')
  const a = await createFeed({ name: 'a', filter: {} }, key)
  const b = await createFeed({ name: 'b', filter: { parties: ['DSP'] } }, key)
  const kept = await createFeed({ name: 'kept', filter: {} }, viewer)
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/keys/${key.keyId}`, headers: ctx.admin })).statusCode, 204)
  t.equal((await app.inject({ url: a.path })).statusCode, 404)
  t.equal((await app.inject({ url: b.path })).statusCode, 404)
  t.equal((await app.inject({ url: kept.path })).statusCode, 200, "other keys' feeds stay")
  const rows = await ctx.db.selectFrom('feeds').select(['id', 'revoked_at']).where('owner_key_id', '=', key.keyId).execute()
  t.ok(rows.length === 2 && rows.every((r) => r.revoked_at !== null), 'stored as revoked')
})

t.test('a feed token is not an API key', async (t) => {
  const feed = await createFeed({ name: 'x', filter: {} })
  const token = /\/feeds\/(.+)\.ics$/.exec(feed.url)![1]!
  for (const auth of [`Bearer ${token}`, `Bearer ${feed.path}`, `Bearer ${feed.url}`]) {
    const r = await app.inject({ url: '/v1/windows', headers: { authorization: auth } })
    t.equal(r.statusCode, 401, auth)
  }
  t.equal((await app.inject({ url: '/v1/feeds', headers: { authorization: `Bearer ${token}` } })).statusCode, 401)
})
