import type { Db } from '../../db/database.ts'
import type { Clock } from '../clock.ts'
import type { ReferenceService } from '../reference-service.ts'
import { createDeliveryLog } from './delivery-log.ts'
import { createDispatcher } from './dispatcher.ts'
import { createOutbox } from './outbox.ts'
import { retryPolicy } from './retries.ts'
import { type WebhooksOptions, webhooksSettings } from './settings.ts'
import { clearSecretCount, sealStoredSecrets, signingSecrets } from './signing.ts'
import { createSubscriptions } from './subscriptions.ts'
import { createTransport } from './transport.ts'

export type { WebhookDelivery, WebhookSubscription } from '../../db/repositories/webhooks-repository.ts'
export type { ResolvedAddress } from './egress-guard.ts'
export type { WebhookOutbox } from './outbox.ts'
export type { WebhooksOptions } from './settings.ts'

/**
 * Webhooks: subscriptions owned by API keys, a transactional outbox (events are written in the
 * transaction of the change they announce), and a dispatcher that fans events out to subscriptions
 * and posts each one as a CloudEvents 1.0 JSON envelope signed the Standard Webhooks way. Every
 * attempt is kept, as evidence of notice. All state is in the database: several instances can run
 * dispatchers on one PostgreSQL (deliveries are claimed with `FOR UPDATE SKIP LOCKED`), and no
 * transaction is held while a request is out.
 *
 * The parts, one file each: settings, signing (secrets and signatures), transport (with the egress
 * guard), routing (who wants which event), outbox, retries, reminders, dispatcher, subscriptions and
 * the delivery log. This function only wires them.
 *
 * @example
 * const webhooks = createWebhooksService({ db, clock, reference, options: { allowedHosts: ['127.0.0.0/8'] } })
 * await webhooks.runOnce(clock.now())
 */
export function createWebhooksService(deps: { db: Db; clock: Clock; reference: Pick<ReferenceService, 'all'>; options: WebhooksOptions }) {
  const { db, clock } = deps
  const settings = webhooksSettings(deps.options)
  const secrets = signingSecrets(settings.secretsKeys)
  const stopping = new AbortController()
  const transport = createTransport(settings, secrets, stopping.signal)
  const dispatcher = createDispatcher({ db, clock, settings, transport, policy: retryPolicy(settings), stopping })
  const subscriptions = createSubscriptions({ db, clock, reference: deps.reference, settings, secrets })
  return {
    ...subscriptions,
    ...createDeliveryLog({ db, clock, owned: subscriptions.get }),
    /**
     * Seals what is still stored in clear (databases from before secrets were sealed) and re-seals what
     * an older key of SECRETS_KEY sealed, with the current key. Run at start; safe with several instances.
     */
    sealStoredSecrets: () => sealStoredSecrets(db, secrets),
    /** How many stored secrets are still in clear text (for a warning at start without SECRETS_KEY). */
    clearSecrets: () => clearSecretCount(db),
    /** Enqueueing, always inside the caller's transaction: no change goes unannounced, and no rolled-back change is announced. */
    outbox: createOutbox({ clock, writeEvents: settings.writeEvents }),
    ...dispatcher,
  }
}

export type WebhooksService = ReturnType<typeof createWebhooksService>
