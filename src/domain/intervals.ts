/**
 * Half-open spans [start, end) on a number line (milliseconds or minutes) and sorted-array search:
 * the one home of interval union and binary search for the engine, slots, impact and reports.
 *
 * @example unionSpans([[5, 9], [0, 3], [2, 4]]) // [[0, 4], [5, 9]]
 * @example unionLength([[0, 10], [5, 20]], 0, 15) // 15
 * @example lowerBound([1, 3, 3, 7], 3) // 1; lowerBound([1, 3, 3, 7], 3, true) // 3
 */

/** A half-open span [start, end). */
export type Span = readonly [number, number]

/**
 * The first index i (of the first `n` entries of ascending `sorted`) with `sorted[i] >= x`, or
 * `sorted[i] > x` when `strict`; `n` when there is none.
 */
export function lowerBound(sorted: ArrayLike<number>, x: number, strict = false, n = sorted.length): number {
  let lo = 0
  let hi = n
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (strict ? sorted[mid]! <= x : sorted[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The sorted, disjoint union of `spans` (empty ones dropped; touching ones joined). The input is not changed. */
export function unionSpans(spans: Iterable<Span>): [number, number][] {
  const xs = [...spans].filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0])
  const out: [number, number][] = []
  for (const [s, e] of xs) {
    const last = out[out.length - 1]
    if (last && s <= last[1]) last[1] = Math.max(last[1], e)
    else out.push([s, e])
  }
  return out
}

/** The length of the union of `spans`, each clipped to [lo, hi) first. The input is not changed. */
export function unionLength(spans: Iterable<Span>, lo = Number.NEGATIVE_INFINITY, hi = Number.POSITIVE_INFINITY): number {
  const clipped: [number, number][] = []
  for (const [s, e] of spans) clipped.push([Math.max(s, lo), Math.min(e, hi)])
  let total = 0
  for (const [s, e] of unionSpans(clipped)) total += e - s
  return total
}
