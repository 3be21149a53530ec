/**
 * OVERLAP (assumed): a window that overlaps in time another window (subject or stored plan) reaching
 * at least one common region. One finding per window, listing the others (sorted by start, first 10; `count` has them all).
 *
 * @example a DSP outage 00:00–06:00 and a CSP-N outage 02:00–04:00 on the same night → both warned.
 */
import { MINUTE_MS } from '../time.ts'
import { flat, fmtWallTime, type RuleContext, type RuleFamily, startText } from './types.ts'

const MAX_LISTED = 10


export const overlapRule: RuleFamily = {
  id: 'overlap',
  codes: ['OVERLAP'],
  run(ctx: RuleContext) {
    const impacts = ctx.ruleset.overlap.impacts
    for (const p of ctx.participants) p.slot = -1
    const list = ctx.participants.filter((p) => p.e > p.s && impacts.value.includes(p.w.impact))
    const n = list.length
    const starts = new Float64Array(n)
    const ends = new Float64Array(n)
    const maxEnd = new Float64Array(n)
    // Region sets as bit masks (an empty region list means "everywhere"); beyond 31 distinct regions
    // the extra ones share bit 31, which can only over-report an overlap, never miss one.
    const bit = new Map<string, number>()
    const masks = new Int32Array(n)
    let m = -Infinity
    list.forEach((p, i) => {
      starts[i] = p.s
      ends[i] = p.e
      m = Math.max(m, p.e)
      maxEnd[i] = m
      p.slot = i
      let mask = 0
      for (const r of p.w.regions) {
        let b = bit.get(r)
        if (b === undefined) bit.set(r, (b = Math.min(bit.size, 31)))
        mask |= 1 << b
      }
      masks[i] = p.w.regions.length === 0 ? -1 : mask
    })
    const ring = new Int32Array(MAX_LISTED)
    const severity = ctx.ruleset.severities.OVERLAP ?? 'warning'
    for (const p of ctx.subjects) {
      const self = p.slot
      if (self < 0 || list[self] !== p) continue
      const ps = p.s
      const mask = masks[self]!
      let lo = 0
      let hi = n
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (starts[mid]! < p.e) lo = mid + 1
        else hi = mid
      }
      // Backward scan: candidates come in descending participants order (s, e, reference, id); the
      // ring keeps the last MAX_LISTED found, i.e. the earliest ones, deterministically.
      let count = 0
      for (let j = lo - 1; j >= 0 && maxEnd[j]! > ps; j--) {
        if (j === self || !(ends[j]! > ps) || (masks[j]! & mask) === 0) continue
        ring[count % MAX_LISTED] = j
        count++
      }
      if (count === 0) continue
      // The listed windows, earliest first; each entry's fixed text is cached on the window.
      const listedN = Math.min(count, MAX_LISTED)
      const overlapping: string[] = new Array(listedN)
      const parties: string[] = new Array(listedN)
      const shared: number[] = new Array(listedN)
      let text = ''
      for (let k = count - 1, i = 0; i < listedN; k--, i++) {
        const q = list[ring[k % MAX_LISTED]!]!
        const sh = (Math.min(p.e, q.e) - Math.max(p.s, q.s)) / MINUTE_MS
        overlapping[i] = q.w.reference
        parties[i] = q.w.party
        shared[i] = sh
        const entry = q.listText ?? (q.listText = flat(`${q.w.reference} (${q.w.party}, ${startText(q)}–${fmtWallTime(q.eWall)}, `))
        text = i === 0 ? `${entry}${sh} min shared)` : `${text}; ${entry}${sh} min shared)`
      }
      ctx.emit(p, {
        code: 'OVERLAP',
        severity,
        ruleId: 'overlap',
        provenance: impacts.provenance,
        message: `overlaps ${count} other window${count > 1 ? 's' : ''} in a shared region: ${text}${count > MAX_LISTED ? '; …' : ''}`,
        evidence: {
          overlapping,
          overlappingParties: parties,
          sharedMinutes: shared,
          count,
        },
      })
    }
  },
}

