import type { Db } from '../db/database.ts'
import { complianceRepository, type StoredWaiver } from '../db/repositories/compliance-repository.ts'
import { windowsRepository } from '../db/repositories/windows-repository.ts'
import type { Actor } from '../domain/lifecycle.ts'
import { appendAudit } from './audit-service.ts'
import type { Clock } from './clock.ts'
import type { ComplianceService } from './compliance-service.ts'
import { AppError, bodyField, forbidden, invalid } from './errors.ts'
import type { WebhookOutbox } from './webhooks/index.ts'

/** A waiver as stored: what the waivers service answers and the HTTP layer maps to its DTO. */
export type { StoredWaiver } from '../db/repositories/compliance-repository.ts'

export interface WaiverInput {
  findingKey: string
  approvedBy: 'sec-panel' | 'opsg-delegated'
  decisionRef: string
  decidedAt: Date
  reason: string
  expiresAt?: Date | null | undefined
}

/**
 * Waivers, recorded by the body that grants them (a reviewer or admin enters them, never the
 * submitting party), only for findings that exist on the window's stored assessment and are waivable.
 * The waived finding stays visible, marked waived; a material change lapses the waiver.
 *
 * @example await waivers.grant({ findingKey: 'id:NOTICE_PERIOD:notice', approvedBy: 'sec-panel', ... }, reviewer)
 */
export function createWaiversService(deps: {
  db: Db
  clock: Clock
  compliance: Pick<ComplianceService, 'assessPlan' | 'assessAndStore'>
  events?: Pick<WebhookOutbox, 'waiverGranted'>
}) {
  const { db, clock } = deps
  return {
    async grant(input: WaiverInput, actor: Actor) {
      if (actor.role !== 'reviewer' && actor.role !== 'admin')
        throw forbidden('Waivers are recorded by a reviewer (OPSG) or an admin, never by the submitting party.')
      const windowId = input.findingKey.split(':')[0] ?? ''
      if (!/^[0-9a-f-]{36}$/.test(windowId))
        throw invalid([bodyField('/findingKey', 'not the key of a finding on a stored window (it starts with the window id)')])
      if (input.decidedAt.getTime() > clock.now().getTime()) throw invalid([bodyField('/decidedAt', 'a decision cannot be in the future')])
      if (input.expiresAt && input.expiresAt.getTime() <= input.decidedAt.getTime())
        throw invalid([bodyField('/expiresAt', 'must be after decidedAt')])
      return db.transaction().execute(async (trx) => {
        const window = await windowsRepository.findById(trx, windowId)
        const stored = window && (await deps.compliance.assessPlan(trx, [window], { withStored: true })).views[0]
        const finding = stored?.findings.find((f) => f.key === input.findingKey)
        if (!window || !finding)
          throw new AppError(
            'unknown-reference',
            422,
            'No such finding',
            `Window ${windowId} has no current finding ${input.findingKey}.`,
            { errors: [bodyField('/findingKey', 'no such finding on the window')] },
          )
        if (!finding.waivable)
          throw new AppError(
            'not-waivable',
            422,
            'Finding cannot be waived',
            `${finding.code} findings are not waivable under ruleset ${finding.rule.rulesetId ?? ''} ${finding.rule.version}.`,
            {
              errors: [bodyField('/findingKey', `${finding.code} is not waivable`)],
            },
          )
        const waiver = await complianceRepository.insertWaiver(trx, {
          findingKey: input.findingKey,
          windowId,
          code: finding.code,
          approvedBy: input.approvedBy,
          decisionRef: input.decisionRef,
          decidedAt: input.decidedAt,
          reason: input.reason,
          expiresAt: input.expiresAt ?? null,
          createdBy: actor.keyId,
          recordedAt: clock.now(),
        })
        await appendAudit(trx, clock, {
          actor,
          action: 'waiver.granted',
          entityType: 'waiver',
          entityId: waiver.id,
          payload: {
            windowId,
            findingKey: waiver.findingKey,
            code: waiver.code,
            approvedBy: waiver.approvedBy,
            decisionRef: waiver.decisionRef,
            decidedAt: waiver.decidedAt,
            reason: waiver.reason,
            expiresAt: waiver.expiresAt,
          },
        })
        await deps.events?.waiverGranted(trx, waiver, window)
        const assessed = await deps.compliance.assessAndStore(trx, [window], input.decidedAt)
        return { waiver, assessment: assessed.get(windowId) }
      })
    },
    list: (): Promise<StoredWaiver[]> => complianceRepository.allWaivers(db),
  }
}
