import t from 'tap'
import type { WindowPlan } from '../../src/domain/window.ts'
import { aWindow, buildTestApp } from '../helpers/test-app.ts'

const ctx = await buildTestApp(t)
const { app } = ctx
const dsp = await ctx.keyFor('submitter', ['DSP'])
const cspN = await ctx.keyFor('submitter', ['CSP-N'])
const viewer = await ctx.keyFor('viewer')
const reviewer = await ctx.keyFor('reviewer')

t.beforeEach(async () => {
  await ctx.reset()
  ctx.clock.set('2021-10-01T09:00:00Z')
})

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are read field by field and checked by the assertions
type Json = Record<string, any>
const errorsOf = (body: Json) => (body.errors as { pointer: string }[]).map((e) => e.pointer)
const referenceRows = async () => (await ctx.db.selectFrom('reference_data').select(['kind', 'version']).execute()).length

/** Stores a window through the API, then moves it to `status` directly (publication is another issue). */
async function storedWindow(over: Record<string, unknown>, status: string, headers: Record<string, string> = dsp) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/windows',
    headers,
    payload: aWindow({ reference: `W-${Math.random().toString(36).slice(2, 9)}`, ...over }),
  })
  if (res.statusCode !== 201) throw new Error(res.body)
  const w = res.json() as { id: string }
  // A window past proposed was published: it carries the instant it was notified (in time for November 2021).
  const published = !['draft', 'proposed', 'cancelled', 'rejected'].includes(status)
  await ctx.db
    .updateTable('windows')
    .set({ status, ...(published ? { notified_at: new Date('2021-10-01T09:00:00Z') } : {}) })
    .where('id', '=', w.id)
    .execute()
  return w.id
}

const NOV_14 = { start: '2021-11-14T00:00:00Z', end: '2021-11-14T06:00:00Z' }

const actuals = (id: string, body: Json, headers: Record<string, string> = dsp) =>
  app.inject({ method: 'POST', url: `/v1/windows/${id}/actuals`, headers, payload: body })

t.test('reference data: GET answers the defaults as version 1, each figure with its source and confidence', async (t) => {
  const estate = await app.inject({ url: '/v1/reference/estate', headers: viewer })
  t.equal(estate.statusCode, 200, estate.body)
  const e = estate.json()
  t.equal(e.version, 1)
  t.equal(e.source, 'default')
  t.equal(e.versionId, 'estate-2021-11-default.2')
  t.equal(e.data.version, 'estate-2021-11-default.2')
  t.same(Object.keys(e.data.regions), ['N', 'C', 'S'])
  t.equal(e.data.regions.N.premises.confidence, 'assumed')
  t.match(e.data.regions.N.premises.source, /Energy Live News/)
  t.equal(e.data.regions.N.prepaymentShare.value, 0.13)
  t.equal(e.data.regions.N.prepaymentShare.confidence, 'inferred')
  const meters = Object.values(e.data.regions as Record<string, Json>).reduce(
    (a, r) => a + r.meters.smets1.value + r.meters.smets2.value,
    0,
  )
  t.equal(meters, 16_300_000)

  const profile = await app.inject({ url: '/v1/reference/top-up-profile', headers: dsp })
  t.equal(profile.statusCode, 200, profile.body)
  const p = profile.json()
  t.equal(p.version, 1)
  t.equal(p.versionId, 'top-up-profile-2021-default')
  t.equal(p.data.hourOfWeekWeights.value.length, 168)
  t.equal(p.data.monthlyMultipliers.value.length, 12)
  t.equal(p.data.baseRatePerCustomerPerWeek.confidence, 'assumed')
  t.match(p.data.baseRatePerCustomerPerWeek.source, /ASSUMED/)
})

t.test('reference data: an admin PUTs a new estate → version 2, in force for every figure', async (t) => {
  const current = (await app.inject({ url: '/v1/reference/estate', headers: viewer })).json()
  const body = structuredClone(current.data)
  body.regions.N.premises = { value: 4_000_000, source: 'test: a census of the North', confidence: 'verified' }
  const put = await app.inject({ method: 'PUT', url: '/v1/reference/estate', headers: ctx.admin, payload: body })
  t.equal(put.statusCode, 200, put.body)
  const v2 = put.json()
  t.equal(v2.version, 2)
  t.equal(v2.versionId, 'estate-v2')
  t.equal(v2.source, 'stored')
  t.equal(v2.data.version, 'estate-v2', 'the server assigns the version id')
  t.type(v2.recordedAt, 'string')
  const got = (await app.inject({ url: '/v1/reference/estate', headers: viewer })).json()
  t.equal(got.version, 2)
  t.equal(got.data.regions.N.premises.value, 4_000_000)
  t.equal(got.data.regions.N.premises.confidence, 'verified')

  // impactFor (what the compliance service calls) uses the version in force and says so.
  const plan = {
    reference: 'CSPN-1',
    party: 'CSP-N',
    impact: 'outage',
    services: ['service-requests'],
    regions: [],
    start: new Date(NOV_14.start),
    end: new Date(NOV_14.end),
  }
  const r = await ctx.services.impact.impactFor(ctx.db, [plan as unknown as WindowPlan], { isPreHoliday: () => false })
  t.equal(r.reference.estate.versionId, 'estate-v2')
  t.equal(r.impacts[0]?.referenceDataVersion.estate, 'estate-v2')
  t.same(r.impacts[0]?.regions, ['N'])
  t.equal(r.impacts[0]?.prepaymentCustomersAffected, 4_000_000 * 0.13)

  const again = await app.inject({ method: 'PUT', url: '/v1/reference/estate', headers: ctx.admin, payload: body })
  t.equal(again.json().version, 3, 'each PUT is the previous version + 1')
  t.same(
    (await ctx.services.impact.versions('estate')).map((v) => v.version),
    [2, 3],
  )

  const profile = (await app.inject({ url: '/v1/reference/top-up-profile', headers: viewer })).json().data
  profile.baseRatePerCustomerPerWeek = { value: 2, source: 'test', confidence: 'assumed' }
  const pp = await app.inject({ method: 'PUT', url: '/v1/reference/top-up-profile', headers: ctx.admin, payload: profile })
  t.equal(pp.statusCode, 200, pp.body)
  t.equal(pp.json().versionId, 'top-up-profile-v2')
})

t.test('reference data: bad bundles are 400 naming the field, nothing written, version 1 still in force', async (t) => {
  const estate = (await app.inject({ url: '/v1/reference/estate', headers: viewer })).json().data
  const profile = (await app.inject({ url: '/v1/reference/top-up-profile', headers: viewer })).json().data
  const withEstate = (edit: (e: Json) => void) => {
    const e = structuredClone(estate)
    edit(e)
    return e
  }
  const estateCases: [string, Json, string][] = [
    ['negative count', withEstate((e) => void (e.regions.N.meters.smets1.value = -5)), '/regions/N/meters/smets1/value'],
    ['negative premises', withEstate((e) => void (e.regions.S.premises.value = -1)), '/regions/S/premises/value'],
    ['fractional count', withEstate((e) => void (e.regions.C.premises.value = 10.5)), '/regions/C/premises/value'],
    ['share 1.5', withEstate((e) => void (e.regions.N.prepaymentShare.value = 1.5)), '/regions/N/prepaymentShare/value'],
    ['unknown region', withEstate((e) => void (e.regions.Q = e.regions.N)), '/regions/Q'],
    ['no regions', withEstate((e) => void (e.regions = {})), '/regions'],
    ['bad confidence', withEstate((e) => void (e.regions.N.premises.confidence = 'certain')), '/regions/N/premises/confidence'],
    ['bad date', withEstate((e) => void (e.asOf = '26/11/2021')), '/asOf'],
  ]
  for (const [name, body, pointer] of estateCases) {
    const res = await app.inject({ method: 'PUT', url: '/v1/reference/estate', headers: ctx.admin, payload: body })
    t.equal(res.statusCode, 400, `${name}: ${res.body}`)
    t.match(res.headers['content-type'], /application\/problem\+json/)
    t.ok(errorsOf(res.json()).includes(pointer), `${name} names ${pointer}: ${JSON.stringify(res.json().errors)}`)
  }
  const profileCases: [string, Json, string][] = [
    [
      '167 buckets',
      { ...profile, hourOfWeekWeights: { ...profile.hourOfWeekWeights, value: profile.hourOfWeekWeights.value.slice(1) } },
      '/hourOfWeekWeights/value',
    ],
    [
      '11 months',
      { ...profile, monthlyMultipliers: { ...profile.monthlyMultipliers, value: profile.monthlyMultipliers.value.slice(1) } },
      '/monthlyMultipliers/value',
    ],
    [
      'failure share 2',
      { ...profile, failureShare: { ...profile.failureShare, value: { degraded: 1, outage: 2 } } },
      '/failureShare/value/outage',
    ],
    [
      'bad holiday bound',
      { ...profile, holidayPeriod: { ...profile.holidayPeriod, value: { from: '13-40', to: '01-05' } } },
      '/holidayPeriod/value/from',
    ],
  ]
  for (const [name, body, pointer] of profileCases) {
    const res = await app.inject({ method: 'PUT', url: '/v1/reference/top-up-profile', headers: ctx.admin, payload: body })
    t.equal(res.statusCode, 400, `${name}: ${res.body}`)
    t.ok(errorsOf(res.json()).includes(pointer), `${name} names ${pointer}: ${JSON.stringify(res.json().errors)}`)
  }
  const forbidden = await app.inject({ method: 'PUT', url: '/v1/reference/estate', headers: reviewer, payload: estate })
  t.equal(forbidden.statusCode, 403)
  t.equal(await referenceRows(), 0, 'nothing written')
  t.equal((await app.inject({ url: '/v1/reference/estate', headers: viewer })).json().version, 1, 'version 1 still in force')
  t.equal((await app.inject({ url: '/v1/reference/top-up-profile', headers: viewer })).json().version, 1)
})

t.test('actuals: a 45-minute overrun is unscheduled downtime, needs an Incident record, and completes the window', async (t) => {
  const id = await storedWindow(NOV_14, 'agreed')
  ctx.clock.set('2021-11-15T00:00:00Z')
  const res = await actuals(id, { actualStart: '2021-11-14T00:00:00Z', actualEnd: '2021-11-14T06:45:00Z' })
  t.equal(res.statusCode, 200, res.body)
  const r = res.json()
  t.equal(r.window.status, 'completed', 'agreed → completed when start and end are recorded')
  t.equal(r.window.actualStart, '2021-11-14T00:00:00.000Z')
  t.equal(r.window.actualEnd, '2021-11-14T06:45:00.000Z')
  t.equal(res.headers.etag, `"${r.window.version}"`)
  t.equal(r.actuals.status, 'completed')
  t.equal(r.actuals.overrunMinutes, 45)
  t.equal(r.actuals.earlyStartMinutes, 0)
  t.equal(r.actuals.unscheduledMinutes, 45)
  t.equal(r.actuals.incidentRequired, true)
  t.same(r.actuals.unscheduledIntervals, [
    { kind: 'overrun', start: '2021-11-14T06:00:00.000Z', end: '2021-11-14T06:45:00.000Z', minutes: 45 },
  ])
  t.equal(r.overrun.code, 'OVERRUN')
  t.equal(r.overrun.severity, 'breach')
  t.equal(r.overrun.incidentRequired, true)
  t.equal(r.overrun.unscheduledMinutes, 45)
  t.match(r.overrun.message, /overran by 45 min.*Incident record is required \(SEC H9\)/)
  const stored = await app.inject({ url: `/v1/windows/${id}/assessment`, headers: ctx.admin })
  const overrun = stored.json().findings.find((f: { code: string }) => f.code === 'OVERRUN')
  t.equal(overrun?.severity, 'breach', 'the stored assessment carries the OVERRUN breach')
  t.equal(overrun?.evidence.unscheduledMinutes, 45)
  const history = (await app.inject({ url: `/v1/windows/${id}/history`, headers: viewer })).json().items
  t.equal(history.at(-1).action, 'actuals')
  t.ok(history.at(-1).changes.some((c: Json) => c.field === 'actualEnd'))
})

t.test('actuals: an early start moves agreed → in-progress; the end then completes it', async (t) => {
  const id = await storedWindow(NOV_14, 'agreed')
  ctx.clock.set('2021-11-14T01:00:00Z')
  const start = await actuals(id, { actualStart: '2021-11-13T23:30:00Z' })
  t.equal(start.statusCode, 200, start.body)
  t.equal(start.json().window.status, 'in-progress')
  t.equal(start.json().actuals.status, 'running')
  t.equal(start.json().actuals.earlyStartMinutes, 30)
  t.equal(start.json().actuals.overrunMinutes, 0)
  t.equal(start.json().overrun.severity, 'breach')
  t.match(start.json().overrun.message, /started 30 min early/)
  ctx.clock.set('2021-11-14T07:00:00Z')
  const end = await actuals(id, { actualStart: '2021-11-13T23:30:00Z', actualEnd: '2021-11-14T05:00:00Z' })
  t.equal(end.statusCode, 200, end.body)
  t.equal(end.json().window.status, 'completed')
  t.equal(end.json().actuals.earlyFinishMinutes, 60)
  t.equal(end.json().actuals.unscheduledMinutes, 30)
  const onPlan = await storedWindow({ start: '2021-11-21T00:00:00Z', end: '2021-11-21T06:00:00Z' }, 'agreed')
  ctx.clock.set('2021-11-22T00:00:00Z')
  const ok = await actuals(onPlan, { actualStart: '2021-11-21T00:10:00Z', actualEnd: '2021-11-21T05:50:00Z' })
  t.equal(ok.statusCode, 200)
  t.equal(ok.json().overrun, null, 'a late start and early finish cost nothing')
  t.equal(ok.json().actuals.incidentRequired, false)
})

t.test('actuals: bad input is 400 naming the field; another party 403; nothing written', async (t) => {
  const id = await storedWindow(NOV_14, 'agreed')
  ctx.clock.set('2021-11-16T00:00:00Z')
  const versions = async () => (await ctx.db.selectFrom('window_versions').select('version').where('window_id', '=', id).execute()).length
  const before = await versions()
  const cases: [string, Json, string][] = [
    ['end before start', { actualStart: '2021-11-14T03:00:00Z', actualEnd: '2021-11-14T02:00:00Z' }, '/actualEnd'],
    ['far from plan without reason', { actualStart: '2021-11-15T06:00:00Z' }, '/reason'],
    ['in the future', { actualStart: '2021-11-14T00:00:00Z', actualEnd: '2021-11-17T00:00:00Z' }, '/actualEnd'],
    ['no offset', { actualStart: '2021-11-14T00:00:00' }, '/actualStart'],
    ['unknown field', { actualStart: '2021-11-14T00:00:00Z', colour: 'red' }, '/colour'],
  ]
  for (const [name, body, pointer] of cases) {
    const res = await actuals(id, body)
    t.equal(res.statusCode, 400, `${name}: ${res.body}`)
    t.ok(errorsOf(res.json()).includes(pointer), `${name} names ${pointer}: ${JSON.stringify(res.json().errors)}`)
  }
  const other = await actuals(id, { actualStart: '2021-11-14T00:00:00Z' }, cspN)
  t.equal(other.statusCode, 403, 'another party’s submitter')
  t.equal((await actuals(id, { actualStart: '2021-11-14T00:00:00Z' }, viewer)).statusCode, 403, 'a viewer')
  t.equal(await versions(), before, 'nothing written')
  const withReason = await actuals(id, { actualStart: '2021-11-15T06:00:00Z', reason: 'postponed a day by the change board' })
  t.equal(withReason.statusCode, 200, withReason.body)
  t.equal(withReason.json().window.status, 'in-progress')
  const history = (await app.inject({ url: `/v1/windows/${id}/history`, headers: viewer })).json().items
  t.equal(history.at(-1).reason, 'postponed a day by the change board')
  const admin = await actuals(
    id,
    { actualStart: '2021-11-15T06:00:00Z', actualEnd: '2021-11-15T12:00:00Z', reason: 'postponed' },
    ctx.admin,
  )
  t.equal(admin.statusCode, 200, 'an admin records for any party')
  const proposed = await storedWindow({ start: '2021-11-21T00:00:00Z', end: '2021-11-21T06:00:00Z' }, 'proposed')
  const notAgreed = await actuals(proposed, { actualStart: '2021-11-21T00:00:00Z' })
  t.equal(notAgreed.statusCode, 409, 'only an agreed window starts')
  const missing = await actuals('6f1c0f49-3f83-4e4c-9d59-2c1a4a1c0e4d', { actualStart: '2021-11-14T00:00:00Z' })
  t.equal(missing.statusCode, 404)
})

t.test('actuals: a window that never started is reported as such once its planned end has passed', async (t) => {
  const id = await storedWindow(NOV_14, 'agreed')
  ctx.clock.set('2021-11-14T03:00:00Z')
  const early = await actuals(id, { actualStart: null })
  t.equal(early.statusCode, 200, early.body)
  t.equal(early.json().actuals.status, 'not-started')
  ctx.clock.set('2021-11-14T07:00:00Z')
  const res = await actuals(id, { actualStart: null })
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.json().actuals.status, 'never-started')
  t.equal(res.json().actuals.neverStarted, true)
  t.equal(res.json().window.status, 'agreed')
  t.equal(res.json().window.version, 1, 'nothing to store')
})

t.test('availability: one agreed and one not-agreed DSP window in a 30-day month', async (t) => {
  await storedWindow(NOV_14, 'notified')
  const agreed = await storedWindow({ start: '2021-11-21T00:00:00Z', end: '2021-11-21T06:00:00Z' }, 'agreed')
  await storedWindow({ start: '2021-11-28T00:00:00Z', end: '2021-11-28T06:00:00Z' }, 'cancelled')
  await storedWindow({ start: '2021-11-07T00:00:00Z', end: '2021-11-07T06:00:00Z' }, 'draft')
  await storedWindow({ start: '2021-12-05T00:00:00Z', end: '2021-12-05T06:00:00Z' }, 'agreed')
  const res = await app.inject({ url: '/v1/availability?month=2021-11&party=DSP', headers: viewer })
  t.equal(res.statusCode, 200, res.body)
  const a = res.json()
  t.equal(a.monthMinutes, 43_200)
  t.equal(a.thresholdPercent, 99.5)
  t.equal(a.rows.length, 1)
  const dspRow = a.rows[0]
  t.equal(dspRow.party, 'DSP')
  t.equal(dspRow.plannedAgreedMinutes, 360)
  t.equal(dspRow.plannedNotAgreedMinutes, 360)
  t.equal(dspRow.overrunMinutes, 0)
  t.equal(dspRow.availabilityPercent.toFixed(2), '99.17', '360 of 43,200 minutes not agreed')
  t.equal(dspRow.belowThreshold, true)
  t.equal(dspRow.windowIds.length, 2)

  ctx.clock.set('2021-11-22T00:00:00Z')
  t.equal((await actuals(agreed, { actualStart: '2021-11-21T00:00:00Z', actualEnd: '2021-11-21T06:45:00Z' })).statusCode, 200)
  const after = (await app.inject({ url: '/v1/availability?month=2021-11', headers: viewer })).json()
  const row = after.rows.find((r: Json) => r.party === 'DSP')
  t.equal(row.overrunMinutes, 45)
  t.equal(row.unscheduledMinutes, 405)
  t.equal(row.availabilityPercent, 100 * (1 - 405 / 43_200))
  t.same(after.rows.map((r: Json) => r.party).sort(), ['CSP-C', 'CSP-N', 'CSP-S', 'DCO', 'DSP', 'SMKI'], 'every party has a row')
  t.equal(after.rows.find((r: Json) => r.party === 'CSP-N').availabilityPercent, 100)

  const october = (await app.inject({ url: '/v1/availability?month=2021-10&party=DSP', headers: viewer })).json()
  t.equal(october.monthMinutes, 44_700, 'October 2021 has 44,700 real minutes in Europe/London')
})

t.test('availability: bad month and unknown party are 400 naming the field', async (t) => {
  const cases: [string, string][] = [
    ['month=2021-13', '/month'],
    ['month=2021-1', '/month'],
    ['month=November', '/month'],
    ['', '/month'],
    ['month=2021-11&party=XYZ', '/party'],
    ['month=2021-11&party=dsp', '/party'],
    ['month=2021-11&colour=red', '/colour'],
  ]
  for (const [qs, pointer] of cases) {
    const res = await app.inject({ url: `/v1/availability?${qs}`, headers: viewer })
    t.equal(res.statusCode, 400, `${qs}: ${res.body}`)
    t.match(res.headers['content-type'], /application\/problem\+json/)
    t.ok(errorsOf(res.json()).includes(pointer), `${qs} names ${pointer}: ${JSON.stringify(res.json().errors)}`)
  }
})

t.test('impactFor: a DSP and a CSP-N window overlapping form one group with every window and region', async (t) => {
  const plan = (party: string, start: string, end: string) =>
    ({
      reference: `${party}-1`,
      party,
      impact: 'outage',
      services: ['service-requests'],
      regions: [],
      start: new Date(start),
      end: new Date(end),
    }) as unknown as WindowPlan
  const r = await ctx.services.impact.impactFor(
    ctx.db,
    [plan('DSP', '2021-11-14T00:00:00Z', '2021-11-14T06:00:00Z'), plan('CSP-N', '2021-11-14T04:00:00Z', '2021-11-14T08:00:00Z')],
    { isPreHoliday: () => false },
  )
  t.equal(r.reference.estate.versionId, 'estate-2021-11-default.2')
  t.same(
    r.impacts.map((i) => i.regions),
    [['N', 'C', 'S'], ['N']],
  )
  t.equal(r.impacts[0]?.availability.minutes, 360)
  t.equal(r.impacts[0]?.availability.percentIfNotAgreed.toFixed(2), '99.17')
  t.equal(r.overlaps.groups.length, 1)
  t.same(r.overlaps.groups[0]?.parties, ['CSP-N', 'DSP'])
  t.same(r.overlaps.groups[0]?.regions, ['N', 'C', 'S'])
  t.equal(r.overlaps.groups[0]?.overlapMinutes, 120)
  t.equal(r.thresholds.redPrepaymentCustomers, 1_000_000)
})
