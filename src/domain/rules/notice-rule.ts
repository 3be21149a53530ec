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
import { dayMonthLabel, monthKeyOf, monthLabel } from '../time.ts'
import { dayString, fmtWallDate, type PreparedWindow, type RuleContext, type RuleFamily } from './types.ts'

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
    const cache = new Map<string, Deadline>()
    const deadline = (cal: CalendarId, anchorDay: number): Deadline => {
      const k = `${cal}:${anchorDay}`
      let d = cache.get(k)
      if (!d) {
        const day = ctx.calendars.get(cal).countBackIndex(anchorDay, n)
        d = { day, before: ctx.clock.startOfDay(day + 1) }
        cache.set(k, d)
      }
      return d
    }
    const monthFirstDay = (mi: number) => Math.floor(ctx.clock.toWall(ctx.clock.startOfMonthIndex(mi)) / 86_400_000)

    for (const p of ctx.subjects) {
      const w = p.w
      if (!p.planned) {
        if (r.notice.emergencyRequiresJustification.value && !(w.justification ?? '').trim()) {
          ctx.emit(p, {
            code: 'NOTICE_PERIOD',
            severity: 'warning',
            ruleId: 'emergency-justification',
            provenance: r.notice.emergencyRequiresJustification.provenance,
            message: `emergency window starting ${fmtWallDate(p.sWall)} has no justification; emergency work is not Planned Maintenance and must say why it could not wait for the monthly schedule`,
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
      const notifiedText = assumed
        ? `not yet notified (assessed as if notified now, ${dayString(notifiedDay)})`
        : `notified ${dayString(notifiedDay)}`
      const target =
        mode === 'monthly-schedule'
          ? `the deadline for ${monthLabel(p.startMonth)} was ${dayString(late.day)}, ${n} Working Days before ${dayMonthLabel(anchor)} (${cal})`
          : `the deadline for a window starting ${dayString(anchor)} was ${dayString(late.day)}, ${n} Working Days before it (${cal})`
      const strictNote = primaryOk ? `; in time under ${primary} (deadline ${dayString(dp.day)}), late only under the strict calendar` : ''
      const evidence: Record<string, string | number | boolean | null> = {
        mode,
        notifiedAt: new Date(notified).toISOString(),
        notifiedLocalDate: dayString(notifiedDay),
        assumedNotifiedNow: assumed,
        month: monthKeyOf(p.startMonth),
        workingDays: n,
        calendar: cal,
        deadlineDate: dayString(late.day),
        deadlineBefore: new Date(late.before).toISOString(),
        primaryCalendar: primary,
        primaryDeadlineDate: dayString(dp.day),
        primaryInTime: primaryOk,
        strictCalendar: ds ? strict : null,
        strictDeadlineDate: ds ? dayString(ds.day) : null,
        strictInTime: ds ? strictOk : null,
        workingDaysLate,
      }
      emitNotice(ctx, p, primaryOk, `${notifiedText}; ${target}${strictNote}`, evidence)
    }
  },
}

function emitNotice(ctx: RuleContext, p: PreparedWindow, strictOnly: boolean, message: string, evidence: Record<string, string | number | boolean | null>) {
  const r = ctx.ruleset
  const sev = strictOnly ? 'warning' : (r.severities.NOTICE_PERIOD ?? 'breach')
  ctx.emit(p, {
    code: 'NOTICE_PERIOD',
    severity: sev,
    ruleId: 'notice',
    provenance: strictOnly ? r.workingDays.strictCalendar.provenance : r.notice.workingDays.provenance,
    message,
    evidence,
  })
}
