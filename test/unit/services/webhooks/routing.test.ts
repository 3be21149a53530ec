import t from 'tap'
import type { OutboxEvent, WebhookSubscription } from '../../../../src/db/repositories/webhooks-repository.ts'
import { retryPolicy } from '../../../../src/services/webhooks/retries.ts'
import { fanOutDeliveries, orderingKeyOf, subscriptionWants } from '../../../../src/services/webhooks/routing.ts'

const at = (iso: string) => new Date(iso)
const event = (over: Partial<OutboxEvent> = {}): OutboxEvent => ({
  id: 'e1',
  seq: 1,
  type: 'window.changed',
  subject: 'windows/w1',
  windowIds: ['w1'],
  parties: ['DSP'],
  services: ['service-requests'],
  regions: ['N'],
  data: {},
  occurredAt: at('2021-10-02T00:00:00Z'),
  ...over,
})
const subscription = (over: Partial<WebhookSubscription> = {}): WebhookSubscription => ({
  id: 's1',
  ownerKeyId: 'k1',
  url: 'https://hooks.example.test/',
  events: ['window.changed'],
  filter: {},
  description: '',
  secret: 'whsec_x',
  enabled: true,
  failingSince: null,
  disabledAt: null,
  disabledReason: null,
  createdAt: at('2021-10-01T00:00:00Z'),
  updatedAt: at('2021-10-01T00:00:00Z'),
  ...over,
})

t.test('a subscription wants an event of a listed type whose scope meets every non-empty filter list', async (t) => {
  t.ok(subscriptionWants(subscription(), event()))
  t.notOk(subscriptionWants(subscription({ events: ['window.proposed'] }), event()))
  t.ok(subscriptionWants(subscription({ filter: { parties: ['DSP', 'DCO'], services: [] } }), event()))
  t.notOk(subscriptionWants(subscription({ filter: { parties: ['DCO'] } }), event()))
  t.notOk(subscriptionWants(subscription({ filter: { regions: ['S'] } }), event()))
})

t.test('the ordering key is the window for a one-window event, else the subject, else the event', async (t) => {
  t.equal(orderingKeyOf(event()), 'window:w1')
  t.equal(orderingKeyOf(event({ windowIds: ['w1', 'w2'], subject: 'schedules/2021-11' })), 'schedules/2021-11')
  t.equal(orderingKeyOf(event({ windowIds: [], subject: '' })), 'event:e1')
})

t.test('fan-out: one delivery per wanting subscription; never the test event, nor an event older than the subscription', async (t) => {
  const subs = [subscription(), subscription({ id: 's2', filter: { parties: ['DCO'] } }), subscription({ id: 's3' })]
  const events = [
    event(),
    event({ id: 'e2', type: 'webhook.test' }),
    event({ id: 'e3', occurredAt: at('2021-09-30T00:00:00Z') }),
    event({ id: 'e4', windowIds: ['w2'] }),
  ]
  t.same(fanOutDeliveries(events, subs), [
    { eventId: 'e1', subscriptionId: 's1', orderingKey: 'window:w1' },
    { eventId: 'e1', subscriptionId: 's3', orderingKey: 'window:w1' },
    { eventId: 'e4', subscriptionId: 's1', orderingKey: 'window:w2' },
    { eventId: 'e4', subscriptionId: 's3', orderingKey: 'window:w2' },
  ])
})

t.test('retries: backoff doubles with jitter up to the deadline; refused or too old is dead; long failure disables', async (t) => {
  const policy = retryPolicy({ retryForMs: 24 * 3_600_000, baseBackoffMs: 5_000, maxBackoffMs: 3_600_000, random: () => 1 })
  const now = at('2021-10-01T01:00:00Z')
  const d = { createdAt: at('2021-10-01T00:00:00Z'), attemptCount: 2 } as Parameters<typeof policy.outcome>[0]
  const failed = { at: now.toISOString(), statusCode: 500, latencyMs: 3, ok: false, responseExcerpt: null, error: 'HTTP 500' }
  t.same(policy.outcome(d, failed, false, now), {
    state: 'pending',
    nextAttemptAt: new Date(now.getTime() + 20_000),
    acknowledgedAt: null,
    deadReason: null,
  })
  t.equal(policy.outcome(d, failed, true, now).deadReason, 'HTTP 500 (refused by the egress guard: not retried)')
  t.equal(policy.outcome(d, failed, false, at('2021-10-02T00:00:00Z')).deadReason, 'no acknowledgement within 24 hours; last: HTTP 500')
  t.equal(policy.outcome(d, { ...failed, ok: true }, false, now).state, 'delivered')
  t.equal(policy.disableReason(at('2021-10-01T00:00:00Z'), 'HTTP 500', now), undefined)
  t.match(policy.disableReason(at('2021-09-30T00:00:00Z'), 'HTTP 500', now), /^every delivery failed for 24 hours/)
})
