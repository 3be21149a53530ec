/**
 * The what-if, pure: the window moved (and, if the user says so, notified on another day), judged with
 * the other windows of every month it touches before and after the move, so that the monthly cap and
 * overlaps are real. Nothing here calls the API; the board sends the plan to POST /v1/assessments.
 *
 * @example whatIfPlan(windows, w, { start, end, notifiedAt: w.notifiedAt }).map((d) => d.reference)
 */
import { SUBMITTER_FIELDS, type SubmitterField } from '../../src/domain/window.ts'
import { BOARD_ZONE, monthKeys } from './time.ts'
import type { WindowDto } from './types.ts'

/**
 * A window as the dry run takes it (DryRunWindow in the OpenAPI document): the domain's one list of
 * submitter fields, plus the window's id, notice and status.
 */
export type DryRunWindow = Pick<WindowDto, SubmitterField | 'id' | 'notifiedAt' | 'status'>

export interface Move {
  start: number
  end: number
  /** The notice the what-if assumes: the window's own unless the user changed the "Notice date". */
  notifiedAt: string | null
}

/**
 * A stored window as a dry-run window, optionally moved. The fields come from the domain's
 * SUBMITTER_FIELDS, so a field added there is sent here too (and must exist on WindowDto).
 *
 * @example toDryRun(w, { start, end, notifiedAt: null }).start // the moved start, as ISO 8601
 */
export function toDryRun(w: WindowDto, move?: Move): DryRunWindow {
  const submitted = Object.fromEntries(SUBMITTER_FIELDS.map((field) => [field, w[field]])) as Pick<WindowDto, SubmitterField>
  return {
    id: w.id,
    ...submitted,
    ...(move ? { start: new Date(move.start).toISOString(), end: new Date(move.end).toISOString() } : {}),
    notifiedAt: move ? move.notifiedAt : w.notifiedAt,
    status: w.status,
  }
}

/**
 * The plan a what-if sends: the moved window first, then every other window with minutes in a month
 * the window touches before or after the move (the stored plan fills in the rest: context
 * `with-stored`).
 */
export function whatIfPlan(all: readonly WindowDto[], target: WindowDto, move: Move, zone = BOARD_ZONE): DryRunWindow[] {
  const months = new Set([...monthKeys(Date.parse(target.start), Date.parse(target.end), zone), ...monthKeys(move.start, move.end, zone)])
  const others = all.filter((w) => w.id !== target.id && monthKeys(Date.parse(w.start), Date.parse(w.end), zone).some((m) => months.has(m)))
  return [toDryRun(target, move), ...others.map((w) => toDryRun(w))]
}

/**
 * Whether saving the move sends a notified or agreed window back to proposed (a material change: an
 * earlier start or a later end; domain/lifecycle.ts), so that notice has to be given again.
 */
export function reopensNotice(w: WindowDto, move: Pick<Move, 'start' | 'end'>): boolean {
  if (w.status !== 'notified' && w.status !== 'agreed') return false
  return move.start < Date.parse(w.start) || move.end > Date.parse(w.end)
}

/**
 * Windows in chunks for the dry run, each under `maxBytes` of JSON (the service reads bodies up to
 * 1 MiB) and `maxWindows` windows; with the stored plan as background each chunk is judged as a whole.
 */
export function chunkPlan(plan: readonly DryRunWindow[], maxBytes = 700_000, maxWindows = 2_000): DryRunWindow[][] {
  const chunks: DryRunWindow[][] = []
  let cur: DryRunWindow[] = []
  let bytes = 0
  for (const w of plan) {
    const n = JSON.stringify(w).length + 1
    if (cur.length && (bytes + n > maxBytes || cur.length >= maxWindows)) {
      chunks.push(cur)
      cur = []
      bytes = 0
    }
    cur.push(w)
    bytes += n
  }
  if (cur.length) chunks.push(cur)
  return chunks
}
