import { createHmac, randomBytes } from 'node:crypto'
import type { DbOrTx } from '../../db/database.ts'
import { webhooksRepository } from '../../db/repositories/webhooks-repository.ts'
import { createKeyring, type Keyring, SecretsKeyError } from '../secrets.ts'

/**
 * Standard Webhooks signature: `v1,` + base64 HMAC-SHA256 of `${id}.${timestamp}.${body}` keyed with
 * the base64-decoded part of the `whsec_` secret.
 *
 * @example sign('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_1', 1614265330, '{"test": 2432232314}')
 */
function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`
}

/** The Standard Webhooks headers of one request: the event's id, the send time (seconds) and the signature. */
export function signatureHeaders(secret: string, eventId: string, now: Date, body: string) {
  const timestamp = Math.floor(now.getTime() / 1000)
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': sign(secret, eventId, timestamp, body),
  }
}

/** A new signing secret, `whsec_` + 32 random bytes in base64 (shown to the subscriber once). */
export const newSigningSecret = () => `whsec_${randomBytes(32).toString('base64')}`

/** Signing secrets at rest: sealed with SECRETS_KEY to their subscription, opened to sign. */
export interface SigningSecrets {
  /** The keyring, when SECRETS_KEY is configured (without it nothing new can be sealed). */
  readonly keyring: Keyring | undefined
  /** Seals a clear secret to its subscription: a sealed value moved to another row does not open. */
  seal(subscriptionId: string, clear: string): string
  /** The clear secret of a stored one (sealed, or clear text from before secrets were sealed). */
  open(subscriptionId: string, stored: string): string
}

/**
 * Signing secrets sealed with the keys of SECRETS_KEY (the first seals, all open).
 *
 * @example signingSecrets([key]).open(id, signingSecrets([key]).seal(id, 'whsec_…')) // 'whsec_…'
 */
export function signingSecrets(keys: readonly Buffer[]): SigningSecrets {
  const keyring = keys.length ? createKeyring(keys) : undefined
  const context = (subscriptionId: string) => `webhook-subscription:${subscriptionId}`
  const required = (): Keyring => {
    if (!keyring) throw new SecretsKeyError('no SECRETS_KEY is configured, so a sealed secret cannot be opened')
    return keyring
  }
  return {
    keyring,
    seal: (subscriptionId, clear) => required().seal(clear, context(subscriptionId)),
    open: (subscriptionId, stored) => (stored.startsWith('whsec_') ? stored : required().open(stored, context(subscriptionId))),
  }
}

/**
 * Seals what is still stored in clear (databases from before secrets were sealed) and re-seals what
 * an older key of SECRETS_KEY sealed, with the current key. Safe with several instances: a secret
 * another instance replaced first is left alone.
 */
export async function sealStoredSecrets(
  db: DbOrTx,
  secrets: SigningSecrets,
): Promise<{ sealed: number; resealed: number; unreadable: number }> {
  const out = { sealed: 0, resealed: 0, unreadable: 0 }
  const { keyring } = secrets
  if (!keyring) return out
  for (const r of await webhooksRepository.storedSecrets(db)) {
    if (keyring.keyIdOf(r.secret) === keyring.currentKeyId) continue
    let clear: string
    try {
      clear = secrets.open(r.id, r.secret)
    } catch {
      out.unreadable++
      continue
    }
    if (await webhooksRepository.replaceSecret(db, r.id, r.secret, secrets.seal(r.id, clear)))
      out[keyring.isSealed(r.secret) ? 'resealed' : 'sealed']++
  }
  return out
}

/** How many stored secrets are still in clear text (for a warning at start without SECRETS_KEY). */
export async function clearSecretCount(db: DbOrTx): Promise<number> {
  return (await webhooksRepository.storedSecrets(db)).filter((r) => r.secret.startsWith('whsec_')).length
}
