import { sql } from 'kysely'
import type { DbOrTx } from '../database.ts'

/**
 * The evidence of notice, read from the outbox and the delivery log: per window, who was sent what,
 * when, and whether they acknowledged it.
 */
export const webhookNoticesRepository = {
  /** Every delivery of an event about the window: who was sent what, when, and whether it was acknowledged. */
  async notices(db: DbOrTx, windowId: string) {
    return db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('outbox_events as e', 'e.id', 'd.event_id')
      .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
      .innerJoin('api_keys as k', 'k.id', 's.owner_key_id')
      .select([
        'd.id',
        'd.state',
        'd.created_at',
        'd.attempt_count',
        'd.attempts',
        'd.acknowledged_at',
        'd.replay_of',
        'e.id as event_id',
        'e.type as event_type',
        'e.occurred_at as event_time',
        's.id as subscription_id',
        's.description as subscription_description',
        'k.id as owner_key_id',
        'k.name as owner_name',
      ])
      .where(sql<boolean>`e.window_ids @> ARRAY[${windowId}]::uuid[]`)
      .orderBy('d.seq')
      .execute()
  },

  /**
   * For a compliance report, in one statement for all its windows: per window, subscription and notice
   * event type (of `types`), when a delivery was first attempted and first acknowledged (2xx), with the
   * owner key's name and parties. With `asOf`, only what was sent by then and acknowledgements by then.
   */
  async noticesForWindows(db: DbOrTx, windowIds: readonly string[], types: readonly string[], asOf: Date | null) {
    if (windowIds.length === 0) return []
    const asOfIso = asOf?.toISOString() ?? null
    // Aggregated per (subscription, window, event type), then one row per subscription carrying its
    // notices as compact JSON (instants in epoch ms): few rows to transfer and parse for 10,000 windows.
    const rows = await sql<{ subscription_id: string; owner: string; parties: string[]; notices: unknown }>`
      WITH ids AS (SELECT value::uuid AS id FROM jsonb_array_elements_text(${JSON.stringify(windowIds)}::jsonb)),
      n AS (
        SELECT d.subscription_id, w.window_id, e.type,
               min((d.attempts->0->>'at')::timestamptz) AS first_sent_at,
               min(d.acknowledged_at) FILTER (WHERE ${asOfIso}::timestamptz IS NULL OR d.acknowledged_at <= ${asOfIso}::timestamptz) AS acknowledged_at
        FROM outbox_events e
        CROSS JOIN LATERAL unnest(e.window_ids) AS w(window_id)
        JOIN ids ON ids.id = w.window_id
        JOIN webhook_deliveries d ON d.event_id = e.id AND d.attempt_count > 0
        WHERE e.type IN (SELECT jsonb_array_elements_text(${JSON.stringify(types)}::jsonb))
          AND (${asOfIso}::timestamptz IS NULL OR (d.attempts->0->>'at')::timestamptz <= ${asOfIso}::timestamptz)
        GROUP BY d.subscription_id, w.window_id, e.type)
      SELECT n.subscription_id, k.name AS owner, k.parties,
             json_agg(json_build_array(n.window_id, n.type, round(extract(epoch FROM n.first_sent_at) * 1000)::bigint,
                                       round(extract(epoch FROM n.acknowledged_at) * 1000)::bigint)) AS notices
      FROM n
      JOIN webhook_subscriptions s ON s.id = n.subscription_id
      JOIN api_keys k ON k.id = s.owner_key_id
      GROUP BY n.subscription_id, k.name, k.parties`.execute(db)
    return rows.rows.flatMap((r) => {
      const list = (typeof r.notices === 'string' ? JSON.parse(r.notices) : r.notices) as [string, string, number, number | null][]
      return list.map(([windowId, event, sent, ack]) => ({
        windowId,
        subscriptionId: r.subscription_id,
        event,
        owner: r.owner,
        parties: r.parties,
        firstSentAt: new Date(sent),
        acknowledgedAt: ack === null ? null : new Date(ack),
      }))
    })
  },
}
