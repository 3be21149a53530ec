/**
 * Items with spans [s, e), sorted by start and indexed by the domain's span index (../span-index.ts:
 * the running maximum of their ends), so that one binary search
 * answers "does anything share time with [s, e)?" (and a short backward scan, "anything that also
 * passes this test?").
 *
 * @example
 * const idx = new SpanIndex(windows, (w) => [w.start.getTime(), w.end.getTime()])
 * idx.overlaps(s, e) // true when a window shares time with [s, e)
 * idx.overlaps(s, e, (w) => w.party === 'DSP') // … and that window is the DSP's
 */
import { lowerBound } from '../intervals.ts'
import { indexSpans, type SpanIndex as Spans } from '../span-index.ts'

export class SpanIndex<T> {
  readonly size: number
  private readonly items: T[]
  private readonly spans: Spans

  constructor(items: readonly T[], span: (item: T) => readonly [number, number]) {
    const sorted = items.map((item) => ({ item, span: span(item) })).sort((a, b) => a.span[0] - b.span[0])
    this.size = sorted.length
    this.items = sorted.map((x) => x.item)
    this.spans = indexSpans(
      Float64Array.from(sorted, (x) => x.span[0]),
      Float64Array.from(sorted, (x) => x.span[1]),
    )
  }

  /** Whether a span shares time with [s, e) (and passes `accept`, when given). */
  overlaps(s: number, e: number, accept?: (item: T) => boolean): boolean {
    const { starts, ends, maxEnd } = this.spans
    const before = lowerBound(starts, e) // spans starting before e
    if (!accept) return before > 0 && maxEnd[before - 1]! > s
    for (let j = before - 1; j >= 0 && maxEnd[j]! > s; j--) if (ends[j]! > s && accept(this.items[j]!)) return true
    return false
  }
}
