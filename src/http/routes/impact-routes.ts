import { z } from 'zod'
import { SEVERITIES } from '../../domain/findings.ts'
import { CONFIDENCES, type Estate, type TopUpProfile } from '../../domain/impact/index.ts'
import type { ActualsResult, AvailabilityResult, ImpactService, Versioned } from '../../services/impact-service.ts'
import type { AppInstance } from '../app.ts'
import { ANY_ROLE, actorOf, PLANNERS } from '../plugins/auth.ts'
import { IdParams, Instant, Month, PartyId, problemResponses, RegionId } from '../schemas/common.ts'
import { toWindowDto, WindowOut } from '../schemas/windows.ts'

// ---------------------------------------------------------------------------------------------
// Schemas. Bodies are checked for shape here (types, bounded sizes, strict objects); the figures
// themselves (negative counts, shares outside 0–1, bucket counts) by the domain validators, which
// name each field with a JSON pointer. Output types are mutable arrays (OpenAPI is generated from them).

const Source = z.string().trim().min(1).max(4000)
const figure = <T extends z.ZodType>(value: T) => z.object({ value, source: Source, confidence: z.enum(CONFIDENCES) }).strict()
const Num = z.number()
const VersionLabel = z.string().max(200).optional().meta({ description: 'Ignored on PUT: the server assigns the version id' })

const RegionEstate = z
  .object({
    meters: z.object({ smets1: figure(Num), smets2: figure(Num) }).strict(),
    premises: figure(Num),
    prepaymentShare: figure(Num).meta({ description: 'Share 0–1 of premises in prepayment mode' }),
  })
  .strict()

const EstateFields = {
  asOf: z.string().max(10).meta({ description: 'Date the figures describe, YYYY-MM-DD', example: '2021-11-26' }),
  regions: z
    .record(RegionId, RegionEstate)
    .refine((r) => Object.keys(r).length <= 50, 'at most 50 regions')
    .meta({ description: 'Estate by region id (N, C, S)' }),
}
const EstateBody = z.object({ version: VersionLabel, ...EstateFields }).strict()
const EstateOut = z.object({ version: z.string(), ...EstateFields }).strict()

const ProfileFields = {
  baseRatePerCustomerPerWeek: figure(Num).meta({ description: 'Mean top-up attempts per prepayment customer per week' }),
  hourOfWeekWeights: figure(z.array(Num).max(1000)).meta({ description: '168 relative weights, Monday 00:00 local first' }),
  monthlyMultipliers: figure(z.array(Num).max(100)).meta({ description: '12 multipliers, January first' }),
  preHolidayDays: figure(Num),
  preHolidayMultiplier: figure(Num),
  holidayPeriod: figure(z.object({ from: z.string().max(5), to: z.string().max(5) }).strict()).meta({
    description: 'MM-DD bounds, both inclusive',
  }),
  holidayPeriodMultiplier: figure(Num),
  failureShare: figure(z.object({ degraded: Num, outage: Num }).strict()),
}
const ProfileBody = z.object({ version: VersionLabel, ...ProfileFields }).strict()
const ProfileOut = z.object({ version: z.string(), ...ProfileFields }).strict()

const envelope = <T extends z.ZodType>(data: T) =>
  z.object({
    kind: z.enum(['estate', 'top-up-profile', 'impact-thresholds']),
    version: z.number().int().meta({ description: '1 is the built-in default until an admin stores a version' }),
    versionId: z.string().meta({ description: 'Quoted by every figure computed from this version' }),
    source: z.enum(['default', 'stored']),
    createdBy: z.string().nullable(),
    recordedAt: z.string().nullable(),
    data,
  })

const EstateEnvelope = envelope(EstateOut)
const ProfileEnvelope = envelope(ProfileOut)

const ActualsBody = z
  .object({
    actualStart: Instant.nullable().meta({ description: 'null: the window has not started' }),
    actualEnd: Instant.nullable().optional().meta({ description: 'Omitted or null: still running' }),
    reason: z.string().max(2000).optional().meta({ description: 'Required when an actual time is more than 12 hours from the plan' }),
  })
  .strict()

const Interval = z.object({ kind: z.enum(['early-start', 'overrun']), start: z.string(), end: z.string(), minutes: z.number() })

const ActualsOut = z.object({
  window: WindowOut,
  actuals: z.object({
    status: z.enum(['not-started', 'never-started', 'running', 'completed']),
    earlyStartMinutes: z.number(),
    overrunMinutes: z.number(),
    lateStartMinutes: z.number(),
    earlyFinishMinutes: z.number(),
    unscheduledMinutes: z.number(),
    unscheduledIntervals: z.array(Interval),
    incidentRequired: z.boolean(),
    neverStarted: z.boolean(),
  }),
  overrun: z
    .object({
      key: z.string(),
      code: z.literal('OVERRUN'),
      severity: z.enum(SEVERITIES),
      windowId: z.string(),
      reference: z.string(),
      message: z.string(),
      incidentRequired: z.literal(true),
      unscheduledMinutes: z.number(),
      intervals: z.array(Interval),
      evidence: z.record(z.string(), z.unknown()),
    })
    .nullable()
    .meta({
      description:
        "OVERRUN finding data (breach unless the ruleset's severities override it; SEC H9 Incident record required), null when on plan",
    }),
})

const AvailabilityQuery = z
  .object({
    month: Month,
    party: PartyId.optional(),
  })
  .strict()

const AvailabilityOut = z.object({
  month: z.string(),
  zone: z.string(),
  monthMinutes: z.number(),
  thresholdPercent: z.number(),
  thresholdsVersionId: z.string(),
  rows: z.array(
    z.object({
      party: z.string(),
      month: z.string(),
      monthMinutes: z.number(),
      plannedAgreedMinutes: z.number(),
      plannedNotAgreedMinutes: z.number(),
      overrunMinutes: z.number(),
      unscheduledMinutes: z.number(),
      availabilityPercent: z.number(),
      thresholdPercent: z.number(),
      belowThreshold: z.boolean(),
      windowIds: z.array(z.string()),
    }),
  ),
  problems: z.array(z.object({ code: z.string(), pointer: z.string(), message: z.string() })),
})

// ---------------------------------------------------------------------------------------------
// Mapping to the API shapes (mutable copies of the domain's readonly arrays)

function envelopeDto<T, D>(v: Versioned<T>, data: D) {
  return {
    kind: v.kind,
    version: v.version,
    versionId: v.versionId,
    source: v.source,
    createdBy: v.createdBy,
    recordedAt: v.recordedAt ? v.recordedAt.toISOString() : null,
    data,
  }
}

const copyFigure = <T>(f: { value: T; source: string; confidence: (typeof CONFIDENCES)[number] }) => ({
  value: f.value,
  source: f.source,
  confidence: f.confidence,
})

function estateDto(v: Versioned<Estate>): z.infer<typeof EstateEnvelope> {
  const e = v.data
  const regions = Object.fromEntries(
    Object.entries(e.regions).map(([id, r]) => [
      id,
      {
        meters: { smets1: copyFigure(r.meters.smets1), smets2: copyFigure(r.meters.smets2) },
        premises: copyFigure(r.premises),
        prepaymentShare: copyFigure(r.prepaymentShare),
      },
    ]),
  )
  return envelopeDto(v, { version: e.version, asOf: e.asOf, regions })
}

function profileDto(v: Versioned<TopUpProfile>): z.infer<typeof ProfileEnvelope> {
  const p = v.data
  return envelopeDto(v, {
    version: p.version,
    baseRatePerCustomerPerWeek: copyFigure(p.baseRatePerCustomerPerWeek),
    hourOfWeekWeights: { ...copyFigure(p.hourOfWeekWeights), value: [...p.hourOfWeekWeights.value] },
    monthlyMultipliers: { ...copyFigure(p.monthlyMultipliers), value: [...p.monthlyMultipliers.value] },
    preHolidayDays: copyFigure(p.preHolidayDays),
    preHolidayMultiplier: copyFigure(p.preHolidayMultiplier),
    holidayPeriod: { ...copyFigure(p.holidayPeriod), value: { from: p.holidayPeriod.value.from, to: p.holidayPeriod.value.to } },
    holidayPeriodMultiplier: copyFigure(p.holidayPeriodMultiplier),
    failureShare: {
      ...copyFigure(p.failureShare),
      value: { degraded: p.failureShare.value.degraded, outage: p.failureShare.value.outage },
    },
  })
}

const intervalDto = (i: { kind: 'early-start' | 'overrun'; start: Date; end: Date; minutes: number }) => ({
  kind: i.kind,
  start: i.start.toISOString(),
  end: i.end.toISOString(),
  minutes: i.minutes,
})

function actualsDto(r: ActualsResult): z.infer<typeof ActualsOut> {
  return {
    window: toWindowDto(r.window),
    actuals: { ...r.actuals, unscheduledIntervals: r.actuals.unscheduledIntervals.map(intervalDto) },
    overrun: r.overrun && { ...r.overrun, intervals: r.overrun.intervals.map(intervalDto), evidence: { ...r.overrun.evidence } },
  }
}

const availabilityDto = (a: AvailabilityResult): z.infer<typeof AvailabilityOut> => ({
  ...a,
  rows: a.rows.map((r) => ({ ...r, windowIds: [...r.windowIds] })),
  problems: a.problems.map((p) => ({ ...p })),
})

// ---------------------------------------------------------------------------------------------

/**
 * Impact assessment: versioned reference data (estate, top-up profile), planned vs actual, month view.
 *
 * @example impactRoutes(app, { impact: services.impact })
 */
export function impactRoutes(app: AppInstance, deps: { impact: ImpactService }) {
  const { impact } = deps
  const tags = ['impact']

  app.get(
    '/v1/reference/estate',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: 'The estate in force: meters, premises and prepayment share by region, each figure with source and confidence',
        response: { 200: EstateEnvelope },
      },
    },
    async () => estateDto((await impact.current()).estate),
  )

  app.put(
    '/v1/reference/estate',
    {
      config: { access: ['admin'] },
      schema: {
        tags,
        summary: 'Store a new estate version (it comes into force at once)',
        description:
          'Negative counts, shares outside 0–1 and unknown regions are refused (400 naming each field); the previous version stays in force.',
        body: EstateBody,
        response: { 200: EstateEnvelope, ...problemResponses(400, 403, 409) },
      },
    },
    async (req) => estateDto(await impact.putEstate(req.body, actorOf(req))),
  )

  app.get(
    '/v1/reference/top-up-profile',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: 'The prepayment top-up demand profile in force, each figure with source and confidence',
        response: { 200: ProfileEnvelope },
      },
    },
    async () => profileDto((await impact.current()).profile),
  )

  app.put(
    '/v1/reference/top-up-profile',
    {
      config: { access: ['admin'] },
      schema: {
        tags,
        summary: 'Store a new top-up profile version (it comes into force at once)',
        description:
          '168 hour-of-week weights and 12 monthly multipliers; anything else is refused (400 naming each field) and the previous version stays in force.',
        body: ProfileBody,
        response: { 200: ProfileEnvelope, ...problemResponses(400, 403, 409) },
      },
    },
    async (req) => profileDto(await impact.putTopUpProfile(req.body, actorOf(req))),
  )

  app.post(
    '/v1/windows/:id/actuals',
    {
      config: { access: PLANNERS },
      schema: {
        tags,
        summary: 'Record the actual start and end of a window',
        description:
          'An actual start moves agreed → in-progress, an actual end in-progress → completed. An early start or an overrun ' +
          'is Unscheduled Downtime: the answer carries OVERRUN finding data (Incident record required, SEC H9).',
        params: IdParams,
        body: ActualsBody,
        response: { 200: ActualsOut, ...problemResponses(400, 403, 404, 409, 412) },
      },
    },
    async (req, reply) => {
      const r = await impact.recordActuals(req.params.id, req.body, actorOf(req))
      return reply.header('etag', `"${r.window.version}"`).send(actualsDto(r))
    },
  )

  app.get(
    '/v1/availability',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary:
          'Availability per party for a month (PM 2.1 style): planned minutes agreed and not agreed, overruns, percentage against the threshold',
        querystring: AvailabilityQuery,
        response: { 200: AvailabilityOut, ...problemResponses(400) },
      },
    },
    async (req) => availabilityDto(await impact.availability({ month: req.query.month, party: req.query.party })),
  )
}
