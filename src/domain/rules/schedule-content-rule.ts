/**
 * SCHEDULE_CONTENT (SEC H8, recalled): a published window (notified or later) must say what the
 * activity is, which services are disrupted, when, the impact and the risk to the return of service.
 *
 * @example a notified window with riskToService null → warning listing 'riskToService'.
 */
import { basisOf, type ScheduleItem } from '../ruleset.ts'
import { IMPACTS } from '../window.ts'
import type { RuleContext, RuleFamily } from './types.ts'

const PUBLISHED = new Set(['notified', 'agreed', 'in-progress', 'completed'])

export const scheduleContentRule: RuleFamily = {
  id: 'schedule-content',
  codes: ['SCHEDULE_CONTENT'],
  run(ctx: RuleContext) {
    const req = ctx.ruleset.scheduleContent.required
    const basis = basisOf(ctx.ruleset, '/scheduleContent/required')
    for (const p of ctx.subjects) {
      const w = p.w
      if (!p.planned || !PUBLISHED.has(w.status)) continue
      const missing: ScheduleItem[] = []
      for (const item of req.value) {
        const bad =
          item === 'activity'
            ? !(w.title ?? '').trim() && !(w.description ?? '').trim()
            : item === 'services'
              ? !w.services || w.services.length === 0
              : item === 'times'
                ? !(p.e > p.s)
                : item === 'impact'
                  ? !(IMPACTS as readonly string[]).includes(w.impact)
                  : !(w.riskToService ?? '').trim()
        if (bad) missing.push(item)
      }
      if (missing.length === 0) continue
      ctx.emit(p, {
        code: 'SCHEDULE_CONTENT',
        severity: ctx.ruleset.severities.SCHEDULE_CONTENT ?? 'warning',
        ruleId: 'schedule-content',
        basis,
        message: `published window lacks ${missing.join(', ')}; the monthly schedule must give the activity, the services disrupted, the time and duration, the impact and the risk to the return of normal service`,
        evidence: { status: w.status, missing },
      })
    }
  },
}
