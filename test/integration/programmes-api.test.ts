import { readFileSync } from 'node:fs'
import t from 'tap'
import { buildTestApp } from '../helpers/test-app.ts'
import { ROOT } from '../helpers/subprocess.ts'

// OPSG 58 (domain.md §6): the 14 DSP Technical Refresh windows, created and published on 5 Oct 2021.
const plan = JSON.parse(readFileSync(`${ROOT}/examples/opsg-58-plan.json`, 'utf8')) as { windows: Record<string, unknown>[] }
const ctx = await buildTestApp(t, { now: '2021-10-05T09:00:00Z' })
const { app } = ctx
const dsp = await ctx.keyFor('submitter', ['DSP'])
const viewer = await ctx.keyFor('viewer')

type Totals = {
  windows: number
  outageHours: number
  prepaymentCustomerHours: number
  expectedFailedTopUps: number
  monthsTouched: string[]
  breaches: { confirmed: number; unconfirmed: number }
  objections: { confirmed: number; unconfirmed: number }
  notifiedLate: { windows: number; share: number }
}

t.test('GET /v1/programmes/{id}: the OPSG 58 programme totals', async (t) => {
  const windows = plan.windows.map(({ party: _p, notifiedAt: _n, ...w }) => w)
  const created = await app.inject({
    method: 'POST',
    url: '/v1/programmes',
    headers: dsp,
    payload: { name: 'DSP Technical Refresh', party: 'DSP', windows },
  })
  t.equal(created.statusCode, 201, created.body.slice(0, 300))
  const id = created.json().programme.id as string
  for (const month of ['2021-11', '2021-12', '2022-01', '2022-02', '2022-03', '2022-04', '2022-05', '2022-06', '2022-07']) {
    const r = await app.inject({
      method: 'POST',
      url: `/v1/schedules/${month}/publish`,
      headers: ctx.admin,
      payload: { publishedAt: '2021-10-05T18:00:00+01:00' },
    })
    t.equal(r.statusCode, 200, r.body.slice(0, 300))
  }
  const got = await app.inject({ url: `/v1/programmes/${id}`, headers: viewer })
  t.equal(got.statusCode, 200, got.body.slice(0, 300))
  const totals = got.json().totals as Totals
  t.equal(totals.windows, 14, '14 windows')
  t.equal(totals.outageHours, 84, '14 full outages of 6 hours')
  t.same(totals.notifiedLate, { windows: 2, share: 2 / 14 }, '2 of 14 notified late (the November windows)')
  t.same(totals.monthsTouched, ['2021-11', '2021-12', '2022-01', '2022-02', '2022-03', '2022-04', '2022-05', '2022-06', '2022-07'])
  // Breaches: 2 notice breaches (recalled rule: confirmed), 10 cap breaches (assumed cap: unconfirmed).
  t.same(totals.breaches, { confirmed: 2, unconfirmed: 10 })
  // Objections: 9 winter and 2 November top-up objections, neither resting on an assumed parameter.
  t.same(totals.objections, { confirmed: 11, unconfirmed: 0 })
  // Every window stops top-ups for the whole GB estate's prepayment customers for 6 hours.
  const perWindow = got.json().windows.length === 14 ? totals.prepaymentCustomerHours / 84 : Number.NaN
  t.ok(perWindow > 1_000_000 && perWindow < 2_000_000, `prepayment customers in scope: ${perWindow}`)
  t.ok(totals.expectedFailedTopUps > 0, `expected failed top-ups: ${totals.expectedFailedTopUps}`)

  // The compliance report gives the same totals per programme (JSON and HTML).
  const q = `from=2021-11-01T00:00:00Z&to=2022-08-01T00:00:00%2B01:00&programme=${id}`
  ctx.clock.set('2021-10-06T09:00:00Z')
  const report = await app.inject({ url: `/v1/reports/compliance?${q}&format=json`, headers: viewer })
  t.equal(report.statusCode, 200, report.body.slice(0, 300))
  t.same(report.json().programmes, [{ programmeId: id, totals }])
  const html = await app.inject({ url: `/v1/reports/compliance?${q}&format=html`, headers: viewer })
  t.match(html.body, /<table id="programmes">.*<td class="num">84<\/td>.*<td class="num">2 \/ 10<\/td>.*<td class="num">2 of 14<\/td>/s)
})

t.test('GET /v1/programmes/{id}: a waived notice breach is no longer late, a cancelled window no longer counts', async (t) => {
  const windows = plan.windows.slice(0, 2).map(({ party: _p, notifiedAt: _n, ...w }) => ({ ...w, reference: `${w.reference}-B` }))
  const created = await app.inject({
    method: 'POST',
    url: '/v1/programmes',
    headers: dsp,
    payload: { name: 'November only', party: 'DSP', windows },
  })
  t.equal(created.statusCode, 201, created.body.slice(0, 300))
  const { programme, windows: made } = created.json() as { programme: { id: string }; windows: { id: string }[] }
  const totals = async () => (await app.inject({ url: `/v1/programmes/${programme.id}`, headers: viewer })).json().totals as Totals
  t.same((await totals()).notifiedLate, { windows: 2, share: 1 }, 'both judged as notified now (5 Oct): late')
  const reviewer = await ctx.keyFor('reviewer')
  const waived = await app.inject({
    method: 'POST',
    url: '/v1/waivers',
    headers: reviewer,
    payload: {
      findingKey: `${made[0]!.id}:NOTICE_PERIOD:notice`,
      approvedBy: 'sec-panel',
      decisionRef: 'Panel 2021-10 #7',
      decidedAt: '2021-10-05T08:00:00Z',
      reason: 'test',
    },
  })
  t.equal(waived.statusCode, 201, waived.body.slice(0, 300))
  const after = await totals()
  t.same(after.notifiedLate, { windows: 1, share: 0.5 })
  t.equal(after.breaches.confirmed, 1, 'the waived notice breach is not counted')
  const cancelled = await app.inject({
    method: 'POST',
    url: `/v1/windows/${made[1]!.id}/status`,
    headers: dsp,
    payload: { to: 'cancelled', reason: 'test' },
  })
  t.equal(cancelled.statusCode, 200, cancelled.body.slice(0, 300))
  const last = await totals()
  t.equal(last.windows, 1)
  t.equal(last.outageHours, 6)
  t.same(last.notifiedLate, { windows: 0, share: 0 })
})

t.test('GET /v1/programmes: every programme by name, with its party, version and window count; any key, not none', async (t) => {
  const res = await app.inject({ url: '/v1/programmes', headers: viewer })
  t.equal(res.statusCode, 200, res.body.slice(0, 300))
  const items = res.json().items as { id: string; name: string; party: string; version: number; windowCount: number; createdAt: string }[]
  t.same(
    items.map((p) => [p.name, p.party, p.version, p.windowCount]),
    [
      ['DSP Technical Refresh', 'DSP', 1, 14],
      ['November only', 'DSP', 1, 2],
    ],
    'by name; a cancelled window is still one of the programme’s windows',
  )
  t.ok(items.every((p) => !Number.isNaN(Date.parse(p.createdAt))))
  const one = (await app.inject({ url: `/v1/programmes/${items[0]!.id}`, headers: viewer })).json()
  t.equal(one.programme.version, items[0]!.version, 'the version a re-plan’s If-Match names, as on the programme')
  t.equal((await app.inject({ url: '/v1/programmes' })).statusCode, 401)
})
