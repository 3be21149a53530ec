/**
 * Blackout layers → WINTER, PREPAYMENT_PEAK, BANK_HOLIDAY, RELEASE_FREEZE, BLACKOUT: one finding
 * per (window, layer) whose periods overlap the window and whose scope covers it, with the layer's
 * severity and provenance. Holiday layers use the nations of the window's regions.
 *
 * @example OPSG 58 window 14 Nov 2021 → WINTER (objection) and PREPAYMENT_PEAK 'november-top-up'.
 */
import { layerCode } from '../blackouts.ts'
import { fmtWall, fmtWallTime, fmtWallDate, type RuleContext, type RuleFamily } from './types.ts'

export const blackoutRule: RuleFamily = {
  id: 'blackout',
  codes: ['WINTER', 'PREPAYMENT_PEAK', 'BANK_HOLIDAY', 'RELEASE_FREEZE', 'BLACKOUT'],
  run(ctx: RuleContext) {
    const clock = ctx.clock
    for (const p of ctx.subjects) {
      if (!p.planned || !(p.e > p.s)) continue
      for (const hit of ctx.blackouts.hits(p.w, p.s, p.e)) {
        const l = hit.layer
        const code = layerCode(l)
        const pStart = fmtWallDate(clock.toWall(hit.start))
        const pLast = fmtWallDate(clock.toWall(hit.end - 1))
        const period = pStart === pLast ? pStart : `${pStart} to ${pLast}`
        ctx.emit(p, {
          code,
          severity: l.severity,
          ruleId: 'blackout',
          qualifier: l.id,
          provenance: l.provenance,
          ...(l.version ? { version: l.version } : {}),
          message: `${fmtWall(p.sWall)}–${fmtWallTime(p.eWall)} (${ctx.ruleset.zone}) falls in '${l.name}' (${period}${hit.label ? `: ${hit.label}` : ''}) for ${hit.overlapMinutes} minutes; ${l.legalBasis}`,
          evidence: {
            layerId: l.id,
            layerName: l.name,
            category: l.category,
            periodStart: new Date(hit.start).toISOString(),
            periodEnd: new Date(hit.end).toISOString(),
            periodLocal: period,
            label: hit.label ?? null,
            overlapMinutes: hit.overlapMinutes,
            owner: l.owner,
          },
        })
      }
    }
  },
}
