import { randomUUID } from 'node:crypto'
import type { Db, DbOrTx } from '../../db/database.ts'
import {
  type DeliveryAttempt,
  type DeliveryState,
  type OutboxEvent,
  type WebhookDelivery,
  type WebhookSubscription,
  webhooksRepository,
} from '../../db/repositories/webhooks-repository.ts'
import { windowsRepository } from '../../db/repositories/windows-repository.ts'
import type { Actor } from '../../domain/lifecycle.ts'
import type { Clock } from '../clock.ts'
import { bodyField, invalid, notFound } from '../errors.ts'
import { enqueue } from './outbox.ts'
import { orderingKeyOf, subscriptionWants } from './routing.ts'
import type { Subscriptions } from './subscriptions.ts'

/** What a caller may read of attempts: a non-public receiver's answer only for an admin (and from before that was recorded, likewise). */
const readableAttempts = (attempts: readonly DeliveryAttempt[], actor: Actor): DeliveryAttempt[] =>
  attempts.map(({ nonPublic, ...a }) => (actor.role === 'admin' || nonPublic === false ? a : { ...a, responseExcerpt: null }))

function createDelivery(trx: DbOrTx, e: OutboxEvent, s: WebhookSubscription, replayOf: string | null, now: Date) {
  return webhooksRepository.insertDelivery(trx, { eventId: e.id, subscriptionId: s.id, orderingKey: orderingKeyOf(e), replayOf, now })
}

/**
 * The delivery log and what is sent on request: a subscription's deliveries with every attempt, the
 * notices sent about a window (the evidence that Parties were told), the test event, and replays.
 *
 * @example await createDeliveryLog({ db, clock, owned: subscriptions.get }).replayFrom(id, new Date('2021-10-01T00:00:00Z'), actor) // { queued: 3 }
 */
export function createDeliveryLog(deps: { db: Db; clock: Clock; owned: Subscriptions['get'] }) {
  const { db, clock, owned } = deps
  return {
    /** Queues a `webhook.test` event for this subscription only. */
    async test(id: string, actor: Actor): Promise<WebhookDelivery> {
      const s = await owned(id, actor)
      const now = clock.now()
      return db.transaction().execute(async (trx) => {
        const e = await enqueue(trx, {
          id: randomUUID(),
          type: 'webhook.test',
          subject: `webhooks/${s.id}`,
          windowIds: [],
          parties: [],
          services: [],
          regions: [],
          occurredAt: now,
          data: { subscriptionId: s.id, message: 'A test event: your endpoint and signature check work if you acknowledge it with a 2xx.' },
        })
        return createDelivery(trx, e, s, null, now)
      })
    },

    /** The subscription's deliveries, newest first, each with every attempt (a non-public receiver's answers: for admins only). */
    async deliveries(id: string, actor: Actor, q: { limit: number; before?: number | undefined; state?: DeliveryState | undefined }) {
      await owned(id, actor)
      const items = await webhooksRepository.listDeliveries(db, id, {
        limit: q.limit,
        ...(q.before !== undefined ? { beforeSeq: q.before } : {}),
        ...(q.state ? { state: q.state } : {}),
      })
      return items.map((d) => ({ ...d, attempts: readableAttempts(d.attempts, actor) }))
    },

    /** Sends a delivery's event again, as a new delivery (the old one stays in the log). */
    async replayDelivery(id: string, deliveryId: string, actor: Actor): Promise<WebhookDelivery> {
      const s = await owned(id, actor)
      const d = await webhooksRepository.findDelivery(db, id, deliveryId)
      if (!d) throw notFound('Delivery', deliveryId)
      const e = (await webhooksRepository.findEvent(db, d.eventId))!
      return createDelivery(db, e, s, d.id, clock.now())
    },

    /** Sends again every event since `from` that the subscription wants (at most 10,000). */
    async replayFrom(id: string, from: Date, actor: Actor): Promise<{ queued: number }> {
      const s = await owned(id, actor)
      const now = clock.now()
      if (from.getTime() > now.getTime()) throw invalid([bodyField('/from', 'must not be in the future')])
      const events = (await webhooksRepository.eventsSince(db, from, 10_000)).filter((e) => subscriptionWants(s, e))
      await db.transaction().execute(async (trx) => {
        for (const e of events) await createDelivery(trx, e, s, null, now)
      })
      return { queued: events.length }
    },

    /** Who was sent what about a window, when, and whether they acknowledged it (a non-public receiver's answers: for admins only). */
    async notices(windowId: string, actor: Actor) {
      if (!(await windowsRepository.findById(db, windowId))) throw notFound('Window', windowId)
      const items = await webhooksRepository.notices(db, windowId)
      return items.map((n) => ({ ...n, attempts: readableAttempts(n.attempts as DeliveryAttempt[], actor) }))
    },
  }
}
