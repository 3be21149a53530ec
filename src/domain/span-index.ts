/**
 * Spans [start, end) sorted by start, indexed for "which of them overlap [s, e)?" without a scan:
 * the spans starting before e are a prefix (a binary search, `lowerBound` from intervals.ts), and
 * with the running maximum of the ends (`maxEnd`) the ones reaching past s are found by walking
 * back from there. Used by the blackout matcher; the overlap rule and the slot search build the
 * same prefix maximum.
 *
 * @example
 * const ix = indexSpans(Float64Array.of(0, 5, 8), Float64Array.of(10, 6, 9))
 * ix.maxEnd // Float64Array [10, 10, 10]
 * firstReaching(ix, 7, lowerBound(ix.starts, 8.5)) // 0: span 0 (0–10) still reaches past 7
 */
export interface SpanIndex {
  /** Starts, ascending. */
  readonly starts: Float64Array
  /** Ends, in the same order as `starts`. */
  readonly ends: Float64Array
  /** maxEnd[i] = the largest of ends[0..i]. */
  readonly maxEnd: Float64Array
}

/** Indexes spans given by their starts (ascending) and ends; the arrays are kept, not copied. */
export function indexSpans(starts: Float64Array, ends: Float64Array): SpanIndex {
  const maxEnd = new Float64Array(ends.length)
  let m = Number.NEGATIVE_INFINITY
  for (let i = 0; i < ends.length; i++) {
    if (ends[i]! > m) m = ends[i]!
    maxEnd[i] = m
  }
  return { starts, ends, maxEnd }
}

/**
 * The first index of the spans before `hi` from which every span (up to `hi`) may reach past `s`:
 * no span before it ends after `s`. Walks back from `hi`, cheap when few spans reach back over `s`.
 */
export function firstReaching(ix: SpanIndex, s: number, hi: number): number {
  let lo = hi
  while (lo > 0 && ix.maxEnd[lo - 1]! > s) lo--
  return lo
}
