/**
 * CLOCK_CHANGE_NIGHT (assumed): a window containing a clock change in the ruleset zone. Its real
 * duration differs from its wall-clock duration (00:00–06:00 on 31 Oct 2021 is 420 real minutes).
 *
 * @example 2022-03-27 00:00–06:00 Europe/London → warning, 300 real minutes for 360 on the clock.
 */
import { basisOf } from '../ruleset.ts'
import { MINUTE_MS } from '../time.ts'
import { isoString, type RuleContext, type RuleFamily, spanText } from './types.ts'

export const clockChangeRule: RuleFamily = {
  id: 'clock-change',
  codes: ['CLOCK_CHANGE_NIGHT'],
  run(ctx: RuleContext) {
    const cc = ctx.ruleset.clockChange.forbidNights
    const basis = basisOf(ctx.ruleset, '/clockChange/forbidNights')
    if (!cc.value) return
    for (const p of ctx.subjects) {
      if (!p.planned) continue
      const tr = ctx.clock.firstTransitionBetween(p.s, p.e)
      if (tr === null) continue
      const real = (p.e - p.s) / MINUTE_MS
      const wall = (p.eWall - p.sWall) / MINUTE_MS
      const what = tr.offsetAfter > tr.offsetBefore ? 'clocks go forward' : 'clocks go back'
      ctx.emit(p, {
        code: 'CLOCK_CHANGE_NIGHT',
        severity: ctx.ruleset.severities.CLOCK_CHANGE_NIGHT ?? 'warning',
        ruleId: 'clock-change',
        basis,
        message: `runs ${spanText(p)} (${ctx.ruleset.zone}) across a clock change (${what} at ${isoString(tr.at)}): ${real} real minutes for ${wall} on the clock`,
        evidence: {
          transitionAt: isoString(tr.at),
          offsetBeforeMinutes: tr.offsetBefore,
          offsetAfterMinutes: tr.offsetAfter,
          realMinutes: real,
          wallClockMinutes: wall,
        },
      })
    }
  },
}
