/**
 * Month view of availability, per party and local calendar month (PM 2.1 / PM 6.2 style, R6–R8).
 *
 * For each party and month (YYYY-MM in `zone`, real minutes):
 * - plannedAgreedMinutes: union of agreed downtime windows (excluded from Unscheduled Downtime);
 * - plannedNotAgreedMinutes: union of not-agreed downtime windows, minus time already agreed;
 * - overrunMinutes: early starts and overruns from the actuals, minus time already counted above;
 * - availabilityPercent = 100 × (1 − (notAgreed + overrun) / month minutes), against the threshold
 *   (default 99.5 %, assumed: domain.md §4).
 * Overlapping windows of one party are counted once (PM 2.1 counts minutes of unavailability, not
 * windows). Only impacts in `downtimeImpacts` count (default outage only, assumed). Pass only windows
 * that happened or will happen: filter out cancelled and rejected ones before calling.
 */
import type { NoticeState } from '../findings.ts'
import { type Span, unionLength } from '../intervals.ts'
import { MINUTE_MS, type MonthSpan, parseMonthKey, zoneClock } from '../time.ts'
import type { Impact, WindowKind, WindowStatus } from '../window.ts'
import { compareActuals } from './actuals.ts'
import { DEFAULT_IMPACT_THRESHOLDS, type Problem } from './reference-data.ts'

export interface AvailabilityWindow {
  id: string
  party: string
  impact: Impact
  start: Date
  end: Date
  /** Agreed Planned Maintenance (excluded from Unscheduled Downtime). */
  agreed: boolean
  actualStart?: Date | null
  actualEnd?: Date | null
  reason?: string | null
}

export interface MonthViewOptions {
  zone: string
  /** Used to measure windows still running. */
  now: Date
  thresholdPercent?: number
  downtimeImpacts?: readonly Impact[]
  /** Only this month (YYYY-MM). */
  month?: string
  /** Only this party. */
  party?: string
  /** List each row's windowIds (default true; false leaves them empty and saves the work). */
  listWindowIds?: boolean
}

export interface PartyMonthAvailability {
  party: string
  month: string
  monthMinutes: number
  plannedAgreedMinutes: number
  plannedNotAgreedMinutes: number
  overrunMinutes: number
  unscheduledMinutes: number
  availabilityPercent: number
  thresholdPercent: number
  belowThreshold: boolean
  /** Windows contributing any minute to the month. */
  windowIds: string[]
}

export interface MonthView {
  rows: PartyMonthAvailability[]
  problems: Problem[]
}

interface Bucket {
  party: string
  month: MonthSpan
  agreed: Span[]
  notAgreed: Span[]
  overrun: Span[]
  ids: Set<string>
}

/**
 * Availability per party and month.
 *
 * @example
 * availabilityByMonth([{ id: 'w1', party: 'DSP', impact: 'outage', agreed: false,
 *   start: new Date('2021-11-14T00:00:00Z'), end: new Date('2021-11-14T06:00:00Z') }],
 *   { zone: 'Europe/London', now: new Date('2021-12-01T00:00:00Z') }).rows[0]
 * // → { party: 'DSP', month: '2021-11', plannedNotAgreedMinutes: 360, monthMinutes: 43_200,
 * //     availabilityPercent: 99.1666…, belowThreshold: true, … }
 */
export function availabilityByMonth(windows: readonly AvailabilityWindow[], options: MonthViewOptions): MonthView {
  const problems: Problem[] = []
  const clock = zoneClock(options.zone)
  const threshold = options.thresholdPercent ?? DEFAULT_IMPACT_THRESHOLDS.availabilityAlertBelowPercent
  const downtime = new Set(options.downtimeImpacts ?? ['outage'])
  let only: MonthSpan | undefined
  if (options.month !== undefined) {
    only = parseMonthKey(options.month, options.zone)
    if (!only)
      return {
        rows: [],
        problems: [{ code: 'INVALID_MONTH', pointer: '/month', message: 'expected YYYY-MM' }],
      }
  }
  const listIds = options.listWindowIds ?? true
  // By party, then by month span (the clock's span objects are shared per month).
  const buckets = new Map<string, Map<MonthSpan, Bucket>>()
  const add = (w: AvailabilityWindow, s: number, e: number, kind: 'agreed' | 'notAgreed' | 'overrun'): void => {
    const from = only ? Math.max(s, only.start) : s
    const to = only ? Math.min(e, only.end) : e
    let months: Map<MonthSpan, Bucket> | undefined
    for (const piece of clock.splitByMonth(from, to)) {
      months ??= buckets.get(w.party)
      if (!months) buckets.set(w.party, (months = new Map()))
      let b = months.get(piece.month)
      if (!b) {
        b = { party: w.party, month: piece.month, agreed: [], notAgreed: [], overrun: [], ids: new Set() }
        months.set(piece.month, b)
      }
      b[kind].push([piece.start, piece.end])
      if (listIds) b.ids.add(w.id)
    }
  }
  windows.forEach((w, i) => {
    if (options.party !== undefined && w.party !== options.party) return
    if (!downtime.has(w.impact)) return
    const s = w.start.getTime()
    const e = w.end.getTime()
    if (!(e > s)) {
      problems.push({
        code: 'EMPTY_WINDOW',
        pointer: `/${i}/end`,
        message: `window ${w.id}: end must be after start`,
      })
      return
    }
    add(w, s, e, w.agreed ? 'agreed' : 'notAgreed')
    if (w.actualStart) {
      const cmp = compareActuals(
        {
          plannedStart: w.start,
          plannedEnd: w.end,
          actualStart: w.actualStart,
          actualEnd: w.actualEnd ?? null,
          reason: w.reason ?? null,
        },
        { now: options.now },
      )
      for (const p of cmp.problems) problems.push({ ...p, pointer: `/${i}${p.pointer}` })
      for (const iv of cmp.unscheduledIntervals) add(w, iv.start.getTime(), iv.end.getTime(), 'overrun')
    }
  })
  if (only && options.party !== undefined && buckets.size === 0) {
    buckets.set(
      options.party,
      new Map([[only, { party: options.party, month: only, agreed: [], notAgreed: [], overrun: [], ids: new Set<string>() }]]),
    )
  }
  const rows = [...buckets.values()]
    .flatMap((months) => [...months.values()])
    .map((b): PartyMonthAvailability => {
      // Each kind counts only the time the kinds before it left: |A ∖ B| = |A ∪ B| − |B|.
      const agreedMs = unionLength(b.agreed)
      const plannedMs = unionLength([...b.agreed, ...b.notAgreed])
      const notAgreedMs = plannedMs - agreedMs
      const overrunMs = unionLength([...b.agreed, ...b.notAgreed, ...b.overrun]) - plannedMs
      const unscheduled = (notAgreedMs + overrunMs) / MINUTE_MS
      const availabilityPercent = 100 * (1 - unscheduled / b.month.minutes)
      return {
        party: b.party,
        month: b.month.key,
        monthMinutes: b.month.minutes,
        plannedAgreedMinutes: agreedMs / MINUTE_MS,
        plannedNotAgreedMinutes: notAgreedMs / MINUTE_MS,
        overrunMinutes: overrunMs / MINUTE_MS,
        unscheduledMinutes: unscheduled,
        availabilityPercent,
        thresholdPercent: threshold,
        belowThreshold: availabilityPercent < threshold,
        windowIds: [...b.ids].sort(),
      }
    })
  rows.sort((a, b) => (a.party < b.party ? -1 : a.party > b.party ? 1 : a.month < b.month ? -1 : a.month > b.month ? 1 : 0))
  return { rows, problems }
}

/** Which availability figure a window's downtime counts under (R6). */
export type AvailabilityBasis = 'agreed-planned-maintenance' | 'unscheduled-downtime'

const AGREED_STATUSES: ReadonlySet<WindowStatus> = new Set(['agreed', 'in-progress', 'completed'])

/**
 * The branch of the availability effect a window takes (R6: minutes of *agreed* Planned Maintenance
 * are excluded from Unscheduled Downtime): a planned window that is agreed (status agreed, in
 * progress or completed) with its notice met or waived is agreed Planned Maintenance; any other
 * (not yet agreed, notified late with the breach open, or emergency work) counts as Unscheduled
 * Downtime.
 *
 * @example
 * availabilityBasis({ kind: 'planned', status: 'agreed', notice: 'missed' })
 * // { basis: 'unscheduled-downtime', reason: 'agreed, but notified late (open NOTICE_PERIOD breach): …' }
 */
export function availabilityBasis(w: { kind: WindowKind; status: WindowStatus; notice: NoticeState }): {
  basis: AvailabilityBasis
  reason: string
} {
  if (w.kind === 'emergency')
    return { basis: 'unscheduled-downtime', reason: 'emergency work is not Planned Maintenance: its downtime is Unscheduled Downtime' }
  if (!AGREED_STATUSES.has(w.status))
    return {
      basis: 'unscheduled-downtime',
      reason: `status ${w.status}: not agreed Planned Maintenance, so its downtime would count as Unscheduled Downtime`,
    }
  if (w.notice === 'missed')
    return {
      basis: 'unscheduled-downtime',
      reason: `${w.status}, but notified late (open NOTICE_PERIOD breach): not agreed Planned Maintenance under the SEC notice rule, so its downtime counts as Unscheduled Downtime`,
    }
  return {
    basis: 'agreed-planned-maintenance',
    reason:
      w.notice === 'waived'
        ? `${w.status}, and its late notice waived: agreed Planned Maintenance, excluded from Unscheduled Downtime`
        : `${w.status} and notified in time: agreed Planned Maintenance, excluded from Unscheduled Downtime`,
  }
}
