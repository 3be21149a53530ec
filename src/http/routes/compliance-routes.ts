import { z } from 'zod'
import { summarise } from '../../services/compliance-service.ts'
import type { Services } from '../../services/index.ts'
import { toWindowPlan } from '../../services/offline-assessment.ts'
import type { StoredWaiver } from '../../services/waivers-service.ts'
import type { AppInstance } from '../app.ts'
import { ANY_ROLE, actorOf, PLANNERS } from '../plugins/auth.ts'
import { IdParams, Month, problemResponses } from '../schemas/common.ts'
import {
  AssessmentOut,
  DryRunBody,
  FindingSummaryOut,
  PlanMonthOut,
  ProgrammeBody,
  ProgrammeTotalsOut,
  PublishBody,
  RulesetVersionQuery,
  WaiverBody,
  WaiverOut,
} from '../schemas/compliance.ts'
import { toWindowDto, WindowOut } from '../schemas/windows.ts'

const waiverDto = (w: StoredWaiver) => ({
  ...w,
  decidedAt: w.decidedAt.toISOString(),
  expiresAt: w.expiresAt?.toISOString() ?? null,
  recordedAt: w.recordedAt.toISOString(),
  lapsedAt: w.lapsedAt?.toISOString() ?? null,
})

/** A publication as the API shows it: instants as RFC 3339 strings (the snapshot is left to the caller). */
const publicationDto = <P extends { publishedAt: Date; recordedAt: Date }>(p: P) => ({
  ...p,
  publishedAt: p.publishedAt.toISOString(),
  recordedAt: p.recordedAt.toISOString(),
})

const PlanAssessmentOut = z.object({
  windows: z.array(AssessmentOut),
  summary: FindingSummaryOut,
  months: z.array(PlanMonthOut),
  provenance: z.array(z.record(z.string(), z.unknown())),
})

/** Dry-run assessments, stored assessments, schedule publication, waivers and programmes. */
export function complianceRoutes(app: AppInstance, deps: { services: Services; baseUrl: string }) {
  const { compliance, windows, schedules, waivers, programmes } = deps.services
  const tags = ['compliance']

  app.post(
    '/v1/assessments',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: 'Dry run: assess a plan, nothing stored',
        description:
          'context=plan-only (default) assesses only the windows given; with-stored adds the stored plan for cap, overlap and spacing.',
        body: DryRunBody,
        response: { 200: PlanAssessmentOut, ...problemResponses(400) },
      },
    },
    async (req) => {
      // The same defaults as POST /v1/windows and `mwp check` (one mapping for both).
      const plan = req.body.windows.map((w, i) => toWindowPlan(w, i))
      return deps.services.compliance.dryRun(plan, {
        withStored: req.body.context === 'with-stored',
        ...(req.body.rulesetVersion ? { rulesetVersion: req.body.rulesetVersion } : {}),
      })
    },
  )

  app.get(
    '/v1/windows/:id/assessment',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: 'The stored assessment of a window; ?rulesetVersion= re-runs it without storing',
        params: IdParams,
        querystring: RulesetVersionQuery,
        response: { 200: AssessmentOut, ...problemResponses(400, 404) },
      },
    },
    async (req) => {
      const w = await windows.get(req.params.id)
      if (req.query.rulesetVersion) return compliance.reassess(w, req.query.rulesetVersion)
      return (await compliance.latest(w.id)) ?? compliance.reassess(w)
    },
  )

  const PublicationOut = z.object({
    id: z.string(),
    month: z.string(),
    publishedAt: z.string(),
    publishedBy: z.string(),
    parties: z.array(z.string()),
    windowIds: z.array(z.string()),
    recordedAt: z.string(),
  })
  /** What both schedule routes declare: the month they are about. */
  const scheduleRoute = { tags, params: z.object({ month: Month }) }
  app.post(
    '/v1/schedules/:month/publish',
    {
      config: { access: PLANNERS },
      schema: {
        ...scheduleRoute,
        summary: "Publish a month's Planned Maintenance schedule: its proposed windows become notified",
        body: PublishBody,
        response: { 200: z.object({ publication: PublicationOut, windows: z.array(WindowOut) }), ...problemResponses(400, 403) },
      },
    },
    async (req) => {
      const r = await schedules.publish(req.params.month, req.body, actorOf(req))
      const { snapshot: _s, ...p } = r.publication
      return { publication: publicationDto(p), windows: r.windows.map(toWindowDto) }
    },
  )
  app.get(
    '/v1/schedules/:month',
    {
      config: { access: ANY_ROLE },
      schema: {
        ...scheduleRoute,
        summary: 'What was published for a month, publication by publication',
        response: { 200: z.object({ month: z.string(), publications: z.array(PublicationOut.extend({ windows: z.array(z.unknown()) })) }) },
      },
    },
    async (req) => ({
      month: req.params.month,
      publications: (await schedules.list(req.params.month)).map(({ snapshot, ...p }) => ({
        ...publicationDto(p),
        windows: snapshot as unknown[],
      })),
    }),
  )

  app.post(
    '/v1/waivers',
    {
      config: { access: ['admin', 'reviewer'] },
      schema: {
        tags,
        summary: 'Record a waiver granted by the SEC Panel or OPSG under delegation',
        body: WaiverBody,
        response: { 201: z.object({ waiver: WaiverOut, assessment: AssessmentOut.optional() }), ...problemResponses(400, 403, 422) },
      },
    },
    async (req, reply) => {
      const r = await waivers.grant(req.body, actorOf(req))
      return reply
        .code(201)
        .header('location', `${deps.baseUrl}/v1/waivers/${r.waiver.id}`)
        .send({ waiver: waiverDto(r.waiver), ...(r.assessment ? { assessment: r.assessment } : {}) })
    },
  )
  app.get(
    '/v1/waivers',
    {
      config: { access: ANY_ROLE },
      schema: { tags, summary: 'Every waiver, lapsed ones included', response: { 200: z.object({ items: z.array(WaiverOut) }) } },
    },
    async () => ({
      items: (await waivers.list()).map(waiverDto),
    }),
  )

  const ProgrammeOut = z.object({
    programme: z.record(z.string(), z.unknown()),
    windows: z.array(WindowOut),
    totals: ProgrammeTotalsOut.optional(),
    skipped: z.array(z.unknown()).optional(),
    truncated: z.string().optional(),
  })
  const programmeDto = (r: {
    programme: Record<string, unknown>
    windows: Parameters<typeof toWindowDto>[0][]
    skipped?: unknown[]
    truncated?: string
    totals?: z.infer<typeof ProgrammeTotalsOut>
  }) => ({
    ...r,
    programme: Object.fromEntries(
      Object.entries(r.programme).map(([k, v]) => [
        k.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase()),
        v instanceof Date ? v.toISOString() : v,
      ]),
    ),
    windows: r.windows.map(toWindowDto),
  })
  app.post(
    '/v1/programmes',
    {
      config: { access: PLANNERS },
      schema: {
        tags,
        summary: 'Create a programme of windows (a list or an RRULE) in one transaction',
        body: ProgrammeBody,
        response: { 201: ProgrammeOut, ...problemResponses(400, 403, 409) },
      },
    },
    async (req, reply) => {
      const r = await programmes.create(req.body, actorOf(req))
      return reply.code(201).header('location', `${deps.baseUrl}/v1/programmes/${r.programme.id}`).send(programmeDto(r))
    },
  )
  app.get(
    '/v1/programmes',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: 'Every programme, by name: its party, version (the If-Match of a re-plan) and window count',
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.string(),
                name: z.string(),
                party: z.string(),
                description: z.string(),
                version: z.number().int(),
                windowCount: z.number().int(),
                createdAt: z.string(),
                updatedAt: z.string(),
              }),
            ),
          }),
        },
      },
    },
    async () => ({
      items: (await programmes.list()).map((p) => ({ ...p, createdAt: p.createdAt.toISOString(), updatedAt: p.updatedAt.toISOString() })),
    }),
  )
  app.get(
    '/v1/programmes/:id',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: 'A programme, its windows and its totals',
        params: IdParams,
        response: { 200: ProgrammeOut, ...problemResponses(404) },
      },
    },
    async (req) => programmeDto(await programmes.get(req.params.id)),
  )
  app.get(
    '/v1/programmes/:id/assessment',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: 'Assess every window of a programme together',
        params: IdParams,
        querystring: RulesetVersionQuery,
        response: { 200: PlanAssessmentOut, ...problemResponses(404) },
      },
    },
    async (req) => {
      const r = await programmes.assessment(req.params.id, req.query.rulesetVersion)
      return { windows: r.views, summary: summarise(r.views), months: r.months, provenance: r.provenance }
    },
  )
}
