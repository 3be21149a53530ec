import type { Db } from '../../db/database.ts'
import { type ClaimedDelivery, webhooksRepository } from '../../db/repositories/webhooks-repository.ts'
import type { Clock } from '../clock.ts'
import { takeReminders } from './reminders.ts'
import type { RetryPolicy } from './retries.ts'
import { fanOutDeliveries } from './routing.ts'
import type { WebhooksSettings } from './settings.ts'
import type { Transport } from './transport.ts'

interface RunReport {
  fannedOut: number
  reminders: number
  attempted: number
  delivered: number
  failed: number
  disabled: number
}

type AttemptRow = Parameters<typeof webhooksRepository.recordAttempts>[1][number]
/** How a subscription fared in one round: any delivery acknowledged, any failed, and the last error. */
type Health = { ok: boolean; failed: boolean; lastError: string | null }

/**
 * Fans new events out, one instance at a time: each event becomes one delivery per live subscription
 * that wants it (see routing.ts). Returns how many events were handled; 0 when none is left or
 * another instance holds the fan-out.
 */
async function fanOut(db: Db, now: Date, limit: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    if (!(await webhooksRepository.tryFanOutLock(trx))) return 0
    const events = await webhooksRepository.eventsToFanOut(trx, limit)
    if (events.length === 0) return 0
    const subscriptions = await webhooksRepository.liveSubscriptions(trx)
    const deliveries = fanOutDeliveries(events, subscriptions)
    await webhooksRepository.insertFanOut(
      trx,
      events.map((e) => e.id),
      deliveries,
      now,
    )
    return events.length
  })
}

/**
 * The dispatcher: each pass fans out new events, takes due reminders, then claims due deliveries in
 * rounds and sends them through the transport; no transaction is held while a request is out, and
 * deliveries are claimed with `FOR UPDATE SKIP LOCKED`, so several instances can dispatch at once.
 *
 * @example const report = await createDispatcher({ db, clock, settings, transport, policy, stopping }).runOnce(now)
 */
export function createDispatcher(deps: {
  db: Db
  clock: Clock
  settings: WebhooksSettings
  transport: Transport
  policy: RetryPolicy
  stopping: AbortController
}) {
  const { db, clock, settings, transport, policy, stopping } = deps
  const { batchSize, concurrency, timeoutMs } = settings

  /** Sends one group (one subscription and ordering key) in order, stopping at its first failure. */
  async function sendGroup(group: ClaimedDelivery[], now: Date, report: RunReport, results: AttemptRow[], health: Map<string, Health>) {
    for (const [i, d] of group.entries()) {
      const { attempt: a, refused } = await transport.send(d, now)
      report.attempted++
      if (a.ok) report.delivered++
      else report.failed++
      results.push({ id: d.id, attempt: a, ...policy.outcome(d, a, refused, now) })
      const h = health.get(d.subscriptionId) ?? { ok: false, failed: false, lastError: null }
      if (a.ok) h.ok = true
      else Object.assign(h, { failed: true, lastError: a.error })
      health.set(d.subscriptionId, h)
      if (!a.ok) {
        await webhooksRepository.release(
          db,
          group.slice(i + 1).map((x) => x.id),
        )
        return
      }
    }
  }

  /** Marks each subscription of the round healthy or failing; one failing for too long is disabled. */
  async function recordHealth(health: Map<string, Health>, now: Date, report: RunReport): Promise<void> {
    for (const [subscriptionId, h] of health) {
      if (h.ok) {
        await webhooksRepository.markHealth(db, subscriptionId, null)
        continue
      }
      const s = await webhooksRepository.markHealth(db, subscriptionId, now)
      const reason = s?.enabled && s.failingSince ? policy.disableReason(s.failingSince, h.lastError, now) : undefined
      if (reason === undefined) continue
      await webhooksRepository.updateSubscription(db, subscriptionId, {
        enabled: false,
        disabledAt: now,
        disabledReason: reason,
        updatedAt: now,
      })
      report.disabled++
    }
  }

  /** Sends one claimed round: deliveries of one (subscription, ordering key) in order, stopping at the first failure. */
  async function sendRound(claimed: ClaimedDelivery[], now: Date, report: RunReport): Promise<void> {
    const groups = new Map<string, ClaimedDelivery[]>()
    for (const d of claimed) {
      const k = `${d.subscriptionId}|${d.orderingKey}`
      groups.set(k, [...(groups.get(k) ?? []), d])
    }
    const health = new Map<string, Health>()
    const results: AttemptRow[] = []
    const queue = [...groups.values()]
    const worker = async () => {
      for (let g = queue.shift(); g; g = queue.shift()) await sendGroup(g, now, report, results, health)
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker))
    // One statement for the round's attempts; until then the lease keeps the deliveries to this instance.
    await webhooksRepository.recordAttempts(db, results)
    await recordHealth(health, now, report)
  }

  /** One pass of the dispatcher at `now`: fan out new events, take due reminders, send what is due. */
  async function runOnce(now: Date = clock.now()): Promise<RunReport> {
    const report: RunReport = { fannedOut: 0, reminders: 0, attempted: 0, delivered: 0, failed: 0, disabled: 0 }
    report.reminders = await takeReminders(db, settings.reminderOffsets, now)
    for (let handled = await fanOut(db, now, 1000); handled > 0; handled = await fanOut(db, now, 1000)) report.fannedOut += handled
    // The lease covers a whole round even if every delivery in a group times out in turn.
    const leaseUntil = new Date(now.getTime() + (timeoutMs + 5_000) * Math.ceil(batchSize / Math.max(1, concurrency)) + 60_000)
    for (let round = 0; round < 1000 && !stopping.signal.aborted; round++) {
      const claimed = await db.transaction().execute((trx) => webhooksRepository.claim(trx, now, leaseUntil, batchSize))
      if (claimed.length === 0) break
      await sendRound(claimed, now, report)
    }
    return report
  }

  /**
   * Runs the dispatcher every `intervalMs` until stopped; a pass never overlaps the next. `stop()`
   * aborts requests in flight (recorded as failed attempts, retried later) and waits for the pass.
   */
  function start(loop: { intervalMs?: number; onError?: (err: unknown) => void } = {}) {
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
        transport.close()
      },
    }
  }

  return { runOnce, start }
}
