/**
 * PERMITTED_HOURS (assumed): a window must lie inside the permitted local hours (default
 * 00:00–06:00 in the ruleset zone) of the day it starts. A window inside them on a day that is not a
 * preferred weekday (default Sunday) gets an `info` finding.
 *
 * @example 2021-11-16 22:00–02:00 local → warning; 2021-11-16 01:00–03:00 (a Tuesday) → info.
 */
import { DAY_MS, MINUTE_MS, parseHhMm, weekdayOf } from '../time.ts'
import { fmtWall, fmtWallTime, type RuleContext, type RuleFamily } from './types.ts'

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
    for (const p of ctx.subjects) {
      if (!p.planned) continue
      const day0 = p.startDay * DAY_MS
      const inside = p.sWall >= day0 + from && p.eWall <= day0 + to && p.eWall > p.sWall
      const span = `${fmtWall(p.sWall)}–${fmtWallTime(p.eWall)}`
      if (!inside) {
        ctx.emit(p, {
          code: 'PERMITTED_HOURS',
          severity: ctx.ruleset.severities.PERMITTED_HOURS ?? 'warning',
          ruleId: 'permitted-hours',
          provenance: ph.from.provenance,
          message: `runs ${span} (${zone}), ${fmtWall(p.eWall).slice(0, 10) !== fmtWall(p.sWall).slice(0, 10) ? `ending ${fmtWall(p.eWall)}, ` : ''}outside the permitted hours ${ph.from.value}–${ph.to.value} local`,
          evidence: { localStart: fmtWall(p.sWall), localEnd: fmtWall(p.eWall), zone, permittedFrom: ph.from.value, permittedTo: ph.to.value },
        })
        continue
      }
      const wd = weekdayOf(p.startDay)
      if (preferred.length > 0 && !preferred.includes(wd)) {
        ctx.emit(p, {
          code: 'PERMITTED_HOURS',
          severity: 'info',
          ruleId: 'permitted-hours',
          provenance: ph.preferredWeekdays.provenance,
          message: `runs ${span} (${zone}) on a ${DAY_NAMES[wd]}; preferred: ${preferred.map((d) => DAY_NAMES[d]).join(', ')}`,
          evidence: { localStart: fmtWall(p.sWall), weekday: DAY_NAMES[wd]!, preferredWeekdays: preferred.map((d) => DAY_NAMES[d]!) },
        })
      }
    }
  },
}
