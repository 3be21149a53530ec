import type { MaintenanceWindow } from '../../domain/window.ts'
import type { DbOrTx } from '../database.ts'
import { toWindow } from './windows-repository.ts'

/** The reminders (`window.starting`) taken: one row per window, start and offset, whichever instance took it. */
export const webhookRemindersRepository = {
  /**
   * Takes reminders exactly once: rows that did not exist yet are inserted and returned; a row
   * another instance already took is left alone.
   */
  async takeReminders(
    db: DbOrTx,
    rows: { windowId: string; startAt: Date; offsetKey: string; dueAt: Date; outcome: 'sent' | 'skipped'; recordedAt: Date }[],
  ) {
    if (rows.length === 0) return []
    return db
      .insertInto('webhook_reminders')
      .values(
        rows.map((r) => ({
          window_id: r.windowId,
          start_at: r.startAt,
          offset_key: r.offsetKey,
          due_at: r.dueAt,
          outcome: r.outcome,
          recorded_at: r.recordedAt,
        })),
      )
      .onConflict((oc) => oc.columns(['window_id', 'start_at', 'offset_key']).doNothing())
      .returning(['window_id', 'start_at', 'offset_key', 'due_at', 'outcome'])
      .execute()
  },

  async setReminderEvent(db: DbOrTx, r: { windowId: string; startAt: Date; offsetKey: string; eventId: string }) {
    await db
      .updateTable('webhook_reminders')
      .set({ event_id: r.eventId })
      .where('window_id', '=', r.windowId)
      .where('start_at', '=', r.startAt)
      .where('offset_key', '=', r.offsetKey)
      .execute()
  },

  /** Windows that may still get a reminder: proposed, notified or agreed, starting in (now, until]. */
  async remindableWindows(db: DbOrTx, now: Date, until: Date): Promise<MaintenanceWindow[]> {
    const rows = await db
      .selectFrom('windows')
      .selectAll()
      .where('status', 'in', ['proposed', 'notified', 'agreed'])
      .where('start_at', '>', now)
      .where('start_at', '<=', until)
      .execute()
    return rows.map(toWindow)
  },

  /** Reminders already taken for these windows. */
  async remindersOf(db: DbOrTx, windowIds: string[]) {
    if (windowIds.length === 0) return []
    return db.selectFrom('webhook_reminders').select(['window_id', 'start_at', 'offset_key']).where('window_id', 'in', windowIds).execute()
  },
}
