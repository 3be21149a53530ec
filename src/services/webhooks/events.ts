import type { NewOutboxEvent } from '../../db/repositories/webhooks-repository.ts'
import type { MaintenanceWindow } from '../../domain/window.ts'
import type { WindowChange } from '../windows-service.ts'

/** The events a subscription may ask for. `webhook.test` is sent only by POST /v1/webhooks/{id}/test. */
export const EVENT_TYPES = [
  'window.proposed',
  'window.changed',
  'window.cancelled',
  'window.decided',
  'window.starting',
  'schedule.published',
  'waiver.granted',
  'finding.raised',
] as const
type EventType = (typeof EVENT_TYPES)[number]

/**
 * The event a stored window change announces, or undefined (drafts are private; publication has its own event).
 *
 * @example windowEventType({ action: 'status', before: { status: 'proposed' }, after: { status: 'agreed' } }) // 'window.decided'
 */
export function windowEventType(c: Pick<WindowChange, 'action' | 'before' | 'after'>): EventType | undefined {
  const from = c.before?.status
  const to = c.after.status
  if (c.action === 'published') return undefined
  if (to === 'draft' || (from === 'draft' && to !== 'proposed')) return undefined
  if (c.action === 'created' || (from === 'draft' && to === 'proposed')) return 'window.proposed'
  if (c.action === 'status' && to === 'cancelled') return 'window.cancelled'
  if (c.action === 'status' && (to === 'agreed' || to === 'rejected')) return 'window.decided'
  return 'window.changed'
}

/** What subscription filters match an event about one window by: its subject, id, party, services and regions. */
type EventScope = Pick<NewOutboxEvent, 'subject' | 'windowIds' | 'parties' | 'services' | 'regions'>

/**
 * The scope of an event about one window; `before` adds the services and regions the window had
 * before a change, so that a subscriber who followed them hears that the window left.
 *
 * @example windowScope(w) // { subject: 'windows/…', windowIds: [w.id], parties: [w.party], services: […], regions: […] }
 */
export function windowScope(w: MaintenanceWindow, before?: Pick<MaintenanceWindow, 'services' | 'regions'>): EventScope {
  return {
    subject: `windows/${w.id}`,
    windowIds: [w.id],
    parties: [w.party],
    services: union(before?.services, w.services),
    regions: union(before?.regions, w.regions),
  }
}

/** The scope of an event about several windows (a published schedule). */
export function windowsScope(subject: string, parties: readonly string[], ws: readonly MaintenanceWindow[]): EventScope {
  return {
    subject,
    windowIds: ws.map((w) => w.id),
    parties: [...parties],
    services: union(ws.flatMap((w) => w.services)),
    regions: union(ws.flatMap((w) => w.regions)),
  }
}

const union = (a: readonly string[] = [], b: readonly string[] = []) => [...new Set([...a, ...b])]
