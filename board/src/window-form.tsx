/**
 * "New window" and "Edit": a window of the key's party as a form (the fields POST /v1/windows takes),
 * judged by the service while the user types (the what-if's dry run, POST /v1/assessments with the
 * stored plan), then submitted (POST with an Idempotency-Key) or saved (JSON Merge Patch with
 * If-Match). The service is the authority: its problem+json names fields by JSON Pointer (`/end`), and
 * each message is shown beside its field, the input kept.
 *
 * @example <WindowForm api={api} me={me} windows={data.windows} onDone={(w) => open(w.id)} onCancel={close} />
 */
import type { FieldProblem } from './field-problems.ts'
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiError, type Api, assessPlan } from './api.ts'
import { RATING_SYMBOL, RATING_TEXT, SEVERITIES } from './labels.ts'
import { BOARD_ZONE, formatSpan, fromLocalInput } from './time.ts'
import type { Assessment, Me, WindowDto } from './types.ts'
import {
  createBody,
  draftOf,
  draftPlan,
  type FormField,
  IMPACTS,
  patchBody,
  problemsByField,
  rebase,
  WINDOW_KINDS,
} from './window-draft.ts'

interface Choice {
  id: string
  name: string
}

export interface WindowFormProps {
  api: Api
  me: Me
  /** The window to edit; none for a new one. */
  window?: WindowDto | undefined
  /** The board's windows (the what-if judges the draft with those of its months). */
  windows: readonly WindowDto[]
  onDone: (w: WindowDto) => void
  onCancel: () => void
}

export function WindowForm(props: WindowFormProps) {
  const { api, me, window: stored } = props
  const editing = stored !== undefined
  const [base, setBase] = useState(stored)
  const [draft, setDraft] = useState(() => draftOf(stored, me.parties[0] ?? ''))
  const [lists, setLists] = useState<{ parties: Choice[]; services: Choice[]; regions: Choice[] } | null>(null)
  const [problems, setProblems] = useState<{ byField: Partial<Record<FormField, string[]>>; other: string[] }>({ byField: {}, other: [] })
  const [judged, setJudged] = useState<{ a: Assessment | null; pending: boolean; error: string | null }>({
    a: null,
    pending: false,
    error: null,
  })
  const [busy, setBusy] = useState(false)
  const [message, setMessage] = useState<string | null>(null)
  const dryId = useRef(stored?.id ?? crypto.randomUUID())
  const seq = useRef(0)
  const lastPost = useRef<{ body: string; key: string } | null>(null)
  const first = useRef<HTMLInputElement>(null)

  useEffect(() => {
    first.current?.focus()
    let live = true
    const items = (path: string) => api.get<{ items: Choice[] }>(path).then((r) => r.body.items)
    Promise.all([me.role === 'admin' ? items('/v1/parties') : Promise.resolve([]), items('/v1/services'), items('/v1/regions')]).then(
      ([parties, services, regions]) => {
        if (!live) return
        setLists({ parties, services, regions })
        // An admin plans for every party: the first is chosen until the user picks another.
        setDraft((d) => (d.party === '' && parties[0] ? { ...d, party: parties[0].id } : d))
      },
      (e) => live && setMessage(`Could not load the reference lists: ${describe(e)}`),
    )
    return () => {
      live = false
    }
  }, [])

  // The what-if: the draft judged a moment after the last keystroke; only the newest answer is shown.
  useEffect(() => {
    const plan = draftPlan(draft, dryId.current, props.windows, base)
    const n = ++seq.current
    if (!plan) return setJudged({ a: null, pending: false, error: null })
    setJudged((j) => ({ ...j, pending: true }))
    const timer = setTimeout(() => {
      assessPlan(api, plan).then(
        (r) => n === seq.current && setJudged({ a: r.byId.get(dryId.current) ?? null, pending: false, error: null }),
        (e) => n === seq.current && setJudged({ a: null, pending: false, error: describe(e) }),
      )
    }, 250)
    return () => clearTimeout(timer)
  }, [draft, base])

  /** A field changed: its value taken, and the service's word on it (and on End, which depends on Start) dropped as answered. */
  const set = (field: FormField, value: string | string[]) => {
    setDraft((d) => ({ ...d, [field]: value }))
    if (problems.byField[field] || (field === 'start' && problems.byField.end)) {
      const rest = { ...problems.byField }
      delete rest[field]
      if (field === 'start') delete rest.end
      setProblems({ byField: rest, other: problems.other })
      if (Object.keys(rest).length === 0 && problems.other.length === 0) setMessage(null)
    }
  }
  const startMs = fromLocalInput(draft.start)?.ms
  const endMs = fromLocalInput(draft.end)?.ms
  const clientEndNote =
    startMs !== undefined && endMs !== undefined && !(endMs > startMs)
      ? 'The end is not after the start: the service will refuse it.'
      : null

  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setMessage(null)
    setProblems({ byField: {}, other: [] })
    try {
      let saved: WindowDto
      if (base) {
        const patch = patchBody(base, draft)
        if (Object.keys(patch).length === 0) {
          setBusy(false)
          return setMessage('Nothing changed: nothing to save.')
        }
        saved = (await api.patch<WindowDto>(`/v1/windows/${base.id}`, patch, `"${base.version}"`)).body
      } else {
        const body = createBody(draft)
        const text = JSON.stringify(body)
        // The same body keeps its key (a retry after a lost answer is not a second window); another body gets a new one.
        if (lastPost.current?.body !== text) lastPost.current = { body: text, key: crypto.randomUUID() }
        saved = (await api.post<WindowDto>('/v1/windows', body, { 'idempotency-key': lastPost.current.key })).body
      }
      props.onDone(saved)
    } catch (err) {
      if (err instanceof ApiError && err.status === 412 && base) {
        let newer: WindowDto
        try {
          newer = await newerThan(api, base)
        } catch (again) {
          return setMessage(
            `Not saved: ${base.reference} was changed meanwhile, and reading the newer version failed (${describe(again)}). Close the form and open the window again.`,
          )
        }
        setDraft((d) => rebase(d, base, newer))
        setBase(newer)
        setMessage(
          `Not saved: ${newer.reference} was changed meanwhile (now version ${newer.version}, ${formatSpan(Date.parse(newer.start), Date.parse(newer.end))}, status ${newer.status}). Your edits are kept: check them against the newer version and save again.`,
        )
      } else if (err instanceof ApiError && Array.isArray((err.body as { errors?: unknown } | null)?.errors)) {
        const found = problemsByField((err.body as { errors: FieldProblem[] }).errors)
        setProblems(found)
        setMessage(`Not ${editing ? 'saved' : 'submitted'}: ${err.title}. The marked fields say why.`)
      } else setMessage(`Not ${editing ? 'saved' : 'submitted'}: ${describe(err)}`)
    } finally {
      setBusy(false)
    }
  }

  const field = (name: FormField) => {
    const errs = problems.byField[name]
    return {
      id: `wf-${name}`,
      'aria-invalid': errs ? ('true' as const) : undefined,
      'aria-describedby': errs || (name === 'end' && clientEndNote) ? `wf-${name}-error` : undefined,
    }
  }
  const errorOf = (name: FormField, client?: string | null) => {
    const errs = problems.byField[name]
    if (!errs && !client) return null
    return (
      <p id={`wf-${name}-error`} class={errs ? 'error field-error' : 'note warn field-error'} data-field-error={name}>
        {errs ? errs.join('; ') : client}
      </p>
    )
  }
  const text = (name: FormField, label: string, extra: Record<string, unknown> = {}) => (
    <div class="wf-row">
      <label for={`wf-${name}`}>{label}</label>
      <input
        {...field(name)}
        {...extra}
        type="text"
        value={draft[name] as string}
        onInput={(e) => set(name, (e.target as HTMLInputElement).value)}
      />
      {errorOf(name)}
    </div>
  )
  const ticks = (name: 'services' | 'regions', legend: string, choices: Choice[], hint: string) => (
    <fieldset class="wf-ticks" aria-describedby={problems.byField[name] ? `wf-${name}-error` : `wf-${name}-hint`}>
      <legend>{legend}</legend>
      <p id={`wf-${name}-hint`} class="note">
        {hint}
      </p>
      {choices.map((c) => (
        <label key={c.id}>
          <input
            type="checkbox"
            value={c.id}
            checked={draft[name].includes(c.id)}
            onChange={(e) => {
              const on = (e.target as HTMLInputElement).checked
              set(name, on ? [...draft[name], c.id] : draft[name].filter((x) => x !== c.id))
            }}
          />{' '}
          {c.name} <span class="note">({c.id})</span>
        </label>
      ))}
      {errorOf(name)}
    </fieldset>
  )
  const parties = me.role === 'admin' ? (lists?.parties.map((p) => p.id) ?? []) : me.parties

  return (
    <section class="window-form" aria-labelledby="wf-heading" data-window-form={editing ? 'edit' : 'new'}>
      <h2 id="wf-heading">{editing ? `Edit ${stored.reference}` : 'New window'}</h2>
      <p class="note">
        Times are UK local time ({BOARD_ZONE}). The service judges the window as you type; nothing is stored until you{' '}
        {editing ? 'save' : 'submit'}. Notice is given by publishing the month’s schedule, not here.
      </p>
      <form onSubmit={submit} noValidate>
        <div class="wf-grid">
          <div class="wf-row">
            <label for="wf-reference">Reference</label>
            <input
              ref={first}
              {...field('reference')}
              type="text"
              value={draft.reference}
              placeholder="e.g. DSP-TR-15"
              onInput={(e) => set('reference', (e.target as HTMLInputElement).value)}
            />
            {errorOf('reference')}
          </div>
          {text('title', 'Title')}
          <div class="wf-row">
            <label for="wf-party">Party</label>
            {editing || parties.length <= 1 ? (
              <input {...field('party')} type="text" value={draft.party} readOnly />
            ) : (
              <select {...field('party')} value={draft.party} onChange={(e) => set('party', (e.target as HTMLSelectElement).value)}>
                {parties.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            )}
            {errorOf('party')}
          </div>
          <div class="wf-row">
            <label for="wf-impact">Outage type</label>
            <select {...field('impact')} value={draft.impact} onChange={(e) => set('impact', (e.target as HTMLSelectElement).value)}>
              {IMPACTS.map((i) => (
                <option key={i} value={i}>
                  {i}
                </option>
              ))}
            </select>
            {errorOf('impact')}
          </div>
          <div class="wf-row">
            <label for="wf-kind">Kind</label>
            <select {...field('kind')} value={draft.kind} onChange={(e) => set('kind', (e.target as HTMLSelectElement).value)}>
              {WINDOW_KINDS.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
            {errorOf('kind')}
          </div>
          <div class="wf-row">
            <label for="wf-start">Start (local)</label>
            <input
              {...field('start')}
              type="datetime-local"
              step={900}
              value={draft.start}
              onInput={(e) => set('start', (e.target as HTMLInputElement).value)}
            />
            {errorOf('start')}
          </div>
          <div class="wf-row">
            <label for="wf-end">End (local)</label>
            <input
              {...field('end')}
              type="datetime-local"
              step={900}
              value={draft.end}
              onInput={(e) => set('end', (e.target as HTMLInputElement).value)}
            />
            {errorOf('end', clientEndNote)}
          </div>
          {text('changeRef', 'Change reference (optional)')}
          {text('description', 'Description')}
          {text('justification', 'Justification (emergency windows)')}
        </div>
        {lists && ticks('services', 'Services affected', lists.services, 'Tick each service the outage affects.')}
        {lists && ticks('regions', 'Regions', lists.regions, 'None ticked: the party’s own regions.')}
        <DraftVerdict {...judged} />
        {problems.other.length > 0 && (
          <ul class="error" data-form-problems>
            {problems.other.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        )}
        {message && (
          <p class="error" role="alert" data-form-message>
            {message}
          </p>
        )}
        <div class="actions">
          <button type="submit" disabled={busy}>
            {editing ? 'Save' : 'Submit'}
          </button>
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  )
}

/** The verdict and findings the draft would get, as the what-if judged it. */
function DraftVerdict(props: { a: Assessment | null; pending: boolean; error: string | null }) {
  const { a } = props
  const state = props.pending ? 'pending' : props.error ? 'error' : a ? 'ready' : 'none'
  const rating = a?.compliance.rating ?? 'unrated'
  return (
    <section class="wf-judged" aria-labelledby="wf-judged-h" aria-live="polite" data-form-what-if={state}>
      <h3 id="wf-judged-h">Judged before it is stored</h3>
      {state === 'none' && <p class="note">Give a start and an end (the end after the start) and the service judges the window.</p>}
      {props.error && <p class="error">The what-if could not be judged: {props.error}</p>}
      {a && (
        <>
          <p class={`verdict r-${rating}`} data-form-verdict={rating}>
            <span aria-hidden="true">{RATING_SYMBOL[rating]}</span> {RATING_TEXT[rating]}
            {props.pending ? ' (judging…)' : ''}
          </p>
          {a.findings.length === 0 ? (
            <p>No findings.</p>
          ) : (
            <ul class="wf-findings">
              {SEVERITIES.flatMap((sev) =>
                a.findings
                  .filter((f) => f.severity === sev)
                  .map((f) => (
                    <li key={f.key} data-finding-code={f.code} data-severity={sev}>
                      <strong>{f.code}</strong> ({sev}, {f.certainty}): {f.message}
                    </li>
                  )),
              )}
            </ul>
          )}
        </>
      )}
    </section>
  )
}

/**
 * The window as stored after a 412 said it changed. A read straight after another instance's (or
 * request's) write can still be served from the service's cache until the database's change
 * notification arrives, so an answer no newer than ours is asked again, a few times, 200 ms apart.
 */
async function newerThan(api: Api, base: WindowDto): Promise<WindowDto> {
  let w = (await api.get<WindowDto>(`/v1/windows/${base.id}`)).body
  for (let i = 0; i < 10 && w.version <= base.version; i++) {
    await new Promise((r) => setTimeout(r, 200))
    w = (await api.get<WindowDto>(`/v1/windows/${base.id}`)).body
  }
  return w
}

const describe = (e: unknown) => (e instanceof ApiError ? `${e.title}${e.detail ? `: ${e.detail}` : ''}` : String(e))
