/**
 * A binary min-heap of (key, index) pairs ordered by key, then index, each flagged `exact` when its
 * key is final rather than a lower bound: the order in which the slot search visits candidates.
 *
 * @example
 * const h = RankHeap.of([5, 1, 3], [0, 1, 2], true)
 * h.pop() // { key: 1, index: 1, exact: true }
 */
export class RankHeap {
  private keys: number[] = []
  private idx: number[] = []
  private exact: boolean[] = []
  get size() {
    return this.keys.length
  }
  private less(i: number, j: number): boolean {
    const a = this.keys[i]!
    const b = this.keys[j]!
    return a < b || (a === b && this.idx[i]! < this.idx[j]!)
  }
  private swap(i: number, j: number) {
    ;[this.keys[i], this.keys[j]] = [this.keys[j]!, this.keys[i]!]
    ;[this.idx[i], this.idx[j]] = [this.idx[j]!, this.idx[i]!]
    ;[this.exact[i], this.exact[j]] = [this.exact[j]!, this.exact[i]!]
  }
  private down(i: number) {
    const n = this.keys.length
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < n && this.less(l, m)) m = l
      if (r < n && this.less(r, m)) m = r
      if (m === i) return
      this.swap(i, m)
      i = m
    }
  }
  /** Builds the heap in O(n). */
  static of(keys: number[], idx: number[], exact: boolean): RankHeap {
    const h = new RankHeap()
    h.keys = keys
    h.idx = idx
    h.exact = new Array(keys.length).fill(exact)
    for (let i = (keys.length >>> 1) - 1; i >= 0; i--) h.down(i)
    return h
  }
  push(key: number, index: number, exact: boolean) {
    this.keys.push(key)
    this.idx.push(index)
    this.exact.push(exact)
    let i = this.keys.length - 1
    while (i > 0) {
      const p = (i - 1) >>> 1
      if (!this.less(i, p)) break
      this.swap(i, p)
      i = p
    }
  }
  pop(): { key: number; index: number; exact: boolean } {
    const top = { key: this.keys[0]!, index: this.idx[0]!, exact: this.exact[0]! }
    const lk = this.keys.pop()!
    const li = this.idx.pop()!
    const le = this.exact.pop()!
    if (this.keys.length) {
      this.keys[0] = lk
      this.idx[0] = li
      this.exact[0] = le
      this.down(0)
    }
    return top
  }
}
