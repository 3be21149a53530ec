import { z } from 'zod'
import type { Services } from '../../services/index.ts'
import type { AppInstance } from '../app.ts'
import { ANY_ROLE, actorOf } from '../plugins/auth.ts'
import { csv, Instant, Month, problemResponses, RegionId } from '../schemas/common.ts'

// Rulesets and blackout layers are validated by the domain (validateRuleset, validateBlackoutLayer),
// which names every bad field by JSON Pointer; the HTTP schema only bounds the size.
const JsonObject = z.record(z.string(), z.unknown())
const RulesetEntry = z.object({ ruleset: JsonObject, builtIn: z.boolean(), recordedAt: z.string().nullable() })
const Layer = JsonObject.meta({ id: 'BlackoutLayer' })
const OverrideBody = z
  .object({
    date: z.iso.date(),
    action: z.enum(['add', 'remove']),
    name: z.string().trim().min(1).max(200).optional(),
    reason: z.string().trim().min(1).max(2000),
  })
  .strict()

const BlackoutPeriodOut = z
  .object({
    layerId: z.string(),
    name: z.string(),
    category: z.enum(['winter', 'prepayment-peak', 'bank-holiday', 'release-freeze', 'custom']),
    severity: z.string(),
    provenance: z.string(),
    scope: z.object({
      parties: z.array(z.string()).readonly().optional(),
      services: z.array(z.string()).readonly().optional(),
      regions: z.array(z.string()).readonly().optional(),
      impacts: z.array(z.string()).readonly().optional(),
    }),
    start: z.string(),
    end: z.string(),
    label: z.string().optional(),
    nation: z.enum(['england-and-wales', 'scotland', 'northern-ireland']).optional(),
  })
  .meta({ id: 'BlackoutPeriod' })

const CalendarDeadlineOut = z.object({
  calendar: z.string(),
  lastDay: z.string().meta({ description: 'The last Working Day (local) on which notice is in time' }),
  before: z.string().meta({ description: 'Notice must be given strictly before this instant (00:00 local the next day)' }),
})
const NoticeDeadlineOut = z
  .object({
    month: z.string(),
    deadline: CalendarDeadlineOut.extend({
      workingDays: z.number().int(),
      strict: CalendarDeadlineOut.optional().meta({
        description: 'Under the strict calendar, where it differs (a miss there alone is a warning)',
      }),
      basis: z.array(z.object({ parameter: z.string(), provenance: z.string() })).readonly(),
      provenance: z.string().meta({ description: 'The weakest label of the basis' }),
    })
      .nullable()
      .meta({ description: 'Null where the ruleset counts notice per window (no one deadline for the month)' }),
  })
  .meta({ id: 'NoticeDeadline' })

const iso = (d: Date | null) => (d ? d.toISOString() : null)

/** Rulesets (versioned, effective-dated), blackout layers and working-day calendar overrides. */
export function rulesRoutes(app: AppInstance, deps: { services: Services; baseUrl: string }) {
  const { rulesAdmin } = deps.services

  app.get(
    '/v1/rulesets',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags: ['rules'],
        summary: 'Every ruleset version, the built-in default first',
        response: { 200: z.object({ items: z.array(RulesetEntry) }) },
      },
    },
    async () => ({
      items: (await rulesAdmin.rulesets()).map((r) => ({
        ruleset: r.ruleset as unknown as Record<string, unknown>,
        builtIn: r.builtIn,
        recordedAt: iso(r.recordedAt),
      })),
    }),
  )
  app.post(
    '/v1/rulesets',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['rules'],
        summary: 'Add a ruleset version (never edited; add another)',
        body: JsonObject,
        response: { 201: JsonObject, ...problemResponses(400, 409) },
      },
    },
    async (req, reply) => {
      const r = await rulesAdmin.addRuleset(req.body, actorOf(req))
      return reply
        .code(201)
        .header('location', `${deps.baseUrl}/v1/rulesets/${encodeURIComponent(r.id)}`)
        .send(r as unknown as Record<string, unknown>)
    },
  )
  app.get(
    '/v1/rulesets/:id',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags: ['rules'],
        summary: 'The versions of one ruleset',
        params: z.object({ id: z.string().max(100) }),
        response: { 200: z.object({ items: z.array(RulesetEntry) }), ...problemResponses(404) },
      },
    },
    async (req) => ({
      items: (await rulesAdmin.ruleset(req.params.id)).map((r) => ({
        ruleset: r.ruleset as unknown as Record<string, unknown>,
        builtIn: r.builtIn,
        recordedAt: iso(r.recordedAt),
      })),
    }),
  )

  app.get(
    '/v1/blackouts',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags: ['rules'],
        summary: 'Blackout layers: the ruleset’s built-in ones and those added by admins',
        response: { 200: z.object({ items: z.array(Layer) }) },
      },
    },
    async () => ({
      items: (await rulesAdmin.blackouts()) as unknown as Record<string, unknown>[],
    }),
  )
  app.get(
    '/v1/blackouts/periods',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags: ['rules'],
        summary: 'The concrete periods of every blackout layer over [from, to): what the planning board draws as bands',
        description:
          'Under the ruleset in force at from. A bank-holiday layer gives each nation’s holidays apart (nation). At most 3653 days.',
        querystring: z
          .object({
            from: Instant.meta({ example: '2021-10-01T00:00:00Z' }),
            to: Instant.meta({ description: 'End (exclusive); after from', example: '2022-08-01T00:00:00Z' }),
          })
          .strict(),
        response: { 200: z.object({ items: z.array(BlackoutPeriodOut) }), ...problemResponses(400) },
      },
    },
    async (req) => ({
      items: (await rulesAdmin.blackoutPeriods(req.query.from, req.query.to)).map((p) => ({
        ...p,
        start: p.start.toISOString(),
        end: p.end.toISOString(),
      })),
    }),
  )
  app.get(
    '/v1/notice-deadlines',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags: ['rules'],
        summary: 'Each month’s notice deadline: windows starting in the month must be notified before it',
        description:
          'Months from..to, both included, at most 120; under the ruleset in force on each month’s first day. Counted in Working Days of the ruleset’s calendars, with their overrides.',
        querystring: z.object({ from: Month.meta({ example: '2021-10' }), to: Month.meta({ example: '2022-07' }) }).strict(),
        response: { 200: z.object({ items: z.array(NoticeDeadlineOut) }), ...problemResponses(400) },
      },
    },
    async (req) => ({
      items: (await rulesAdmin.noticeDeadlines(req.query.from, req.query.to)).map(({ month, deadline }) => ({
        month,
        deadline: deadline && {
          calendar: deadline.calendar,
          lastDay: deadline.lastDay,
          before: deadline.before.toISOString(),
          workingDays: deadline.workingDays,
          ...(deadline.strict ? { strict: { ...deadline.strict, before: deadline.strict.before.toISOString() } } : {}),
          basis: [...deadline.basis],
          provenance: deadline.provenance,
        },
      })),
    }),
  )
  app.get(
    '/v1/blackouts/state',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags: ['rules'],
        summary: 'Which layers are active at an instant, and when that next changes',
        querystring: z.object({ at: Instant, regions: csv(RegionId).optional() }).strict(),
        response: {
          200: z.object({ at: z.string(), active: z.array(JsonObject), nextChangeAt: z.string().nullable() }),
          ...problemResponses(400),
        },
      },
    },
    async (req) => {
      const s = await rulesAdmin.blackoutState(req.query.at, req.query.regions)
      return {
        at: s.at.toISOString(),
        active: s.active.map((a) => ({ ...a, start: a.start.toISOString(), end: a.end.toISOString() })),
        nextChangeAt: iso(s.nextChangeAt),
      }
    },
  )
  app.post(
    '/v1/blackouts',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['rules'],
        summary: 'Add a blackout layer (periods or an RRULE in a zone plus a duration)',
        body: Layer,
        response: { 201: Layer, ...problemResponses(400, 409) },
      },
    },
    async (req, reply) => {
      const layer = await rulesAdmin.addBlackout(req.body, actorOf(req))
      return reply
        .code(201)
        .header('location', `${deps.baseUrl}/v1/blackouts/${encodeURIComponent(layer.id)}`)
        .send(layer as unknown as Record<string, unknown>)
    },
  )
  app.get(
    '/v1/blackouts/:id',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags: ['rules'],
        summary: 'One blackout layer',
        params: z.object({ id: z.string().max(100) }),
        response: { 200: Layer, ...problemResponses(404) },
      },
    },
    async (req, reply) => {
      const layer = await rulesAdmin.blackout(req.params.id)
      if (layer.version) reply.header('etag', `"${layer.version}"`)
      return layer as unknown as Record<string, unknown>
    },
  )
  app.patch(
    '/v1/blackouts/:id',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['rules'],
        summary: 'Edit an admin-added layer (JSON Merge Patch; If-Match optional)',
        params: z.object({ id: z.string().max(100) }),
        body: JsonObject,
        response: { 200: Layer, ...problemResponses(400, 404, 409, 412) },
      },
    },
    async (req) => {
      const m = /^\s*(?:W\/)?"(\d+)"\s*$/.exec(req.headers['if-match'] ?? '')
      return (await rulesAdmin.patchBlackout(req.params.id, req.body, m ? Number(m[1]) : undefined, actorOf(req))) as unknown as Record<
        string,
        unknown
      >
    },
  )

  app.get(
    '/v1/calendars/:calendar',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags: ['rules'],
        summary: 'A working-day calendar: its version, non-working days of a year and overrides',
        params: z.object({ calendar: z.string().max(40) }),
        querystring: z.object({ year: z.coerce.number().int().min(2000).max(2100).optional() }).strict(),
        response: { 200: JsonObject, ...problemResponses(404) },
      },
    },
    async (req) => {
      const c = await rulesAdmin.calendar(req.params.calendar, req.query.year ?? new Date().getUTCFullYear())
      return {
        ...c,
        overrides: c.overrides.map((o) => ({ ...o, effectiveAt: o.effectiveAt.toISOString(), recordedAt: o.recordedAt.toISOString() })),
      } as Record<string, unknown>
    },
  )
  app.post(
    '/v1/calendars/:calendar/overrides',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['rules'],
        summary: 'Add or remove a non-working day (holidays are proclaimed at short notice)',
        params: z.object({ calendar: z.string().max(40) }),
        body: OverrideBody,
        response: { 201: JsonObject, ...problemResponses(400, 404) },
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send((await rulesAdmin.addOverride(req.params.calendar, req.body, actorOf(req))) as unknown as Record<string, unknown>),
  )
}
