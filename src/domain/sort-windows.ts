/**
 * The order the engine walks a plan in: windows by (start, end), ties by a total order.
 *
 * Kept with the engine's other speed machinery (message-chunks.ts, findings-collector.ts): without
 * all of it (Array.prototype.sort by start, end and ties; plain strings) the 10,000-window engine
 * benchmark was 40-60 % slower than ad86e94, alternating on our shared 2-core machine (7 Dec 2026).
 * This sort's own share could not be told apart from the noise there; measure it alone before
 * replacing it with the comparator sort.
 */
/**
 * Positions 0..n-1 ordered by (s, e), then by `tie` within a run of equal (s, e); `tie` must be a
 * total order. Equal under all three, positions keep their order (stable).
 *
 * Instants are whole milliseconds (Date.getTime), so the usual path is an LSD radix sort on
 * integer keys (start, then duration, in the plan's common unit: minutes for most plans) in a few
 * linear passes over typed arrays; only runs of equal (s, e) read the windows themselves (`tie`).
 * A comparator sort over window objects read two objects scattered over the heap per comparison,
 * which made the 100,000-window plan 20× slower to order than the 10,000-window one.
 *
 * @example startOrder(Float64Array.of(9, 8), Float64Array.of(10, 10), () => 0) // Int32Array [1, 0]
 */
export function startOrder(s: Float64Array, e: Float64Array, tie: (a: number, b: number) => number): Int32Array {
  const n = s.length
  let pos: Int32Array = new Int32Array(n)
  for (let i = 0; i < n; i++) pos[i] = i
  if (n < 2) return pos
  // Keys: start and duration (e − s) from their minimums, in the largest unit dividing them all.
  let minS = Infinity
  let minD = Infinity
  let integral = true
  for (let i = 0; i < n; i++) {
    const a = s[i]!
    const d = e[i]! - a
    if (a < minS) minS = a
    if (d < minD) minD = d
    // Whole milliseconds within ±2^51 (year ±71,000): every difference below is exact.
    if (!Number.isInteger(a) || !Number.isInteger(e[i]!) || Math.abs(a) > 2 ** 51 || Math.abs(e[i]!) > 2 ** 51) integral = false
  }
  const keys = integral ? radixKeys(s, e, minS, minD) : null
  if (keys !== null) {
    // Least significant key first: by duration, then (stable) by start.
    pos = radixPasses(radixPasses(pos, keys.duration), keys.start)
  } else {
    pos = mergeByStartEnd(pos, s, e)
  }
  // Runs of equal (s, e), in the order of `tie` (insertion sort: runs are short).
  for (let k = 1; k < n; k++) {
    const p = pos[k]!
    const ps = s[p]!
    const pe = e[p]!
    let y = k - 1
    for (; y >= 0 && s[pos[y]!] === ps && e[pos[y]!] === pe && tie(p, pos[y]!) < 0; y--) pos[y + 1] = pos[y]!
    pos[y + 1] = p
  }
  return pos
}

/**
 * Start and duration of each window from their minimums, in the largest of minute, second and
 * millisecond that divides them all; null when a key would not fit in 31 bits (then merge sort).
 */
function radixKeys(s: Float64Array, e: Float64Array, minS: number, minD: number): { start: Int32Array; duration: Int32Array } | null {
  const n = s.length
  for (const unit of [60_000, 1_000, 1]) {
    let fits = true
    for (let i = 0; i < n && fits; i++) {
      const ks = (s[i]! - minS) / unit
      const kd = (e[i]! - s[i]! - minD) / unit
      fits = ks === Math.floor(ks) && kd === Math.floor(kd) && ks < 2 ** 31 && kd < 2 ** 31
    }
    if (!fits) continue
    const start = new Int32Array(n)
    const duration = new Int32Array(n)
    for (let i = 0; i < n; i++) {
      start[i] = (s[i]! - minS) / unit
      duration[i] = (e[i]! - s[i]! - minD) / unit
    }
    return { start, duration }
  }
  return null
}

/** Stable LSD radix sort of positions by non-negative 31-bit keys (`key[position]`), ≤ 11 bits a pass. */
function radixPasses(pos: Int32Array, key: Int32Array): Int32Array {
  const n = pos.length
  let max = 0
  for (let i = 0; i < n; i++) if (key[i]! > max) max = key[i]!
  const bits = 32 - Math.clz32(max)
  if (bits === 0) return pos
  const passes = Math.ceil(bits / 11)
  const width = Math.ceil(bits / passes)
  const mask = (1 << width) - 1
  const count = new Int32Array(mask + 1)
  let from: Int32Array = pos
  let to: Int32Array = new Int32Array(n)
  for (let shift = 0; shift < bits; shift += width) {
    count.fill(0)
    for (let i = 0; i < n; i++) count[(key[from[i]!]! >>> shift) & mask]!++
    for (let d = 0, sum = 0; d <= mask; d++) {
      const c = count[d]!
      count[d] = sum
      sum += c
    }
    for (let i = 0; i < n; i++) {
      const p = from[i]!
      to[count[(key[p]! >>> shift) & mask]!++] = p
    }
    ;[from, to] = [to, from]
  }
  return from
}

/** Stable bottom-up merge sort of positions by (s, e): the path for instants that are not whole milliseconds. */
function mergeByStartEnd(pos: Int32Array, s: Float64Array, e: Float64Array): Int32Array {
  const n = pos.length
  let from: Int32Array = pos
  let to: Int32Array = new Int32Array(n)
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n)
      const hi = Math.min(lo + 2 * width, n)
      let i = lo
      let j = mid
      let k = lo
      while (i < mid && j < hi) {
        const a = from[i]!
        const b = from[j]!
        to[k++] = s[b]! < s[a]! || (s[b] === s[a] && e[b]! < e[a]!) ? from[j++]! : from[i++]!
      }
      while (i < mid) to[k++] = from[i++]!
      while (j < hi) to[k++] = from[j++]!
    }
    ;[from, to] = [to, from]
  }
  return from
}
