/**
 * Layout maths of the timeline, pure: where an instant falls across the range (a fraction, drawn as
 * a percentage so the page reflows without measuring), and which lane each bar takes so that no two
 * bars (with their labels) overlap at the timeline's current width.
 *
 * @example placeSpan({ start: 0, end: 10 }, { start: 5, end: 6 }) // { left: 50, width: 10 }
 */
import { NATION_TEXT } from './labels.ts'
import type { BlackoutPeriod } from './types.ts'

const CATEGORY_ORDER = ['winter', 'prepayment-peak', 'bank-holiday', 'release-freeze', 'custom']

export interface Span {
  start: number
  end: number
}

/** Where an instant falls in a range, 0 at its start and 1 at its end (not clamped). */
export function fractionOf(ms: number, range: Span): number {
  return (ms - range.start) / (range.end - range.start)
}

/** A span's left edge and width in percent of the range, clipped to it; null when it lies outside. */
export function placeSpan(range: Span, span: Span): { left: number; width: number } | null {
  const a = Math.max(span.start, range.start)
  const b = Math.min(span.end, range.end)
  if (!(b > a) && !(span.start === span.end && span.start >= range.start && span.start < range.end)) return null
  const left = fractionOf(a, range) * 100
  return { left, width: Math.max(0, fractionOf(b, range) * 100 - left) }
}

export interface LaneOptions {
  /** Timeline width in pixels (the lanes depend on it: labels have a width of their own). */
  widthPx: number
  /** Narrowest bar drawn, in pixels. */
  minBarPx?: number
  /** Width of one label character, in pixels. */
  charPx?: number
  /** Gap kept after a bar or its label, in pixels. */
  gapPx?: number
  /** Most lanes a row gets; past that, bars share the last lane and lose their labels. */
  maxLanes?: number
}

export interface Placed<T> {
  item: T
  left: number
  width: number
  lane: number
  /** Whether the label fits beside the bar in its lane. */
  label: boolean
}

/**
 * Greedy interval packing: bars in start order, each into the first lane whose last occupant (bar
 * and label, at least `minBarPx`) ends before it starts. Bars outside the range are left out.
 *
 * @example packLanes([a, b], (w) => w, () => 'DSP-TR-01', range, { widthPx: 1000 }).lanes // 1 when a and b are far apart
 */
export function packLanes<T>(
  items: readonly T[],
  spanOf: (t: T) => Span,
  labelOf: (t: T) => string,
  range: Span,
  opts: LaneOptions,
): { placed: Placed<T>[]; lanes: number } {
  const { widthPx, minBarPx = 8, charPx = 7, gapPx = 6, maxLanes = 8 } = opts
  const pxPerMs = widthPx / (range.end - range.start)
  const sorted = items
    .map((item) => ({ item, span: spanOf(item) }))
    .filter(({ span }) => span.end > range.start && span.start < range.end)
    .sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end)
  const laneEnds: number[] = []
  const placed: Placed<T>[] = []
  for (const { item, span } of sorted) {
    const pos = placeSpan(range, span)!
    const x = (Math.max(span.start, range.start) - range.start) * pxPerMs
    const barPx = Math.max(minBarPx, pos.width * (widthPx / 100))
    const withLabel = x + barPx + 4 + labelOf(item).length * charPx + gapPx
    const bare = x + barPx + gapPx
    let lane = laneEnds.findIndex((end) => end <= x)
    let label = true
    if (lane === -1) {
      if (laneEnds.length < maxLanes) lane = laneEnds.length
      else {
        lane = laneEnds.indexOf(Math.min(...laneEnds))
        label = false
      }
    }
    laneEnds[lane] = Math.max(laneEnds[lane] ?? 0, label ? withLabel : bare)
    placed.push({ item, left: pos.left, width: pos.width, lane, label })
  }
  return { placed, lanes: Math.max(1, laneEnds.length) }
}

/** What a key does to a bar being moved: minutes of wall time, or null for any other key. */
export function stepOf(key: string): number | null {
  switch (key) {
    case 'ArrowRight':
    case 'ArrowUp':
      return 15
    case 'ArrowLeft':
    case 'ArrowDown':
      return -15
    case 'PageUp':
      return 1440
    case 'PageDown':
      return -1440
    default:
      return null
  }
}

/** A pointer drag of `dx` pixels over a timeline `widthPx` wide, in minutes snapped to 15. */
export function dragMinutes(dx: number, widthPx: number, range: Span): number {
  const minutes = (dx / widthPx) * ((range.end - range.start) / 60_000)
  return Math.round(minutes / 15) * 15
}

export interface BlackoutRow {
  id: string
  label: string
  periods: BlackoutPeriod[]
}

/** One row per layer, and per nation for bank holidays; in category order. */
export function blackoutRows(periods: readonly BlackoutPeriod[]): BlackoutRow[] {
  const rows = new Map<string, BlackoutRow & { order: number }>()
  for (const p of periods) {
    const id = p.nation ? `${p.layerId}|${p.nation}` : p.layerId
    let row = rows.get(id)
    if (!row) {
      const label = p.nation ? `${p.name} (${NATION_TEXT[p.nation] ?? p.nation})` : p.name
      row = { id, label, periods: [], order: CATEGORY_ORDER.indexOf(p.category) }
      rows.set(id, row)
    }
    row.periods.push(p)
  }
  return [...rows.values()].sort((a, b) => a.order - b.order || a.label.localeCompare(b.label))
}
