/**
 * PERMITTED_HOURS (assumed): a window must lie inside the permitted local hours (default
 * 00:00–06:00 in the ruleset zone) of the day it starts. A window inside them on a day that is not a
 * preferred weekday (default Sunday) gets an `info` finding.
 *
 * @example 2021-11-16 22:00–02:00 local → warning; 2021-11-16 01:00–03:00 (a Tuesday) → info.
 */
import { basisOf } from '../ruleset.ts'
import { DAY_MS, MINUTE_MS, parseHhMm, weekdayOf } from '../time.ts'
import { endText, memoize, type RuleContext, type RuleFamily, spanText, startText } from './types.ts'

const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

export const permittedHoursRule: RuleFamily = {
  id: 'permitted-hours',
  codes: ['PERMITTED_HOURS'],
  run(ctx: RuleContext) {
    const ph = ctx.ruleset.permittedHours
    const from = parseHhMm(ph.from.value) * MINUTE_MS
    const to = parseHhMm(ph.to.value) * MINUTE_MS
    const preferred = ph.preferredWeekdays.value
    const zone = ctx.ruleset.zone
    const severity = ctx.ruleset.severities.PERMITTED_HOURS ?? 'warning'
    const hoursBasis = basisOf(ctx.ruleset, '/permittedHours/from', '/permittedHours/to')
    const weekdayBasis = basisOf(ctx.ruleset, '/permittedHours/preferredWeekdays')
    const preferredNames = preferred.map((d) => DAY_NAMES[d]!)
    const text = hoursTexts(zone, `outside the permitted hours ${ph.from.value}–${ph.to.value} local`, preferredNames.join(', '))
    for (const p of ctx.subjects) {
      if (!p.planned) continue
      const day0 = p.startDay * DAY_MS
      const inside = p.sWall >= day0 + from && p.eWall <= day0 + to && p.eWall > p.sWall
      const localStart = startText(p)
      if (!inside) {
        const localEnd = endText(p)
        const endsLater = Math.floor(p.eWall / DAY_MS) !== p.startDay
        ctx.emit(p, {
          code: 'PERMITTED_HOURS',
          severity,
          ruleId: 'permitted-hours',
          basis: hoursBasis,
          message: `runs ${spanText(p)}${endsLater ? text.outsideEnding(localEnd) : text.outside}`,
          evidence: { localStart, localEnd, zone, permittedFrom: ph.from.value, permittedTo: ph.to.value },
        })
        continue
      }
      const wd = weekdayOf(p.startDay)
      if (preferred.length > 0 && !preferred.includes(wd)) {
        ctx.emit(p, {
          code: 'PERMITTED_HOURS',
          severity: 'info',
          ruleId: 'permitted-hours',
          basis: weekdayBasis,
          message: `runs ${spanText(p)}${text.weekday[wd]}`,
          evidence: { localStart, weekday: DAY_NAMES[wd]!, preferredWeekdays: preferredNames.slice() },
        })
      }
    }
  },
}

/**
 * The parts of hours messages after the window's span, written once per rule run (per end time for
 * a window ending on a later day) and shared by the findings. 10,000-window engine benchmark, 7 Dec
 * 2026: an hours message went from 9 rope nodes to 3.
 *
 * @example hoursTexts('Europe/London', 'outside …', 'Sunday').weekday[2] // ' (Europe/London) on a Tuesday; preferred: Sunday'
 */
function hoursTexts(zone: string, outsideTail: string, preferredText: string) {
  return {
    outside: ` (${zone}), ${outsideTail}`,
    outsideEnding: memoize((localEnd: string) => ` (${zone}), ending ${localEnd}, ${outsideTail}`),
    weekday: DAY_NAMES.map((day) => ` (${zone}) on a ${day}; preferred: ${preferredText}`),
  }
}
