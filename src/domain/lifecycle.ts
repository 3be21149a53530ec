import { impactRank, type WindowPlan, type WindowStatus } from './window.ts'

/**
 * The window lifecycle: which status may follow which, and who may move it.
 *
 *   draft → proposed → notified → agreed → in-progress → completed
 *                              ↘ rejected
 *   draft | proposed | notified | agreed → cancelled
 *
 * `proposed → notified` happens only when the month's schedule is published.
 *
 * @example nextStatuses('notified') // ['agreed', 'rejected', 'cancelled']
 */
const NEXT: Record<WindowStatus, readonly WindowStatus[]> = {
  draft: ['proposed', 'cancelled'],
  proposed: ['notified', 'cancelled'],
  notified: ['agreed', 'rejected', 'cancelled'],
  agreed: ['in-progress', 'cancelled'],
  'in-progress': ['completed'],
  completed: [],
  rejected: [],
  cancelled: [],
}

export type Role = 'admin' | 'reviewer' | 'submitter' | 'viewer'

/** Who is acting: the holder of an API key. */
export interface Actor {
  keyId: string
  role: Role
  /** Parties a submitter acts for; empty for other roles. */
  parties: readonly string[]
}

export type TransitionVerdict =
  | { ok: true }
  | { ok: false; reason: 'illegal'; allowed: readonly WindowStatus[] }
  | { ok: false; reason: 'publication-only' }
  | { ok: false; reason: 'forbidden'; detail: string }
  | { ok: false; reason: 'decision-ref-required' }

/** What a role may do, for a client to offer only that (the server still decides each request). */
export interface Capabilities {
  /** Create, edit and cancel windows (a submitter: of its own parties only). */
  planWindows: boolean
  /** Agree or reject a window (the OPSG decision). */
  decideWindows: boolean
  /** Record a waiver granted by the SEC Panel or OPSG. */
  recordWaivers: boolean
  /** Change rulesets, blackout layers and calendar overrides. */
  manageRules: boolean
  /** Issue and revoke API keys. */
  manageKeys: boolean
}

/**
 * The capabilities of a role, as the routes' access rules and checkTransition grant them.
 *
 * @example capabilitiesOf('reviewer') // { planWindows: false, decideWindows: true, recordWaivers: true, manageRules: false, manageKeys: false }
 */
export function capabilitiesOf(role: Role): Capabilities {
  const admin = role === 'admin'
  return {
    planWindows: admin || role === 'submitter',
    decideWindows: admin || role === 'reviewer',
    recordWaivers: admin || role === 'reviewer',
    manageRules: admin,
    manageKeys: admin,
  }
}

/** True when the actor plans for the window's party (admins plan for every party). */
export function actsFor(actor: Actor, party: string): boolean {
  return actor.role === 'admin' || (actor.role === 'submitter' && actor.parties.includes(party))
}

/**
 * Decides whether `actor` may move a window of `party` from `from` to `to` by hand.
 *
 * @example
 * checkTransition({ role: 'reviewer', parties: [], keyId: 'k' }, 'DSP', 'notified', 'agreed', 'OPSG-58')
 * // { ok: true }
 */
export function checkTransition(
  actor: Actor,
  party: string,
  from: WindowStatus,
  to: WindowStatus,
  decisionRef: string | undefined,
): TransitionVerdict {
  if (!NEXT[from].includes(to)) return { ok: false, reason: 'illegal', allowed: NEXT[from] }
  if (to === 'notified') return { ok: false, reason: 'publication-only' }
  if (to === 'agreed' || to === 'rejected') {
    if (actor.role !== 'reviewer' && actor.role !== 'admin')
      return { ok: false, reason: 'forbidden', detail: 'only a reviewer (OPSG) or an admin records a decision' }
    if (!decisionRef) return { ok: false, reason: 'decision-ref-required' }
    return { ok: true }
  }
  if (!actsFor(actor, party)) return { ok: false, reason: 'forbidden', detail: `only a submitter for ${party} or an admin may do this` }
  return { ok: true }
}

/**
 * A material change widens what a window does: an earlier start, a later end, more services or
 * regions, or a higher impact. It sends a notified or agreed window back to `proposed`.
 *
 * @example isMaterialChange(w, { ...w, end: new Date(+w.end + 60_000) }) // true
 */
export function isMaterialChange(before: WindowPlan, after: WindowPlan): boolean {
  if (after.start.getTime() < before.start.getTime()) return true
  if (after.end.getTime() > before.end.getTime()) return true
  if (after.services.some((s) => !before.services.includes(s))) return true
  if (after.regions.some((r) => !before.regions.includes(r))) return true
  return impactRank(after.impact) > impactRank(before.impact)
}
