/**
 * Planned vs actual: early starts and overruns are unscheduled downtime and need an Incident record.
 *
 * The actual run [actualStart, actualEnd) is compared with the planned [start, end): the part before
 * the planned start is an early start, the part after the planned end an overrun; both count as
 * Unscheduled Downtime (R6) and make an Incident record required (SEC H9, R8 — the link is inferred).
 * A late start or an early finish costs nothing. A window still running (actualEnd null) is measured up
 * to `now`. A window with no actual start once `now` is past the planned end never started.
 * Minutes are real minutes, not rounded (PM 2.1 counts complete minutes; round where it is reported).
 */
import { MINUTE_MS } from '../time.ts'
import type { Problem } from './reference-data.ts'

export interface ActualsInput {
  plannedStart: Date
  plannedEnd: Date
  actualStart: Date | null
  /** null while the work is still running. */
  actualEnd: Date | null
  /** Why the actual times are far from the plan; required beyond `maxDeviationMinutes`. */
  reason?: string | null
}

export interface ActualsOptions {
  now: Date
  /** How far (minutes) an actual start or end may sit from the plan without a reason; default 720 (assumed). */
  maxDeviationMinutes?: number
}

export type ActualsStatus = 'not-started' | 'never-started' | 'running' | 'completed'

export interface UnscheduledInterval {
  kind: 'early-start' | 'overrun'
  start: Date
  end: Date
  minutes: number
}

export interface ActualsComparison {
  status: ActualsStatus
  earlyStartMinutes: number
  overrunMinutes: number
  lateStartMinutes: number
  earlyFinishMinutes: number
  unscheduledMinutes: number
  unscheduledIntervals: UnscheduledInterval[]
  /** SEC H9: unscheduled minutes need an Incident record. */
  incidentRequired: boolean
  neverStarted: boolean
  /** Empty when the actuals may be recorded; otherwise the figures are zero. */
  problems: Problem[]
}

/** Default deviation allowed without a reason (assumed: half a day). */
export const DEFAULT_MAX_DEVIATION_MINUTES = 720

const minutes = (ms: number): number => ms / MINUTE_MS

/**
 * Compares planned and actual times.
 *
 * @example
 * compareActuals({ plannedStart: new Date('2021-11-14T00:00:00Z'), plannedEnd: new Date('2021-11-14T06:00:00Z'),
 *   actualStart: new Date('2021-11-14T00:00:00Z'), actualEnd: new Date('2021-11-14T06:45:00Z') },
 *   { now: new Date('2021-11-15T00:00:00Z') })
 * // → { status: 'completed', overrunMinutes: 45, unscheduledMinutes: 45, incidentRequired: true, … }
 */
export function compareActuals(input: ActualsInput, options: ActualsOptions): ActualsComparison {
  const problems: Problem[] = []
  const ps = input.plannedStart.getTime()
  const pe = input.plannedEnd.getTime()
  const now = options.now.getTime()
  const as = input.actualStart?.getTime() ?? null
  const ae = input.actualEnd?.getTime() ?? null
  const maxDev = (options.maxDeviationMinutes ?? DEFAULT_MAX_DEVIATION_MINUTES) * MINUTE_MS
  const hasReason = typeof input.reason === 'string' && input.reason.trim() !== ''

  if (!(pe > ps))
    problems.push({
      code: 'INVALID_PLANNED',
      pointer: '/plannedEnd',
      message: 'planned end must be after planned start',
    })
  if (as !== null && Number.isNaN(as)) problems.push({ code: 'INVALID_INSTANT', pointer: '/actualStart', message: 'not a valid instant' })
  if (ae !== null && Number.isNaN(ae)) problems.push({ code: 'INVALID_INSTANT', pointer: '/actualEnd', message: 'not a valid instant' })
  if (as === null && ae !== null) {
    problems.push({
      code: 'END_WITHOUT_START',
      pointer: '/actualStart',
      message: 'an actual end needs an actual start',
    })
  }
  if (as !== null && ae !== null && ae < as) {
    problems.push({
      code: 'END_BEFORE_START',
      pointer: '/actualEnd',
      message: 'actual end is before actual start',
    })
  }
  if (as !== null && as > now) problems.push({ code: 'ACTUAL_IN_FUTURE', pointer: '/actualStart', message: 'actual start is after now' })
  if (ae !== null && ae > now) problems.push({ code: 'ACTUAL_IN_FUTURE', pointer: '/actualEnd', message: 'actual end is after now' })
  if (!hasReason) {
    if (as !== null && Math.abs(as - ps) > maxDev) {
      problems.push({
        code: 'FAR_FROM_PLANNED',
        pointer: '/reason',
        message: `actual start is ${Math.round(minutes(Math.abs(as - ps)))} min from the planned start; give a reason`,
      })
    }
    if (ae !== null && Math.abs(ae - pe) > maxDev) {
      problems.push({
        code: 'FAR_FROM_PLANNED',
        pointer: '/reason',
        message: `actual end is ${Math.round(minutes(Math.abs(ae - pe)))} min from the planned end; give a reason`,
      })
    }
  }

  const zero: ActualsComparison = {
    status: 'not-started',
    earlyStartMinutes: 0,
    overrunMinutes: 0,
    lateStartMinutes: 0,
    earlyFinishMinutes: 0,
    unscheduledMinutes: 0,
    unscheduledIntervals: [],
    incidentRequired: false,
    neverStarted: false,
    problems,
  }
  if (problems.length > 0) return zero
  if (as === null) {
    const never = now >= pe
    return { ...zero, status: never ? 'never-started' : 'not-started', neverStarted: never }
  }
  const end = ae ?? now
  const intervals: UnscheduledInterval[] = []
  if (as < ps) {
    const e = Math.min(end, ps)
    intervals.push({ kind: 'early-start', start: new Date(as), end: new Date(e), minutes: minutes(e - as) })
  }
  if (end > pe) {
    const s = Math.max(as, pe)
    intervals.push({ kind: 'overrun', start: new Date(s), end: new Date(end), minutes: minutes(end - s) })
  }
  const early = intervals.find((i) => i.kind === 'early-start')?.minutes ?? 0
  const overrun = intervals.find((i) => i.kind === 'overrun')?.minutes ?? 0
  return {
    status: ae === null ? 'running' : 'completed',
    earlyStartMinutes: early,
    overrunMinutes: overrun,
    lateStartMinutes: minutes(Math.max(0, Math.min(as, pe) - ps)),
    earlyFinishMinutes: ae === null ? 0 : minutes(Math.max(0, pe - Math.max(ae, ps))),
    unscheduledMinutes: early + overrun,
    unscheduledIntervals: intervals,
    incidentRequired: early + overrun > 0,
    neverStarted: false,
    problems,
  }
}
