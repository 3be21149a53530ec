import { DateTime } from 'luxon'
import type { Db } from '../../db/database.ts'
import { webhookRemindersRepository } from '../../db/repositories/webhook-reminders-repository.ts'
import type { MaintenanceWindow } from '../../domain/window.ts'
import { windowSummary } from '../window-json.ts'
import { windowScope } from './events.ts'
import { enqueue } from './outbox.ts'
import { DAY, type ReminderOffset } from './settings.ts'

type ReminderRow = Parameters<typeof webhookRemindersRepository.takeReminders>[1][number]

/**
 * The reminders of one window due at `now` and not taken yet, latest due first. Only the latest is
 * sent; earlier ones that were missed, or were due before the window existed, are skipped. Offsets
 * count calendar days in the window's zone.
 *
 * @example dueReminders(w, offsets, now, new Set()) // [{ offsetKey: 'P1D', outcome: 'sent', … }, { offsetKey: 'P7D', outcome: 'skipped', … }]
 */
function dueReminders(w: MaintenanceWindow, offsets: readonly ReminderOffset[], now: Date, taken: ReadonlySet<string>): ReminderRow[] {
  const start = DateTime.fromJSDate(w.start, { zone: w.zone })
  const due = offsets
    .map((o) => ({ key: o.key, dueAt: start.minus(o.duration).toJSDate() }))
    .filter((o) => o.dueAt.getTime() <= now.getTime() && !taken.has(reminderKey(w.id, w.start, o.key)))
    .sort((a, b) => b.dueAt.getTime() - a.dueAt.getTime())
  return due.map((o, i) => ({
    windowId: w.id,
    startAt: w.start,
    offsetKey: o.key,
    dueAt: o.dueAt,
    outcome: i === 0 && o.dueAt.getTime() >= w.createdAt.getTime() ? 'sent' : 'skipped',
    recordedAt: now,
  }))
}

const reminderKey = (windowId: string, startAt: Date, offsetKey: string) => `${windowId}|${startAt.getTime()}|${offsetKey}`

/**
 * Reminders (`window.starting`) due at `now` that no instance has taken yet, written to the outbox in
 * one short transaction; a reminder is taken exactly once, whichever instance takes it. Returns how
 * many were sent.
 *
 * @example await takeReminders(db, settings.reminderOffsets, now) // 2
 */
export async function takeReminders(db: Db, offsets: readonly ReminderOffset[], now: Date): Promise<number> {
  if (offsets.length === 0) return 0
  const horizonMs = Math.max(...offsets.map((o) => o.duration.toMillis()), 0) + 2 * DAY
  return db.transaction().execute(async (trx) => {
    const ws = await webhookRemindersRepository.remindableWindows(trx, now, new Date(now.getTime() + horizonMs))
    if (ws.length === 0) return 0
    const taken = new Set(
      (
        await webhookRemindersRepository.remindersOf(
          trx,
          ws.map((w) => w.id),
        )
      ).map((r) => reminderKey(r.window_id, r.start_at, r.offset_key)),
    )
    const won = await webhookRemindersRepository.takeReminders(
      trx,
      ws.flatMap((w) => dueReminders(w, offsets, now, taken)),
    )
    const byId = new Map(ws.map((w) => [w.id, w]))
    let sent = 0
    for (const r of won) {
      if (r.outcome !== 'sent') continue
      const w = byId.get(r.window_id)!
      const e = await enqueue(trx, {
        type: 'window.starting',
        ...windowScope(w),
        occurredAt: now,
        data: { window: windowSummary(w), offset: r.offset_key, dueAt: r.due_at.toISOString(), startsAt: w.start.toISOString() },
      })
      await webhookRemindersRepository.setReminderEvent(trx, { windowId: w.id, startAt: w.start, offsetKey: r.offset_key, eventId: e.id })
      sent++
    }
    return sent
  })
}
