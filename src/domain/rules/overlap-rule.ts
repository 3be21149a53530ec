/**
 * OVERLAP (assumed): a window that overlaps in time another window (subject or stored plan) reaching
 * at least one common region. One finding per window, listing the others (sorted by start, first 10; `count` has them all).
 *
 * @example a DSP outage 00:00–06:00 and a CSP-N outage 02:00–04:00 on the same night → both warned.
 */
import { basisOf } from '../ruleset.ts'
import { MINUTE_MS } from '../time.ts'
import { fmtWallTime, type RuleContext, type RuleFamily, startText } from './types.ts'

const MAX_LISTED = 10

export const overlapRule: RuleFamily = {
  id: 'overlap',
  codes: ['OVERLAP'],
  run(ctx: RuleContext) {
    const impacts = ctx.ruleset.overlap.impacts
    const basis = basisOf(ctx.ruleset, '/overlap/impacts')
    const list = ctx.participants.filter((p) => p.e > p.s && impacts.value.includes(p.impact))
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
      let mask = 0
      for (const r of p.regions) {
        let b = bit.get(r)
        if (b === undefined) bit.set(r, (b = Math.min(bit.size, 31)))
        mask |= 1 << b
      }
      masks[i] = p.regions.length === 0 ? -1 : mask
    })
    // Counting without a pairwise scan: per distinct region mask, the windows overlapping [ps, pe)
    // are (#starts < pe) − (#ends ≤ ps) (every listed window has e > s). With few distinct masks
    // (parties cover fixed region sets) that is a few binary searches per window, whatever the density.
    const groupOf = new Map<number, number>()
    for (let i = 0; i < n; i++) if (!groupOf.has(masks[i]!)) groupOf.set(masks[i]!, groupOf.size)
    const G = groupOf.size
    const useGroups = G <= 16
    const gMask = new Int32Array(G)
    const gStarts: Float64Array[] = []
    const gEnds: Float64Array[] = []
    if (useGroups) {
      const sizes = new Int32Array(G)
      for (const [mk, g] of groupOf) gMask[g] = mk
      for (let i = 0; i < n; i++) sizes[groupOf.get(masks[i]!)!]!++
      for (let g = 0; g < G; g++) {
        gStarts.push(new Float64Array(sizes[g]!))
        gEnds.push(new Float64Array(sizes[g]!))
      }
      const fill = new Int32Array(G)
      for (let i = 0; i < n; i++) {
        const g = groupOf.get(masks[i]!)!
        gStarts[g]![fill[g]!] = starts[i]!
        gEnds[g]![fill[g]!++] = ends[i]!
      }
      for (const e of gEnds) e.sort() // starts are already sorted (list order)
    }
    // Message parts repeated across findings, built once per assessment: the head per count, and per
    // shared-minutes value the tail of an entry with the separator of the next one (or without).
    const heads = new Map<number, string>()
    const head = (count: number) => {
      let v = heads.get(count)
      if (v === undefined) heads.set(count, (v = `overlaps ${count} other window${count > 1 ? 's' : ''} in a shared region: `))
      return v
    }
    const tails = new Map<number, string>()
    const tail = (sh: number, last: boolean) => {
      const k = last ? -1 - sh : sh // sh ≥ 0
      let v = tails.get(k)
      if (v === undefined) tails.set(k, (v = `${sh} min shared)${last ? '' : '; '}`))
      return v
    }
    const ring = new Int32Array(MAX_LISTED)
    const sel = new Int32Array(MAX_LISTED)
    const severity = ctx.ruleset.severities.OVERLAP ?? 'warning'
    // Subjects in start order (not input order): neighbours in time list mostly the same windows, so
    // their data stays in cache (in input order every listed window was a cache miss on large plans).
    // Each window's findings are sorted at the end, so the order of emission does not matter.
    for (let self = 0; self < n; self++) {
      const p = list[self]!
      if (p.index < 0) continue // background: counts, gets no finding
      const ps = starts[self]!
      const pe = ends[self]!
      const mask = masks[self]!
      let lo = 0
      let hi = n
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (starts[mid]! < pe) lo = mid + 1
        else hi = mid
      }
      let count = 0
      if (useGroups) {
        for (let g = 0; g < G; g++)
          if ((gMask[g]! & mask) !== 0) count += countBelow(gStarts[g]!, pe, false) - countBelow(gEnds[g]!, ps, true)
        count-- // the window itself
        if (count === 0) continue
        // The first MAX_LISTED overlapping windows in participants order: forward from the first
        // index whose prefix max end passes ps.
        let f = 0
        let h = lo
        while (f < h) {
          const mid = (f + h) >>> 1
          if (maxEnd[mid]! > ps) h = mid
          else f = mid + 1
        }
        let found = 0
        for (let j = f; j < lo && found < MAX_LISTED; j++) {
          if (j === self || !(ends[j]! > ps) || (masks[j]! & mask) === 0) continue
          ring[found++] = j
        }
        // sel: the listed indexes in ascending order
        for (let i = 0; i < found; i++) sel[i] = ring[i]!
      } else {
        // Backward scan: candidates come in descending participants order (s, e, reference, id); the
        // ring keeps the last MAX_LISTED found, i.e. the earliest ones, deterministically.
        for (let j = lo - 1; j >= 0 && maxEnd[j]! > ps; j--) {
          if (j === self || !(ends[j]! > ps) || (masks[j]! & mask) === 0) continue
          ring[count % MAX_LISTED] = j
          count++
        }
        for (let i = 0; i < Math.min(count, MAX_LISTED); i++) sel[i] = ring[(count - 1 - i) % MAX_LISTED]!
      }
      if (count === 0) continue
      // The listed windows, earliest first; each entry's fixed text is cached on the window, so an
      // entry adds two parts to the message rope (entry, tail).
      const listedN = Math.min(count, MAX_LISTED)
      const overlapping: string[] = new Array(listedN)
      const parties: string[] = new Array(listedN)
      const shared: number[] = new Array(listedN)
      let text = ''
      for (let i = 0; i < listedN; i++) {
        const j = sel[i]!
        const q = list[j]!
        const sh = (Math.min(pe, ends[j]!) - Math.max(ps, starts[j]!)) / MINUTE_MS
        overlapping[i] = q.reference
        parties[i] = q.party
        shared[i] = sh
        const entry = q.listText ?? (q.listText = `${q.reference} (${q.party}, ${startText(q)}–${fmtWallTime(q.eWall)}, `)
        text = `${text}${entry}${tail(sh, i === listedN - 1)}`
      }
      ctx.emit(p, {
        code: 'OVERLAP',
        severity,
        ruleId: 'overlap',
        basis,
        message: `${head(count)}${text}${count > MAX_LISTED ? `; and ${count - MAX_LISTED} more` : ''}`,
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

/** Number of values in a sorted array below x (strict) or at most x (inclusive). */
function countBelow(a: Float64Array, x: number, inclusive: boolean): number {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (inclusive ? a[mid]! <= x : a[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}
