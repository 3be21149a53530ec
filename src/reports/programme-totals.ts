/**
 * A programme's totals: what OPSG weighs when a party asks for a run of windows (OPSG 58: 14 windows,
 * 84 outage hours, 2 of 14 notified late). Pure: from the windows' assessments (findings, impact).
 *
 * - windows: the windows that count (rejected and cancelled ones do not);
 * - outageHours: real hours of the `outage` windows, summed per window;
 * - prepaymentCustomerHours: prepayment customers in scope × real hours, for windows that stop
 *   top-ups (a degraded or outage window of a service carrying top-ups);
 * - expectedFailedTopUps: the windows' expected failed top-ups, summed;
 * - monthsTouched: local months (ruleset zone) any window touches;
 * - breaches, objections: open (unwaived) findings of that severity, by certainty (findingCertainty:
 *   a finding resting on an assumed parameter is unconfirmed);
 * - notifiedLate: windows with an open NOTICE_PERIOD breach (noticeState 'missed'), and their share.
 */
import { type Certainty, type Finding, findingCertainty, noticeState } from '../domain/findings.ts'
import { MINUTE_MS, monthsTouched } from '../domain/time.ts'
import type { Impact, WindowStatus } from '../domain/window.ts'
import { groupBy } from './report-format.ts'
import type { ProgrammeTotals } from './report-schema.ts'

export type { ProgrammeTotals } from './report-schema.ts'

export interface ProgrammeTotalsWindow {
  window: { impact: Impact; status: WindowStatus; start: Date; end: Date }
  findings: readonly Finding[]
  /** The window's impact figures, when assessed with impact. */
  impact?: { prepaymentCustomersAffected: number; expectedFailedTopUps: number; stopsTopUps: boolean } | undefined
}

const NOT_COUNTED: ReadonlySet<WindowStatus> = new Set<WindowStatus>(['rejected', 'cancelled'])

/**
 * Totals of a programme's windows.
 *
 * @example
 * programmeTotals(opsg58Views, 'Europe/London')
 * // { windows: 14, outageHours: 84, notifiedLate: { windows: 2, share: 0.142857… },
 * //   breaches: { confirmed: 2, unconfirmed: 10 }, monthsTouched: ['2021-11', …, '2022-07'], … }
 */
export function programmeTotals(items: readonly ProgrammeTotalsWindow[], zone: string): ProgrammeTotals {
  const months = new Set<string>()
  const breaches: Record<Certainty, number> = { confirmed: 0, unconfirmed: 0 }
  const objections: Record<Certainty, number> = { confirmed: 0, unconfirmed: 0 }
  let windows = 0
  let outageMinutes = 0
  let customerHours = 0
  let failed = 0
  let late = 0
  for (const x of items) {
    const w = x.window
    if (NOT_COUNTED.has(w.status)) continue
    windows++
    const minutes = Math.max(0, w.end.getTime() - w.start.getTime()) / MINUTE_MS
    if (w.impact === 'outage') outageMinutes += minutes
    if (x.impact?.stopsTopUps) customerHours += (x.impact.prepaymentCustomersAffected * minutes) / 60
    failed += x.impact?.expectedFailedTopUps ?? 0
    if (minutes > 0) for (const m of monthsTouched(w.start, w.end, zone)) months.add(m)
    for (const f of x.findings) {
      if (f.waiver) continue
      if (f.severity === 'breach') breaches[findingCertainty(f)]++
      else if (f.severity === 'objection') objections[findingCertainty(f)]++
    }
    if (noticeState(x.findings) === 'missed') late++
  }
  return {
    windows,
    outageHours: outageMinutes / 60,
    prepaymentCustomerHours: customerHours,
    expectedFailedTopUps: failed,
    monthsTouched: [...months].sort(),
    breaches,
    objections,
    notifiedLate: { windows: late, share: windows === 0 ? 0 : late / windows },
  }
}

/** The totals of each programme with windows among `items`, by programme id (windows without a programme left out). */
export function totalsByProgramme<T extends ProgrammeTotalsWindow & { window: { programmeId: string | null } }>(
  items: readonly T[],
  zone: string,
): { programmeId: string; totals: ProgrammeTotals }[] {
  const byProgramme = groupBy(
    items.filter((x) => x.window.programmeId),
    (x) => x.window.programmeId!,
  )
  return [...byProgramme.keys()]
    .sort()
    .map((programmeId) => ({ programmeId, totals: programmeTotals(byProgramme.get(programmeId)!, zone) }))
}
