import { DateTime } from 'luxon'
import type { Db } from '../db/database.ts'
import { complianceRepository, type Publication } from '../db/repositories/compliance-repository.ts'
import { windowsRepository } from '../db/repositories/windows-repository.ts'
import { type Actor, actsFor } from '../domain/lifecycle.ts'
import { LONDON_ZONE } from '../domain/time.ts'
import { snapshotOf } from '../domain/window-changes.ts'
import type { MaintenanceWindow } from '../domain/window.ts'
import { appendAudit } from './audit-service.ts'
import type { Clock } from './clock.ts'
import { AppError, bodyField, forbidden, invalid } from './errors.ts'
import type { ReferenceService } from './reference-service.ts'
import type { WebhookOutbox } from './webhooks/index.ts'
import type { AssessedWindow, WindowsService } from './windows-service.ts'

const SCHEDULE_ZONE = LONDON_ZONE

/** The instants a month 'YYYY-MM' spans in the schedule zone, [start, end). */
export function monthBounds(month: string): [Date, Date] {
  const start = DateTime.fromFormat(month, 'yyyy-MM', { zone: SCHEDULE_ZONE })
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month) || !start.isValid)
    throw new AppError('validation-failed', 400, 'Bad month', `"${month}" is not a month; use YYYY-MM.`, {
      errors: [{ pointer: '/month', in: 'params', message: 'must be YYYY-MM' }],
    })
  return [start.toJSDate(), start.plus({ months: 1 }).toJSDate()]
}

/**
 * Monthly schedule publication: every proposed window of the month (for the publishing parties)
 * becomes `notified` at the publication instant, and what was published is kept.
 *
 * @example await schedules.publish('2021-11', { publishedAt: new Date('2021-10-05T17:00:00Z') }, admin)
 */
export function createSchedulesService(deps: {
  db: Db
  clock: Clock
  reference: Pick<ReferenceService, 'parties'>
  windows: Pick<WindowsService, 'save' | 'assessed'>
  events?: Pick<WebhookOutbox, 'schedulePublished'>
}) {
  const { db, clock } = deps
  return {
    async publish(month: string, input: { publishedAt?: Date | undefined; parties?: string[] | undefined }, actor: Actor) {
      const [from, to] = monthBounds(month)
      if (input.publishedAt && actor.role !== 'admin')
        throw forbidden('Only an admin may give a past publishedAt (loading history); others publish now.')
      const known = (await deps.reference.parties()).map((p) => p.id)
      const bad = (input.parties ?? []).flatMap((p, i) => (known.includes(p) ? [] : [bodyField(`/parties/${i}`, `unknown party "${p}"`)]))
      if (bad.length) throw invalid(bad)
      const parties = input.parties ?? (actor.role === 'admin' ? known : [...actor.parties])
      const notMine = parties.filter((p) => !actsFor(actor, p))
      if (notMine.length) throw forbidden(`This key may not publish for ${notMine.join(', ')}.`)
      const publishedAt = input.publishedAt ?? clock.now()
      return db.transaction().execute(async (trx) => {
        const published: MaintenanceWindow[] = []
        for (const before of await windowsRepository.proposedForUpdate(trx, parties, from, to)) {
          const after = { ...before, status: 'notified' as const, notifiedAt: publishedAt }
          published.push(await deps.windows.save(trx, before, after, 'published', actor, `schedule for ${month} published`, publishedAt))
        }
        const publication = await complianceRepository.insertPublication(trx, {
          month,
          publishedAt,
          publishedBy: actor.keyId,
          parties,
          windowIds: published.map((w) => w.id),
          snapshot: published.map(snapshotOf),
          recordedAt: clock.now(),
        })
        await appendAudit(trx, clock, {
          actor,
          action: 'schedule.published',
          entityType: 'schedule-publication',
          entityId: publication.id,
          payload: { month, publishedAt, backdated: input.publishedAt !== undefined, parties, windowIds: published.map((w) => w.id) },
        })
        await deps.events?.schedulePublished(trx, { month, publicationId: publication.id, publishedAt, parties, windows: published, actor })
        const withAssessments: AssessedWindow[] = await deps.windows.assessed(trx, published)
        return { publication, windows: withAssessments }
      })
    },

    async list(month: string): Promise<Publication[]> {
      monthBounds(month)
      return complianceRepository.publications(db, month)
    },
  }
}
