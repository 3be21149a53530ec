/**
 * The order the engine walks a plan in: positions 0..n-1 by (start, end), then by `tie` (a total
 * order), then by position (stable).
 *
 * A plain comparator sort: the LSD radix sort on typed arrays that stood here gained nothing
 * measurable end to end (10,000-window engine benchmark alternating with it on 7 Dec 2026: minimum
 * 100-115 ms either way), so it went, with its merge-sort fallback.
 *
 * @example startOrder(Float64Array.of(9, 8), Float64Array.of(10, 10), () => 0) // Int32Array [1, 0]
 */
export function startOrder(s: Float64Array, e: Float64Array, tie: (a: number, b: number) => number): Int32Array {
  const order = Array.from({ length: s.length }, (_, i) => i)
  order.sort((a, b) => s[a]! - s[b]! || e[a]! - e[b]! || tie(a, b) || a - b)
  return Int32Array.from(order)
}
