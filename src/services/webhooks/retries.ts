import type { DeliveryAttempt, DeliveryState, WebhookDelivery } from '../../db/repositories/webhooks-repository.ts'
import { HOUR, type WebhooksSettings } from './settings.ts'

/** A delivery's state after an attempt. */
interface DeliveryOutcome {
  state: DeliveryState
  nextAttemptAt: Date
  acknowledgedAt: Date | null
  deadReason: string | null
}

/**
 * The retry policy: when a failed delivery is tried again (exponential backoff, capped, with jitter),
 * when it is given up (after `retryForMs`, or at once if the egress guard refused it), and when a
 * subscription whose every delivery fails is disabled.
 *
 * @example retryPolicy(settings).outcome(delivery, attempt, false, now) // { state: 'pending', nextAttemptAt: …, … }
 */
export function retryPolicy(settings: Pick<WebhooksSettings, 'retryForMs' | 'baseBackoffMs' | 'maxBackoffMs' | 'random'>) {
  const { retryForMs, baseBackoffMs, maxBackoffMs, random } = settings

  /** Delay before attempt n+1 after n failures: exponential, capped, with jitter in [50 %, 100 %]. */
  function backoff(failures: number): number {
    const exp = Math.min(maxBackoffMs, baseBackoffMs * 2 ** Math.max(0, failures - 1))
    return Math.round(exp * (0.5 + 0.5 * random()))
  }

  const dead = (now: Date, deadReason: string): DeliveryOutcome => ({ state: 'dead', nextAttemptAt: now, acknowledgedAt: null, deadReason })

  return {
    /** What a finished attempt does to its delivery: one the egress guard refused is dead at once (no retry reaches it). */
    outcome(d: WebhookDelivery, a: DeliveryAttempt, refused: boolean, now: Date): DeliveryOutcome {
      if (a.ok) return { state: 'delivered', nextAttemptAt: now, acknowledgedAt: now, deadReason: null }
      if (refused) return dead(now, `${a.error} (refused by the egress guard: not retried)`)
      const deadline = d.createdAt.getTime() + retryForMs
      if (now.getTime() >= deadline) return dead(now, `no acknowledgement within ${retryForMs / HOUR} hours; last: ${a.error}`)
      const next = Math.min(deadline, now.getTime() + backoff(d.attemptCount + 1))
      return { state: 'pending', nextAttemptAt: new Date(next), acknowledgedAt: null, deadReason: null }
    },

    /** Why a subscription failing since `failingSince` is disabled at `now`, or undefined while it may still recover. */
    disableReason(failingSince: Date, lastError: string | null, now: Date): string | undefined {
      if (now.getTime() - failingSince.getTime() < retryForMs) return undefined
      return `every delivery failed for ${retryForMs / HOUR} hours (since ${failingSince.toISOString()}); last error: ${lastError}. PATCH {"enabled": true} once the receiver works.`
    },
  }
}

export type RetryPolicy = ReturnType<typeof retryPolicy>
