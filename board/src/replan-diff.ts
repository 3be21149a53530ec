/**
 * The re-plan preview as a diff, pure: from the answer of POST /v1/programmes/{id}/replan, which
 * windows move (old and new position), which stay, which find no slot, and per moved window the
 * finding codes that disappear and appear; plus the range a timeline needs to show both positions.
 *
 * @example replanDiff(answer).moved.map((m) => m.reference) // ['DSP-TR-01', 'DSP-TR-02', …]
 */
import type { Severity } from './types.ts'

/** One entry of the re-plan answer (instants as RFC 3339 strings). */
export interface ReplanEntryDto {
  windowId: string | null
  reference: string
  kept: boolean
  old: { start: string; end: string; localStart: string }
  new: { start: string; end: string; localStart: string } | null
  before: { worstSeverity: Severity | null; findings: { code: string; severity: Severity; message: string }[] }
  after: { worstSeverity: Severity | null; findings: { code: string; severity: Severity; message: string }[] } | null
  expectedFailedTopUps: number | null
}

/** The answer of POST /v1/programmes/{id}/replan, as far as the board reads it. */
export interface ReplanAnswer {
  programme: { id: string; version: number }
  fits: boolean
  publishedAt: string
  until: string
  waiversNeeded: string[]
  entries: ReplanEntryDto[]
  keptCount?: number
  finishesAt: string | null
  explanation: { message: string } | null
}

export interface Move {
  windowId: string | null
  reference: string
  old: { start: number; end: number }
  new: { start: number; end: number }
  /** Finding codes raised before and not after (above info), sorted. */
  gone: string[]
  /** Finding codes raised after and not before (above info), sorted. */
  appeared: string[]
  worstBefore: Severity | null
  worstAfter: Severity | null
}

export interface ReplanDiff {
  moved: Move[]
  /** References of windows whose dates already pass. */
  kept: string[]
  /** References of windows the re-plan found no slot for. */
  unplaced: string[]
  /** From the earliest to the latest instant of any old or new position; null with no entries. */
  span: { start: number; end: number } | null
}

/** Codes of the findings that count for the move (info findings are not listed). */
const codes = (fs: readonly { code: string; severity: Severity }[] | undefined) =>
  new Set((fs ?? []).filter((f) => f.severity !== 'info').map((f) => f.code))

/**
 * The diff of a re-plan answer. A window counts as moved when it is not kept, has a new position,
 * and that position differs from the old (as apply decides).
 *
 * @example replanDiff({ entries: [{ reference: 'A', kept: false, old, new: later, before, after }], … }).moved[0].gone // ['NOTICE_PERIOD']
 */
export function replanDiff(answer: Pick<ReplanAnswer, 'entries'>): ReplanDiff {
  const moved: Move[] = []
  const kept: string[] = []
  const unplaced: string[] = []
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (const e of answer.entries) {
    const old = { start: Date.parse(e.old.start), end: Date.parse(e.old.end) }
    lo = Math.min(lo, old.start)
    hi = Math.max(hi, old.end)
    if (!e.new) {
      unplaced.push(e.reference)
      continue
    }
    const next = { start: Date.parse(e.new.start), end: Date.parse(e.new.end) }
    lo = Math.min(lo, next.start)
    hi = Math.max(hi, next.end)
    if (e.kept || (next.start === old.start && next.end === old.end)) {
      kept.push(e.reference)
      continue
    }
    const before = codes(e.before.findings)
    const after = codes(e.after?.findings)
    moved.push({
      windowId: e.windowId,
      reference: e.reference,
      old,
      new: next,
      gone: [...before].filter((c) => !after.has(c)).sort(),
      appeared: [...after].filter((c) => !before.has(c)).sort(),
      worstBefore: e.before.worstSeverity,
      worstAfter: e.after?.worstSeverity ?? null,
    })
  }
  return { moved, kept, unplaced, span: lo <= hi ? { start: lo, end: hi } : null }
}

/**
 * The board range (local dates, `to` exclusive) that shows every position of a diff: from the first
 * of the earliest month to the first of the month after the latest.
 *
 * @example boardRangeOf({ start: Date.parse('2021-11-14T00:00Z'), end: Date.parse('2024-03-10T06:00Z') }, localDate) // { from: '2021-11-01', to: '2024-04-01' }
 */
export function boardRangeOf(span: { start: number; end: number }, localDate: (ms: number) => string): { from: string; to: string } {
  const from = `${localDate(span.start).slice(0, 7)}-01`
  const last = localDate(span.end - 1)
  const [y, m] = last.split('-').map(Number) as [number, number]
  const to = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`
  return { from, to }
}
