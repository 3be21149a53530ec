/**
 * A month's notice deadline under the SEC's monthly-schedule rule (the NOTICE_PERIOD rule's own
 * arithmetic, for planners to see before they plan): a window starting in month M must be notified
 * before 00:00 (ruleset zone) on the day after the Working Day lying N Working Days before the 1st of M
 * (the 1st not counted), in the primary calendar; in strict mode the strict calendar's deadline too.
 *
 * @example monthNoticeDeadline('2021-11', DEFAULT_RULESET, buildCalendars())
 * // { month: '2021-11', lastDay: '2021-10-04', before: 2021-10-04T23:00:00Z, calendar: 'england-and-wales', workingDays: 20, … }
 */
import type { CalendarId, CalendarSet } from './calendars.ts'
import { type BasisParam, weakestProvenance } from './findings.ts'
import { basisOf, type Ruleset } from './ruleset.ts'
import { dayIndexOf, dayKey, zoneClock } from './time.ts'

/** The last Working Day on which notice is in time under one calendar, and the instant notice must precede. */
export interface CalendarDeadline {
  calendar: CalendarId
  /** 'YYYY-MM-DD', local. */
  lastDay: string
  /** Notice must be given strictly before this instant (00:00 local on the next day). */
  before: Date
}

export interface MonthNoticeDeadline extends CalendarDeadline {
  /** 'YYYY-MM'. */
  month: string
  workingDays: number
  /** Under the strict calendar, when the ruleset checks one that differs from the primary (a miss there alone is a warning). */
  strict?: CalendarDeadline
  /** The ruleset parameters this rests on, each with its label; `provenance` is the weakest. */
  basis: readonly BasisParam[]
  provenance: BasisParam['provenance']
}

/**
 * The deadline for windows starting in `month` ('YYYY-MM'), or null when the ruleset counts notice per
 * window (mode `per-window`: each window's own start date is the anchor, so a month has no one deadline).
 */
export function monthNoticeDeadline(month: string, ruleset: Ruleset, calendars: CalendarSet): MonthNoticeDeadline | null {
  if (ruleset.notice.mode.value !== 'monthly-schedule') return null
  const n = ruleset.notice.workingDays.value
  const clock = zoneClock(ruleset.zone)
  const firstOfMonth = dayIndexOf(`${month}-01`)
  const under = (calendar: CalendarId): CalendarDeadline => {
    const day = calendars.get(calendar).countBackIndex(firstOfMonth, n)
    return { calendar, lastDay: dayKey(day), before: new Date(clock.startOfDay(day + 1)) }
  }
  const primary = ruleset.workingDays.primaryCalendar.value
  const strictCal = ruleset.notice.strict.value ? ruleset.workingDays.strictCalendar.value : null
  const basis = basisOf(ruleset, '/notice/mode', '/notice/workingDays', '/workingDays/primaryCalendar')
  return {
    month,
    ...under(primary),
    workingDays: n,
    ...(strictCal && strictCal !== primary ? { strict: under(strictCal) } : {}),
    basis,
    provenance: weakestProvenance(basis.map((b) => b.provenance)),
  }
}
