/**
 * The programme view: the programmes (GET /v1/programmes), one programme's totals (GET
 * /v1/programmes/{id}), its re-plan preview (POST …/replan) drawn as a before/after diff, and apply
 * (POST …/replan/apply with If-Match: the preview's ETag, the programme's version). Linked as
 * `/board?…&programme=all` or `&programme=<id>`. Only keys that may plan the programme's party see
 * the re-plan controls; the server still decides.
 */
import { useEffect, useState } from 'preact/hooks'
import { ApiError, type Api } from './api.ts'
import { grouped, SEVERITY_SYMBOL } from './labels.ts'
import { placeSpan } from './layout.ts'
import { type BoardQuery, type ProgrammeView, programmeOf, withProgramme } from './query.ts'
import { boardRangeOf, type ReplanAnswer, type ReplanDiff, replanDiff } from './replan-diff.ts'
import { formatLocal, formatSpan, fromLocalInput, localDate, monthsOf, toLocalInput } from './time.ts'
import type { Me } from './types.ts'

export interface ProgrammeSummary {
  id: string
  name: string
  party: string
  description: string
  version: number
  windowCount: number
}

export interface ProgrammeTotals {
  windows: number
  outageHours: number
  prepaymentCustomerHours: number
  expectedFailedTopUps: number
  monthsTouched: string[]
  breaches: { confirmed: number; unconfirmed: number }
  objections: { confirmed: number; unconfirmed: number }
  notifiedLate: { windows: number; share: number }
}

interface ProgrammeAnswer {
  programme: ProgrammeSummary
  totals?: ProgrammeTotals
}

/** The programme view the address names, kept in the address as it changes (replaceState) and on back/forward. */
export function useProgrammeView(): [ProgrammeView, (v: ProgrammeView) => void] {
  const [view, setView] = useState<ProgrammeView>(() => programmeOf(location.search))
  useEffect(() => {
    const onPop = () => setView(programmeOf(location.search))
    addEventListener('popstate', onPop)
    return () => removeEventListener('popstate', onPop)
  }, [])
  const set = (v: ProgrammeView) => {
    history.replaceState(null, '', `/board${withProgramme(location.search, v)}`)
    setView(v)
  }
  return [view, set]
}

/** Whether a key may re-plan a programme of `party` (POST …/replan and …/apply: planners of that party, or an admin). */
export const mayReplan = (me: Me, party: string) => me.may.planWindows && (me.role === 'admin' || me.parties.includes(party))

const problem = (e: unknown) => (e instanceof ApiError ? `${e.title}${e.detail ? `: ${e.detail}` : ''}` : String(e))

export function Programmes(props: {
  api: Api
  me: Me
  view: ProgrammeView
  onView: (v: ProgrammeView) => void
  /** After an apply: the board range that shows the programme's windows where they now are. */
  onApplied: (q: BoardQuery) => void
}) {
  const { view } = props
  const [list, setList] = useState<ProgrammeSummary[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    if (!view) return
    let live = true
    props.api.get<{ items: ProgrammeSummary[] }>('/v1/programmes').then(
      (r) => live && setList(r.body.items),
      (e) => live && setError(problem(e)),
    )
    return () => {
      live = false
    }
  }, [view === null])

  if (!view)
    return (
      <p class="programmes-open">
        <button type="button" aria-expanded="false" onClick={() => props.onView('all')}>
          Programmes
        </button>
      </p>
    )
  return (
    <section class="programmes" aria-labelledby="programmes-h" data-programme-view={view}>
      <div class="programmes-head">
        <h2 id="programmes-h">Programmes</h2>
        <button type="button" aria-expanded="true" onClick={() => props.onView(null)}>
          Close programmes
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          Could not list the programmes: {error}
        </p>
      )}
      {list === null && !error && <p aria-live="polite">Loading the programmes…</p>}
      {list && list.length === 0 && <p>No programmes yet (POST /v1/programmes creates one).</p>}
      {list && list.length > 0 && (
        <ul class="programme-list">
          {list.map((p) => (
            <li key={p.id}>
              <button
                type="button"
                class="link"
                data-programme-id={p.id}
                aria-current={view === p.id ? 'true' : undefined}
                onClick={() => props.onView(p.id)}
              >
                {p.name}
              </button>{' '}
              {p.party} · {p.windowCount} window{p.windowCount === 1 ? '' : 's'} · version {p.version}
            </li>
          ))}
        </ul>
      )}
      {view !== 'all' && <Programme key={view} {...props} id={view} />}
    </section>
  )
}

interface Preview {
  answer: ReplanAnswer
  etag: string
  diff: ReplanDiff
  publishedAt: string
}

type Outcome = { kind: 'ok' | 'error' | 'conflict'; message: string } | null

function Programme(props: { api: Api; me: Me; id: string; onApplied: (q: BoardQuery) => void; onView: (v: ProgrammeView) => void }) {
  const { api, id } = props
  const [data, setData] = useState<ProgrammeAnswer | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [loads, setLoads] = useState(0)
  const [publishedAt, setPublishedAt] = useState(() => toLocalInput(Math.floor(Date.now() / 60_000) * 60_000))
  const [preview, setPreview] = useState<Preview | null>(null)
  const [busy, setBusy] = useState<'preview' | 'apply' | null>(null)
  const [outcome, setOutcome] = useState<Outcome>(null)

  useEffect(() => {
    let live = true
    setError(null)
    api.get<ProgrammeAnswer>(`/v1/programmes/${id}`).then(
      (r) => live && setData(r.body),
      (e) => live && setError(problem(e)),
    )
    return () => {
      live = false
    }
  }, [id, loads])

  if (error)
    return (
      <p class="error" role="alert">
        Could not load the programme: {error}
      </p>
    )
  if (!data) return <p aria-live="polite">Loading the programme…</p>
  const p = data.programme
  const may = mayReplan(props.me, p.party)

  const doPreview = async () => {
    const at = fromLocalInput(publishedAt)
    if (!at) return setOutcome({ kind: 'error', message: 'Give the publication as a local date and time.' })
    setBusy('preview')
    setOutcome(null)
    try {
      const body = { publishedAt: new Date(at.ms).toISOString() }
      const r = await api.post<ReplanAnswer>(`/v1/programmes/${id}/replan`, body)
      setPreview({
        answer: r.body,
        etag: r.etag ?? `"${r.body.programme.version}"`,
        diff: replanDiff(r.body),
        publishedAt: body.publishedAt,
      })
    } catch (e) {
      setOutcome({ kind: 'error', message: `No preview: ${problem(e)}` })
    } finally {
      setBusy(null)
    }
  }

  const doApply = async () => {
    if (!preview) return
    setBusy('apply')
    setOutcome(null)
    try {
      const r = await api.post<{ programme: { version: number }; windows: unknown[] }>(
        `/v1/programmes/${id}/replan/apply`,
        { publishedAt: preview.publishedAt },
        { 'if-match': preview.etag },
      )
      setOutcome({
        kind: 'ok',
        message: `Applied: ${r.body.windows.length} window${r.body.windows.length === 1 ? '' : 's'} moved; ${p.name} is now version ${r.body.programme.version}. The board shows them where they now are.`,
      })
      const span = preview.diff.span
      setPreview(null)
      setLoads((n) => n + 1)
      if (span) props.onApplied({ ...boardRangeOf(span, localDate), parties: [p.party] })
      props.onView(id)
    } catch (e) {
      if (e instanceof ApiError && e.status === 412)
        setOutcome({
          kind: 'conflict',
          message: `Not applied: ${p.name} was changed since this preview (${e.detail || e.title}). Preview again to see the schedule as it now stands.`,
        })
      else setOutcome({ kind: 'error', message: `Not applied: ${problem(e)}` })
    } finally {
      setBusy(null)
    }
  }

  return (
    <div class="programme" data-programme={p.id} data-programme-version={p.version}>
      <h3>
        {p.name}{' '}
        <span class="sub">
          ({p.party}, version {p.version})
        </span>
      </h3>
      {p.description && <p>{p.description}</p>}
      {data.totals ? <Totals t={data.totals} /> : <p>No totals for this programme.</p>}
      <h4>Re-plan</h4>
      {may ? (
        <form
          class="replan-form"
          onSubmit={(e) => {
            e.preventDefault()
            void doPreview()
          }}
        >
          <label>
            Publication (local){' '}
            <input
              type="datetime-local"
              required
              value={publishedAt}
              onInput={(e) => setPublishedAt((e.target as HTMLInputElement).value)}
            />
          </label>
          <button type="submit" disabled={busy !== null}>
            Preview re-plan
          </button>
          <span class="note">Every window is judged as notified at the publication; nothing is stored by the preview.</span>
        </form>
      ) : (
        <p class="note">
          Your key ({props.me.role}) may not re-plan {p.party}’s programmes: the board shows this programme read-only.
        </p>
      )}
      {busy && <p aria-live="polite">{busy === 'preview' ? 'Re-planning…' : 'Applying…'}</p>}
      {outcome && (
        <div class={`outcome ${outcome.kind}`} role={outcome.kind === 'ok' ? 'status' : 'alert'} data-replan-outcome={outcome.kind}>
          <p>{outcome.message}</p>
          {outcome.kind === 'conflict' && (
            <button type="button" onClick={() => void doPreview()}>
              Preview again
            </button>
          )}
        </div>
      )}
      {preview && <PreviewView preview={preview} may={may} busy={busy !== null} onApply={doApply} />}
    </div>
  )
}

/** A programme's totals, each figure labelled with its certainty where the API gives one. */
function Totals({ t }: { t: ProgrammeTotals }) {
  const row = (key: string, label: string, value: string, note?: string) => (
    <>
      <dt>{label}</dt>
      <dd data-total={key}>
        {value}
        {note && <span class="sub"> {note}</span>}
      </dd>
    </>
  )
  return (
    <dl class="facts totals" aria-label="Programme totals">
      {row('windows', 'Windows', String(t.windows), '(rejected and cancelled ones not counted)')}
      {row('outageHours', 'Outage hours', formatHours(t.outageHours))}
      {row(
        'prepaymentCustomerHours',
        'Prepayment-customer-hours',
        grouped(t.prepaymentCustomerHours),
        '(customers in scope × hours without top-ups)',
      )}
      {row('expectedFailedTopUps', 'Expected failed top-ups', grouped(t.expectedFailedTopUps), '(modelled from the top-up profile)')}
      {row(
        'breaches',
        'Breaches',
        `${t.breaches.confirmed} confirmed`,
        `· ${t.breaches.unconfirmed} unconfirmed (rest on an assumed limit)`,
      )}
      {row(
        'objections',
        'Objections',
        `${t.objections.confirmed} confirmed`,
        `· ${t.objections.unconfirmed} unconfirmed (rest on an assumed limit)`,
      )}
      {row(
        'notifiedLate',
        'Notified late',
        `${formatShare(t.notifiedLate.share)} (${t.notifiedLate.windows} of ${t.windows})`,
        '(open NOTICE_PERIOD breach)',
      )}
      {row(
        'monthsTouched',
        'Months touched',
        String(t.monthsTouched.length),
        t.monthsTouched.length ? `(${t.monthsTouched.join(', ')})` : '',
      )}
    </dl>
  )
}

/** '84 h', '2.5 h'. */
export const formatHours = (h: number) => `${Number.isInteger(h) ? h : h.toFixed(1)} h`
/** '14.3 %'. */
export const formatShare = (share: number) => `${(share * 100).toFixed(1)} %`

const pct = (n: number) => `${n.toFixed(4)}%`

function PreviewView(props: { preview: Preview; may: boolean; busy: boolean; onApply: () => void }) {
  const { answer, diff } = props.preview
  const n = diff.moved.length
  return (
    <section class="replan-preview" aria-labelledby="replan-h" data-replan-moved={n} data-replan-fits={String(answer.fits)}>
      <h4 id="replan-h">Re-plan preview</h4>
      <p>
        {answer.fits
          ? `Fits: ${n} window${n === 1 ? '' : 's'} move, ${diff.kept.length} keep their dates${answer.finishesAt ? `; the last ends ${formatLocal(Date.parse(answer.finishesAt))}` : ''}.`
          : `Does not fit before ${formatLocal(Date.parse(answer.until))}${answer.waiversNeeded.length ? `: it would need waivers for ${answer.waiversNeeded.join(', ')}` : ''}.`}
        {diff.unplaced.length > 0 && ` No slot for ${diff.unplaced.join(', ')}.`}
      </p>
      {answer.explanation && <p class="note">{answer.explanation.message}</p>}
      {diff.span && n > 0 && <DiffTimeline diff={diff} />}
      {n > 0 && (
        <table class="moves">
          <caption>Moves (UK local time)</caption>
          <thead>
            <tr>
              <th scope="col">Window</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Findings that disappear</th>
              <th scope="col">Findings that appear</th>
            </tr>
          </thead>
          <tbody>
            {diff.moved.map((m) => (
              <tr key={m.reference} data-replan-move={m.reference}>
                <th scope="row">{m.reference}</th>
                <td>{formatSpan(m.old.start, m.old.end)}</td>
                <td>{formatSpan(m.new.start, m.new.end)}</td>
                <td data-gone={m.gone.join(' ')}>{m.gone.length ? m.gone.join(', ') : 'none'}</td>
                <td data-appeared={m.appeared.join(' ')}>
                  {m.appeared.length ? m.appeared.join(', ') : 'none'}
                  {m.worstAfter && <span class="sub"> (worst now: {worst(m.worstAfter)})</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {diff.kept.length > 0 && <p>Kept where they are: {diff.kept.join(', ')}.</p>}
      {props.may && answer.fits && n > 0 && (
        <button type="button" class="apply" disabled={props.busy} onClick={props.onApply}>
          Apply re-plan ({n} window{n === 1 ? '' : 's'})
        </button>
      )}
    </section>
  )
}

const worst = (s: NonNullable<ReplanDiff['moved'][number]['worstAfter']>) => `${SEVERITY_SYMBOL[s]} ${s}`

/** Old positions as outlines, new ones as bars, a row per moved window, on months spanning both. */
function DiffTimeline({ diff }: { diff: ReplanDiff }) {
  const months = monthsOf(diff.span!.start, diff.span!.end)
  const range = { start: months[0]!.start, end: months.at(-1)!.end }
  return (
    <figure class="replan-diff">
      <figcaption>
        Before (outline) and after (filled), {months[0]!.label} to {months.at(-1)!.label}
      </figcaption>
      <div class="rd-row rd-axis" aria-hidden="true">
        <div class="rd-label" />
        <div class="rd-track">
          {months
            .filter((m, i) => i === 0 || m.key.endsWith('-01'))
            .map((m) => (
              <span key={m.key} class="rd-tick" style={{ left: pct(placeSpan(range, m)!.left) }}>
                {m.key.endsWith('-01') ? m.key.slice(0, 4) : m.short}
              </span>
            ))}
        </div>
      </div>
      {diff.moved.map((m) => {
        const was = placeSpan(range, m.old)
        const now = placeSpan(range, m.new)
        return (
          <div key={m.reference} class="rd-row" data-diff-ref={m.reference} aria-hidden="true">
            <div class="rd-label">{m.reference}</div>
            <div class="rd-track">
              {was && now && (
                <span class="rd-path" style={{ left: pct(Math.min(was.left, now.left)), width: pct(Math.abs(now.left - was.left)) }} />
              )}
              {was && <span class="rd-old" data-diff-old style={{ left: pct(was.left), width: pct(was.width) }} />}
              {now && <span class="rd-new" data-diff-new style={{ left: pct(now.left), width: pct(now.width) }} />}
            </div>
          </div>
        )
      })}
    </figure>
  )
}
