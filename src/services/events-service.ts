import { randomUUID } from 'node:crypto'
import { ALL_TABLES, type ChangeNotifications } from '../db/change-notifications.ts'
import type { Actor } from '../domain/lifecycle.ts'

/**
 * What a live event says changed. A board re-reads only that part; `stale` means "changes may have
 * been missed (this instance's listener was away, or the stream reconnected too late to replay):
 * reload everything".
 */
export type LiveEventKind = 'windows' | 'waivers' | 'programmes' | 'schedules' | 'reference' | 'keys' | 'webhooks' | 'stale'

/**
 * One server-sent event: `id` (for Last-Event-ID), the kind, and its data, e.g.
 * `{ "op": "update", "id": "…", "party": "DSP", "version": 3, "status": "agreed" }` for a window,
 * `{ "op": "insert", "many": true, "count": 140 }` when a statement changed more rows than are listed.
 */
export interface LiveEvent {
  id: string
  kind: LiveEventKind
  data: Record<string, unknown>
  /** Who may hear it: the same rule as the GET routes that read the thing. */
  audience: (actor: Actor) => boolean
}

export interface EventsSettings {
  /** A comment line this often keeps proxies from closing an idle stream (default 15 s). */
  heartbeatMs: number
  /** The `retry:` a client waits before reconnecting (ms). */
  retryMs: number
  /** Streams one API key may hold open at once on this instance. */
  maxStreamsPerKey: number
  /** Streams this instance holds open at most. */
  maxStreams: number
}

export type EventsService = ReturnType<typeof createEventsService>

const everyone = () => true
const adminOnly = (a: Actor) => a.role === 'admin'

/** Tables announced as one kind of event each; tables not named here are not announced. */
const KIND_OF_TABLE: Record<string, { kind: LiveEventKind; audience: (a: Actor) => boolean; rows?: true }> = {
  // GET /v1/windows, /v1/waivers, /v1/programmes/:id, /v1/schedules/:month: every role reads every party's.
  windows: { kind: 'windows', audience: everyone, rows: true },
  waivers: { kind: 'waivers', audience: everyone, rows: true },
  programmes: { kind: 'programmes', audience: everyone, rows: true },
  schedule_publications: { kind: 'schedules', audience: everyone },
  // Rules, calendars, blackouts and reference data: GET routes open to every role.
  rulesets: { kind: 'reference', audience: everyone },
  calendar_overrides: { kind: 'reference', audience: everyone },
  blackout_layers: { kind: 'reference', audience: everyone },
  reference_data: { kind: 'reference', audience: everyone },
  parties: { kind: 'reference', audience: everyone },
  regions: { kind: 'reference', audience: everyone },
  services: { kind: 'reference', audience: everyone },
  // GET /v1/keys: admin only.
  api_keys: { kind: 'keys', audience: adminOnly },
  // Webhook subscriptions: their owner's key, and admins (the webhooks service's read rule).
  webhook_subscriptions: { kind: 'webhooks', audience: adminOnly, rows: true },
}

interface RowsDetail {
  op: string
  count: number
  rows: Record<string, unknown>[]
}

/**
 * Turns the database's change notifications into events for GET /v1/events: the same notification
 * heard on several pooled connections is announced once; the last 256 events are kept so that a
 * client reconnecting with Last-Event-ID (to this instance, while it still has them) misses nothing.
 *
 * @example
 * const events = createEventsService({ changes })
 * const stop = events.listen(actor, (e) => write(e))
 */
export function createEventsService(deps: { changes?: ChangeNotifications; settings?: Partial<EventsSettings> }) {
  /** Mutable so that tests may shorten the heartbeat. */
  const settings: EventsSettings = { heartbeatMs: 15_000, retryMs: 2_000, maxStreamsPerKey: 5, maxStreams: 500, ...deps.settings }
  const boot = randomUUID().slice(0, 8)
  let seq = 0
  const recent: LiveEvent[] = []
  const KEEP = 256
  const listeners = new Set<(e: LiveEvent) => void>()
  const open = new Map<string, number>()
  // A notification is delivered to every listening session of this instance (each pooled connection and
  // the dedicated one): the same payload heard again within a quarter of a second is the same notification.
  const heard = new Map<string, number>()

  const publish = (kind: LiveEventKind, data: Record<string, unknown>, audience: (a: Actor) => boolean) => {
    const e: LiveEvent = { id: `${boot}-${++seq}`, kind, data, audience }
    recent.push(e)
    if (recent.length > KEEP) recent.shift()
    for (const l of listeners) l(e)
  }

  const onChange = (table: string, detail?: string) => {
    if (table === ALL_TABLES) return publish('stale', {}, everyone)
    const entry = KIND_OF_TABLE[table]
    if (!entry) return
    const payload = `${table} ${detail ?? ''}`
    const now = Date.now()
    if ((heard.get(payload) ?? 0) > now - 250) return
    heard.set(payload, now)
    if (heard.size > 1000) for (const [p, at] of heard) if (at < now - 250) heard.delete(p)
    const parsed = entry.rows && detail ? parseRows(detail) : undefined
    if (!parsed) return publish(entry.kind, entry.rows ? { many: true } : { table }, entry.audience)
    if (parsed.count === 0) return
    if (parsed.rows.length < parsed.count) return publish(entry.kind, { op: parsed.op, many: true, count: parsed.count }, entry.audience)
    for (const row of parsed.rows) {
      const { ownerKeyId, ...shown } = row
      const audience = table === 'webhook_subscriptions' ? (a: Actor) => a.role === 'admin' || a.keyId === ownerKeyId : entry.audience
      publish(entry.kind, { op: parsed.op, ...shown }, audience)
    }
  }
  deps.changes?.subscribe(onChange)

  return {
    settings,
    /**
     * Starts a stream for `actor`: `send` gets every event it may hear, from now on, after the ones
     * it missed since `lastEventId` (or one `stale` when they are no longer here to replay).
     * Undefined when the key (or this instance) holds as many streams as it may.
     */
    listen(actor: Actor, send: (e: LiveEvent) => void, lastEventId?: string): (() => void) | undefined {
      const mine = open.get(actor.keyId) ?? 0
      const total = [...open.values()].reduce((n, c) => n + c, 0)
      if (mine >= settings.maxStreamsPerKey || total >= settings.maxStreams) return undefined
      open.set(actor.keyId, mine + 1)
      if (lastEventId) {
        const at = recent.findIndex((e) => e.id === lastEventId)
        if (at < 0) send({ id: `${boot}-${seq}`, kind: 'stale', data: {}, audience: everyone })
        else for (const e of recent.slice(at + 1)) if (e.audience(actor)) send(e)
      }
      const listener = (e: LiveEvent) => e.audience(actor) && send(e)
      listeners.add(listener)
      let stopped = false
      return () => {
        if (stopped) return
        stopped = true
        listeners.delete(listener)
        const left = (open.get(actor.keyId) ?? 1) - 1
        if (left > 0) open.set(actor.keyId, left)
        else open.delete(actor.keyId)
      }
    },
    /** Whether changes can be missed right now (see ChangeNotifications.live). */
    get live() {
      return deps.changes?.live ?? false
    },
  }
}

function parseRows(detail: string): RowsDetail | undefined {
  try {
    const v = JSON.parse(detail) as Partial<RowsDetail>
    if (typeof v.op !== 'string' || typeof v.count !== 'number' || !Array.isArray(v.rows)) return undefined
    return { op: v.op, count: v.count, rows: v.rows }
  } catch {
    return undefined
  }
}
