import { randomUUID } from 'node:crypto'
import { isIP } from 'node:net'
import type { Db } from '../../db/database.ts'
import { type WebhookFilter, type WebhookSubscription, webhooksRepository } from '../../db/repositories/webhooks-repository.ts'
import type { Actor } from '../../domain/lifecycle.ts'
import { appendAudit } from '../audit-service.ts'
import type { Clock } from '../clock.ts'
import { AppError, bodyField, type FieldProblem, invalid, notFound } from '../errors.ts'
import { unknownFilterIds } from '../filter-ids.ts'
import { type ReferenceService, unknownIds } from '../reference-service.ts'
import { checkEgress, hostOf } from './egress-guard.ts'
import { EVENT_TYPES } from './events.ts'
import type { WebhooksSettings } from './settings.ts'
import { newSigningSecret, type SigningSecrets } from './signing.ts'

/** How long a subscription request waits for its URL's host to resolve before accepting it unchecked (each delivery checks again). */
const SUBSCRIBE_RESOLVE_MS = 3_000

export interface SubscriptionInput {
  url: string
  events: string[]
  filter?: WebhookFilter | undefined
  description?: string | undefined
}
export type SubscriptionPatch = Partial<SubscriptionInput> & { enabled?: boolean | undefined }

/** The URL's problems as a webhook destination, before any address is looked at. */
function urlProblems(url: string): FieldProblem[] {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return [bodyField('/url', 'not an absolute URL')]
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return [bodyField('/url', `only http and https URLs are accepted, not ${u.protocol.replace(/:$/, '')}`)]
  if (u.username || u.password)
    return [bodyField('/url', 'a webhook URL may not carry credentials; the signature authenticates the sender')]
  if (u.hash) return [bodyField('/url', 'a webhook URL may not have a #fragment')]
  return []
}

const secretsKeyMissing = () =>
  new AppError(
    'secrets-key-missing',
    503,
    'Webhook secrets cannot be stored',
    'This service runs on a PostgreSQL server without SECRETS_KEY, so it cannot keep a signing secret encrypted (and every instance must share the key). An operator sets SECRETS_KEY (base64 of 32 bytes) on every instance.',
  )

/** The repository's patch for a subscription patch: `enabled: true` also forgets the failing streak. */
function storedPatch(patch: SubscriptionPatch, actor: Actor, now: Date) {
  return {
    ...(patch.url !== undefined ? { url: patch.url } : {}),
    ...(patch.events !== undefined ? { events: [...new Set(patch.events)] } : {}),
    ...(patch.filter !== undefined ? { filter: patch.filter } : {}),
    ...(patch.description !== undefined ? { description: patch.description } : {}),
    ...(patch.enabled === true ? { enabled: true, failingSince: null, disabledAt: null, disabledReason: null } : {}),
    ...(patch.enabled === false ? { enabled: false, disabledAt: now, disabledReason: `disabled by key ${actor.keyId}` } : {}),
    updatedAt: now,
  }
}

/**
 * Subscriptions owned by API keys: created, listed, read, changed and deleted by their owner (an
 * admin: any), each checked against the known events, reference data and the egress guard. Every
 * change is audited; the signing secret is shown once and stored sealed.
 *
 * @example const s = await createSubscriptions(deps).create({ url: 'https://hooks.example.org/mwp', events: ['window.changed'] }, actor)
 */
export function createSubscriptions(deps: {
  db: Db
  clock: Clock
  reference: Pick<ReferenceService, 'all'>
  settings: Pick<WebhooksSettings, 'egress' | 'resolve'>
  secrets: SigningSecrets
}) {
  const { db, clock, settings, secrets } = deps

  async function checkInput(input: Partial<SubscriptionInput>): Promise<void> {
    const problems = input.url !== undefined ? urlProblems(input.url) : []
    input.events?.forEach((e, i) => {
      if (!(EVENT_TYPES as readonly string[]).includes(e))
        problems.push(bodyField(`/events/${i}`, `unknown event "${e}"; known: ${EVENT_TYPES.join(', ')}`))
    })
    if (problems.length) throw invalid(problems)
    if (!input.filter) return
    const unknown = unknownFilterIds(await deps.reference.all(), input.filter)
    if (unknown.length) throw unknownIds(unknown)
  }

  /**
   * The egress guard at subscription, where the address is known (a literal address, or a name that
   * resolves now): a destination the policy refuses is a 400 naming `/url`; a non-public one that
   * WEBHOOK_ALLOWED_HOSTS opened is a 403 naming `/url` unless the caller is an admin. A name that does
   * not resolve now is accepted: every delivery attempt checks again.
   */
  async function checkDestination(url: string, actor: Actor): Promise<void> {
    const host = hostOf(new URL(url))
    const verdict = await checkEgress(host, settings.egress, settings.resolve, { timeoutMs: SUBSCRIBE_RESOLVE_MS })
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

  /** The subscription if the actor may see it (its owner, or an admin); else not found. */
  async function owned(id: string, actor: Actor): Promise<WebhookSubscription> {
    const s = await webhooksRepository.findSubscription(db, id)
    if (!s || (actor.role !== 'admin' && s.ownerKeyId !== actor.keyId)) throw notFound('Webhook', id)
    return s
  }

  return {
    /** Creates a subscription owned by the calling key; the signing secret is in the answer only. */
    async create(input: SubscriptionInput, actor: Actor): Promise<WebhookSubscription> {
      await checkInput(input)
      if (!secrets.keyring) throw secretsKeyMissing()
      await checkDestination(input.url, actor)
      const id = randomUUID()
      const secret = newSigningSecret()
      const stored = await db.transaction().execute(async (trx) => {
        const s = await webhooksRepository.insertSubscription(trx, {
          id,
          ownerKeyId: actor.keyId,
          url: input.url,
          events: [...new Set(input.events)],
          filter: input.filter ?? {},
          description: input.description ?? '',
          secret: secrets.seal(id, secret),
          createdAt: clock.now(),
        })
        // Never the signing secret.
        const payload = { url: s.url, events: s.events, filter: s.filter, description: s.description }
        await appendAudit(trx, clock, { actor, action: 'webhook.created', entityType: 'webhook', entityId: id, payload })
        return s
      })
      return { ...stored, secret }
    },

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
        const s = await webhooksRepository.updateSubscription(trx, id, storedPatch(patch, actor, now))
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
  }
}

export type Subscriptions = ReturnType<typeof createSubscriptions>
