/**
 * NOTICE_PERIOD (SEC H8, recalled). Default mode `monthly-schedule`: a window starting in month M
 * must be notified before 00:00 (ruleset zone) on the day after the Working Day lying N Working Days
 * before the 1st of M (the 1st itself not counted) in the primary calendar; in strict mode the strict
 * calendar is checked too and a miss only there is a warning. Mode `per-window`: N Working Days
 * before the window's start date. A window with no notifiedAt is judged as if notified `now`.
 * Emergency windows are not Planned Maintenance: no notice rule, but a warning when the
 * justification is empty.
 *
 * @example OPSG 58: notified 2021-10-05 for a 14 Nov 2021 window → breach, deadline 2021-10-04.
 */
import type { CalendarId } from '../calendars.ts'
import type { BasisParam } from '../findings.ts'
import { basisOf, type Ruleset } from '../ruleset.ts'
import { dayMonthLabel, monthIndexOfDay, monthLabel } from '../time.ts'
import { dayString, fmtWallDate, isoString, memoize, monthKey, type PreparedWindow, type RuleContext, type RuleFamily } from './types.ts'

interface Deadline {
  /** Day index of the last Working Day on which notice is in time. */
  day: number
  /** Notice must be given strictly before this instant. */
  before: number
}

export const noticeRule: RuleFamily = {
  id: 'notice',
  codes: ['NOTICE_PERIOD'],
  run(ctx: RuleContext) {
    const check = noticeCheck(ctx)
    const emergencyBasis = basisOf(ctx.ruleset, '/notice/emergencyRequiresJustification')
    for (const p of ctx.subjects) {
      if (p.planned) check(p)
      else emergencyJustification(ctx, p, emergencyBasis)
    }
  },
}

/** Emergency work is not Planned Maintenance: no notice period, but it must say why it could not wait. */
function emergencyJustification(ctx: RuleContext, p: PreparedWindow, basis: readonly BasisParam[]): void {
  if (!ctx.ruleset.notice.emergencyRequiresJustification.value || (p.w.justification ?? '').trim()) return
  ctx.emit(p, {
    code: 'NOTICE_PERIOD',
    severity: 'warning',
    ruleId: 'emergency-justification',
    basis,
    message: `emergency window starting ${fmtWallDate(p.sWall)} has no justification; emergency work is not Planned Maintenance and must say why it could not wait for the monthly schedule`,
    evidence: { kind: 'emergency', justification: null },
  })
}

/** The notice check of a planned window under the ruleset of `ctx` (deadlines computed once per calendar and anchor day). */
function noticeCheck(ctx: RuleContext): (p: PreparedWindow) => void {
  const r = ctx.ruleset
  const n = r.notice.workingDays.value
  const mode = r.notice.mode.value
  const primary = r.workingDays.primaryCalendar.value
  const strict = r.notice.strict.value && r.workingDays.strictCalendar.value !== primary ? r.workingDays.strictCalendar.value : null
  const deadline = deadlines(ctx, n)
  const basis = noticeBases(r)
  const texts = noticeTexts(ctx, n, primary, strict, deadline)
  return (p) => {
    const assumed = p.w.notifiedAt === null
    const notified = assumed ? ctx.now : p.w.notifiedAt!.getTime()
    // The anchor: the 1st of the window's month (monthly schedule), or its start date (per window).
    const anchor = mode === 'monthly-schedule' ? ctx.clock.dayIndex(ctx.clock.startOfMonthIndex(p.startMonth)) : p.startDay
    const dp = deadline(primary, anchor)
    const ds = strict === null ? null : deadline(strict, anchor)
    const primaryOk = notified < dp.before
    const strictOk = ds === null || notified < ds.before
    if (primaryOk && strictOk) return
    // A miss under the primary calendar is a breach; a miss under the strict one alone, a warning.
    const late = primaryOk ? ds! : dp
    const cal = primaryOk ? strict! : primary
    const notifiedDay = ctx.clock.dayIndex(notified)
    ctx.emit(p, {
      code: 'NOTICE_PERIOD',
      severity: primaryOk ? 'warning' : (r.severities.NOTICE_PERIOD ?? 'breach'),
      ruleId: 'notice',
      basis: primaryOk ? basis.strictMiss : basis.primaryMiss,
      message: `${texts.notified(assumed)(notifiedDay)}${texts.tail(primaryOk)(anchor)}`,
      evidence: {
        mode,
        notifiedAt: isoString(notified),
        notifiedLocalDate: dayString(notifiedDay),
        assumedNotifiedNow: assumed,
        month: monthKey(p.startMonth),
        workingDays: n,
        calendar: cal,
        deadlineDate: dayString(late.day),
        deadlineBefore: isoString(late.before),
        primaryCalendar: primary,
        primaryDeadlineDate: dayString(dp.day),
        primaryInTime: primaryOk,
        strictCalendar: ds ? strict : null,
        strictDeadlineDate: ds ? dayString(ds.day) : null,
        strictInTime: ds ? strictOk : null,
        workingDaysLate: workingDaysBetween(ctx, cal, late.day, notifiedDay),
      },
    })
  }
}

/**
 * The two parts of a notice message, each written once and shared by the findings that have it: the
 * notified date (per day, and whether assumed) and everything after it (per anchor day, and which
 * calendar missed). 10,000-window engine benchmark, 7 Dec 2026: a notice message went from 14 rope
 * nodes to 3.
 *
 * @example texts.notified(false)(day) // 'notified 2021-10-05'
 * texts.tail(false)(anchor) // '; the deadline for November 2021 was 2021-10-04, 15 Working Days before 1 November (england-and-wales)'
 */
function noticeTexts(
  ctx: RuleContext,
  n: number,
  primary: CalendarId,
  strict: CalendarId | null,
  deadline: (cal: CalendarId, anchorDay: number) => Deadline,
): { notified(assumed: boolean): (day: number) => string; tail(primaryOk: boolean): (anchor: number) => string } {
  const monthly = ctx.ruleset.notice.mode.value === 'monthly-schedule'
  const notified = [
    memoize((day: number) => `notified ${dayString(day)}`),
    memoize((day: number) => `not yet notified (assessed as if notified now, ${dayString(day)})`),
  ] as const
  // The anchor (the 1st of the month, or the start date) is in the window's month.
  const tail = (primaryOk: boolean) => (anchor: number) => {
    const cal = primaryOk ? strict! : primary
    const late = deadline(cal, anchor)
    const target = monthly
      ? `the deadline for ${monthLabel(monthIndexOfDay(anchor))} was ${dayString(late.day)}, ${n} Working Days before ${dayMonthLabel(anchor)} (${cal})`
      : `the deadline for a window starting ${dayString(anchor)} was ${dayString(late.day)}, ${n} Working Days before it (${cal})`
    const strictNote = primaryOk
      ? `; in time under ${primary} (deadline ${dayString(deadline(primary, anchor).day)}), late only under the strict calendar`
      : ''
    return `; ${target}${strictNote}`
  }
  const tails = [memoize(tail(false)), memoize(tail(true))] as const
  return { notified: (assumed) => notified[assumed ? 1 : 0], tail: (primaryOk) => tails[primaryOk ? 1 : 0] }
}

/**
 * The deadline of notice for an anchor day under a calendar: the Working Day `n` Working Days before
 * it, notice in time until the end of that day. Memoised: a plan has few distinct anchors.
 */
function deadlines(ctx: RuleContext, n: number): (cal: CalendarId, anchorDay: number) => Deadline {
  const memo = new Map<CalendarId, Map<number, Deadline>>()
  return (cal, anchorDay) => {
    let byDay = memo.get(cal)
    if (!byDay) memo.set(cal, (byDay = new Map()))
    let d = byDay.get(anchorDay)
    if (!d) {
      const day = ctx.calendars.get(cal).countBackIndex(anchorDay, n)
      byDay.set(anchorDay, (d = { day, before: ctx.clock.startOfDay(day + 1) }))
    }
    return d
  }
}

/** Working Days of a calendar after `deadlineDay` up to and including `notifiedDay` (at most 1000). */
function workingDaysBetween(ctx: RuleContext, cal: CalendarId, deadlineDay: number, notifiedDay: number): number {
  const calendar = ctx.calendars.get(cal)
  let late = 0
  for (let d = deadlineDay + 1; d <= notifiedDay && late < 1000; d++) if (calendar.isWorkingDay(d)) late++
  return late
}

/**
 * What a miss rests on: under the primary calendar, the notice rule itself; under the strict one
 * alone, the calendar choice too (decisive only when the two calendars disagree).
 */
function noticeBases(r: Ruleset): { primaryMiss: readonly BasisParam[]; strictMiss: readonly BasisParam[] } {
  return {
    primaryMiss: basisOf(r, '/notice/mode', '/notice/workingDays'),
    strictMiss: basisOf(
      r,
      '/notice/mode',
      '/notice/workingDays',
      '/notice/strict',
      '/workingDays/primaryCalendar',
      '/workingDays/strictCalendar',
    ),
  }
}
