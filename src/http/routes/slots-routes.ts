import { z } from 'zod'
import { SlotsQuery } from '../../schemas/slots.ts'
import { AppError } from '../../services/errors.ts'
import { durationMinutes, type SlotsService } from '../../services/slots-service.ts'
import type { AppInstance } from '../app.ts'
import { ANY_ROLE, actorOf, PLANNERS } from '../plugins/auth.ts'
import { IdParams, Instant, problemResponses } from '../schemas/common.ts'

const ReplanBody = z.object({ publishedAt: Instant, until: Instant.optional() }).strict()

/** Loose answer shapes: the domain result with instants as RFC 3339 strings. */
const SlotsOut = z.object({
  slots: z.array(z.record(z.string(), z.unknown())),
  complete: z.boolean(),
  progress: z.record(z.string(), z.unknown()),
  explanation: z.record(z.string(), z.unknown()).nullable(),
  services: z.object({
    ids: z.array(z.string()),
    from: z
      .enum(['query', 'plan', 'reference', 'none'])
      .meta({ description: "as asked, or assumed from the party's planned windows or its reference default" }),
  }),
  notes: z.array(z.string()).meta({ description: 'read before the slots: services assumed, notice judged as of now' }),
  ruleset: z.record(z.string(), z.unknown()),
})
const ReplanOut = z
  .object({
    programme: z.object({ id: z.string(), version: z.number() }),
    fits: z.boolean(),
    waiversNeeded: z.array(z.string()),
    entries: z.array(z.record(z.string(), z.unknown())),
  })
  .catchall(z.unknown())

/** Dates → ISO strings, recursively (answers are plain JSON). */
const json = <T>(v: T): Record<string, unknown> => JSON.parse(JSON.stringify(v)) as Record<string, unknown>

function versionFromIfMatch(header: string | undefined): number {
  if (!header)
    throw new AppError(
      'precondition-required',
      428,
      'If-Match required',
      'Send If-Match with the ETag of the programme you re-planned (its version).',
    )
  const m = /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(header)
  if (!m)
    throw new AppError('stale-version', 412, 'The programme has changed', `If-Match ${header} does not name a version of this programme.`)
  return Number(m[1])
}

/** Compliant slots, programme re-planning and applying a re-plan. */
export function slotsRoutes(app: AppInstance, deps: { slots: SlotsService }) {
  const tags = ['slots']
  app.get(
    '/v1/slots',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary:
          'Candidate windows raising no finding above the tolerated severity, ranked by impact; says why when there are fewer than asked',
        querystring: SlotsQuery,
        response: { 200: SlotsOut, ...problemResponses(400) },
      },
    },
    async (req) => {
      const q = req.query
      const r = await deps.slots.find({ ...q, durationMinutes: durationMinutes(q.duration) })
      return json(r) as z.infer<typeof SlotsOut>
    },
  )
  app.post(
    '/v1/programmes/:id/replan',
    {
      config: { access: PLANNERS },
      schema: {
        tags,
        summary: "Propose a compliant schedule for a programme's windows (nothing stored)",
        params: IdParams,
        body: ReplanBody,
        response: { 200: ReplanOut, ...problemResponses(400, 403, 404) },
      },
    },
    async (req, reply) => {
      const r = await deps.slots.replan(req.params.id, req.body, actorOf(req))
      return reply.header('etag', `"${r.programme.version}"`).send(json(r) as z.infer<typeof ReplanOut>)
    },
  )
  app.post(
    '/v1/programmes/:id/replan/apply',
    {
      config: { access: PLANNERS },
      schema: {
        tags,
        summary: 'Re-plan and apply: moved windows get a new version with history (If-Match on the programme)',
        params: IdParams,
        body: ReplanBody,
        headers: z.object({ 'if-match': z.string().max(100).optional() }).passthrough(),
        response: {
          200: z.object({
            programme: z.object({ id: z.string(), version: z.number() }),
            plan: z.record(z.string(), z.unknown()),
            windows: z.array(z.record(z.string(), z.unknown())),
          }),
          ...problemResponses(400, 403, 404, 409, 412, 428),
        },
      },
    },
    async (req, reply) => {
      const version = versionFromIfMatch(req.headers['if-match'])
      const r = await deps.slots.apply(req.params.id, req.body, version, actorOf(req))
      return reply.header('etag', `"${r.programme.version}"`).send(json(r) as never)
    },
  )
}
