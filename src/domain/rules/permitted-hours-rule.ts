/**
 * PERMITTED_HOURS (assumed): a window must lie inside the permitted local hours (default
 * 00:00–06:00 in the ruleset zone) of the day it starts. A window inside them on a day that is not a
 * preferred weekday (default Sunday) gets an `info` finding.
 *
 * @example 2021-11-16 22:00–02:00 local → warning; 2021-11-16 01:00–03:00 (a Tuesday) → info.
 */
import { basisOf } from '../ruleset.ts'
import { DAY_MS, MINUTE_MS, parseHhMm, weekdayOf } from '../time.ts'
import { endText, fmtWallTime, type RuleContext, type RuleFamily, startText } from './types.ts'

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
    const outsideTail = `outside the permitted hours ${ph.from.value}–${ph.to.value} local`
    const preferredNames = preferred.map((d) => DAY_NAMES[d]!)
    const preferredText = preferredNames.join(', ')
    for (const p of ctx.subjects) {
      if (!p.planned) continue
      const day0 = p.startDay * DAY_MS
      const inside = p.sWall >= day0 + from && p.eWall <= day0 + to && p.eWall > p.sWall
      const localStart = startText(p)
      const span = `${localStart}–${fmtWallTime(p.eWall)}`
      if (!inside) {
        const localEnd = endText(p)
        ctx.emit(p, {
          code: 'PERMITTED_HOURS',
          severity,
          ruleId: 'permitted-hours',
          basis: hoursBasis,
          message: `runs ${span} (${zone}), ${Math.floor(p.eWall / DAY_MS) !== p.startDay ? `ending ${localEnd}, ` : ''}${outsideTail}`,
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
          message: `runs ${span} (${zone}) on a ${DAY_NAMES[wd]}; preferred: ${preferredText}`,
          evidence: { localStart, weekday: DAY_NAMES[wd]!, preferredWeekdays: preferredNames.slice() },
        })
      }
    }
  },
}
