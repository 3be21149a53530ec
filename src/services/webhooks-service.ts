import { createHmac, randomBytes, randomUUID } from 'node:crypto'
import { lookup } from 'node:dns/promises'
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { DateTime, Duration } from 'luxon'
import type { Db, DbOrTx } from '../db/database.ts'
import type { StoredWaiver } from '../db/repositories/compliance-repository.ts'
import {
  type ClaimedDelivery,
  type DeliveryAttempt,
  type DeliveryState,
  type NewOutboxEvent,
  type OutboxEvent,
  orderingKeyOf,
  subscriptionWants,
  type WebhookDelivery,
  type WebhookFilter,
  type WebhookSubscription,
  webhooksRepository,
} from '../db/repositories/webhooks-repository.ts'
import { toWindow } from '../db/repositories/windows-repository.ts'
import { complianceOf, type Finding, findingCertainty } from '../domain/index.ts'
import type { Actor } from '../domain/lifecycle.ts'
import type { MaintenanceWindow } from '../domain/window.ts'
import { appendAudit } from './audit-service.ts'
import type { Clock } from './clock.ts'
import { checkEgress, hostOf, parseEgressPolicy, type Resolve, type ResolvedAddress } from './egress-guard.ts'
import { AppError, bodyField, type FieldProblem, invalid, notFound } from './errors.ts'
import { type ReferenceService, unknownIds } from './reference-service.ts'
import { createKeyring, type Keyring, SecretsKeyError } from './secrets.ts'
import type { WindowChange } from './windows-service.ts'

export type { DeliveryAttempt, WebhookDelivery, WebhookFilter, WebhookSubscription } from '../db/repositories/webhooks-repository.ts'
export type { ResolvedAddress } from './egress-guard.ts'

/** The events a subscription may ask for. `webhook.test` is sent only by POST /v1/webhooks/{id}/test. */
export const EVENT_TYPES = [
  'window.proposed',
  'window.changed',
  'window.cancelled',
  'window.decided',
  'window.starting',
  'schedule.published',
  'waiver.granted',
  'finding.raised',
] as const
export type EventType = (typeof EVENT_TYPES)[number]

const HOUR = 3_600_000
const DAY = 24 * HOUR
const EXCERPT_BYTES = 512
/** How long a subscription request waits for its URL's host to resolve before accepting it unchecked (each delivery checks again). */
const SUBSCRIBE_RESOLVE_MS = 3_000

export interface WebhooksOptions {
  /**
   * WEBHOOK_ALLOWED_HOSTS: CIDR ranges opened beside the public addresses, and host names (if any is
   * listed, only those names may be used). Checked at subscription and on every resolved address at send time.
   */
  allowedHosts: readonly string[]
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number
  /** Reminder offsets before a window's start, ISO 8601 (default P7D, P1D, PT1H). Days are calendar days in the window's zone. */
  reminderOffsets?: readonly string[]
  /** How long a delivery is retried before it is dead-lettered, and a failing subscription disabled (default 24 h). */
  retryForMs?: number
  /** First retry delay (default 5 s); doubles per attempt up to `maxBackoffMs` (default 1 h), with jitter. */
  baseBackoffMs?: number
  maxBackoffMs?: number
  /** Deliveries claimed per round and sent at once (defaults 200 and 32). */
  batchSize?: number
  concurrency?: number
  /** CloudEvents `source` (default `/mwp`). */
  source?: string
  /** Jitter source in [0, 1); injected so tests can pin it. */
  random?: () => number
  /**
   * Resolves a host name to its addresses (default: the system resolver, every address). Called once
   * per attempt, and when a subscription's URL is set; the request then connects only to the
   * addresses that were checked (no DNS rebinding).
   */
  resolve?: Resolve
  /**
   * SECRETS_KEY: keys sealing signing secrets at rest (the first seals, all open). Without one, new
   * subscriptions are refused (`secrets-key-missing`); stored clear-text secrets still sign.
   */
  secretsKeys?: readonly Buffer[]
  /** Write events to the outbox (default true). Only the benchmark turns it off, to measure the outbox's cost. */
  writeEvents?: boolean
}

/** A CloudEvents 1.0 structured-mode JSON envelope. */
export interface CloudEvent {
  specversion: '1.0'
  id: string
  source: string
  type: string
  time: string
  subject: string
  datacontenttype: 'application/json'
  data: unknown
}

export interface SubscriptionInput {
  url: string
  events: string[]
  filter?: WebhookFilter | undefined
  description?: string | undefined
}
export type SubscriptionPatch = Partial<SubscriptionInput> & { enabled?: boolean | undefined }

export interface RunReport {
  fannedOut: number
  reminders: number
  attempted: number
  delivered: number
  failed: number
  disabled: number
}

/**
 * Standard Webhooks signature: `v1,` + base64 HMAC-SHA256 of `${id}.${timestamp}.${body}` keyed with
 * the base64-decoded part of the `whsec_` secret.
 *
 * @example sign('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_1', 1614265330, '{"test": 2432232314}')
 */
export function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`
}

/** A compact, stable picture of a window for event payloads (instants in UTC, plus the planning zone). */
export function windowSummary(w: MaintenanceWindow) {
  return {
    id: w.id,
    reference: w.reference,
    title: w.title,
    party: w.party,
    status: w.status,
    kind: w.kind,
    impact: w.impact,
    services: [...w.services],
    regions: [...w.regions],
    start: w.start.toISOString(),
    end: w.end.toISOString(),
    zone: w.zone,
    notifiedAt: w.notifiedAt?.toISOString() ?? null,
    version: w.version,
    sequence: w.sequence,
  }
}

const systemResolve: Resolve = (host) => lookup(host, { all: true, verbatim: true })

/** A `lookup` for http(s).request that answers only the checked addresses: the connection goes where the check looked. */
function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_host, options, callback) => {
    const cb = callback as (err: Error | null, a: string | ResolvedAddress[], f?: number) => void
    const fitting = options.family ? addresses.filter((a) => a.family === options.family) : addresses
    if (fitting.length === 0) return cb(Object.assign(new Error('no checked address of that family'), { code: 'ENOTFOUND' }), '', 0)
    if (options.all)
      cb(
        null,
        fitting.map((a) => ({ address: a.address, family: a.family })),
      )
    else cb(null, fitting[0]!.address, fitting[0]!.family)
  }
}

/** Reads at most `max` bytes of a response body as text, then lets the rest go. */
function excerpt(res: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = () => resolve(Buffer.concat(chunks).subarray(0, max).toString('utf8'))
    res.on('data', (c: Buffer) => {
      chunks.push(c)
      size += c.length
      if (size >= max) {
        res.destroy()
        done()
      }
    })
    res.on('end', done)
    res.on('error', done)
    res.on('close', done)
  })
}

const union = (a: readonly string[] = [], b: readonly string[] = []) => [...new Set([...a, ...b])]

/** The event a stored window change announces, or undefined (drafts are private; publication has its own event). */
function windowEventType(c: WindowChange): EventType | undefined {
  const from = c.before?.status
  const to = c.after.status
  if (c.action === 'published') return undefined
  if (to === 'draft' || (from === 'draft' && to !== 'proposed')) return undefined
  if (c.action === 'created' || (from === 'draft' && to === 'proposed')) return 'window.proposed'
  if (c.action === 'status' && to === 'cancelled') return 'window.cancelled'
  if (c.action === 'status' && (to === 'agreed' || to === 'rejected')) return 'window.decided'
  return 'window.changed'
}

/**
 * Webhooks: subscriptions owned by API keys, a transactional outbox (events are written in the
 * transaction of the change they announce), and a dispatcher that fans events out to subscriptions
 * and posts each one as a CloudEvents 1.0 JSON envelope signed the Standard Webhooks way. Every
 * attempt is kept, as evidence of notice. All state is in the database: several instances can run
 * dispatchers on one PostgreSQL (deliveries are claimed with `FOR UPDATE SKIP LOCKED`), and no
 * transaction is held while a request is out.
 *
 * @example
 * const webhooks = createWebhooksService({ db, clock, reference, options: { allowedHosts: ['127.0.0.0/8'] } })
 * await webhooks.runOnce(clock.now())
 */
export function createWebhooksService(deps: { db: Db; clock: Clock; reference: Pick<ReferenceService, 'all'>; options: WebhooksOptions }) {
  const { db, clock } = deps
  const opts = deps.options
  const egress = parseEgressPolicy(opts.allowedHosts)
  const timeoutMs = opts.timeoutMs ?? 10_000
  const retryForMs = opts.retryForMs ?? DAY
  const baseBackoff = opts.baseBackoffMs ?? 5_000
  const maxBackoff = opts.maxBackoffMs ?? HOUR
  const batchSize = opts.batchSize ?? 200
  const concurrency = opts.concurrency ?? 32
  const source = opts.source ?? '/mwp'
  const random = opts.random ?? Math.random
  const resolve = opts.resolve ?? systemResolve
  const keyring: Keyring | undefined = opts.secretsKeys?.length ? createKeyring(opts.secretsKeys) : undefined
  const writeEvents = opts.writeEvents ?? true
  // Own agents: keep-alive to receivers, at most `concurrency` sockets per receiver.
  const agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: concurrency }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: concurrency }),
  }
  /** Signing secrets are sealed to their subscription: a sealed value moved to another row does not open. */
  const secretContext = (subscriptionId: string) => `webhook-subscription:${subscriptionId}`
  /** The clear signing secret of a stored one (sealed, or clear text from before secrets were sealed). */
  const openSecret = (subscriptionId: string, stored: string) =>
    stored.startsWith('whsec_') ? stored : requireKeyring().open(stored, secretContext(subscriptionId))
  function requireKeyring(): Keyring {
    if (!keyring) throw new SecretsKeyError('no SECRETS_KEY is configured, so a sealed secret cannot be opened')
    return keyring
  }
  const offsets = (opts.reminderOffsets ?? ['P7D', 'P1D', 'PT1H']).map((key) => {
    const d = Duration.fromISO(key)
    if (!d.isValid || d.toMillis() <= 0) throw new Error(`reminder offset "${key}" is not a positive ISO 8601 duration`)
    return { key, duration: d }
  })
  const longestOffsetMs = Math.max(...offsets.map((o) => o.duration.toMillis()), 0) + 2 * DAY
  const stopping = new AbortController()

  async function enqueue(trx: DbOrTx, e: NewOutboxEvent): Promise<OutboxEvent> {
    return webhooksRepository.insertEvent(trx, e)
  }
  /** Outbox writes of the services' hooks (not the test event): off only in the benchmark. */
  async function announce(trx: DbOrTx, e: NewOutboxEvent): Promise<void> {
    if (writeEvents) await enqueue(trx, e)
  }

  async function checkInput(input: Partial<SubscriptionInput>): Promise<void> {
    const problems: FieldProblem[] = []
    if (input.url !== undefined) {
      let u: URL | undefined
      try {
        u = new URL(input.url)
      } catch {
        problems.push(bodyField('/url', 'not an absolute URL'))
      }
      if (u && u.protocol !== 'http:' && u.protocol !== 'https:')
        problems.push(bodyField('/url', `only http and https URLs are accepted, not ${u.protocol.replace(/:$/, '')}`))
      else if (u && (u.username || u.password))
        problems.push(bodyField('/url', 'a webhook URL may not carry credentials; the signature authenticates the sender'))
      else if (u?.hash) problems.push(bodyField('/url', 'a webhook URL may not have a #fragment'))
    }
    input.events?.forEach((e, i) => {
      if (!(EVENT_TYPES as readonly string[]).includes(e))
        problems.push(bodyField(`/events/${i}`, `unknown event "${e}"; known: ${EVENT_TYPES.join(', ')}`))
    })
    if (problems.length) throw invalid(problems)
    if (input.filter) {
      const ref = await deps.reference.all()
      const known = {
        parties: new Set(ref.parties.map((p) => p.id)),
        services: new Set(ref.services.map((s) => s.id)),
        regions: new Set(ref.regions.map((r) => r.id)),
      }
      const unknown: FieldProblem[] = []
      for (const kind of ['parties', 'services', 'regions'] as const)
        input.filter[kind]?.forEach((id, i) => {
          if (!known[kind].has(id))
            unknown.push(bodyField(`/filter/${kind}/${i}`, `unknown ${kind === 'parties' ? 'party' : kind.slice(0, -1)} "${id}"`))
        })
      if (unknown.length) throw unknownIds(unknown)
    }
  }

  /**
   * The egress guard at subscription, where the address is known (a literal address, or a name that
   * resolves now): a destination the policy refuses is a 400 naming `/url`; a non-public one that
   * WEBHOOK_ALLOWED_HOSTS opened is a 403 naming `/url` unless the caller is an admin. A name that does
   * not resolve now is accepted: every delivery attempt checks again.
   */
  async function checkDestination(url: string, actor: Actor): Promise<void> {
    const host = hostOf(new URL(url))
    const verdict = await checkEgress(host, egress, resolve, { timeoutMs: SUBSCRIBE_RESOLVE_MS })
    if (!verdict.ok) {
      if (verdict.permanent) throw invalid([bodyField('/url', verdict.reason)])
      return
    }
    if (verdict.nonPublic && actor.role !== 'admin') {
      const where = `${host}${isIP(host) ? '' : ` (${verdict.addresses.map((a) => a.address).join(', ')})`}`
      const message = `${where} is not a public address; only an admin may point a webhook at a range WEBHOOK_ALLOWED_HOSTS opens`
      throw new AppError('forbidden', 403, 'Forbidden', `body /url: ${message}`, { errors: [bodyField('/url', message)] })
    }
  }

  /** What a caller may read of attempts: a non-public receiver's answer only for an admin (and from before that was recorded, likewise). */
  const readableAttempts = (attempts: readonly DeliveryAttempt[], actor: Actor): DeliveryAttempt[] =>
    attempts.map(({ nonPublic, ...a }) => (actor.role === 'admin' || nonPublic === false ? a : { ...a, responseExcerpt: null }))

  async function owned(id: string, actor: Actor): Promise<WebhookSubscription> {
    const s = await webhooksRepository.findSubscription(db, id)
    if (!s || (actor.role !== 'admin' && s.ownerKeyId !== actor.keyId)) throw notFound('Webhook', id)
    return s
  }

  function envelope(e: OutboxEvent): CloudEvent {
    return {
      specversion: '1.0',
      id: e.id,
      source,
      type: e.type,
      time: e.occurredAt.toISOString(),
      subject: e.subject,
      datacontenttype: 'application/json',
      data: e.data,
    }
  }

  /** Delay before attempt n+1 after n failures: exponential, capped, with jitter in [50 %, 100 %]. */
  function backoff(failures: number): number {
    const exp = Math.min(maxBackoff, baseBackoff * 2 ** Math.max(0, failures - 1))
    return Math.round(exp * (0.5 + 0.5 * random()))
  }

  /**
   * One attempt: the egress guard, then one POST to a checked address; never throws, never follows a
   * redirect. `refused`: the guard refused the destination (not worth retrying). The attempt records
   * whether the address was public, so that only admins read what a non-public receiver answered.
   */
  async function attempt(d: ClaimedDelivery, now: Date): Promise<{ attempt: DeliveryAttempt; refused: boolean }> {
    const at = now.toISOString()
    const started = performance.now()
    let nonPublic: boolean | undefined
    const fail = (error: string, statusCode: number | null = null, responseExcerpt: string | null = null) => ({
      attempt: {
        at,
        statusCode,
        latencyMs: Math.round(performance.now() - started),
        ok: false,
        responseExcerpt,
        error,
        ...(nonPublic !== undefined ? { nonPublic } : {}),
      },
      refused: false,
    })
    let url: URL
    try {
      url = new URL(d.url)
    } catch {
      return fail('the subscription URL does not parse')
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(`not sent: ${url.protocol} is not http or https`)
    let secret: string
    try {
      secret = openSecret(d.subscriptionId, d.secret)
    } catch (err) {
      return fail(`not sent: the signing secret cannot be opened: ${(err as Error).message}`)
    }
    const host = hostOf(url)
    const checked = await checkEgress(host, egress, resolve, { timeoutMs })
    if (!checked.ok) return { ...fail(`not sent: ${checked.reason}`), refused: checked.permanent }
    nonPublic = checked.nonPublic
    const body = JSON.stringify(envelope(d.event))
    const timestamp = Math.floor(now.getTime() / 1000)
    const timeout = AbortSignal.timeout(timeoutMs)
    const https = url.protocol === 'https:'
    try {
      const res = await new Promise<IncomingMessage>((resolveRes, reject) => {
        const req = (https ? httpsRequest : httpRequest)({
          method: 'POST',
          hostname: host,
          port: url.port || (https ? 443 : 80),
          path: `${url.pathname}${url.search}`,
          agent: https ? agents.https : agents.http,
          // Connect to the address that was checked, whatever the name resolves to now; the Host header
          // (below) and the TLS server name stay the URL's host.
          lookup: pinnedLookup(checked.addresses),
          ...(https && !isIP(host) ? { servername: host } : {}),
          signal: AbortSignal.any([timeout, stopping.signal]),
          headers: {
            host: url.host,
            'content-type': 'application/cloudevents+json; charset=utf-8',
            'content-length': String(Buffer.byteLength(body)),
            'user-agent': 'mwp-webhooks/1',
            'webhook-id': d.event.id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': sign(secret, d.event.id, timestamp, body),
          },
        })
        req.on('response', resolveRes)
        req.on('error', reject)
        req.end(body)
      })
      const status = res.statusCode ?? 0
      const text = await excerpt(res, EXCERPT_BYTES)
      const latencyMs = Math.round(performance.now() - started)
      if (status >= 200 && status < 300)
        return {
          attempt: { at, statusCode: status, latencyMs, ok: true, responseExcerpt: text, error: null, nonPublic: checked.nonPublic },
          refused: false,
        }
      if (status >= 300 && status < 400) return fail(`redirect to ${res.headers.location ?? '?'} not followed`, status, text)
      return fail(`HTTP ${status}`, status, text)
    } catch (err) {
      const e = err as Error & { code?: string }
      if (timeout.aborted) return fail(`no answer within ${timeoutMs / 1000} s`)
      if (stopping.signal.aborted) return fail('aborted: the service was shutting down')
      return fail(e.code ? `${e.code}: ${e.message}` : e.message)
    }
  }

  /** What a finished attempt does to its delivery: one the egress guard refused is dead at once (no retry reaches it). */
  function outcome(d: WebhookDelivery, a: DeliveryAttempt, refused: boolean, now: Date) {
    if (a.ok) return { state: 'delivered' as DeliveryState, nextAttemptAt: now, acknowledgedAt: now, deadReason: null }
    if (refused)
      return {
        state: 'dead' as DeliveryState,
        nextAttemptAt: now,
        acknowledgedAt: null,
        deadReason: `${a.error} (refused by the egress guard: not retried)`,
      }
    const deadline = d.createdAt.getTime() + retryForMs
    if (now.getTime() >= deadline)
      return {
        state: 'dead' as DeliveryState,
        nextAttemptAt: now,
        acknowledgedAt: null,
        deadReason: `no acknowledgement within ${retryForMs / HOUR} hours; last: ${a.error}`,
      }
    const next = Math.min(deadline, now.getTime() + backoff(d.attemptCount + 1))
    return { state: 'pending' as DeliveryState, nextAttemptAt: new Date(next), acknowledgedAt: null, deadReason: null }
  }

  /** Reminders due at `now` that no instance has taken yet, written to the outbox in one short transaction. */
  async function takeReminders(now: Date): Promise<number> {
    if (offsets.length === 0) return 0
    return db.transaction().execute(async (trx) => {
      const windows = await trx
        .selectFrom('windows')
        .selectAll()
        .where('status', 'in', ['proposed', 'notified', 'agreed'])
        .where('start_at', '>', now)
        .where('start_at', '<=', new Date(now.getTime() + longestOffsetMs))
        .execute()
      if (windows.length === 0) return 0
      const ws = windows.map(toWindow)
      const taken = new Set(
        (
          await webhooksRepository.remindersOf(
            trx,
            ws.map((w) => w.id),
          )
        ).map((r) => `${r.window_id}|${r.start_at.getTime()}|${r.offset_key}`),
      )
      const rows: Parameters<typeof webhooksRepository.takeReminders>[1] = []
      for (const w of ws) {
        const start = DateTime.fromJSDate(w.start, { zone: w.zone })
        const due = offsets
          .map((o) => ({ key: o.key, dueAt: start.minus(o.duration).toJSDate() }))
          .filter((o) => o.dueAt.getTime() <= now.getTime() && !taken.has(`${w.id}|${w.start.getTime()}|${o.key}`))
          .sort((a, b) => b.dueAt.getTime() - a.dueAt.getTime())
        // Only the latest due reminder is sent; earlier ones that were missed, or were due before the window existed, are skipped.
        for (const [i, o] of due.entries())
          rows.push({
            windowId: w.id,
            startAt: w.start,
            offsetKey: o.key,
            dueAt: o.dueAt,
            outcome: i === 0 && o.dueAt.getTime() >= w.createdAt.getTime() ? 'sent' : 'skipped',
            recordedAt: now,
          })
      }
      const won = await webhooksRepository.takeReminders(trx, rows)
      let sent = 0
      for (const r of won) {
        if (r.outcome !== 'sent') continue
        const w = ws.find((x) => x.id === r.window_id)!
        const e = await enqueue(trx, {
          type: 'window.starting',
          subject: `windows/${w.id}`,
          windowIds: [w.id],
          parties: [w.party],
          services: [...w.services],
          regions: [...w.regions],
          occurredAt: now,
          data: { window: windowSummary(w), offset: r.offset_key, dueAt: r.due_at.toISOString(), startsAt: w.start.toISOString() },
        })
        await webhooksRepository.setReminderEvent(trx, { windowId: w.id, startAt: w.start, offsetKey: r.offset_key, eventId: e.id })
        sent++
      }
      return sent
    })
  }

  /** Sends one claimed round: deliveries of one (subscription, ordering key) in order, stopping at the first failure. */
  async function sendRound(claimed: ClaimedDelivery[], now: Date, report: RunReport): Promise<void> {
    const groups = new Map<string, ClaimedDelivery[]>()
    for (const d of claimed) {
      const k = `${d.subscriptionId}|${d.orderingKey}`
      groups.set(k, [...(groups.get(k) ?? []), d])
    }
    const health = new Map<string, { ok: boolean; failed: boolean; lastError: string | null }>()
    const results: Parameters<typeof webhooksRepository.recordAttempts>[1] = []
    const queue = [...groups.values()]
    const worker = async () => {
      for (let g = queue.shift(); g; g = queue.shift()) {
        for (let i = 0; i < g.length; i++) {
          const d = g[i]!
          const { attempt: a, refused } = await attempt(d, now)
          report.attempted++
          if (a.ok) report.delivered++
          else report.failed++
          results.push({ id: d.id, attempt: a, ...outcome(d, a, refused, now) })
          const h = health.get(d.subscriptionId) ?? { ok: false, failed: false, lastError: null }
          if (a.ok) h.ok = true
          else Object.assign(h, { failed: true, lastError: a.error })
          health.set(d.subscriptionId, h)
          if (!a.ok) {
            await webhooksRepository.release(
              db,
              g.slice(i + 1).map((x) => x.id),
            )
            break
          }
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker))
    // One statement for the round's attempts; until then the lease keeps the deliveries to this instance.
    await webhooksRepository.recordAttempts(db, results)
    for (const [subscriptionId, h] of health) {
      if (h.ok) {
        await webhooksRepository.markHealth(db, subscriptionId, null)
        continue
      }
      const s = await webhooksRepository.markHealth(db, subscriptionId, now)
      if (s?.enabled && s.failingSince && now.getTime() - s.failingSince.getTime() >= retryForMs) {
        await webhooksRepository.updateSubscription(db, subscriptionId, {
          enabled: false,
          disabledAt: now,
          disabledReason: `every delivery failed for ${retryForMs / HOUR} hours (since ${s.failingSince.toISOString()}); last error: ${h.lastError}. PATCH {"enabled": true} once the receiver works.`,
          updatedAt: now,
        })
        report.disabled++
      }
    }
  }

  /** One pass of the dispatcher at `now`: fan out new events, take due reminders, send what is due. */
  async function runOnce(now: Date = clock.now()): Promise<RunReport> {
    const report: RunReport = { fannedOut: 0, reminders: 0, attempted: 0, delivered: 0, failed: 0, disabled: 0 }
    report.reminders = await takeReminders(now)
    for (;;) {
      const r = await db.transaction().execute((trx) => webhooksRepository.fanOut(trx, now, 1000))
      report.fannedOut += r.events
      if (r.events === 0) break
    }
    // The lease covers a whole round even if every delivery in a group times out in turn.
    const leaseUntil = new Date(now.getTime() + (timeoutMs + 5_000) * Math.ceil(batchSize / Math.max(1, concurrency)) + 60_000)
    for (let round = 0; round < 1000 && !stopping.signal.aborted; round++) {
      const claimed = await db.transaction().execute((trx) => webhooksRepository.claim(trx, now, leaseUntil, batchSize))
      if (claimed.length === 0) break
      await sendRound(claimed, now, report)
    }
    return report
  }

  async function createDelivery(trx: DbOrTx, e: OutboxEvent, s: WebhookSubscription, replayOf: string | null, now: Date) {
    return webhooksRepository.insertDelivery(trx, { eventId: e.id, subscriptionId: s.id, orderingKey: orderingKeyOf(e), replayOf, now })
  }

  return {
    /** Creates a subscription owned by the calling key; the signing secret is in the answer only. */
    async create(input: SubscriptionInput, actor: Actor): Promise<WebhookSubscription> {
      await checkInput(input)
      if (!keyring)
        throw new AppError(
          'secrets-key-missing',
          503,
          'Webhook secrets cannot be stored',
          'This service runs on a PostgreSQL server without SECRETS_KEY, so it cannot keep a signing secret encrypted (and every instance must share the key). An operator sets SECRETS_KEY (base64 of 32 bytes) on every instance.',
        )
      await checkDestination(input.url, actor)
      const id = randomUUID()
      const secret = `whsec_${randomBytes(32).toString('base64')}`
      const stored = await db.transaction().execute(async (trx) => {
        const s = await webhooksRepository.insertSubscription(trx, {
          id,
          ownerKeyId: actor.keyId,
          url: input.url,
          events: [...new Set(input.events)],
          filter: input.filter ?? {},
          description: input.description ?? '',
          secret: keyring.seal(secret, secretContext(id)),
          createdAt: clock.now(),
        })
        // Never the signing secret.
        await appendAudit(trx, clock, {
          actor,
          action: 'webhook.created',
          entityType: 'webhook',
          entityId: id,
          payload: { url: s.url, events: s.events, filter: s.filter, description: s.description },
        })
        return s
      })
      return { ...stored, secret }
    },

    /**
     * Seals what is still stored in clear (databases from before secrets were sealed) and re-seals what
     * an older key of SECRETS_KEY sealed, with the current key. Run at start; safe with several instances.
     */
    async sealStoredSecrets(): Promise<{ sealed: number; resealed: number; unreadable: number }> {
      const out = { sealed: 0, resealed: 0, unreadable: 0 }
      if (!keyring) return out
      for (const r of await webhooksRepository.storedSecrets(db)) {
        if (keyring.keyIdOf(r.secret) === keyring.currentKeyId) continue
        let clear: string
        try {
          clear = openSecret(r.id, r.secret)
        } catch {
          out.unreadable++
          continue
        }
        if (await webhooksRepository.replaceSecret(db, r.id, r.secret, keyring.seal(clear, secretContext(r.id))))
          out[keyring.isSealed(r.secret) ? 'resealed' : 'sealed']++
      }
      return out
    },

    /** How many stored secrets are still in clear text (for a warning at start without SECRETS_KEY). */
    clearSecrets: async () => (await webhooksRepository.storedSecrets(db)).filter((r) => r.secret.startsWith('whsec_')).length,

    /** The caller's subscriptions; every subscription for an admin. */
    list: (actor: Actor) => webhooksRepository.listSubscriptions(db, actor.role === 'admin' ? undefined : actor.keyId),

    get: owned,

    /** Changes a subscription; `enabled: true` turns a disabled one back on and forgets its failing streak. */
    async update(id: string, patch: SubscriptionPatch, actor: Actor): Promise<WebhookSubscription> {
      await owned(id, actor)
      await checkInput(patch)
      if (patch.url !== undefined) await checkDestination(patch.url, actor)
      const now = clock.now()
      return db.transaction().execute(async (trx) => {
        const s = await webhooksRepository.updateSubscription(trx, id, {
          ...(patch.url !== undefined ? { url: patch.url } : {}),
          ...(patch.events !== undefined ? { events: [...new Set(patch.events)] } : {}),
          ...(patch.filter !== undefined ? { filter: patch.filter } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.enabled === true ? { enabled: true, failingSince: null, disabledAt: null, disabledReason: null } : {}),
          ...(patch.enabled === false ? { enabled: false, disabledAt: now, disabledReason: `disabled by key ${actor.keyId}` } : {}),
          updatedAt: now,
        })
        if (!s) throw notFound('Webhook', id)
        await appendAudit(trx, clock, { actor, action: 'webhook.changed', entityType: 'webhook', entityId: id, payload: { patch } })
        return s
      })
    },

    /** Deletes a subscription; what it still had to send is cancelled, its delivery log stays. */
    async remove(id: string, actor: Actor): Promise<void> {
      await owned(id, actor)
      await db.transaction().execute(async (trx) => {
        await webhooksRepository.deleteSubscription(trx, id, clock.now())
        await appendAudit(trx, clock, { actor, action: 'webhook.deleted', entityType: 'webhook', entityId: id })
      })
    },

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
      const w = await db.selectFrom('windows').select('id').where('id', '=', windowId).executeTakeFirst()
      if (!w) throw notFound('Window', windowId)
      const items = await webhooksRepository.notices(db, windowId)
      return items.map((n) => ({ ...n, attempts: readableAttempts(n.attempts as DeliveryAttempt[], actor) }))
    },

    /** Enqueueing, always inside the caller's transaction: no change goes unannounced, and no rolled-back change is announced. */
    outbox: {
      async windowChanged(trx: DbOrTx, c: WindowChange): Promise<void> {
        const type = windowEventType(c)
        if (!type) return
        const w = c.after
        const decision =
          type === 'window.decided' ? { decision: w.status, decisionRef: /\[([^\]]+)\]\s*$/.exec(c.reason ?? '')?.[1] ?? null } : {}
        await announce(trx, {
          type,
          subject: `windows/${w.id}`,
          windowIds: [w.id],
          parties: [w.party],
          services: union(c.before?.services, w.services),
          regions: union(c.before?.regions, w.regions),
          occurredAt: clock.now(),
          data: {
            action: c.action,
            window: windowSummary(w),
            changes: c.changes,
            actor: { keyId: c.actor.keyId, role: c.actor.role },
            reason: c.reason,
            ...decision,
          },
        })
      },

      async schedulePublished(
        trx: DbOrTx,
        p: {
          month: string
          publicationId: string
          publishedAt: Date
          parties: readonly string[]
          windows: readonly MaintenanceWindow[]
          actor: Actor
        },
      ): Promise<void> {
        await announce(trx, {
          type: 'schedule.published',
          subject: `schedules/${p.month}`,
          windowIds: p.windows.map((w) => w.id),
          parties: [...p.parties],
          services: union(p.windows.flatMap((w) => w.services)),
          regions: union(p.windows.flatMap((w) => w.regions)),
          occurredAt: clock.now(),
          data: {
            month: p.month,
            publicationId: p.publicationId,
            publishedAt: p.publishedAt.toISOString(),
            parties: p.parties,
            actor: { keyId: p.actor.keyId, role: p.actor.role },
            windows: p.windows.map(windowSummary),
          },
        })
      },

      async waiverGranted(trx: DbOrTx, waiver: StoredWaiver, w: MaintenanceWindow): Promise<void> {
        await announce(trx, {
          type: 'waiver.granted',
          subject: `windows/${w.id}`,
          windowIds: [w.id],
          parties: [w.party],
          services: [...w.services],
          regions: [...w.regions],
          occurredAt: clock.now(),
          data: {
            window: windowSummary(w),
            waiver: {
              id: waiver.id,
              findingKey: waiver.findingKey,
              code: waiver.code,
              approvedBy: waiver.approvedBy,
              decisionRef: waiver.decisionRef,
              decidedAt: waiver.decidedAt.toISOString(),
              reason: waiver.reason,
              expiresAt: waiver.expiresAt?.toISOString() ?? null,
            },
          },
        })
      },

      /**
       * Called before a new assessment of a stored window is written: announces the breaches and
       * objections (not waived) that the previous stored assessment did not have. A window's first
       * assessment raises nothing here (its creation is announced as window.proposed).
       */
      async findingsAssessed(trx: DbOrTx, w: MaintenanceWindow, findings: readonly Finding[]): Promise<void> {
        if (!writeEvents) return
        const serious = (f: { severity: string; waiver?: unknown }) => (f.severity === 'breach' || f.severity === 'objection') && !f.waiver
        const previous = await webhooksRepository.latestFindings(trx, w.id)
        if (previous === undefined) return
        const had = new Set(previous.filter(serious).map((f) => f.key))
        const raised = findings.filter((f) => serious(f) && !had.has(f.key))
        if (raised.length === 0) return
        await announce(trx, {
          type: 'finding.raised',
          subject: `windows/${w.id}`,
          windowIds: [w.id],
          parties: [w.party],
          services: [...w.services],
          regions: [...w.regions],
          occurredAt: clock.now(),
          data: {
            window: windowSummary(w),
            // The window's colour with every finding it now has; each raised finding says how sure it is.
            compliance: complianceOf(findings).rating,
            findings: raised.map((f) => ({
              key: f.key,
              code: f.code,
              severity: f.severity,
              certainty: findingCertainty(f),
              provenance: f.rule.provenance,
              message: f.message,
            })),
          },
        })
      },
    },

    runOnce,

    /**
     * Runs the dispatcher every `intervalMs` until stopped; a pass never overlaps the next. `stop()`
     * aborts requests in flight (recorded as failed attempts, retried later) and waits for the pass.
     */
    start(loop: { intervalMs?: number; onError?: (err: unknown) => void } = {}) {
      let timer: NodeJS.Timeout | undefined
      let running: Promise<unknown> | undefined
      let stopped = false
      const tick = () => {
        running = runOnce(clock.now())
          .catch((err) => loop.onError?.(err))
          .finally(() => {
            running = undefined
            if (!stopped) timer = setTimeout(tick, loop.intervalMs ?? 1000)
          })
      }
      timer = setTimeout(tick, loop.intervalMs ?? 1000)
      return {
        async stop() {
          stopped = true
          if (timer) clearTimeout(timer)
          stopping.abort()
          await running
          agents.http.destroy()
          agents.https.destroy()
        },
      }
    },
  }
}

export type WebhooksService = ReturnType<typeof createWebhooksService>
export type WebhookOutbox = WebhooksService['outbox']
