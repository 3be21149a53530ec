/**
 * The timeline: months with their cap gauge and notice deadline, a row per blackout layer (bank
 * holidays per nation), a row per party with each window a bar coloured by its verdict (with a symbol
 * and its reference beside it), and today. Positions are percentages of the range; lanes are packed
 * at the measured width so labels never overlap.
 */
import { useLayoutEffect, useRef, useState } from 'preact/hooks'
import type { BoardData, WhatIf } from './board.tsx'
import { RATING_SYMBOL, RATING_TEXT } from './labels.ts'
import { blackoutRows, dragMinutes, packLanes, placeSpan, type Span, stepOf } from './layout.ts'
import { formatDate, formatLocal, formatMinutes, formatSpan, type MonthSpan, monthsOf, shiftWall } from './time.ts'
import type { PlanMonth, Shown, WindowDto } from './types.ts'

const LANE_PX = 28

export interface TimelineProps {
  data: BoardData
  months: Map<string, PlanMonth>
  ratingOf: (id: string) => Shown
  whatIf: WhatIf | null
  selectedId: string | null
  editable: (w: WindowDto) => boolean
  onSelect: (id: string) => void
  onNudge: (id: string, minutes: number) => void
  onDragTo: (id: string, start: number, end: number) => void
  now: number
}

const pct = (n: number) => `${n.toFixed(4)}%`
const quantize = (px: number) => Math.max(300, Math.floor(px / 50) * 50)

export function Timeline(props: TimelineProps) {
  const { data } = props
  const range = data.range
  const trackRef = useRef<HTMLDivElement>(null)
  // Lanes are packed for the width in steps of 50 px (a first guess from the page's width, usually
  // right), so that the first measurement rarely draws every bar a second time.
  const [widthPx, setWidthPx] = useState(() => quantize((document.querySelector('.board')?.clientWidth ?? 1200) - 208))
  useLayoutEffect(() => {
    const el = trackRef.current
    if (!el) return
    const measure = () => el.clientWidth > 0 && setWidthPx(quantize(el.clientWidth))
    measure()
    const ro = new ResizeObserver(measure)
    ro.observe(el)
    return () => ro.disconnect()
  }, [])

  const months = monthsOf(range.start, range.end)
  const parties = data.query.parties.length ? data.query.parties : [...new Set(data.windows.map((w) => w.party))].sort()
  const layers = blackoutRows(data.periods)
  const todayAt = props.now >= range.start && props.now < range.end ? placeSpan(range, { start: props.now, end: props.now })!.left : null

  return (
    <section class="timeline" aria-label={`Timeline, ${formatDate(data.query.from)} to ${formatDate(data.query.to)} (exclusive)`}>
      <div class="tl-row tl-months">
        <div class="tl-label">Month</div>
        <div class="tl-track" ref={trackRef}>
          {months.map((m) => (
            <MonthCell key={m.key} m={m} range={range} />
          ))}
          {todayAt !== null && (
            <span class="today-label" style={{ left: pct(todayAt) }}>
              Today
            </span>
          )}
        </div>
      </div>
      <div class="tl-row tl-cap">
        <div class="tl-label">
          Monthly cap <span class="sub">GB, minutes</span>
        </div>
        <div class="tl-track">
          {months.map((m) => (
            <Gauge key={m.key} m={m} range={range} figure={props.months.get(m.key)} />
          ))}
        </div>
      </div>
      <div class="tl-row tl-deadlines">
        <div class="tl-label">
          Notice by <span class="sub">for the month</span>
        </div>
        <div class="tl-track">
          {months.map((m) => {
            const d = data.deadlines.get(m.key)?.deadline
            const p = placeSpan(range, m)!
            return (
              <div key={m.key} class="deadline" style={{ left: pct(p.left), width: pct(p.width) }} data-deadline-month={m.key}>
                {d ? (
                  <span
                    title={`Windows starting in ${m.label} must be notified before ${formatLocal(Date.parse(d.before))} (${d.workingDays} Working Days, ${d.calendar}; ${d.provenance})`}
                  >
                    by {formatDate(d.lastDay).replace(/ \d{4}$/, '')}
                  </span>
                ) : (
                  <span>per window</span>
                )}
              </div>
            )
          })}
          {months.map((m) => {
            const d = data.deadlines.get(m.key)?.deadline
            const at = d && placeSpan(range, { start: Date.parse(d.before), end: Date.parse(d.before) })
            return at ? (
              <span
                key={`t${m.key}`}
                class="deadline-tick"
                style={{ left: pct(at.left) }}
                title={`Notice for ${m.label} must be given before ${formatLocal(Date.parse(d.before))}`}
                aria-hidden="true"
              />
            ) : null
          })}
        </div>
      </div>
      {layers.map((l) => (
        // biome-ignore lint/a11y/useSemanticElements: a timeline row groups its bands; a fieldset groups form controls
        <div
          key={l.id}
          class="tl-row tl-band-row"
          role="group"
          aria-label={`${l.label}: ${l.periods.length} period${l.periods.length === 1 ? '' : 's'}`}
        >
          <div class="tl-label" aria-hidden="true">
            {l.label}
          </div>
          <div class="tl-track">
            {l.periods.map((b, i) => {
              const p = placeSpan(range, { start: Date.parse(b.start), end: Date.parse(b.end) })
              return p ? (
                <div
                  key={i}
                  class={`band c-${b.category}`}
                  data-blackout={b.layerId}
                  style={{ left: pct(p.left), width: pct(p.width) }}
                  title={`${b.label ?? b.name}: ${formatSpan(Date.parse(b.start), Date.parse(b.end))} (${b.severity}, ${b.provenance})`}
                  aria-hidden="true"
                />
              ) : null
            })}
          </div>
        </div>
      ))}
      {parties.map((party) => (
        <PartyRow key={party} party={party} {...props} widthPx={widthPx} />
      ))}
      {parties.length === 0 && <p class="empty">No windows in this range.</p>}
      {todayAt !== null && (
        <div class="today-line" style={{ left: `calc(var(--label-w) + (100% - var(--label-w)) * ${todayAt / 100})` }} aria-hidden="true" />
      )}
    </section>
  )
}

function MonthCell({ m, range }: { m: MonthSpan; range: Span }) {
  const p = placeSpan(range, m)!
  return (
    <div class="month" style={{ left: pct(p.left), width: pct(p.width) }}>
      <span>{p.width > 4 ? m.short : ''}</span>
    </div>
  )
}

function Gauge({ m, range, figure }: { m: MonthSpan; range: Span; figure: PlanMonth | undefined }) {
  const p = placeSpan(range, m)!
  if (!figure)
    return (
      <div class="gauge empty" style={{ left: pct(p.left), width: pct(p.width) }} data-gauge-month={m.key}>
        <span class="gauge-text">—</span>
      </div>
    )
  const assumed = figure.capProvenance === 'assumed'
  const symbol = figure.status === 'breach' ? '✖' : figure.status === 'warning' ? '·' : '✓'
  const fill = Math.min(100, (figure.plannedMinutes / Math.max(1, figure.capMinutes)) * 100)
  const text = `${m.label}: ${formatMinutes(figure.plannedMinutes)} planned against a cap of ${formatMinutes(figure.capMinutes)}${assumed ? ' (cap assumed)' : ''}, ${figure.status}`
  return (
    // biome-ignore lint/a11y/useSemanticElements: <meter> clamps a value over its max; the gauge must say the cap is exceeded, and by how much
    <div
      class={`gauge s-${figure.status}${assumed ? ' assumed' : ''}`}
      style={{ left: pct(p.left), width: pct(p.width) }}
      role="meter"
      aria-valuemin={0}
      aria-valuemax={figure.capMinutes}
      aria-valuenow={Math.min(figure.plannedMinutes, figure.capMinutes)}
      aria-valuetext={text}
      aria-label={text}
      data-gauge-month={m.key}
      data-cap-assumed={assumed ? 'true' : 'false'}
    >
      <span class="gauge-text" aria-hidden="true">
        {symbol} {figure.plannedMinutes}/{figure.capMinutes}
        {assumed ? '?' : ''}
      </span>
      <span class="gauge-bar" aria-hidden="true">
        <span class="gauge-fill" style={{ width: pct(fill) }} />
      </span>
    </div>
  )
}

function PartyRow(props: TimelineProps & { party: string; widthPx: number }) {
  const { data, whatIf, party } = props
  const range = data.range
  const windows = data.windows.filter((w) => w.party === party)
  const spanOf = (w: WindowDto): Span =>
    whatIf?.id === w.id ? { start: whatIf.start, end: whatIf.end } : { start: Date.parse(w.start), end: Date.parse(w.end) }
  const { placed, lanes } = packLanes(windows, spanOf, (w) => `✖ ${w.reference}`, range, { widthPx: props.widthPx, minBarPx: 16 })
  const placedById = new Map(placed.map((p) => [p.item.id, p]))
  const drag = useRef<{ id: string; x0: number; widthPx: number; s0: number; e0: number; last: number } | null>(null)
  const dragged = useRef(false)
  const ghost = whatIf && windows.find((w) => w.id === whatIf.id)
  const ghostAt = ghost && placeSpan(range, { start: Date.parse(ghost.start), end: Date.parse(ghost.end) })
  const ghostLane = ghost ? (placed.find((p) => p.item.id === ghost.id)?.lane ?? 0) : 0
  return (
    // biome-ignore lint/a11y/useSemanticElements: a timeline row groups its bars; a fieldset groups form controls
    <div class="tl-row tl-party" role="group" aria-label={`${party}: ${windows.length} window${windows.length === 1 ? '' : 's'}`}>
      <div class="tl-label" aria-hidden="true">
        {party}
      </div>
      <div class="tl-track" style={{ height: `${lanes * LANE_PX + 6}px` }}>
        {ghostAt && (
          <div
            class="ghost"
            style={{ left: pct(ghostAt.left), width: pct(ghostAt.width), top: `${ghostLane * LANE_PX + 3}px` }}
            aria-hidden="true"
          />
        )}
        {/* In the windows' stored order, not by where the what-if puts them: moving a focused button in the DOM would blur it. */}
        {windows.map((w) => {
          const at = placedById.get(w.id)
          if (!at) return null
          const { left, width, lane, label } = at
          const rating = props.ratingOf(w.id)
          const span = spanOf(w)
          const moved = whatIf?.id === w.id
          const editable = props.editable(w)
          return (
            <button
              type="button"
              key={w.id}
              class={`bar r-${rating}${props.selectedId === w.id ? ' selected' : ''}${moved ? ' moved' : ''}`}
              style={{ left: pct(left), width: pct(width), top: `${lane * LANE_PX + 3}px` }}
              data-window-ref={w.reference}
              data-window-id={w.id}
              data-compliance={rating}
              data-status={w.status}
              aria-label={`${w.reference}, ${RATING_TEXT[rating]}, ${formatSpan(span.start, span.end)}${moved ? ', what-if, not saved' : ''}`}
              aria-describedby={editable ? 'move-hint' : undefined}
              aria-expanded={props.selectedId === w.id}
              title={`${w.reference}: ${w.title} (${RATING_TEXT[rating]})`}
              onClick={() => {
                if (dragged.current) {
                  dragged.current = false
                  return
                }
                props.onSelect(w.id)
              }}
              onKeyDown={(e) => {
                const step = stepOf(e.key)
                if (step === null || !editable) return
                e.preventDefault()
                props.onNudge(w.id, step)
              }}
              onPointerDown={(e) => {
                if (!editable || e.button !== 0) return
                const track = (e.currentTarget as HTMLElement).parentElement!
                drag.current = { id: w.id, x0: e.clientX, widthPx: track.clientWidth, s0: span.start, e0: span.end, last: 0 }
                ;(e.currentTarget as HTMLElement).setPointerCapture(e.pointerId)
              }}
              onPointerMove={(e) => {
                const d = drag.current
                if (!d) return
                const minutes = dragMinutes(e.clientX - d.x0, d.widthPx, range)
                if (minutes === d.last) return
                d.last = minutes
                dragged.current = true
                props.onDragTo(d.id, shiftWall(d.s0, minutes), shiftWall(d.e0, minutes))
              }}
              onPointerUp={() => {
                drag.current = null
              }}
            >
              <span class="sym" aria-hidden="true">
                {RATING_SYMBOL[rating]}
              </span>
              {label && (
                <span class="bar-text" aria-hidden="true">
                  {w.reference}
                </span>
              )}
            </button>
          )
        })}
      </div>
    </div>
  )
}
