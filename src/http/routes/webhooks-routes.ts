import { z } from 'zod'
import type { WebhookDelivery, WebhookSubscription, WebhooksService } from '../../services/webhooks/index.ts'
import type { AppInstance } from '../app.ts'
import { ANY_ROLE, actorOf } from '../plugins/auth.ts'
import { IdParams, Instant, PartyId, problemResponses, RegionId, ServiceId, Uuid } from '../schemas/common.ts'

const WebhookFilter = z
  .object({
    parties: z.array(PartyId).max(50).optional(),
    services: z.array(ServiceId).max(50).optional(),
    regions: z.array(RegionId).max(50).optional(),
  })
  .strict()
  .meta({ description: 'Windows the subscription hears about; an empty or absent list means all' })
const EventNames = z.array(z.string().max(100)).min(1).max(20).meta({
  description:
    'window.proposed, window.changed, window.cancelled, window.decided, window.starting, schedule.published, waiver.granted, finding.raised',
})
const WebhookCreate = z
  .object({
    url: z.string().max(2000).meta({
      description:
        'http(s) URL; deliveries go only to public addresses or ranges WEBHOOK_ALLOWED_HOSTS opens (only an admin may use those), checked here when the address is known and again at every attempt',
    }),
    events: EventNames,
    filter: WebhookFilter.default({}),
    description: z.string().max(500).default(''),
  })
  .strict()
const WebhookPatch = z
  .object({
    url: z.string().max(2000).optional().meta({ description: 'as on creation: checked again, and a non-public address only for an admin' }),
    events: EventNames.optional(),
    filter: WebhookFilter.optional(),
    description: z.string().max(500).optional(),
    enabled: z.boolean().optional().meta({ description: 'true turns a disabled subscription back on' }),
  })
  .strict()
const WebhookOut = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  filter: WebhookFilter,
  description: z.string(),
  enabled: z.boolean(),
  failingSince: z.string().nullable(),
  disabledAt: z.string().nullable(),
  disabledReason: z.string().nullable().meta({ description: 'Why deliveries stopped (e.g. every delivery failed for 24 hours)' }),
  ownerKeyId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
})
const WebhookCreated = WebhookOut.extend({
  secret: z.string().meta({ description: 'The Standard Webhooks signing secret (whsec_…), shown only in this answer' }),
})
const Attempt = z.object({
  at: z.string(),
  statusCode: z.number().int().nullable(),
  latencyMs: z.number(),
  ok: z.boolean(),
  responseExcerpt: z.string().nullable(),
  error: z.string().nullable(),
})
const DeliveryOut = z.object({
  id: z.string(),
  seq: z.number().int(),
  eventId: z.string(),
  eventType: z.string().optional(),
  subject: z.string().optional(),
  eventTime: z.string().optional(),
  state: z.enum(['pending', 'delivered', 'dead', 'cancelled']),
  createdAt: z.string(),
  nextAttemptAt: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  replayOf: z.string().nullable(),
  deadReason: z.string().nullable(),
  attempts: z.array(Attempt),
})
const DeliveryParams = z.object({ id: Uuid, deliveryId: Uuid }).strict()
const DeliveriesQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    before: z.coerce.number().int().min(1).optional().meta({ description: 'Only deliveries older than this seq (paging)' }),
    state: z.enum(['pending', 'delivered', 'dead', 'cancelled']).optional(),
  })
  .strict()
const NoticeOut = z.object({
  deliveryId: z.string(),
  event: z.object({ id: z.string(), type: z.string(), time: z.string() }),
  subscription: z.object({ id: z.string(), description: z.string(), ownerKeyId: z.string(), ownerName: z.string() }),
  state: z.string(),
  sentAt: z.string().nullable().meta({ description: 'First attempt' }),
  acknowledgedAt: z.string().nullable().meta({ description: 'When a 2xx answer was received' }),
  attempts: z.array(Attempt),
  replayOf: z.string().nullable(),
})

const iso = (d: Date | null) => d?.toISOString() ?? null

const dto = (s: WebhookSubscription) => ({
  id: s.id,
  url: s.url,
  events: s.events,
  filter: s.filter,
  description: s.description,
  enabled: s.enabled,
  failingSince: iso(s.failingSince),
  disabledAt: iso(s.disabledAt),
  disabledReason: s.disabledReason,
  ownerKeyId: s.ownerKeyId,
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
})

const deliveryDto = (d: WebhookDelivery & { eventType?: string; eventSubject?: string; eventTime?: Date }) => ({
  id: d.id,
  seq: d.seq,
  eventId: d.eventId,
  ...(d.eventType ? { eventType: d.eventType } : {}),
  ...(d.eventSubject ? { subject: d.eventSubject } : {}),
  ...(d.eventTime ? { eventTime: d.eventTime.toISOString() } : {}),
  state: d.state,
  createdAt: d.createdAt.toISOString(),
  nextAttemptAt: d.state === 'pending' ? d.nextAttemptAt.toISOString() : null,
  acknowledgedAt: iso(d.acknowledgedAt),
  replayOf: d.replayOf,
  deadReason: d.deadReason,
  attempts: d.attempts,
})

/**
 * Webhook subscriptions (each key its own; an admin all), their delivery log, replays, and per
 * window the notices sent: the evidence that Parties were told.
 */
export function webhooksRoutes(app: AppInstance, deps: { webhooks: WebhooksService; baseUrl: string }) {
  const { webhooks, baseUrl } = deps
  const tags = ['webhooks']

  app.post(
    '/v1/webhooks',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: 'Subscribe to events (the signing secret is shown once)',
        description:
          'Events are CloudEvents 1.0 JSON, signed with the Standard Webhooks headers webhook-id, webhook-timestamp and webhook-signature.',
        body: WebhookCreate,
        response: { 201: WebhookCreated, ...problemResponses(400, 401, 403) },
      },
    },
    async (req, reply) => {
      const s = await webhooks.create(req.body, actorOf(req))
      return reply
        .code(201)
        .header('location', `${baseUrl}/v1/webhooks/${s.id}`)
        .header('cache-control', 'no-store')
        .send({ ...dto(s), secret: s.secret })
    },
  )

  app.get(
    '/v1/webhooks',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: "The calling key's subscriptions (an admin's: every one)",
        response: { 200: z.object({ items: z.array(WebhookOut) }) },
      },
    },
    async (req) => ({ items: (await webhooks.list(actorOf(req))).map(dto) }),
  )

  app.get(
    '/v1/webhooks/:id',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: 'A subscription (own; an admin: any)',
        params: IdParams,
        response: { 200: WebhookOut, ...problemResponses(404) },
      },
    },
    async (req) => dto(await webhooks.get(req.params.id, actorOf(req))),
  )

  app.patch(
    '/v1/webhooks/:id',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: 'Change a subscription, or turn a disabled one back on',
        params: IdParams,
        body: WebhookPatch,
        response: { 200: WebhookOut, ...problemResponses(400, 403, 404) },
      },
    },
    async (req) => dto(await webhooks.update(req.params.id, req.body, actorOf(req))),
  )

  app.delete(
    '/v1/webhooks/:id',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: 'Delete a subscription (pending deliveries are cancelled; the log stays)',
        params: IdParams,
        response: { 204: z.null(), ...problemResponses(404) },
      },
    },
    async (req, reply) => {
      await webhooks.remove(req.params.id, actorOf(req))
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/v1/webhooks/:id/test',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: 'Queue a webhook.test event for this subscription',
        params: IdParams,
        response: { 202: DeliveryOut, ...problemResponses(404) },
      },
    },
    async (req, reply) => reply.code(202).send(deliveryDto(await webhooks.test(req.params.id, actorOf(req)))),
  )

  app.get(
    '/v1/webhooks/:id/deliveries',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: 'The delivery log, newest first, with every attempt (time, status, latency, response excerpt)',
        params: IdParams,
        querystring: DeliveriesQuery,
        response: { 200: z.object({ items: z.array(DeliveryOut), next: z.string().nullable() }), ...problemResponses(400, 404) },
      },
    },
    async (req) => {
      const items = await webhooks.deliveries(req.params.id, actorOf(req), req.query)
      const last = items.at(-1)
      return {
        items: items.map(deliveryDto),
        next:
          items.length === req.query.limit && last
            ? `${baseUrl}/v1/webhooks/${req.params.id}/deliveries?limit=${req.query.limit}&before=${last.seq}${req.query.state ? `&state=${req.query.state}` : ''}`
            : null,
      }
    },
  )

  app.post(
    '/v1/webhooks/:id/deliveries/:deliveryId/replay',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: "Send a delivery's event again (a new delivery; the old one stays)",
        params: DeliveryParams,
        response: { 202: DeliveryOut, ...problemResponses(404) },
      },
    },
    async (req, reply) =>
      reply.code(202).send(deliveryDto(await webhooks.replayDelivery(req.params.id, req.params.deliveryId, actorOf(req)))),
  )

  app.post(
    '/v1/webhooks/:id/replay',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: 'Send again every event since an instant that the subscription wants',
        params: IdParams,
        body: z.object({ from: Instant }).strict(),
        response: { 202: z.object({ queued: z.number().int() }), ...problemResponses(400, 404) },
      },
    },
    async (req, reply) => reply.code(202).send(await webhooks.replayFrom(req.params.id, req.body.from, actorOf(req))),
  )

  app.get(
    '/v1/windows/:id/notices',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags: ['windows', 'webhooks'],
        summary: 'Evidence of notice: who was sent what about the window, when, and whether they acknowledged it',
        params: IdParams,
        response: { 200: z.object({ items: z.array(NoticeOut) }), ...problemResponses(404) },
      },
    },
    async (req) => ({
      items: (await webhooks.notices(req.params.id, actorOf(req))).map((n) => {
        const attempts = n.attempts
        return {
          deliveryId: n.id,
          event: { id: n.event_id, type: n.event_type, time: n.event_time.toISOString() },
          subscription: {
            id: n.subscription_id,
            description: n.subscription_description,
            ownerKeyId: n.owner_key_id,
            ownerName: n.owner_name,
          },
          state: n.state,
          sentAt: attempts[0]?.at ?? null,
          acknowledgedAt: iso(n.acknowledged_at),
          attempts,
          replayOf: n.replay_of,
        }
      }),
    }),
  )
}
