/**
 * The board once signed in: loads a range (windows, their verdicts judged now against the stored
 * plan, blackout periods, notice deadlines, waivers), draws it, and runs the what-if: at most one dry
 * run in flight, the latest move queued behind it, so the verdict follows the bar as it moves.
 */
import type { ComponentChildren } from 'preact'
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { ApiError, type Api, assessPlan, loadDeadlines, loadPeriods, loadWindows, WINDOWS_PAGE } from './api.ts'
import { Details } from './details.tsx'
import { RATING_SYMBOL, RATING_TEXT } from './labels.ts'
import { ListView } from './list-view.tsx'
import { Programmes, useProgrammeView } from './programmes.tsx'
import { type LiveState, useLive } from './live.ts'
import { PrintReport } from './print.tsx'
import { type BoardQuery, formatQuery, parseQuery } from './query.ts'
import { Timeline } from './timeline.tsx'
import { WindowForm } from './window-form.tsx'
import { DAY_MS, dayIndexOf } from '../../src/domain/time.ts'
import { BOARD_ZONE, dayStart, formatSpan, localDate, shiftWall } from './time.ts'
import type { Assessment, BlackoutPeriod, Me, NoticeDeadline, PlanMonth, Rating, Shown, Waiver, WindowDto } from './types.ts'
import { type Move, toDryRun, whatIfPlan } from './what-if.ts'

export interface BoardData {
  query: BoardQuery
  range: { start: number; end: number }
  windows: WindowDto[]
  assessments: Map<string, Assessment>
  months: Map<string, PlanMonth>
  periods: BlackoutPeriod[]
  deadlines: Map<string, NoticeDeadline>
  waivers: Waiver[]
  /** False while the windows are drawn and the service is still judging them. */
  judged: boolean
}

export interface WhatIf extends Move {
  id: string
  /** The window's version when the what-if began: saved with If-Match, so a change by someone else meanwhile gets 412. */
  baseVersion: number
  noticeChanged: boolean
  result: { byId: Map<string, Assessment>; months: Map<string, PlanMonth> } | null
  pending: boolean
  error: string | null
}

export interface SaveState {
  busy: boolean
  message: string | null
  kind: 'ok' | 'error' | 'conflict' | null
  newer: WindowDto | null
}

export const today = () => localDate(Date.now())

/** Which windows a key may change: a planner's own parties (an admin's: all). */
export const mayEdit = (me: Me, w: WindowDto) =>
  me.may.planWindows &&
  (me.role === 'admin' || me.parties.includes(w.party)) &&
  !['in-progress', 'completed', 'cancelled', 'rejected'].includes(w.status)

/**
 * Loads a range in two steps: first the windows (pages of 500), blackout periods, notice deadlines
 * and waivers, which `onDrawn` gets to draw at once; then each window judged now against the stored
 * plan (POST /v1/assessments, context with-stored, in chunks under the body limit). Requests that need
 * no instant go first, while the zone clock builds its tables.
 */
export async function loadBoard(api: Api, query: BoardQuery, onDrawn: (d: BoardData) => void = () => {}): Promise<BoardData> {
  const lastDay = new Date((dayIndexOf(query.to) - 1) * DAY_MS).toISOString().slice(0, 10)
  const deadlinesP = loadDeadlines(api, query.from.slice(0, 7), lastDay.slice(0, 7))
  const waiversP = api.get<{ items: Waiver[] }>('/v1/waivers').then((r) => r.body.items)
  const range = { start: dayStart(query.from), end: dayStart(query.to) }
  const periodsP = loadPeriods(api, range.start, range.end)
  // A range that fits one page is judged as soon as it arrives (no second drawing needed); a larger one
  // is drawn first and judged after, so the service lists every page before it judges.
  let early: ReturnType<typeof assessPlan> | null = null
  let pages = 0
  const windows = await loadWindows(api, range.start, range.end, query.parties, (page) => {
    if (pages++ === 0 && page.length > 0 && page.length < WINDOWS_PAGE)
      early = assessPlan(
        api,
        page.map((w) => toDryRun(w)),
      )
  })
  const [periods, deadlines, waivers] = await Promise.all([periodsP, deadlinesP, waiversP])
  const drawn: BoardData = {
    query,
    range,
    windows,
    assessments: new Map(),
    months: new Map(),
    periods,
    deadlines: new Map(deadlines.map((d) => [d.month, d])),
    waivers,
    judged: windows.length === 0,
  }
  if (windows.length === 0) return drawn
  if (!early) onDrawn(drawn)
  const judged = await (early ??
    assessPlan(
      api,
      windows.map((w) => toDryRun(w)),
    ))
  return { ...drawn, assessments: judged.byId, months: judged.months, judged: true }
}

export function Board(props: {
  api: Api
  me: Me
  onSignOut: (why?: string) => void
  /** The plan already asked for (app.tsx), used when it is for the same range. */
  preload?: { query: BoardQuery; drawn: Promise<BoardData | null>; data: Promise<BoardData> } | null
}) {
  const { api, me } = props
  const [query, setQuery] = useState(() => parseQuery(location.search, today))
  const [data, setData] = useState<BoardData | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [selected, setSelected] = useState<string | null>(null)
  const [whatIf, setWhatIf] = useState<WhatIf | null>(null)
  const [save, setSave] = useState<SaveState>({ busy: false, message: null, kind: null, newer: null })
  const [reload, setReload] = useState(0)
  const [programmeView, setProgrammeView] = useProgrammeView()
  /** The window form (window-form.tsx): a new window, or the window being edited. */
  const [form, setForm] = useState<{ window?: WindowDto } | null>(null)
  const preloadLeft = useRef(true)
  const narrow = useNarrow()
  const inFlight = useRef(false)
  const queued = useRef<{ w: WindowDto; move: Move; noticeChanged: boolean } | null>(null)
  /** The move last asked for, ahead of the render that shows it (key repeats come faster than renders). */
  const latest = useRef<(Move & { id: string; noticeChanged: boolean }) | null>(null)
  const dataRef = useRef<BoardData | null>(null)
  dataRef.current = data
  // Changes by anyone (GET /v1/events): the board reloads; a what-if in progress stays (live.ts).
  const liveState = useLive(api, () => setReload((n) => n + 1))
  useEffect(() => {
    if (liveState === 'refused') props.onSignOut('The key is no longer accepted (revoked?): sign in again.')
  }, [liveState])

  const failed = (e: unknown) => {
    if (e instanceof ApiError && e.status === 401) props.onSignOut('The key is no longer accepted (revoked?): sign in again.')
    return e instanceof ApiError ? `${e.title}${e.detail ? `: ${e.detail}` : ''}` : String(e)
  }

  useEffect(() => {
    let live = true
    setLoadError(null)
    const pre = preloadLeft.current ? props.preload : null
    preloadLeft.current = false
    const usePreload = pre && formatQuery(pre.query) === formatQuery(query)
    const drawn = (d: BoardData) => {
      performance.mark('mwp:board-drawn')
      if (live) setData({ ...d, query })
    }
    if (usePreload) pre.drawn.then((d) => d && drawn(d))
    ;(usePreload ? pre.data : loadBoard(api, query, drawn)).then(
      (d) => {
        if (live) setData({ ...d, query })
      },
      (e) => live && setLoadError(failed(e)),
    )
    return () => {
      live = false
    }
  }, [query, reload])

  useEffect(() => {
    const onPop = () => setQuery(parseQuery(location.search, today))
    addEventListener('popstate', onPop)
    return () => removeEventListener('popstate', onPop)
  }, [])

  // User Timing marks (devtools, bench/board.bench.ts): the plan drawn, a what-if judged and drawn.
  useEffect(() => {
    if (data?.judged) performance.mark('mwp:board-ready')
  }, [data])
  useEffect(() => {
    if (whatIf?.result && !whatIf.pending) performance.mark('mwp:what-if-ready')
  }, [whatIf?.result, whatIf?.pending])

  const show = (q: BoardQuery) => {
    history.pushState(null, '', `/board${formatQuery(q)}`)
    clearWhatIf()
    setQuery(q)
  }

  /** Sends the latest move for judging; one request at a time, the newest move waiting behind it. */
  const judge = async (w: WindowDto, move: Move, noticeChanged: boolean) => {
    latest.current = { id: w.id, ...move, noticeChanged }
    setWhatIf((cur) => ({
      id: w.id,
      baseVersion: cur?.id === w.id ? cur.baseVersion : w.version,
      ...move,
      noticeChanged,
      result: cur?.id === w.id ? cur.result : null,
      pending: true,
      error: null,
    }))
    queued.current = { w, move, noticeChanged }
    if (inFlight.current) return
    inFlight.current = true
    try {
      while (queued.current) {
        const job = queued.current
        queued.current = null
        const all = dataRef.current?.windows ?? []
        try {
          const result = await assessPlan(api, whatIfPlan(all, job.w, job.move))
          setWhatIf((cur) =>
            cur && cur.id === job.w.id && cur.start === job.move.start && cur.end === job.move.end && cur.notifiedAt === job.move.notifiedAt
              ? { ...cur, result, pending: queued.current !== null, error: null }
              : cur,
          )
        } catch (e) {
          setWhatIf((cur) => (cur && cur.id === job.w.id ? { ...cur, pending: false, error: failed(e) } : cur))
        }
      }
    } finally {
      inFlight.current = false
    }
  }

  // New data under a what-if (someone else's change, heard live): the move is judged again against it,
  // so its overlap, cap and spacing findings count the plan as it now is.
  useEffect(() => {
    const move = latest.current
    const w = move && data?.windows.find((x) => x.id === move.id)
    if (move && w) void judge(w, { start: move.start, end: move.end, notifiedAt: move.notifiedAt }, move.noticeChanged)
  }, [data])

  const clearWhatIf = () => {
    latest.current = null
    queued.current = null
    setWhatIf(null)
  }

  const windowById = useMemo(() => new Map((data?.windows ?? []).map((w) => [w.id, w])), [data])
  const current = (id: string) => windowById.get(id)

  const moveTo = (id: string, start: number, end: number, notice?: { notifiedAt: string | null }) => {
    const w = current(id)
    if (!w || !mayEdit(me, w) || !(end > start)) return
    setSave({ busy: false, message: null, kind: null, newer: null })
    const keep = latest.current?.id === id ? latest.current : null
    const notifiedAt = notice ? notice.notifiedAt : keep?.noticeChanged ? keep.notifiedAt : w.notifiedAt
    const noticeChanged = notice ? true : (keep?.noticeChanged ?? false)
    if (start === Date.parse(w.start) && end === Date.parse(w.end) && !noticeChanged) return clearWhatIf()
    void judge(w, { start, end, notifiedAt }, noticeChanged)
  }
  const nudge = (id: string, minutes: number) => {
    const w = current(id)
    if (!w) return
    const cur = latest.current?.id === id ? latest.current : null
    const s = cur ? cur.start : Date.parse(w.start)
    const e = cur ? cur.end : Date.parse(w.end)
    setSelected(id)
    moveTo(id, shiftWall(s, minutes), shiftWall(e, minutes))
  }

  const doSave = async () => {
    const w = whatIf && current(whatIf.id)
    if (!whatIf || !w) return
    setSave({ busy: true, message: null, kind: null, newer: null })
    const wasNotified = w.status === 'notified' || w.status === 'agreed'
    try {
      const { body } = await api.patch<WindowDto>(
        `/v1/windows/${w.id}`,
        { start: new Date(whatIf.start).toISOString(), end: new Date(whatIf.end).toISOString() },
        `"${whatIf.baseVersion}"`,
      )
      const reopened = wasNotified && body.status === 'proposed'
      setSave({
        busy: false,
        kind: 'ok',
        newer: null,
        message:
          `Saved ${body.reference} as version ${body.version}: ${formatSpan(Date.parse(body.start), Date.parse(body.end))}, status ${body.status}.` +
          (reopened
            ? ' Notice re-opened: the move sent the window back to proposed; publish its month’s schedule to notify it again.'
            : ''),
      })
      clearWhatIf()
      setReload((n) => n + 1)
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) {
        const newer = (await api.get<WindowDto>(`/v1/windows/${w.id}`)).body
        setData((d) => d && { ...d, windows: d.windows.map((x) => (x.id === newer.id ? newer : x)) })
        setWhatIf((cur) => (cur?.id === newer.id ? { ...cur, baseVersion: newer.version } : cur))
        setSave({
          busy: false,
          kind: 'conflict',
          newer,
          message: `Not saved: ${newer.reference} was changed meanwhile (now version ${newer.version}, ${formatSpan(Date.parse(newer.start), Date.parse(newer.end))}, status ${newer.status}). Your what-if is kept: check it against the newer version and save again.`,
        })
      } else setSave({ busy: false, kind: 'error', newer: null, message: `Not saved: ${failed(e)}` })
    }
  }

  if (loadError && !data)
    return (
      <Shell me={me} onSignOut={props.onSignOut} query={query} onShow={show}>
        <p class="error" role="alert">
          Could not load the board: {loadError}
        </p>
      </Shell>
    )
  if (!data)
    return (
      <Shell me={me} onSignOut={props.onSignOut} query={query} onShow={show}>
        <p aria-live="polite">Loading the plan…</p>
      </Shell>
    )

  const ratingOf = (id: string): Shown =>
    (whatIf?.result?.byId.get(id) ?? data.assessments.get(id))?.compliance.rating ?? (data.judged ? 'unrated' : 'pending')
  const months = new Map(data.months)
  if (whatIf?.result) for (const [k, m] of whatIf.result.months) months.set(k, m)
  const sel = selected ? current(selected) : undefined
  const selAssessment = sel && (whatIf?.id === sel.id && whatIf.result ? whatIf.result.byId.get(sel.id) : data.assessments.get(sel.id))

  return (
    <Shell
      me={me}
      onSignOut={props.onSignOut}
      query={query}
      onShow={show}
      state={data.query !== query ? 'loading' : data.judged ? 'ready' : 'drawn'}
      actions={
        me.may.planWindows && (
          <button type="button" class="new-window" onClick={() => setForm({})} disabled={form !== null}>
            New window
          </button>
        )
      }
    >
      <LiveBar state={liveState}>
        <PrintReport api={api} query={query} />
      </LiveBar>
      {form && (
        <WindowForm
          key={form.window?.id ?? 'new'}
          api={api}
          me={me}
          window={form.window}
          windows={data.windows}
          onCancel={() => setForm(null)}
          onDone={(w) => {
            setForm(null)
            clearWhatIf()
            setSelected(w.id)
            setReload((n) => n + 1)
          }}
        />
      )}
      <p id="move-hint" class="visually-hidden">
        Arrow keys move the window 15 minutes, Page Up a day later and Page Down a day earlier: a what-if, nothing is saved.
      </p>
      <p class="live" aria-live="polite" data-what-if={whatIf ? (whatIf.pending ? 'pending' : 'ready') : 'none'}>
        {whatIf && sel?.id === whatIf.id
          ? `What-if for ${sel.reference}: ${formatSpan(whatIf.start, whatIf.end)}; ${whatIf.pending ? 'judging…' : `${RATING_SYMBOL[ratingOf(sel.id)]} ${RATING_TEXT[ratingOf(sel.id)]}`}`
          : data.judged
            ? `${data.windows.length} windows, ${data.periods.length} blackout periods.`
            : `${data.windows.length} windows drawn; the service is judging them…`}
      </p>
      <Programmes api={api} me={me} view={programmeView} onView={setProgrammeView} onApplied={show} />
      <div class={`layout${sel ? ' with-details' : ''}`}>
        <main aria-label="Plan">
          <Timeline
            data={data}
            months={months}
            ratingOf={ratingOf}
            whatIf={whatIf}
            selectedId={sel?.id ?? null}
            editable={(w) => mayEdit(me, w)}
            onSelect={setSelected}
            onNudge={nudge}
            onDragTo={(id, start, end) => moveTo(id, start, end)}
            now={Date.now()}
          />
          {narrow && (
            <ListView
              data={data}
              ratingOf={ratingOf}
              assessmentOf={(id) => whatIf?.result?.byId.get(id) ?? data.assessments.get(id)}
              onSelect={setSelected}
            />
          )}
        </main>
        {sel && (
          <Details
            key={sel.id}
            api={api}
            me={me}
            window={sel}
            editable={mayEdit(me, sel)}
            assessment={selAssessment}
            stored={data.assessments.get(sel.id)}
            waivers={data.waivers.filter((x) => x.windowId === sel.id)}
            whatIf={whatIf?.id === sel.id ? whatIf : null}
            save={save}
            range={data.range}
            onMove={(start, end, notice) => moveTo(sel.id, start, end, notice)}
            onReset={() => {
              clearWhatIf()
              setSave({ busy: false, message: null, kind: null, newer: null })
            }}
            onSave={doSave}
            onDecided={() => setReload((n) => n + 1)}
            onEdit={() => setForm({ window: sel })}
            onClose={() => {
              setSelected(null)
              clearWhatIf()
              // Back to the window's bar (or its list entry), so keyboard users keep their place.
              requestAnimationFrame(() =>
                document.querySelector<HTMLElement>(`[data-window-id="${sel.id}"], [data-list-id="${sel.id}"] button`)?.focus(),
              )
            }}
          />
        )}
      </div>
    </Shell>
  )
}

function Shell(props: {
  me: Me
  onSignOut: () => void
  query: BoardQuery
  onShow: (q: BoardQuery) => void
  /** loading; drawn (windows shown, verdicts coming); ready (judged) */
  state?: 'loading' | 'drawn' | 'ready'
  /** Buttons in the header's toolbar (e.g. "New window"). */
  actions?: ComponentChildren
  children: ComponentChildren
}) {
  const { me, query } = props
  const [from, setFrom] = useState(query.from)
  const [to, setTo] = useState(query.to)
  const [party, setParty] = useState(query.parties.join(','))
  useEffect(() => {
    setFrom(query.from)
    setTo(query.to)
    setParty(query.parties.join(','))
  }, [query])
  return (
    <div class="board" data-state={props.state ?? 'loading'}>
      <header class="top">
        <h1>Planning board</h1>
        <form
          class="range"
          aria-label="Range"
          onSubmit={(e) => {
            e.preventDefault()
            props.onShow(parseQuery(formatQuery({ from, to, parties: party.split(',') }), today))
          }}
        >
          <label>
            From <input type="date" value={from} required onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            To <input type="date" value={to} required onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            Party{' '}
            <input type="text" value={party} size={10} placeholder="all" onInput={(e) => setParty((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit">Show</button>
        </form>
        <p class="who">
          Signed in as <strong>{me.name}</strong> ({me.role}
          {me.parties.length ? `: ${me.parties.join(', ')}` : ''})
        </p>
        {props.actions}
        <button type="button" class="sign-out" onClick={() => props.onSignOut()}>
          Sign out
        </button>
      </header>
      <Legend />
      {props.children}
    </div>
  )
}

/** The live indicator ("live" / "reconnecting") and the print link, above the plan. */
function LiveBar(props: { state: LiveState; children: ComponentChildren }) {
  const text = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', refused: 'key refused' }[props.state]
  return (
    <div class="live-bar">
      <span
        class={`live-state ${props.state}`}
        data-live={props.state}
        role="status"
        title={
          props.state === 'live' ? 'Changes made by anyone appear here within seconds' : 'Changes by others are not shown until reconnected'
        }
      >
        <span class="dot" aria-hidden="true" /> {text}
      </span>
      {props.children}
    </div>
  )
}

function Legend() {
  const ratings: Rating[] = ['red', 'amber', 'green', 'unrated']
  return (
    <ul class="legend" aria-label="Legend">
      {ratings.map((r) => (
        <li key={r}>
          <span class={`swatch r-${r}`} aria-hidden="true">
            {RATING_SYMBOL[r]}
          </span>
          {RATING_TEXT[r]}
        </li>
      ))}
      <li>
        <span class="swatch r-pending" aria-hidden="true">
          {RATING_SYMBOL.pending}
        </span>
        being judged
      </li>
      <li>
        <span class="swatch gauge-key" aria-hidden="true">
          ?
        </span>
        cap marked “assumed”: a design default, not the SEC’s value
      </li>
      <li>Times are UK local time ({BOARD_ZONE})</li>
    </ul>
  )
}

/** Whether the screen is narrow enough for the list (the stylesheet's breakpoint): the list is drawn only then. */
function useNarrow(): boolean {
  const query = '(max-width: 800px)'
  const [narrow, setNarrow] = useState(() => matchMedia(query).matches)
  useEffect(() => {
    const m = matchMedia(query)
    const on = () => setNarrow(m.matches)
    m.addEventListener('change', on)
    return () => m.removeEventListener('change', on)
  }, [])
  return narrow
}
