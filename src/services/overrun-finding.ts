import { type Evidence, findingKey, type Severity } from '../domain/findings.ts'
import type { ActualsComparison, UnscheduledInterval } from '../domain/impact/index.ts'
import type { MaintenanceWindow } from '../domain/window.ts'

/** The data of an OVERRUN finding (SEC H9: an Incident record is required); the engine owns findings. */
export interface OverrunFindingData {
  key: string
  code: 'OVERRUN'
  /** 'breach' (the code's default), or the override of the ruleset that judged the window. */
  severity: Severity
  windowId: string
  reference: string
  message: string
  incidentRequired: true
  unscheduledMinutes: number
  intervals: UnscheduledInterval[]
  evidence: Evidence
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits

/**
 * The OVERRUN finding of a window whose actual times left its plan, or null when they did not.
 * Its own module (no database imports) so that the offline check can use it without loading kysely.
 *
 * @example overrunFinding(window, compareActuals(window, profile))?.message // 'DSP-TR-01 overran by 30 min: …'
 */
export function overrunFinding(w: MaintenanceWindow, cmp: ActualsComparison): OverrunFindingData | null {
  if (cmp.unscheduledMinutes <= 0) return null
  const parts: string[] = []
  if (cmp.earlyStartMinutes > 0) parts.push(`started ${round(cmp.earlyStartMinutes)} min early`)
  if (cmp.overrunMinutes > 0) parts.push(`overran by ${round(cmp.overrunMinutes)} min`)
  return {
    key: findingKey(w.id, 'OVERRUN', 'actuals'),
    code: 'OVERRUN',
    severity: 'breach',
    windowId: w.id,
    reference: w.reference,
    message:
      `${w.reference} ${parts.join(' and ')}: ${round(cmp.unscheduledMinutes)} min of Unscheduled Downtime; ` +
      'an Incident record is required (SEC H9).',
    incidentRequired: true,
    unscheduledMinutes: cmp.unscheduledMinutes,
    intervals: cmp.unscheduledIntervals,
    evidence: {
      plannedStart: w.start.toISOString(),
      plannedEnd: w.end.toISOString(),
      actualStart: w.actualStart?.toISOString() ?? null,
      actualEnd: w.actualEnd?.toISOString() ?? null,
      earlyStartMinutes: cmp.earlyStartMinutes,
      overrunMinutes: cmp.overrunMinutes,
      unscheduledMinutes: cmp.unscheduledMinutes,
    },
  }
}
