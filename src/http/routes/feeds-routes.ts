import type { FastifyReply } from 'fastify'
import { z } from 'zod'
import type { FeedRecord, FeedsService } from '../../services/feeds-service.ts'
import type { AppInstance } from '../app.ts'
import { ANY_ROLE, actorOf } from '../plugins/auth.ts'
import { IdParams, Instant, PartyId, problemResponses, RegionId, ServiceId } from '../schemas/common.ts'

const FeedStatus = z.enum(['proposed', 'notified', 'agreed', 'in-progress', 'completed', 'cancelled', 'rejected'])
const FeedFilter = z
  .object({
    parties: z.array(PartyId).max(50).optional(),
    services: z.array(ServiceId).max(50).optional(),
    regions: z.array(RegionId).max(50).optional(),
    statuses: z.array(FeedStatus).max(7).optional().meta({ description: 'Drafts are never in a feed' }),
    includeBlackouts: z.boolean().optional().meta({ description: 'Blackout periods as transparent events' }),
    includeBankHolidays: z
      .boolean()
      .optional()
      .meta({ description: 'Bank holidays of the regions asked for (all nations when none) as transparent events' }),
    timeMode: z.enum(['utc', 'europe-london']).optional().meta({ description: "'utc' (default) or TZID=Europe/London with a VTIMEZONE" }),
    from: Instant.optional().meta({
      description:
        'With to (both or neither, at most 3653 days apart): only windows overlapping [from, to), and blackouts and bank holidays over [from, to)',
      example: '2021-10-01T00:00:00Z',
    }),
    to: Instant.optional().meta({ description: 'End (exclusive) of the span; after from', example: '2022-08-01T00:00:00Z' }),
  })
  .strict()
/** As answered: from/to in UTC (`2021-10-01T00:00:00.000Z`). */
const FeedFilterOut = FeedFilter.extend({ from: z.string().optional(), to: z.string().optional() })
const FeedCreate = z.object({ name: z.string().trim().min(1).max(200), filter: FeedFilter.default({}) }).strict()
const FeedOut = z.object({ id: z.string(), name: z.string(), filter: FeedFilterOut, ownerKeyId: z.string(), createdAt: z.string() })
const FeedCreated = FeedOut.extend({
  url: z.string().meta({ description: 'The capability URL (shown only in this answer; it needs no header)' }),
  webcalUrl: z.string().meta({ description: 'The same feed as a webcal:// link, for one-click subscription' }),
})

const dto = (f: FeedRecord) => {
  const { from, to, ...filter } = f.filter
  return {
    id: f.id,
    name: f.name,
    filter: { ...filter, ...(from ? { from: from.toISOString() } : {}), ...(to ? { to: to.toISOString() } : {}) },
    ownerKeyId: f.ownerKeyId,
    createdAt: f.createdAt.toISOString(),
  }
}

/**
 * Calendar feed subscriptions: each key creates, lists and revokes its own (an admin: all), and the
 * feed itself is public behind its capability token, for calendar clients that send no header.
 */
export function feedsRoutes(app: AppInstance, deps: { feeds: FeedsService; baseUrl: string }) {
  const { feeds, baseUrl } = deps
  const tags = ['feeds']

  app.post(
    '/v1/feeds',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: 'Subscribe: create a calendar feed (capability URL shown once)',
        body: FeedCreate,
        response: { 201: FeedCreated, ...problemResponses(400, 401) },
      },
    },
    async (req, reply) => {
      const f = await feeds.create(req.body, actorOf(req))
      const url = `${baseUrl}${f.path}`
      return reply
        .code(201)
        .header('location', `${baseUrl}/v1/feeds/${f.id}`)
        .header('cache-control', 'no-store')
        .send({ ...dto(f), url, webcalUrl: url.replace(/^https?:/, 'webcal:') })
    },
  )

  app.get(
    '/v1/feeds',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: "The calling key's active feeds (an admin's: every active feed)",
        description: 'Feed URLs are not listed: the token is stored only as a hash and was shown once, at creation.',
        response: { 200: z.object({ items: z.array(FeedOut) }) },
      },
    },
    async (req) => ({ items: (await feeds.list(actorOf(req))).map(dto) }),
  )

  app.delete(
    '/v1/feeds/:id',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: 'Revoke a feed (own; an admin: any)',
        params: IdParams,
        response: { 204: z.null(), ...problemResponses(404) },
      },
    },
    async (req, reply) => {
      await feeds.revoke(req.params.id, actorOf(req))
      return reply.code(204).send(null)
    },
  )

  // GET, and HEAD through fastify's exposed HEAD route (same handler, body dropped, length kept).
  app.get(
    '/feeds/:token.ics',
    {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'The calendar feed (text/calendar); If-None-Match or If-Modified-Since → 304',
        security: [],
        params: z.object({ token: z.string().max(200) }),
        description:
          'Needs no header: the token in the path is the capability. An unknown or revoked token is 404 (problem+json). HEAD is served too. ' +
          'Conditional requests (RFC 9110 §13.2.2): If-None-Match is compared with the ETag; without it, If-Modified-Since (an HTTP-date, to the second) ' +
          'is compared with Last-Modified; an If-Modified-Since that is not an HTTP-date is ignored.',
        headers: z
          .object({ 'if-none-match': z.string().max(1000).optional(), 'if-modified-since': z.string().max(1000).optional() })
          .passthrough(),
        response: {
          200: { description: 'The feed, RFC 5545', content: { 'text/calendar': { schema: z.string() } } },
          304: z.null().meta({
            description: 'Unchanged: If-None-Match names the ETag, or (without If-None-Match) nothing changed since If-Modified-Since',
          }),
        },
      },
    },
    async (req, typed) => {
      const r = await feeds.render(req.params.token, {
        baseUrl,
        ifNoneMatch: req.headers['if-none-match'],
        ifModifiedSince: req.headers['if-modified-since'],
      })
      // The body is the rendered bytes, sent as they are (the 200 schema documents the text).
      const reply = typed as FastifyReply
      reply
        .header('etag', r.etag)
        .header('last-modified', r.lastModified.toUTCString())
        .header('cache-control', 'private, max-age=300')
        .header('referrer-policy', 'no-referrer')
      if (r.status === 304) return reply.code(304).send()
      return reply
        .code(200)
        .type('text/calendar; charset=utf-8')
        .header('content-disposition', 'inline; filename="maintenance.ics"')
        .send(Buffer.from(r.body!.buffer, r.body!.byteOffset, r.body!.byteLength))
    },
  )
}
