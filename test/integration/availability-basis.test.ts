/**
 * GET /v1/availability counts a window as agreed Planned Maintenance only when it is agreed with its
 * notice met or waived (R6); the window's assessment names the same basis.
 */
import t from 'tap'
import { buildTestApp } from '../helpers/test-app.ts'

const ctx = await buildTestApp(t, { now: '2021-10-05T09:00:00Z' })
const { app } = ctx
const dsp = await ctx.keyFor('submitter', ['DSP'])
const reviewer = await ctx.keyFor('reviewer')

const window = (reference: string, day: string) => ({
  reference,
  title: `DSP refresh ${reference}`,
  party: 'DSP',
  impact: 'outage',
  services: ['service-requests'],
  riskToService: 'Rollback rehearsed',
  changeRef: 'CRQ000000000042',
  start: `${day}T00:00:00Z`,
  end: `${day}T06:00:00Z`,
  zone: 'Europe/London',
})

async function post(url: string, payload: Record<string, unknown>, headers: Record<string, string>) {
  const r = await app.inject({ method: 'POST', url, headers, payload })
  if (r.statusCode >= 300) throw new Error(`${url}: ${r.statusCode} ${r.body}`)
  return r.json()
}

const availability = async (month: string) => {
  const r = await app.inject({ url: `/v1/availability?month=${month}&party=DSP`, headers: reviewer })
  t.equal(r.statusCode, 200, r.body.slice(0, 200))
  return r.json().rows[0] as { plannedAgreedMinutes: number; plannedNotAgreedMinutes: number }
}

t.test('agreed windows: notice missed counts as Unscheduled Downtime until the breach is waived', async (t) => {
  const nov = await post('/v1/windows', window('AV-NOV', '2021-11-14'), dsp)
  const dec = await post('/v1/windows', window('AV-DEC', '2021-12-12'), dsp)
  const proposed = await post('/v1/windows', window('AV-JAN', '2022-01-16'), dsp)
  // Published on 5 Oct: one Working Day late for November, in time for December.
  for (const month of ['2021-11', '2021-12'])
    await post(`/v1/schedules/${month}/publish`, { publishedAt: '2021-10-05T18:00:00+01:00' }, ctx.admin)
  // Each step a minute later: a window's latest stored assessment is the one recorded last.
  ctx.clock.set('2021-10-05T09:01:00Z')
  for (const w of [nov, dec])
    await post(`/v1/windows/${w.id}/status`, { to: 'agreed', reason: 'OPSG agreed', decisionRef: 'OPSG 59' }, reviewer)

  t.match(await availability('2021-11'), { plannedAgreedMinutes: 0, plannedNotAgreedMinutes: 360 }, 'agreed + notice missed')
  t.match(await availability('2021-12'), { plannedAgreedMinutes: 360, plannedNotAgreedMinutes: 0 }, 'agreed + notice met')
  t.match(await availability('2022-01'), { plannedAgreedMinutes: 0, plannedNotAgreedMinutes: 360 }, 'proposed')

  const basis = async (id: string) =>
    (await app.inject({ url: `/v1/windows/${id}/assessment`, headers: reviewer })).json().impact.availability.basis as string
  t.equal(await basis(nov.id), 'unscheduled-downtime')
  t.equal(await basis(dec.id), 'agreed-planned-maintenance')
  t.equal(await basis(proposed.id), 'unscheduled-downtime')

  ctx.clock.set('2021-10-05T09:02:00Z')
  await post(
    '/v1/waivers',
    {
      findingKey: `${nov.id}:NOTICE_PERIOD:notice`,
      approvedBy: 'sec-panel',
      decisionRef: 'Panel 2021-10 #7',
      decidedAt: '2021-10-05T08:00:00Z',
      reason: 'urgent refresh',
    },
    reviewer,
  )
  t.match(await availability('2021-11'), { plannedAgreedMinutes: 360, plannedNotAgreedMinutes: 0 }, 'agreed + notice waived')
  t.equal(await basis(nov.id), 'agreed-planned-maintenance')
})
