import { type Selectable, sql } from 'kysely'
import type { DbOrTx } from '../database.ts'
import type { OutboxEventsTable, WebhookDeliveriesTable, WebhookSubscriptionsTable } from '../schema.ts'
import { webhookNoticesRepository } from './webhook-notices-repository.ts'

/** Which windows a subscription hears about: every list empty or absent means "all". */
export interface WebhookFilter {
  parties?: string[]
  services?: string[]
  regions?: string[]
}

export interface WebhookSubscription {
  id: string
  ownerKeyId: string
  url: string
  events: string[]
  filter: WebhookFilter
  description: string
  /**
   * The signing secret as stored: sealed (`mwp:v1:…`, see services/secrets.ts), or `whsec_<base64>` in
   * clear in databases from before secrets were sealed. The clear secret is shown only at creation.
   */
  secret: string
  enabled: boolean
  failingSince: Date | null
  disabledAt: Date | null
  disabledReason: string | null
  createdAt: Date
  updatedAt: Date
}

/** An event as the outbox holds it; the scope lists are what subscription filters match. */
export interface OutboxEvent {
  id: string
  seq: number
  type: string
  subject: string
  windowIds: string[]
  parties: string[]
  services: string[]
  regions: string[]
  data: unknown
  occurredAt: Date
}

export type NewOutboxEvent = Omit<OutboxEvent, 'id' | 'seq'> & { id?: string }

/** One try at sending a delivery: the evidence of notice. */
export interface DeliveryAttempt {
  at: string
  statusCode: number | null
  latencyMs: number
  ok: boolean
  responseExcerpt: string | null
  error: string | null
  /** Whether the request went to a non-public address (a range WEBHOOK_ALLOWED_HOSTS opened); absent if it never left, or before this was kept. */
  nonPublic?: boolean
}

export type DeliveryState = 'pending' | 'delivered' | 'dead' | 'cancelled'

export interface WebhookDelivery {
  id: string
  seq: number
  eventId: string
  subscriptionId: string
  orderingKey: string
  replayOf: string | null
  state: DeliveryState
  createdAt: Date
  nextAttemptAt: Date
  attemptCount: number
  attempts: DeliveryAttempt[]
  acknowledgedAt: Date | null
  deadReason: string | null
}

/** A delivery claimed by a dispatcher, with what it needs to send: the event and the subscription. */
export interface ClaimedDelivery extends WebhookDelivery {
  event: OutboxEvent
  url: string
  secret: string
}

const toSubscription = (r: Selectable<WebhookSubscriptionsTable>): WebhookSubscription => ({
  id: r.id,
  ownerKeyId: r.owner_key_id,
  url: r.url,
  events: r.events,
  filter: (r.filter ?? {}) as WebhookFilter,
  description: r.description,
  secret: r.secret,
  enabled: r.enabled,
  failingSince: r.failing_since,
  disabledAt: r.disabled_at,
  disabledReason: r.disabled_reason,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

const toEvent = (r: Selectable<OutboxEventsTable>): OutboxEvent => ({
  id: r.id,
  seq: Number(r.seq),
  type: r.type,
  subject: r.subject,
  windowIds: r.window_ids,
  parties: r.parties,
  services: r.services,
  regions: r.regions,
  data: r.data,
  occurredAt: r.occurred_at,
})

const toDelivery = (r: Selectable<WebhookDeliveriesTable>): WebhookDelivery => ({
  id: r.id,
  seq: Number(r.seq),
  eventId: r.event_id,
  subscriptionId: r.subscription_id,
  orderingKey: r.ordering_key,
  replayOf: r.replay_of,
  state: r.state,
  createdAt: r.created_at,
  nextAttemptAt: r.next_attempt_at,
  attemptCount: r.attempt_count,
  attempts: r.attempts as DeliveryAttempt[],
  acknowledgedAt: r.acknowledged_at,
  deadReason: r.dead_reason,
})

/** The columns of a subscription's fields; a field that is undefined is not written (Kysely leaves undefined values out). */
const subscriptionColumns = (s: Partial<WebhookSubscription>) => ({
  url: s.url,
  events: s.events,
  filter: s.filter && JSON.stringify(s.filter),
  description: s.description,
  enabled: s.enabled,
  failing_since: s.failingSince,
  disabled_at: s.disabledAt,
  disabled_reason: s.disabledReason,
})

/**
 * All SQL about webhook subscriptions, the outbox and deliveries, with the notices read from them
 * (webhook-notices-repository.ts); reminders are in webhook-reminders-repository.ts.
 */
export const webhooksRepository = {
  ...webhookNoticesRepository,

  async insertSubscription(
    db: DbOrTx,
    s: Pick<WebhookSubscription, 'ownerKeyId' | 'url' | 'events' | 'filter' | 'description' | 'secret' | 'createdAt'> & { id?: string },
  ): Promise<WebhookSubscription> {
    const row = await db
      .insertInto('webhook_subscriptions')
      .values({
        ...(s.id ? { id: s.id } : {}),
        owner_key_id: s.ownerKeyId,
        url: s.url,
        events: s.events,
        filter: JSON.stringify(s.filter),
        description: s.description,
        secret: s.secret,
        created_at: s.createdAt,
        updated_at: s.createdAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    return toSubscription(row)
  },

  async findSubscription(db: DbOrTx, id: string): Promise<WebhookSubscription | undefined> {
    const row = await db
      .selectFrom('webhook_subscriptions')
      .selectAll()
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
    return row && toSubscription(row)
  },

  async listSubscriptions(db: DbOrTx, ownerKeyId?: string): Promise<WebhookSubscription[]> {
    let q = db.selectFrom('webhook_subscriptions').selectAll().where('deleted_at', 'is', null)
    if (ownerKeyId) q = q.where('owner_key_id', '=', ownerKeyId)
    return (await q.orderBy('created_at').orderBy('id').execute()).map(toSubscription)
  },

  async updateSubscription(
    db: DbOrTx,
    id: string,
    patch: Partial<
      Pick<WebhookSubscription, 'url' | 'events' | 'filter' | 'description' | 'enabled' | 'failingSince' | 'disabledAt' | 'disabledReason'>
    > & { updatedAt: Date },
  ): Promise<WebhookSubscription | undefined> {
    const row = await db
      .updateTable('webhook_subscriptions')
      .set({ ...subscriptionColumns(patch), updated_at: patch.updatedAt })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returningAll()
      .executeTakeFirst()
    return row && toSubscription(row)
  },

  /** Every subscription's stored secret, deleted ones too (for sealing at start). */
  async storedSecrets(db: DbOrTx): Promise<{ id: string; secret: string }[]> {
    return db.selectFrom('webhook_subscriptions').select(['id', 'secret']).orderBy('id').execute()
  },

  /** Replaces a stored secret if it is still `expected` (another instance may have sealed it first). */
  async replaceSecret(db: DbOrTx, id: string, expected: string, secret: string): Promise<boolean> {
    const r = await db
      .updateTable('webhook_subscriptions')
      .set({ secret })
      .where('id', '=', id)
      .where('secret', '=', expected)
      .executeTakeFirst()
    return Number(r.numUpdatedRows) > 0
  },

  /** Deletes a subscription (the row stays, as the delivery log refers to it) and cancels what it still had to send. */
  async deleteSubscription(db: DbOrTx, id: string, now: Date): Promise<boolean> {
    const r = await db
      .updateTable('webhook_subscriptions')
      .set({ deleted_at: now, enabled: false, updated_at: now })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
    await db
      .updateTable('webhook_deliveries')
      .set({ state: 'cancelled', dead_reason: 'subscription deleted', locked_until: null })
      .where('subscription_id', '=', id)
      .where('state', '=', 'pending')
      .execute()
    return Number(r.numUpdatedRows) > 0
  },

  async insertEvent(db: DbOrTx, e: NewOutboxEvent): Promise<OutboxEvent> {
    const row = await db
      .insertInto('outbox_events')
      .values({
        ...(e.id ? { id: e.id } : {}),
        type: e.type,
        subject: e.subject,
        window_ids: e.windowIds,
        parties: e.parties,
        services: e.services,
        regions: e.regions,
        data: JSON.stringify(e.data),
        occurred_at: e.occurredAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    return toEvent(row)
  },

  /**
   * The fan-out's lock, one instance at a time (transaction-scoped, so deliveries are numbered in
   * event order): false when another instance holds it.
   */
  async tryFanOutLock(trx: DbOrTx): Promise<boolean> {
    const lock = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(hashtext('mwp:webhook-fanout')::bigint) AS ok`.execute(trx)
    return lock.rows[0]?.ok === true
  },

  /** Events not yet fanned out, in order, locked for this transaction. */
  async eventsToFanOut(trx: DbOrTx, limit: number): Promise<OutboxEvent[]> {
    const rows = await trx
      .selectFrom('outbox_events')
      .selectAll()
      .where('fanned_out_at', 'is', null)
      .orderBy('seq')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute()
    return rows.map(toEvent)
  },

  /** Subscriptions that may receive: enabled, not deleted, and their owner key not revoked. */
  async liveSubscriptions(db: DbOrTx): Promise<WebhookSubscription[]> {
    const rows = await db
      .selectFrom('webhook_subscriptions')
      .selectAll()
      .where('deleted_at', 'is', null)
      .where('enabled', '=', true)
      .where('owner_key_id', 'in', (eb) => eb.selectFrom('api_keys').select('id').where('revoked_at', 'is', null))
      .execute()
    return rows.map(toSubscription)
  },

  /** The fan-out's deliveries, due at once, written 1,000 rows a statement; the events are marked fanned out. */
  async insertFanOut(
    trx: DbOrTx,
    eventIds: readonly string[],
    deliveries: readonly { eventId: string; subscriptionId: string; orderingKey: string }[],
    now: Date,
  ): Promise<void> {
    const rows = deliveries.map((d) => ({
      event_id: d.eventId,
      subscription_id: d.subscriptionId,
      ordering_key: d.orderingKey,
      created_at: now,
      next_attempt_at: now,
    }))
    for (let i = 0; i < rows.length; i += 1000)
      await trx
        .insertInto('webhook_deliveries')
        .values(rows.slice(i, i + 1000))
        .execute()
    if (eventIds.length) await trx.updateTable('outbox_events').set({ fanned_out_at: now }).where('id', 'in', eventIds).execute()
  },

  async insertDelivery(
    db: DbOrTx,
    d: { eventId: string; subscriptionId: string; orderingKey: string; replayOf?: string | null; now: Date },
  ): Promise<WebhookDelivery> {
    const row = await db
      .insertInto('webhook_deliveries')
      .values({
        event_id: d.eventId,
        subscription_id: d.subscriptionId,
        ordering_key: d.orderingKey,
        replay_of: d.replayOf ?? null,
        created_at: d.now,
        next_attempt_at: d.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    return toDelivery(row)
  },

  /**
   * Claims due deliveries (`FOR UPDATE SKIP LOCKED`, so instances never take the same one) and leases
   * them until `leaseUntil`. A delivery waits while an earlier one of the same subscription and
   * ordering key is still pending and not in this claim, so each window's events arrive in order.
   */
  async claim(trx: DbOrTx, now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
    const due = await trx
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
      .innerJoin('api_keys as k', 'k.id', 's.owner_key_id')
      .selectAll('d')
      .where('d.state', '=', 'pending')
      .where('d.next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('d.locked_until', 'is', null), eb('d.locked_until', '<=', now)]))
      .where('s.enabled', '=', true)
      .where('s.deleted_at', 'is', null)
      .where('k.revoked_at', 'is', null)
      .orderBy('d.seq')
      .limit(limit)
      .forUpdate('d')
      .skipLocked()
      .execute()
    if (due.length === 0) return []
    const mine = due.map((d) => d.id)
    const blocked = new Set(
      (
        await trx
          .selectFrom('webhook_deliveries as d')
          .select('d.id')
          .where('d.id', 'in', mine)
          .where((eb) =>
            eb.exists(
              eb
                .selectFrom('webhook_deliveries as e')
                .select('e.id')
                .whereRef('e.subscription_id', '=', 'd.subscription_id')
                .whereRef('e.ordering_key', '=', 'd.ordering_key')
                .whereRef('e.seq', '<', 'd.seq')
                .where('e.state', '=', 'pending')
                .where('e.id', 'not in', mine),
            ),
          )
          .execute()
      ).map((r) => r.id),
    )
    const taken = due.filter((d) => !blocked.has(d.id))
    if (taken.length === 0) return []
    const ids = taken.map((d) => d.id)
    await trx.updateTable('webhook_deliveries').set({ locked_until: leaseUntil }).where('id', 'in', ids).execute()
    const events = new Map(
      (
        await trx
          .selectFrom('outbox_events')
          .selectAll()
          .where(
            'id',
            'in',
            taken.map((d) => d.event_id),
          )
          .execute()
      ).map((r) => [r.id, toEvent(r)]),
    )
    const subs = new Map(
      (
        await trx
          .selectFrom('webhook_subscriptions')
          .select(['id', 'url', 'secret'])
          .where(
            'id',
            'in',
            taken.map((d) => d.subscription_id),
          )
          .execute()
      ).map((r) => [r.id, r]),
    )
    return taken.map((d) => ({
      ...toDelivery(d),
      event: events.get(d.event_id)!,
      url: subs.get(d.subscription_id)!.url,
      secret: subs.get(d.subscription_id)!.secret,
    }))
  },

  /** Records many attempts in one statement (one round of the dispatcher); leases are released. */
  async recordAttempts(
    db: DbOrTx,
    rows: {
      id: string
      attempt: DeliveryAttempt
      state: DeliveryState
      nextAttemptAt: Date
      acknowledgedAt: Date | null
      deadReason: string | null
    }[],
  ): Promise<void> {
    if (rows.length === 0) return
    const json = JSON.stringify(
      rows.map((r) => ({
        id: r.id,
        attempt: [r.attempt],
        state: r.state,
        next_attempt_at: r.nextAttemptAt.toISOString(),
        acknowledged_at: r.acknowledgedAt?.toISOString() ?? null,
        dead_reason: r.deadReason,
      })),
    )
    await sql`
      UPDATE webhook_deliveries d
      SET attempts = d.attempts || x.attempt, attempt_count = d.attempt_count + 1, state = x.state, next_attempt_at = x.next_attempt_at,
          locked_until = NULL, acknowledged_at = x.acknowledged_at, dead_reason = x.dead_reason
      FROM jsonb_to_recordset(${json}::jsonb) AS x(id uuid, attempt jsonb, state text, next_attempt_at timestamptz, acknowledged_at timestamptz, dead_reason text)
      WHERE d.id = x.id`.execute(db)
  },

  /** Gives back a lease without an attempt (an earlier delivery of the same key failed first). */
  async release(db: DbOrTx, ids: string[]): Promise<void> {
    if (ids.length) await db.updateTable('webhook_deliveries').set({ locked_until: null }).where('id', 'in', ids).execute()
  },

  /** Marks a subscription failing (from `since`, if not already) or healthy again. */
  async markHealth(db: DbOrTx, subscriptionId: string, failingSince: Date | null): Promise<WebhookSubscription | undefined> {
    const q = db.updateTable('webhook_subscriptions').where('id', '=', subscriptionId)
    const row =
      failingSince === null
        ? await q.set({ failing_since: null }).where('failing_since', 'is not', null).returningAll().executeTakeFirst()
        : await q
            .set({ failing_since: sql`coalesce(failing_since, ${failingSince}::timestamptz)` })
            .returningAll()
            .executeTakeFirst()
    return row && toSubscription(row)
  },

  async listDeliveries(db: DbOrTx, subscriptionId: string, opts: { limit: number; beforeSeq?: number; state?: DeliveryState }) {
    let q = db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('outbox_events as e', 'e.id', 'd.event_id')
      .selectAll('d')
      .select(['e.type as event_type', 'e.subject as event_subject', 'e.occurred_at as event_time'])
      .where('d.subscription_id', '=', subscriptionId)
    if (opts.beforeSeq !== undefined) q = q.where('d.seq', '<', opts.beforeSeq)
    if (opts.state) q = q.where('d.state', '=', opts.state)
    const rows = await q.orderBy('d.seq', 'desc').limit(opts.limit).execute()
    return rows.map((r) => ({ ...toDelivery(r), eventType: r.event_type, eventSubject: r.event_subject, eventTime: r.event_time }))
  },

  async findDelivery(db: DbOrTx, subscriptionId: string, id: string): Promise<WebhookDelivery | undefined> {
    const row = await db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', id)
      .where('subscription_id', '=', subscriptionId)
      .executeTakeFirst()
    return row && toDelivery(row)
  },

  async findEvent(db: DbOrTx, id: string): Promise<OutboxEvent | undefined> {
    const row = await db.selectFrom('outbox_events').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toEvent(row)
  },

  /** Events from an instant on, in order (for a bulk replay). */
  async eventsSince(db: DbOrTx, from: Date, limit: number): Promise<OutboxEvent[]> {
    return (
      await db
        .selectFrom('outbox_events')
        .selectAll()
        .where('occurred_at', '>=', from)
        .where('type', '<>', 'webhook.test')
        .orderBy('seq')
        .limit(limit)
        .execute()
    ).map(toEvent)
  },

  /** The findings of a window's latest stored assessment (latest version, then latest recorded); undefined when none. */
  async latestFindings(db: DbOrTx, windowId: string): Promise<{ key: string; severity: string; waiver?: unknown }[] | undefined> {
    const row = await db
      .selectFrom('assessments')
      .select('result')
      .where('window_id', '=', windowId)
      .orderBy('window_version', 'desc')
      .orderBy('recorded_at', 'desc')
      .limit(1)
      .executeTakeFirst()
    return row ? ((row.result as { findings?: { key: string; severity: string; waiver?: unknown }[] }).findings ?? []) : undefined
  },
}
