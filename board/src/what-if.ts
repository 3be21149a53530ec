/**
 * The what-if, pure: the window moved (and, if the user says so, notified on another day), judged with
 * the other windows of every month it touches before and after the move, so that the monthly cap and
 * overlaps are real. Nothing here calls the API; the board sends the plan to POST /v1/assessments.
 *
 * @example whatIfPlan(windows, w, { start, end, notifiedAt: w.notifiedAt }).map((d) => d.reference)
 */
import { BOARD_ZONE, monthKeys } from './time.ts'
import type { WindowDto } from './types.ts'

/** A window as the dry run takes it (DryRunWindow in the OpenAPI document). */
export interface DryRunWindow {
  id: string
  reference: string
  title: string
  description: string
  justification: string | null
  riskToService: string | null
  party: string
  changeRef: string | null
  programmeId: string | null
  kind: string
  impact: string
  services: string[]
  regions: string[]
  start: string
  end: string
  zone: string
  notifiedAt: string | null
  status: string
}

export interface Move {
  start: number
  end: number
  /** The notice the what-if assumes: the window's own unless the user changed the "Notice date". */
  notifiedAt: string | null
}

/** A stored window as a dry-run window, optionally moved. */
export function toDryRun(w: WindowDto, move?: Move): DryRunWindow {
  return {
    id: w.id,
    reference: w.reference,
    title: w.title,
    description: w.description,
    justification: w.justification,
    riskToService: w.riskToService,
    party: w.party,
    changeRef: w.changeRef,
    programmeId: w.programmeId,
    kind: w.kind,
    impact: w.impact,
    services: w.services,
    regions: w.regions,
    start: move ? new Date(move.start).toISOString() : w.start,
    end: move ? new Date(move.end).toISOString() : w.end,
    zone: w.zone,
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
