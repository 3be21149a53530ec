/**
 * The what-if controls: start and end as UK wall time, the notice assumed, Save (PATCH with If-Match)
 * and Suggest slots (GET /v1/slots for the window's duration; picking one is a what-if too).
 */
import { useEffect, useState } from 'preact/hooks'
import { ApiError } from './api.ts'
import type { DetailsProps } from './details.tsx'
import { grouped, RATING_SYMBOL } from './labels.ts'
import { formatLocal, formatSpan, fromLocalInput, localDate, noticeInstant, toLocalInput } from './time.ts'
import type { SlotsAnswer } from './types.ts'
import { reopensNotice } from './what-if.ts'

const WALL_NOTE = {
  exact: '',
  ambiguous: 'happens twice (clocks go back): read as the first, BST',
  gap: 'does not exist (clocks go forward): read with the offset before the change',
}

export function WhatIfPanel(props: DetailsProps) {
  const { window: w, whatIf } = props
  const start = whatIf?.start ?? Date.parse(w.start)
  const end = whatIf?.end ?? Date.parse(w.end)
  const notifiedAt = whatIf ? whatIf.notifiedAt : w.notifiedAt
  const [startText, setStartText] = useState(toLocalInput(start))
  const [endText, setEndText] = useState(toLocalInput(end))
  const [noticeText, setNoticeText] = useState(notifiedAt ? localDate(Date.parse(notifiedAt)) : '')
  const [fieldNote, setFieldNote] = useState('')
  useEffect(() => setStartText(toLocalInput(start)), [start])
  useEffect(() => setEndText(toLocalInput(end)), [end])
  useEffect(() => setNoticeText(notifiedAt ? localDate(Date.parse(notifiedAt)) : ''), [notifiedAt])

  const fromFields = (s: string, e: string) => {
    const a = fromLocalInput(s)
    const b = fromLocalInput(e)
    if (!a || !b) return setFieldNote('Give a full date and time in both fields.')
    if (!(b.ms > a.ms)) return setFieldNote('The end must be after the start.')
    const notes = [a.status !== 'exact' ? `Start ${WALL_NOTE[a.status]}.` : '', b.status !== 'exact' ? `End ${WALL_NOTE[b.status]}.` : '']
    setFieldNote(notes.filter(Boolean).join(' '))
    props.onMove(a.ms, b.ms)
  }
  const reopens = whatIf !== null && reopensNotice(w, { start, end })
  const notified = w.status === 'notified' || w.status === 'agreed'

  return (
    <section class="what-if" aria-labelledby="what-if-h">
      <h3 id="what-if-h">What-if</h3>
      <p class="note">
        Move the window and the service judges it again with the other windows of its months; nothing is stored until you save. Times are UK
        local time.
      </p>
      <div class="fields">
        <label for="wi-start">Start (local)</label>
        <input
          id="wi-start"
          type="datetime-local"
          step={900}
          value={startText}
          onInput={(e) => {
            const v = (e.target as HTMLInputElement).value
            setStartText(v)
            fromFields(v, endText)
          }}
        />
        <label for="wi-end">End (local)</label>
        <input
          id="wi-end"
          type="datetime-local"
          step={900}
          value={endText}
          onInput={(e) => {
            const v = (e.target as HTMLInputElement).value
            setEndText(v)
            fromFields(startText, v)
          }}
        />
        <label for="wi-notice">Notice date</label>
        <input
          id="wi-notice"
          type="date"
          value={noticeText}
          aria-describedby="wi-notice-note"
          onInput={(e) => {
            const v = (e.target as HTMLInputElement).value
            setNoticeText(v)
            if (v === '' || /^\d{4}-\d{2}-\d{2}$/.test(v))
              props.onMove(start, end, { notifiedAt: v ? new Date(noticeInstant(v)).toISOString() : null })
          }}
        />
      </div>
      <p id="wi-notice-note" class="note">
        {whatIf?.noticeChanged
          ? `The what-if assumes notice on ${whatIf.notifiedAt ? formatLocal(Date.parse(whatIf.notifiedAt)) : 'no date (judged as if notified now)'}; notice itself is given by publishing the month’s schedule.`
          : `The what-if keeps the window’s notice (${w.notifiedAt ? formatLocal(Date.parse(w.notifiedAt)) : 'none yet: judged as if notified now'}) unless you change the Notice date.`}
      </p>
      {fieldNote && <p class="note warn">{fieldNote}</p>}
      {notified && (
        <p class={`note${reopens ? ' warn' : ''}`} data-reopens-notice={reopens ? 'true' : 'false'}>
          Saving a move re-opens notice: this window is {w.status}, and an earlier start or a later end sends it back to proposed; its
          month’s schedule must then be published again.
        </p>
      )}
      {whatIf?.error && (
        <p class="error" role="alert">
          The what-if could not be judged: {whatIf.error}
        </p>
      )}
      {whatIf && whatIf.baseVersion !== w.version && (
        <p class="changed-elsewhere" role="status" data-changed-elsewhere={w.version}>
          {w.reference} was changed by someone else since you opened it (now version {w.version},{' '}
          {formatSpan(Date.parse(w.start), Date.parse(w.end))}, {w.status}). Your what-if is kept; saving it will ask you to check it
          against their version first.
        </p>
      )}
      <div class="actions">
        <button type="button" onClick={props.onSave} disabled={!whatIf || props.save.busy}>
          Save
        </button>
        <button type="button" onClick={props.onReset} disabled={!whatIf}>
          Reset
        </button>
        <Slots {...props} start={start} end={end} notifiedAt={notifiedAt} />
      </div>
      {props.save.message && (
        <p
          class={props.save.kind === 'ok' ? 'saved' : 'error'}
          role={props.save.kind === 'ok' ? 'status' : 'alert'}
          data-save={props.save.kind}
        >
          {props.save.message}
        </p>
      )}
    </section>
  )
}

function Slots(props: DetailsProps & { start: number; end: number; notifiedAt: string | null }) {
  const { window: w } = props
  const [answer, setAnswer] = useState<SlotsAnswer | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const ask = async () => {
    setBusy(true)
    setError(null)
    const minutes = Math.round((props.end - props.start) / 60_000)
    const q = new URLSearchParams({
      duration: `PT${minutes}M`,
      from: new Date(props.range.start).toISOString(),
      to: new Date(props.range.end).toISOString(),
      party: w.party,
      count: '5',
    })
    if (w.services.length) q.set('services', w.services.join(','))
    if (w.regions.length) q.set('regions', w.regions.join(','))
    if (props.notifiedAt) q.set('notifiedAt', props.notifiedAt)
    try {
      setAnswer((await props.api.get<SlotsAnswer>(`/v1/slots?${q.toString()}`)).body)
    } catch (e) {
      setError(e instanceof ApiError ? `${e.title}: ${e.detail}` : String(e))
    } finally {
      setBusy(false)
    }
  }
  return (
    <>
      <button type="button" onClick={ask} disabled={busy} aria-controls="slots">
        Suggest slots
      </button>
      <div id="slots" class="slots" aria-live="polite">
        {busy && <p>Looking for compliant slots…</p>}
        {error && <p class="error">{error}</p>}
        {answer && (
          <>
            {answer.notes.map((n) => (
              <p key={n} class="note">
                {n}
              </p>
            ))}
            {answer.explanation && (
              <p class="note" data-slots-explanation>
                {answer.explanation.message}
              </p>
            )}
            {answer.explanation?.nearest && (
              <p>
                <button
                  type="button"
                  data-slot-nearest={answer.explanation.nearest.start}
                  onClick={() => props.onMove(Date.parse(answer.explanation!.nearest!.start), Date.parse(answer.explanation!.nearest!.end))}
                >
                  Nearest were {answer.explanation.nearest.code} waived:{' '}
                  {formatSpan(Date.parse(answer.explanation.nearest.start), Date.parse(answer.explanation.nearest.end))}
                </button>
              </p>
            )}
            {answer.slots.length === 0 ? (
              <p>No compliant slot in this range.</p>
            ) : (
              <ul aria-label="Suggested slots">
                {answer.slots.map((s) => {
                  const rating = s.assessment?.compliance?.rating ?? 'green'
                  return (
                    <li key={s.start}>
                      <button type="button" data-slot-start={s.start} onClick={() => props.onMove(Date.parse(s.start), Date.parse(s.end))}>
                        <span aria-hidden="true">{RATING_SYMBOL[rating]}</span> {formatSpan(Date.parse(s.start), Date.parse(s.end))}
                        {` · ${grouped(s.expectedFailedTopUps)} failed top-ups expected`}
                      </button>
                    </li>
                  )
                })}
              </ul>
            )}
            {!answer.complete && answer.slots.length > 0 && <p class="note">Fewer slots than asked: the constraints left no more.</p>}
          </>
        )}
      </div>
    </>
  )
}
