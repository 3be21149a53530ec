/**
 * OVERLAP (assumed): a window that overlaps in time another window (subject or stored plan) reaching
 * at least one common region. One finding per window, listing the others (sorted, first 20).
 *
 * @example a DSP outage 00:00–06:00 and a CSP-N outage 02:00–04:00 on the same night → both warned.
 */
import { MINUTE_MS } from '../time.ts'
import { fmtWall, type PreparedWindow, type RuleContext, type RuleFamily } from './types.ts'

const MAX_LISTED = 20

function shareRegion(a: PreparedWindow, b: PreparedWindow): boolean {
  const ra = a.w.regions
  const rb = b.w.regions
  if (ra.length === 0 || rb.length === 0) return true
  for (const r of ra) if (rb.includes(r)) return true
  return false
}

export const overlapRule: RuleFamily = {
  id: 'overlap',
  codes: ['OVERLAP'],
  run(ctx: RuleContext) {
    const impacts = ctx.ruleset.overlap.impacts
    const list = ctx.participants.filter((p) => impacts.value.includes(p.w.impact) && p.e > p.s)
    const n = list.length
    const starts = new Float64Array(n)
    const maxEnd = new Float64Array(n)
    let m = -Infinity
    list.forEach((p, i) => {
      starts[i] = p.s
      m = Math.max(m, p.e)
      maxEnd[i] = m
    })
    for (const p of ctx.subjects) {
      if (!impacts.value.includes(p.w.impact) || !(p.e > p.s)) continue
      let lo = 0
      let hi = n
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (starts[mid]! < p.e) lo = mid + 1
        else hi = mid
      }
      const others: PreparedWindow[] = []
      for (let j = lo - 1; j >= 0 && maxEnd[j]! > p.s; j--) {
        const q = list[j]!
        if (q === p || !(q.e > p.s) || !shareRegion(p, q)) continue
        others.push(q)
      }
      if (others.length === 0) continue
      others.sort((a, b) => a.s - b.s || a.e - b.e || cmp(a.w.reference, b.w.reference) || cmp(a.w.id ?? '', b.w.id ?? ''))
      const shared = others.map((q) => (Math.min(p.e, q.e) - Math.max(p.s, q.s)) / MINUTE_MS)
      const listed = others.slice(0, MAX_LISTED)
      ctx.emit(p, {
        code: 'OVERLAP',
        severity: ctx.ruleset.severities.OVERLAP ?? 'warning',
        ruleId: 'overlap',
        provenance: impacts.provenance,
        message: `overlaps ${others.length} other window${others.length > 1 ? 's' : ''} in a shared region: ${listed
          .map((q, i) => `${q.w.reference} (${q.w.party}, ${fmtWall(q.sWall)}–${fmtWall(q.eWall).slice(11)}, ${shared[i]} min shared)`)
          .join('; ')}${others.length > MAX_LISTED ? '; …' : ''}`,
        evidence: {
          overlapping: listed.map((q) => q.w.reference),
          overlappingParties: listed.map((q) => q.w.party),
          sharedMinutes: shared.slice(0, MAX_LISTED),
          count: others.length,
        },
      })
    }
  },
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
