import { readFileSync } from 'node:fs'
import t from 'tap'
import { ROOT } from '../helpers/subprocess.ts'
import { aWindow, buildTestApp } from '../helpers/test-app.ts'

const plan = JSON.parse(readFileSync(`${ROOT}/examples/opsg-58-plan.json`, 'utf8')) as { windows: Record<string, unknown>[] }
const ctx = await buildTestApp(t, { now: '2021-10-05T09:00:00Z' })
const { app } = ctx
const dsp = await ctx.keyFor('submitter', ['DSP'])
const cspN = await ctx.keyFor('submitter', ['CSP-N'])
const viewer = await ctx.keyFor('viewer')

type Problem = { status: number; errors?: { pointer: string; in: string }[] }
const pointers = (body: Problem) => (body.errors ?? []).map((e) => e.pointer)

t.beforeEach(async () => {
  await ctx.reset()
  ctx.clock.set('2021-10-05T09:00:00Z')
})

const slotsUrl = (q: Record<string, string | number>) =>
  `/v1/slots?${new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)] as [string, string])).toString()}`

t.test('GET /v1/slots: ranked slots with their assessments, the stored plan counted', async (t) => {
  // A CSP-N outage of 3 hours on Sunday 15 May 2022: the DSP May slots must keep the cap.
  const other = await app.inject({
    method: 'POST',
    url: '/v1/windows',
    headers: cspN,
    payload: aWindow({
      reference: 'CSP-N-1',
      party: 'CSP-N',
      regions: ['N'],
      services: ['sm-wan'],
      start: '2022-05-15T00:00:00+01:00',
      end: '2022-05-15T03:00:00+01:00',
    }),
  })
  t.equal(other.statusCode, 201, other.body.slice(0, 300))
  const res = await app.inject({
    url: slotsUrl({
      duration: 'PT6H',
      from: '2022-05-01T00:00:00+01:00',
      to: '2022-06-01T00:00:00+01:00',
      party: 'DSP',
      services: 'service-requests,prepayment-top-up',
      count: 3,
      notifiedAt: '2022-03-01T12:00:00Z',
    }),
    headers: viewer,
  })
  t.equal(res.statusCode, 200, res.body.slice(0, 500))
  const body = res.json()
  t.equal(body.complete, true)
  t.same(body.ruleset, { id: 'sec-planned-maintenance-default', version: '2021.1.1' })
  // The cap (360 GB-wide) leaves only slots that cover CSP-N's 3 hours: one night, one slot.
  t.same(
    body.slots.map((s: { localStart: string }) => s.localStart),
    ['2022-05-15 00:00'],
  )
  const s = body.slots[0]
  t.equal(Date.parse(s.end) - Date.parse(s.start), 6 * 3_600_000)
  t.notOk(s.assessment.findings.some((f: { severity: string }) => f.severity === 'breach' || f.severity === 'objection'))
  t.equal(s.assessment.months[0].plannedMinutes, 360, 'the union with the stored window')
  t.equal(s.metersAffected, 16_300_000)
  t.ok(s.expectedFailedTopUps > 0)
  t.same(
    body.explanation.removed.map((r: { code: string }) => r.code),
    ['MONTHLY_CAP'],
  )
  t.same(body.explanation.removed[0].monthsEmptied, [], 'May still has its one slot')

  const june = await app.inject({
    url: slotsUrl({
      duration: 'PT6H',
      from: '2022-06-01T00:00:00+01:00',
      to: '2022-07-01T00:00:00+01:00',
      party: 'DSP',
      count: 4,
      notifiedAt: '2022-03-01T12:00:00Z',
    }),
    headers: viewer,
  })
  const jb = june.json()
  t.equal(jb.slots.length, 4)
  t.equal(jb.explanation, null)
  const failed = jb.slots.map((x: { expectedFailedTopUps: number }) => x.expectedFailedTopUps)
  t.same(
    failed,
    [...failed].sort((a: number, b: number) => a - b),
    'ranked by expected failed top-ups',
  )
  t.equal(new Set(jb.slots.map((x: { localStart: string }) => x.localStart.slice(0, 10))).size, 4, 'one per local day')
})

t.test('GET /v1/slots: fewer than asked → the explanation (winter, notice)', async (t) => {
  const res = await app.inject({
    url: slotsUrl({ duration: 'PT6H', from: '2021-10-06T00:00:00Z', to: '2022-03-01T00:00:00Z', party: 'DSP', count: 5 }),
    headers: viewer,
  })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.slots.length, 0)
  const codes = body.explanation.removed.map((r: { code: string }) => r.code)
  t.same(codes.slice(0, 2), ['NOTICE_PERIOD', 'WINTER'], 'notice first (October and November), then winter')
  t.match(body.explanation.message, /NOTICE_PERIOD removed .* every start before 2021-12-01 00:00/)
  t.ok(body.explanation.nearest, 'the nearest slot with one constraint waived')
})

t.test('GET /v1/slots: bad input is a problem naming the field', async (t) => {
  const base = { duration: 'PT6H', from: '2022-05-01T00:00:00Z', to: '2022-06-01T00:00:00Z', party: 'DSP' }
  const cases: [Record<string, string | number>, string][] = [
    [{ ...base, duration: 'PT0H' }, '/duration'],
    [{ ...base, duration: '-PT6H' }, '/duration'],
    [{ ...base, duration: 'PT73H' }, '/duration'],
    [{ ...base, duration: 'six hours' }, '/duration'],
    [{ ...base, to: '2024-06-01T00:00:00Z' }, '/to'],
    [{ ...base, to: '2022-04-01T00:00:00Z' }, '/to'],
    [{ ...base, count: 101 }, '/count'],
    [{ ...base, count: 0 }, '/count'],
    [{ ...base, party: 'NOPE' }, '/party'],
    [{ ...base, regions: 'X' }, '/regions'],
    [{ ...base, tolerate: 'breach' }, '/tolerate'],
    [{ ...base, from: '2022-05-01' }, '/from'],
  ]
  for (const [q, pointer] of cases) {
    const res = await app.inject({ url: slotsUrl(q), headers: viewer })
    t.equal(res.statusCode, 400, `${JSON.stringify(q)} → 400`)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.ok(pointers(res.json()).includes(pointer), `names ${pointer}: ${res.body.slice(0, 200)}`)
  }
  t.equal((await app.inject({ url: slotsUrl(base) })).statusCode, 401)
})

t.test('OPSG 58 re-planned from a 5 October 2021 publication, then applied with history', async (t) => {
  const windows = plan.windows.map(({ party: _p, notifiedAt: _n, ...w }) => w)
  const created = await app.inject({
    method: 'POST',
    url: '/v1/programmes',
    headers: dsp,
    payload: { name: 'DSP Technical Refresh', party: 'DSP', windows },
  })
  t.equal(created.statusCode, 201, created.body.slice(0, 300))
  const programme = created.json().programme as { id: string }
  const url = `/v1/programmes/${programme.id}/replan`
  t.equal(
    (await app.inject({ method: 'POST', url, headers: viewer, payload: { publishedAt: '2021-10-05T18:00:00+01:00' } })).statusCode,
    403,
  )
  t.equal(
    (await app.inject({ method: 'POST', url, headers: cspN, payload: { publishedAt: '2021-10-05T18:00:00+01:00' } })).statusCode,
    403,
    'not another party',
  )
  const bad = await app.inject({
    method: 'POST',
    url,
    headers: dsp,
    payload: { publishedAt: '2021-10-05T18:00:00+01:00', until: '2021-01-01T00:00:00Z' },
  })
  t.equal(bad.statusCode, 400)
  t.ok(pointers(bad.json()).includes('/until'))

  const res = await app.inject({ method: 'POST', url, headers: dsp, payload: { publishedAt: '2021-10-05T18:00:00+01:00' } })
  t.equal(res.statusCode, 200, res.body.slice(0, 500))
  const r = res.json()
  t.equal(r.fits, true)
  type E = {
    reference: string
    kept: boolean
    old: { localStart: string }
    new: { start: string; localStart: string }
    after: { findings: { severity: string }[] }
    before: { worstSeverity: string }
  }
  const entries = r.entries as E[]
  t.same(
    entries.filter((e) => e.kept).map((e) => e.old.localStart.slice(0, 10)),
    ['2022-04-10', '2022-05-15', '2022-06-12', '2022-07-10'],
    'keeps exactly four original dates',
  )
  t.notOk(
    entries.some((e) => e.after.findings.some((f) => f.severity === 'breach' || f.severity === 'objection')),
    'no breach and no objection',
  )
  t.equal(entries[0]!.before.worstSeverity, 'breach', 'the diff shows the findings before')
  t.ok(Date.parse(r.finishesAt) >= Date.parse('2024-03-01T00:00:00Z'), `cannot finish before spring 2024: ${r.finishesAt}`)
  const named = r.explanation.removed.map((x: { code: string }) => x.code)
  t.ok(named.includes('WINTER'), 'the winter objection pushes it out')
  t.ok(named.includes('MONTHLY_CAP'), 'the monthly cap pushes it out')
  t.match(r.explanation.message, /WINTER removed/)
  const etag = res.headers.etag as string

  // Nothing is stored until applied.
  const first = await app.inject({ url: `/v1/programmes/${programme.id}`, headers: viewer })
  t.equal(first.json().windows[0].start, '2021-11-14T00:00:00.000Z')

  const applyUrl = `${url}/apply`
  t.equal(
    (await app.inject({ method: 'POST', url: applyUrl, headers: dsp, payload: { publishedAt: '2021-10-05T18:00:00+01:00' } })).statusCode,
    428,
  )
  t.equal(
    (
      await app.inject({
        method: 'POST',
        url: applyUrl,
        headers: { ...dsp, 'if-match': '"99"' },
        payload: { publishedAt: '2021-10-05T18:00:00+01:00' },
      })
    ).statusCode,
    412,
  )
  const applied = await app.inject({
    method: 'POST',
    url: applyUrl,
    headers: { ...dsp, 'if-match': etag },
    payload: { publishedAt: '2021-10-05T18:00:00+01:00' },
  })
  t.equal(applied.statusCode, 200, applied.body.slice(0, 500))
  t.equal(applied.json().windows.length, 10, 'ten windows moved')
  t.not(applied.headers.etag, etag, 'the programme has a new version')
  const after = (await app.inject({ url: `/v1/programmes/${programme.id}`, headers: viewer })).json()
  const byRef = new Map(after.windows.map((w: { reference: string; start: string; id: string }) => [w.reference, w]))
  for (const e of entries)
    t.equal(
      (byRef.get(e.reference) as { start: string }).start,
      new Date(e.new.start).toISOString(),
      `${e.reference} stored at its new slot`,
    )
  const w1 = byRef.get('DSP-TR-01') as { id: string }
  const history = (await app.inject({ url: `/v1/windows/${w1.id}/history`, headers: viewer })).json()
  t.equal(history.items.at(-1).action, 'replanned')
  const stale = await app.inject({
    method: 'POST',
    url: applyUrl,
    headers: { ...dsp, 'if-match': etag },
    payload: { publishedAt: '2021-10-05T18:00:00+01:00' },
  })
  t.equal(stale.statusCode, 412, 'the old ETag no longer applies')
})

type SlotOut = {
  start: string
  end: string
  localStart: string
  expectedFailedTopUps: number
  assessment: { findings: { code: string; severity: string }[] }
}
/** Distinct codes above info, the first ranking key. */
const warnings = (s: SlotOut) => new Set(s.assessment.findings.filter((f) => f.severity !== 'info').map((f) => f.code)).size

t.test('GET /v1/slots with the OPSG 58 plan stored: its services assumed, no slot on its windows, fewer warnings first', async (t) => {
  const windows = plan.windows.map(({ party: _p, notifiedAt: _n, ...w }) => w)
  const created = await app.inject({
    method: 'POST',
    url: '/v1/programmes',
    headers: dsp,
    payload: { name: 'DSP Technical Refresh', party: 'DSP', windows },
  })
  t.equal(created.statusCode, 201, created.body.slice(0, 300))
  const planned = plan.windows.map((w) => [Date.parse(w.start as string), Date.parse(w.end as string)] as const)
  const onAPlannedWindow = (s: SlotOut) => planned.some(([ps, pe]) => Date.parse(s.start) < pe && ps < Date.parse(s.end))

  // May 2022: DSP-TR-11 (15 May, 00:00–06:00) fills the cap; the only start the cap left was on top of it.
  const may = await app.inject({
    url: slotsUrl({
      duration: 'PT6H',
      from: '2022-05-01T00:00:00+01:00',
      to: '2022-06-01T00:00:00+01:00',
      party: 'DSP',
      notifiedAt: '2022-01-05T12:00:00Z',
    }),
    headers: viewer,
  })
  t.equal(may.statusCode, 200, may.body.slice(0, 500))
  const mb = may.json()
  t.same(mb.services.from, 'plan', "the services the plan's DSP windows list")
  t.same(mb.services.ids, plan.windows[0]!.services)
  t.match(mb.notes[0], /^services not given: assumed service-requests, prepayment-top-up, .* the services DSP's planned windows list$/)
  t.notOk(
    mb.notes.some((n: string) => /notice is judged as of now/.test(n)),
    'notifiedAt given: no notice note',
  )
  t.same(mb.slots, [], 'no slot on top of DSP-TR-11, and the cap leaves nothing else')
  t.same(
    mb.explanation.removed.map((r: { code: string }) => r.code),
    ['MONTHLY_CAP', 'OVERLAP'],
    "the night of DSP-TR-11 is charged to OVERLAP (the party's own window)",
  )
  t.ok(mb.explanation.nearest.expectedFailedTopUps > 0, 'a DSP outage fails top-ups')

  // July and August: July is over the cap already; August is free.
  const summer = await app.inject({
    url: slotsUrl({
      duration: 'PT6H',
      from: '2022-07-01T00:00:00+01:00',
      to: '2022-09-01T00:00:00+01:00',
      party: 'DSP',
      count: 5,
      notifiedAt: '2022-01-05T12:00:00Z',
    }),
    headers: viewer,
  })
  t.equal(summer.statusCode, 200, summer.body.slice(0, 500))
  const sb = summer.json() as { slots: SlotOut[] }
  t.equal(sb.slots.length, 5)
  for (const s of sb.slots) {
    t.notOk(onAPlannedWindow(s), `${s.localStart}: not on a planned window`)
    t.ok(s.expectedFailedTopUps > 0, `${s.localStart}: ${s.expectedFailedTopUps} failed top-ups`)
  }
  const keys = sb.slots.map((s) => [warnings(s), s.expectedFailedTopUps] as const)
  t.ok(
    keys.every((k, i) => i === 0 || keys[i - 1]![0] < k[0] || (keys[i - 1]![0] === k[0] && keys[i - 1]![1] <= k[1])),
    `ranked by warnings, then failed top-ups: ${JSON.stringify(keys)}`,
  )
})

t.test('GET /v1/slots: a range in the past without notifiedAt says notice is judged as of now', async (t) => {
  const ask = async (q: Record<string, string>) => {
    const res = await app.inject({ url: slotsUrl({ duration: 'PT6H', party: 'DSP', count: 1, ...q }), headers: viewer })
    t.equal(res.statusCode, 200, res.body.slice(0, 500))
    return res.json() as { notes: string[]; slots: unknown[] }
  }
  // The clock reads 2021-10-05T09:00Z.
  const past = await ask({ from: '2021-09-01T00:00:00+01:00', to: '2021-10-01T00:00:00+01:00' })
  t.equal(past.slots.length, 0)
  t.ok(
    past.notes.some((n) =>
      /^the range starts in the past and no notifiedAt was given: notice is judged as of now \(2021-10-05T09:00:00.000Z\)/.test(n),
    ),
    past.notes.join(' | '),
  )
  const notified = await ask({ from: '2021-09-01T00:00:00+01:00', to: '2021-10-01T00:00:00+01:00', notifiedAt: '2021-07-01T12:00:00Z' })
  t.notOk(
    notified.notes.some((n) => /notice is judged/.test(n)),
    'notifiedAt given',
  )
  const future = await ask({ from: '2022-05-01T00:00:00+01:00', to: '2022-06-01T00:00:00+01:00' })
  t.notOk(
    future.notes.some((n) => /notice is judged/.test(n)),
    'a future range',
  )
  t.same(
    (await ask({ from: '2022-05-01T00:00:00+01:00', to: '2022-06-01T00:00:00+01:00', services: 'alerts' })).notes,
    [],
    'services given: nothing assumed',
  )
})
