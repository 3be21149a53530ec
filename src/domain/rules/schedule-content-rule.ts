/**
 * SCHEDULE_CONTENT (SEC H8, recalled): a published window (notified or later) must say what the
 * activity is, which services are disrupted, when, the impact and the risk to the return of service.
 *
 * Change reference (inferred; ruleset `scheduleContent.changeRefRequired`): a planned outage or
 * degraded window, proposed or later, must name the DCC Change Request that carries it. OPSG 58,
 * item 3: "The OPSG were concerned with the number of Incidents that had occurred from planned
 * maintenance changes. In particular in September, CRQ000000134669 was incorrectly implemented." A
 * window without its change cannot be tied to the Incidents it causes. Drafts are not checked.
 *
 * @example a notified window with riskToService null → warning listing 'riskToService'.
 * @example a proposed outage with changeRef null → warning 'no DCC Change Request (changeRef) …'.
 */
import { basisOf, type ScheduleItem } from '../ruleset.ts'
import { IMPACTS } from '../window.ts'
import type { RuleContext, RuleFamily } from './types.ts'

const PUBLISHED = new Set(['notified', 'agreed', 'in-progress', 'completed'])
const PROPOSED_OR_LATER = new Set(['proposed', ...PUBLISHED])
const changeRefMessage = (what: string) =>
  `no DCC Change Request (changeRef) is named for this ${what}; give the CRQ reference of the change that carries the work ` +
  '(e.g. CRQ000000134669) so that an Incident it causes can be traced to its planned change (OPSG 58 item 3)'
const CHANGE_REF_MESSAGES = { outage: changeRefMessage('outage'), degraded: changeRefMessage('degraded window') }

export const scheduleContentRule: RuleFamily = {
  id: 'schedule-content',
  codes: ['SCHEDULE_CONTENT'],
  run(ctx: RuleContext) {
    const req = ctx.ruleset.scheduleContent.required
    const basis = basisOf(ctx.ruleset, '/scheduleContent/required')
    const changeRef = ctx.ruleset.scheduleContent.changeRefRequired
    const changeRefBasis = changeRef ? basisOf(ctx.ruleset, '/scheduleContent/changeRefRequired') : null
    for (const p of ctx.subjects) {
      const w = p.w
      if (
        changeRef?.value &&
        p.planned &&
        (p.impact === 'outage' || p.impact === 'degraded') &&
        PROPOSED_OR_LATER.has(w.status) &&
        !(w.changeRef ?? '').trim()
      ) {
        ctx.emit(p, {
          code: 'SCHEDULE_CONTENT',
          severity: ctx.ruleset.severities.SCHEDULE_CONTENT ?? 'warning',
          ruleId: 'change-ref',
          basis: changeRefBasis!,
          message: CHANGE_REF_MESSAGES[p.impact],
          evidence: { status: w.status, impact: p.impact, changeRef: null, missing: ['changeRef'] },
        })
      }
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
