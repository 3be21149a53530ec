/**
 * MAX_DURATION (assumed): a window longer, in real elapsed minutes, than the ruleset's
 * `maxWindowMinutes` (default 360).
 *
 * @example a 00:00–06:00 local window on 31 Oct 2021 is 420 minutes → warning.
 */
import { basisOf } from '../ruleset.ts'
import { MINUTE_MS } from '../time.ts'
import type { RuleContext, RuleFamily } from './types.ts'

export const durationRule: RuleFamily = {
  id: 'duration',
  codes: ['MAX_DURATION'],
  run(ctx: RuleContext) {
    const max = ctx.ruleset.duration.maxWindowMinutes
    const basis = basisOf(ctx.ruleset, '/duration/maxWindowMinutes')
    for (const p of ctx.subjects) {
      if (!p.planned) continue
      const minutes = (p.e - p.s) / MINUTE_MS
      if (minutes <= max.value) continue
      ctx.emit(p, {
        code: 'MAX_DURATION',
        severity: ctx.ruleset.severities.MAX_DURATION ?? 'warning',
        ruleId: 'duration',
        basis,
        message: `lasts ${minutes} real minutes, more than the maximum of ${max.value} minutes per window (${max.provenance})`,
        evidence: { realMinutes: minutes, maxWindowMinutes: max.value },
      })
    }
  },
}
