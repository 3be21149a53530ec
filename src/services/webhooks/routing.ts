import type { OutboxEvent, WebhookSubscription } from '../../db/repositories/webhooks-repository.ts'

/**
 * Which subscription hears which event, and in what order: the rules of the fan-out, apart from the
 * SQL that reads and writes it.
 */

/** Deliveries of one (subscription, ordering key) go out in order: the window's id, or the event's own id. */
export const orderingKeyOf = (e: Pick<OutboxEvent, 'id' | 'subject' | 'windowIds'>) =>
  e.windowIds.length === 1 ? `window:${e.windowIds[0]}` : e.subject || `event:${e.id}`

const overlaps = (filter: string[] | undefined, scope: string[]) => !filter?.length || filter.some((x) => scope.includes(x))

/**
 * Whether a subscription wants an event: its type is listed and every non-empty filter list meets the event's scope.
 *
 * @example subscriptionWants({ events: ['window.changed'], filter: { parties: ['DSP'] } }, { type: 'window.changed', parties: ['DSP'], services: [], regions: [] }) // true
 */
export function subscriptionWants(
  s: Pick<WebhookSubscription, 'events' | 'filter'>,
  e: Pick<OutboxEvent, 'type' | 'parties' | 'services' | 'regions'>,
): boolean {
  return (
    s.events.includes(e.type) &&
    overlaps(s.filter.parties, e.parties) &&
    overlaps(s.filter.services, e.services) &&
    overlaps(s.filter.regions, e.regions)
  )
}

/** A delivery the fan-out creates: one event to one subscription. */
interface FanOutDelivery {
  eventId: string
  subscriptionId: string
  orderingKey: string
}

/**
 * The deliveries new events become: one per subscription that wants the event. The test event goes
 * only where it was asked for, and an event that happened before the subscription existed is not
 * its business (a bulk replay can ask for it).
 *
 * @example fanOutDeliveries([event], [subscription]) // [{ eventId, subscriptionId, orderingKey: 'window:…' }]
 */
export function fanOutDeliveries(events: readonly OutboxEvent[], subscriptions: readonly WebhookSubscription[]): FanOutDelivery[] {
  const out: FanOutDelivery[] = []
  for (const e of events) {
    if (e.type === 'webhook.test') continue
    for (const s of subscriptions) {
      if (e.occurredAt.getTime() < s.createdAt.getTime() || !subscriptionWants(s, e)) continue
      out.push({ eventId: e.id, subscriptionId: s.id, orderingKey: orderingKeyOf(e) })
    }
  }
  return out
}
