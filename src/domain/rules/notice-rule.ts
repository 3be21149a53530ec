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
import { basisOf } from '../ruleset.ts'
import type { CalendarId } from '../calendars.ts'
import { dayMonthLabel, monthLabel } from '../time.ts'
import { dayString, fmtWallDate, isoString, monthKey, type RuleContext, type RuleFamily } from './types.ts'

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
    const r = ctx.ruleset
    const n = r.notice.workingDays.value
    const mode = r.notice.mode.value
    const primary = r.workingDays.primaryCalendar.value
    const strict = r.notice.strict.value ? r.workingDays.strictCalendar.value : null
    // Deadlines per calendar and anchor day; message parts per anchor/outcome and notified day.
    const cache = new Map<CalendarId, Map<number, Deadline>>()
    const deadline = (cal: CalendarId, anchorDay: number): Deadline => {
      let perCal = cache.get(cal)
      if (!perCal) cache.set(cal, (perCal = new Map()))
      let d = perCal.get(anchorDay)
      if (!d) {
        const day = ctx.calendars.get(cal).countBackIndex(anchorDay, n)
        d = { day, before: ctx.clock.startOfDay(day + 1) }
        perCal.set(anchorDay, d)
      }
      return d
    }
    const firstDays = new Map<number, number>()
    const monthFirstDay = (mi: number) => {
      let v = firstDays.get(mi)
      if (v === undefined) firstDays.set(mi, (v = Math.floor(ctx.clock.toWall(ctx.clock.startOfMonthIndex(mi)) / 86_400_000)))
      return v
    }
    const tails = new Map<number, string>()
    const notifiedTexts = new Map<number, string>()
    const emergencyTexts = new Map<number, string>()
    const severity = r.severities.NOTICE_PERIOD ?? 'breach'
    // A miss under the primary calendar turns on the notice rule itself; the calendar choice is
    // decisive only when the two calendars disagree (a miss under the strict one alone).
    const primaryMissBasis = basisOf(r, '/notice/mode', '/notice/workingDays')
    const strictMissBasis = basisOf(
      r,
      '/notice/mode',
      '/notice/workingDays',
      '/notice/strict',
      '/workingDays/primaryCalendar',
      '/workingDays/strictCalendar',
    )
    const emergencyBasis = basisOf(r, '/notice/emergencyRequiresJustification')

    for (const p of ctx.subjects) {
      const w = p.w
      if (!p.planned) {
        if (r.notice.emergencyRequiresJustification.value && !(w.justification ?? '').trim()) {
          let message = emergencyTexts.get(p.startDay)
          if (message === undefined) {
            message = `emergency window starting ${fmtWallDate(p.sWall)} has no justification; emergency work is not Planned Maintenance and must say why it could not wait for the monthly schedule`
            emergencyTexts.set(p.startDay, message)
          }
          ctx.emit(p, {
            code: 'NOTICE_PERIOD',
            severity: 'warning',
            ruleId: 'emergency-justification',
            basis: emergencyBasis,
            message,
            evidence: { kind: 'emergency', justification: null },
          })
        }
        continue
      }
      const assumed = w.notifiedAt === null
      const notified = assumed ? ctx.now : w.notifiedAt!.getTime()
      const notifiedDay = ctx.clock.dayIndex(notified)
      const anchor = mode === 'monthly-schedule' ? monthFirstDay(p.startMonth) : p.startDay
      const dp = deadline(primary, anchor)
      const primaryOk = notified < dp.before
      const ds = strict && strict !== primary ? deadline(strict, anchor) : null
      const strictOk = ds ? notified < ds.before : true
      if (primaryOk && strictOk) continue
      const late = primaryOk ? ds! : dp
      const cal = primaryOk ? strict! : primary
      const calendar = ctx.calendars.get(cal)
      let workingDaysLate = 0
      for (let d = late.day + 1; d <= notifiedDay && workingDaysLate < 1000; d++) if (calendar.isWorkingDay(d)) workingDaysLate++
      const nk = notifiedDay * 2 + (assumed ? 1 : 0)
      let notifiedText = notifiedTexts.get(nk)
      if (notifiedText === undefined) {
        notifiedText = assumed
          ? `not yet notified (assessed as if notified now, ${dayString(notifiedDay)})`
          : `notified ${dayString(notifiedDay)}`
        notifiedTexts.set(nk, notifiedText)
      }
      // Everything after the notified date depends only on the anchor day and which calendar missed.
      const tk = anchor * 2 + (primaryOk ? 1 : 0)
      let tail = tails.get(tk)
      if (tail === undefined) {
        const target =
          mode === 'monthly-schedule'
            ? `the deadline for ${monthLabel(p.startMonth)} was ${dayString(late.day)}, ${n} Working Days before ${dayMonthLabel(anchor)} (${cal})`
            : `the deadline for a window starting ${dayString(anchor)} was ${dayString(late.day)}, ${n} Working Days before it (${cal})`
        const strictNote = primaryOk
          ? `; in time under ${primary} (deadline ${dayString(dp.day)}), late only under the strict calendar`
          : ''
        tails.set(tk, (tail = `; ${target}${strictNote}`))
      }
      const evidence: Record<string, string | number | boolean | null> = {
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
        workingDaysLate,
      }
      ctx.emit(p, {
        code: 'NOTICE_PERIOD',
        severity: primaryOk ? 'warning' : severity,
        ruleId: 'notice',
        basis: primaryOk ? strictMissBasis : primaryMissBasis,
        message: `${notifiedText}${tail}`,
        evidence,
      })
    }
  },
}
