import type { DbOrTx } from '../../db/database.ts'
import type { StoredWaiver } from '../../db/repositories/compliance-repository.ts'
import { type NewOutboxEvent, type OutboxEvent, webhooksRepository } from '../../db/repositories/webhooks-repository.ts'
import { complianceOf, type Finding, findingCertainty } from '../../domain/index.ts'
import type { Actor } from '../../domain/lifecycle.ts'
import type { MaintenanceWindow } from '../../domain/window.ts'
import type { Clock } from '../clock.ts'
import { windowSummary } from '../window-json.ts'
import type { WindowChange } from '../windows-service.ts'
import { windowEventType, windowScope, windowsScope } from './events.ts'

/** Writes an event to the outbox, in the caller's transaction. */
export const enqueue = (trx: DbOrTx, e: NewOutboxEvent): Promise<OutboxEvent> => webhooksRepository.insertEvent(trx, e)

const actorJson = (a: Actor) => ({ keyId: a.keyId, role: a.role })

const waiverJson = (v: StoredWaiver) => ({
  id: v.id,
  findingKey: v.findingKey,
  code: v.code,
  approvedBy: v.approvedBy,
  decisionRef: v.decisionRef,
  decidedAt: v.decidedAt.toISOString(),
  reason: v.reason,
  expiresAt: v.expiresAt?.toISOString() ?? null,
})

const serious = (f: { severity: string; waiver?: unknown }) => (f.severity === 'breach' || f.severity === 'objection') && !f.waiver

/** A publication of a month's schedule, as `schedulePublished` announces it. */
interface SchedulePublication {
  month: string
  publicationId: string
  publishedAt: Date
  parties: readonly string[]
  windows: readonly MaintenanceWindow[]
  actor: Actor
}

/**
 * The transactional outbox: the other services' hooks write the events that announce their changes,
 * always inside the caller's transaction, so no change goes unannounced and no rolled-back change is
 * announced. `writeEvents: false` (the benchmark only) writes nothing.
 *
 * @example await outbox.windowChanged(trx, { action: 'created', before: undefined, after: w, changes: [], actor, reason: null })
 */
export function createOutbox(deps: { clock: Clock; writeEvents: boolean }) {
  const { clock, writeEvents } = deps
  async function announce(trx: DbOrTx, e: NewOutboxEvent): Promise<void> {
    if (writeEvents) await enqueue(trx, e)
  }

  return {
    async windowChanged(trx: DbOrTx, c: WindowChange): Promise<void> {
      const type = windowEventType(c)
      if (!type) return
      const w = c.after
      const decision =
        type === 'window.decided' ? { decision: w.status, decisionRef: /\[([^\]]+)\]\s*$/.exec(c.reason ?? '')?.[1] ?? null } : {}
      await announce(trx, {
        type,
        ...windowScope(w, c.before),
        occurredAt: clock.now(),
        data: { action: c.action, window: windowSummary(w), changes: c.changes, actor: actorJson(c.actor), reason: c.reason, ...decision },
      })
    },

    async schedulePublished(trx: DbOrTx, p: SchedulePublication): Promise<void> {
      await announce(trx, {
        type: 'schedule.published',
        ...windowsScope(`schedules/${p.month}`, p.parties, p.windows),
        occurredAt: clock.now(),
        data: {
          month: p.month,
          publicationId: p.publicationId,
          publishedAt: p.publishedAt.toISOString(),
          parties: p.parties,
          actor: actorJson(p.actor),
          windows: p.windows.map(windowSummary),
        },
      })
    },

    async waiverGranted(trx: DbOrTx, waiver: StoredWaiver, w: MaintenanceWindow): Promise<void> {
      await announce(trx, {
        type: 'waiver.granted',
        ...windowScope(w),
        occurredAt: clock.now(),
        data: { window: windowSummary(w), waiver: waiverJson(waiver) },
      })
    },

    /**
     * Called before a new assessment of a stored window is written: announces the breaches and
     * objections (not waived) that the previous stored assessment did not have. A window's first
     * assessment raises nothing here (its creation is announced as window.proposed).
     */
    async findingsAssessed(trx: DbOrTx, w: MaintenanceWindow, findings: readonly Finding[]): Promise<void> {
      if (!writeEvents) return
      const previous = await webhooksRepository.latestFindings(trx, w.id)
      if (previous === undefined) return
      const had = new Set(previous.filter(serious).map((f) => f.key))
      const raised = findings.filter((f) => serious(f) && !had.has(f.key))
      if (raised.length === 0) return
      await announce(trx, {
        type: 'finding.raised',
        ...windowScope(w),
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
  }
}

export type WebhookOutbox = ReturnType<typeof createOutbox>
