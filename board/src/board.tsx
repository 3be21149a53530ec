/**
 * The board once signed in: loads a range (windows, their verdicts judged now against the stored
 * plan, blackout periods, notice deadlines, waivers), draws it, and runs the what-if: at most one dry
 * run in flight, the latest move queued behind it, so the verdict follows the bar as it moves.
 */
import type { ComponentChildren } from 'preact'
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { ApiError, type Api, assessPlan, loadDeadlines, loadPeriods, loadWindows } from './api.ts'
import { Details } from './details.tsx'
import { RATING_SYMBOL, RATING_TEXT } from './labels.ts'
import { ListView } from './list-view.tsx'
import { type BoardQuery, formatQuery, parseQuery } from './query.ts'
import { Timeline } from './timeline.tsx'
import { BOARD_ZONE, dayStart, formatSpan, localDate, monthsOf, shiftWall } from './time.ts'
import type { Assessment, BlackoutPeriod, Me, NoticeDeadline, PlanMonth, Rating, Waiver, WindowDto } from './types.ts'
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
}

export interface WhatIf extends Move {
  id: string
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

const today = () => localDate(Date.now())

/** Which windows a key may change: a planner's own parties (an admin's: all). */
export const mayEdit = (me: Me, w: WindowDto) =>
  me.may.planWindows &&
  (me.role === 'admin' || me.parties.includes(w.party)) &&
  !['in-progress', 'completed', 'cancelled', 'rejected'].includes(w.status)

async function loadBoard(api: Api, query: BoardQuery): Promise<BoardData> {
  const range = { start: dayStart(query.from), end: dayStart(query.to) }
  const months = monthsOf(range.start, range.end)
  const [windows, periods, deadlines, waivers] = await Promise.all([
    loadWindows(api, range.start, range.end, query.parties),
    loadPeriods(api, range.start, range.end),
    loadDeadlines(api, months[0]!.key, months[months.length - 1]!.key),
    api.get<{ items: Waiver[] }>('/v1/waivers').then((r) => r.body.items),
  ])
  const judged = windows.length
    ? await assessPlan(
        api,
        windows.map((w) => toDryRun(w)),
      )
    : { byId: new Map(), months: new Map() }
  return {
    query,
    range,
    windows,
    assessments: judged.byId,
    months: judged.months,
    periods,
    deadlines: new Map(deadlines.map((d) => [d.month, d])),
    waivers,
  }
}

export function Board(props: { api: Api; me: Me; onSignOut: (why?: string) => void }) {
  const { api, me } = props
  const [query, setQuery] = useState(() => parseQuery(location.search, today()))
  const [data, setData] = useState<BoardData | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [selected, setSelected] = useState<string | null>(null)
  const [whatIf, setWhatIf] = useState<WhatIf | null>(null)
  const [save, setSave] = useState<SaveState>({ busy: false, message: null, kind: null, newer: null })
  const [reload, setReload] = useState(0)
  const inFlight = useRef(false)
  const queued = useRef<{ w: WindowDto; move: Move; noticeChanged: boolean } | null>(null)
  /** The move last asked for, ahead of the render that shows it (key repeats come faster than renders). */
  const latest = useRef<(Move & { id: string; noticeChanged: boolean }) | null>(null)
  const dataRef = useRef<BoardData | null>(null)
  dataRef.current = data

  const failed = (e: unknown) => {
    if (e instanceof ApiError && e.status === 401) props.onSignOut('The key is no longer accepted (revoked?): sign in again.')
    return e instanceof ApiError ? `${e.title}${e.detail ? `: ${e.detail}` : ''}` : String(e)
  }

  useEffect(() => {
    let live = true
    setLoadError(null)
    loadBoard(api, query).then(
      (d) => live && setData(d),
      (e) => live && setLoadError(failed(e)),
    )
    return () => {
      live = false
    }
  }, [query, reload])

  useEffect(() => {
    const onPop = () => setQuery(parseQuery(location.search, today()))
    addEventListener('popstate', onPop)
    return () => removeEventListener('popstate', onPop)
  }, [])

  // User Timing marks (devtools, bench/board.bench.ts): the plan drawn, a what-if judged and drawn.
  useEffect(() => {
    if (data) performance.mark('mwp:board-ready')
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
        `"${w.version}"`,
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

  const ratingOf = (id: string): Rating => (whatIf?.result?.byId.get(id) ?? data.assessments.get(id))?.compliance.rating ?? 'unrated'
  const months = new Map(data.months)
  if (whatIf?.result) for (const [k, m] of whatIf.result.months) months.set(k, m)
  const sel = selected ? current(selected) : undefined
  const selAssessment = sel && (whatIf?.id === sel.id && whatIf.result ? whatIf.result.byId.get(sel.id) : data.assessments.get(sel.id))

  return (
    <Shell me={me} onSignOut={props.onSignOut} query={query} onShow={show} loaded={data.query === query}>
      <p id="move-hint" class="visually-hidden">
        Arrow keys move the window 15 minutes, Page Up a day later and Page Down a day earlier: a what-if, nothing is saved.
      </p>
      <p class="live" aria-live="polite" data-what-if={whatIf ? (whatIf.pending ? 'pending' : 'ready') : 'none'}>
        {whatIf && sel?.id === whatIf.id
          ? `What-if for ${sel.reference}: ${formatSpan(whatIf.start, whatIf.end)}; ${whatIf.pending ? 'judging…' : `${RATING_SYMBOL[ratingOf(sel.id)]} ${RATING_TEXT[ratingOf(sel.id)]}`}`
          : `${data.windows.length} windows, ${data.periods.length} blackout periods.`}
      </p>
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
          <ListView
            data={data}
            ratingOf={ratingOf}
            assessmentOf={(id) => whatIf?.result?.byId.get(id) ?? data.assessments.get(id)}
            onSelect={setSelected}
          />
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
            onClose={() => {
              setSelected(null)
              clearWhatIf()
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
  loaded?: boolean
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
    <div class="board" data-state={props.loaded ? 'ready' : 'loading'}>
      <header class="top">
        <h1>Planning board</h1>
        <form
          class="range"
          aria-label="Range"
          onSubmit={(e) => {
            e.preventDefault()
            props.onShow(parseQuery(formatQuery({ from, to, parties: party.split(',') }), today()))
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
        <button type="button" class="sign-out" onClick={() => props.onSignOut()}>
          Sign out
        </button>
      </header>
      <Legend />
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
        <span class="swatch gauge-key" aria-hidden="true">
          ?
        </span>
        cap marked “assumed”: a design default, not the SEC’s value
      </li>
      <li>Times are UK local time ({BOARD_ZONE})</li>
    </ul>
  )
}
