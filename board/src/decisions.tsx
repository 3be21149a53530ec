/**
 * Decisions from the details panel: a reviewer agrees or rejects a notified window
 * (POST /v1/windows/{id}/status with reason and decision reference) and records a waiver for a
 * waivable finding (POST /v1/waivers: approving body, decision reference, decision date, reason,
 * optional expiry). Only keys whose `may` allows it see the controls; the server still decides, and
 * the fields its problem+json names (JSON Pointers in `errors[]`) show the message beside them.
 */
import type { ComponentChildren } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import type { Api } from './api.ts'
import { NO_PROBLEMS, type Problems, problemsOf } from './field-problems.ts'
import { dayStart, formatLocal, localDate } from './time.ts'
import type { Finding, Me, Waiver, WindowDto } from './types.ts'

/** A labelled field with its error beside it (aria-describedby, aria-invalid). */
function Field(props: {
  id: string
  label: string
  error: string | undefined
  hint?: string
  children: (aria: Record<string, string>) => ComponentChildren
}) {
  const described = [props.hint ? `${props.id}-hint` : '', props.error ? `${props.id}-error` : ''].filter(Boolean).join(' ')
  return (
    <>
      <label for={props.id}>{props.label}</label>
      <div class="decision-field">
        {props.children({
          id: props.id,
          ...(described ? { 'aria-describedby': described } : {}),
          'aria-invalid': props.error ? 'true' : 'false',
        })}
        {props.hint && (
          <p id={`${props.id}-hint`} class="note">
            {props.hint}
          </p>
        )}
        {props.error && (
          <p id={`${props.id}-error`} class="field-error" data-field-error={props.id}>
            {props.error}
          </p>
        )}
      </div>
    </>
  )
}

const inputValue = (e: Event) => (e.target as HTMLInputElement).value

/** Puts focus on the first field the answer named, else on the general message. */
function focusProblem(form: HTMLFormElement | null) {
  requestAnimationFrame(() => {
    const target = form?.querySelector<HTMLElement>('[aria-invalid="true"]') ?? form?.querySelector<HTMLElement>('[data-decision-error]')
    target?.focus()
  })
}

/**
 * What both decision forms share: busy, the problems beside their fields, the line saying what was
 * recorded, and the focus moves (into the form when it opens, onto the line once recorded, onto
 * the first problem). `send` runs the request; its answer is that line.
 *
 * @example const d = useDecisionForm(['/reason'], choice !== null, 'textarea'); d.send(async () => 'DSP-TR-11 agreed')
 */
function useDecisionForm(fields: readonly string[], open: boolean, firstField: string) {
  const [busy, setBusy] = useState(false)
  const [problems, setProblems] = useState<Problems>(NO_PROBLEMS)
  const [done, setDone] = useState<string | null>(null)
  const form = useRef<HTMLFormElement>(null)
  const doneRef = useRef<HTMLParagraphElement>(null)
  useEffect(() => {
    if (open) form.current?.querySelector<HTMLElement>(firstField)?.focus()
  }, [open])
  useEffect(() => {
    if (done) doneRef.current?.focus()
  }, [done])
  const send = async (request: () => Promise<string>) => {
    if (busy) return
    setBusy(true)
    setProblems(NO_PROBLEMS)
    try {
      setDone(await request())
    } catch (err) {
      setProblems(problemsOf(err, fields))
      focusProblem(form.current)
    } finally {
      setBusy(false)
    }
  }
  return { busy, problems, setProblems, done, setDone, form, doneRef, send }
}

/** The answer's message that names no field of the form. */
function GeneralProblem(props: { problems: Problems }) {
  return props.problems.general ? (
    <p class="error" role="alert" tabIndex={-1} data-decision-error>
      {props.problems.general}
    </p>
  ) : null
}

type Choice = 'agreed' | 'rejected'
const CHOICE = {
  agreed: { button: 'Agree', submit: 'Record agreement', title: 'Agree', done: 'agreed' },
  rejected: { button: 'Reject', submit: 'Record rejection', title: 'Reject', done: 'rejected' },
} as const

/**
 * Agree and Reject for a key that may decide windows (`me.may.decideWindows`), on a notified window.
 *
 * @example <DecisionPanel api={api} me={me} window={w} onDecided={reload} />
 */
export function DecisionPanel(props: { api: Api; me: Me; window: WindowDto; onDecided: () => void }) {
  const { window: w } = props
  const [choice, setChoice] = useState<Choice | null>(null)
  const [reason, setReason] = useState('')
  const [decisionRef, setDecisionRef] = useState('')
  const { busy, problems, setProblems, done, setDone, form, doneRef, send } = useDecisionForm(
    ['/reason', '/decisionRef'],
    choice !== null,
    'textarea',
  )
  const section = useRef<HTMLElement>(null)
  if (!props.me.may.decideWindows) return null

  const open = (c: Choice) => {
    setChoice(c)
    setDone(null)
    setProblems(NO_PROBLEMS)
  }
  const cancel = () => {
    const was = choice
    setChoice(null)
    setProblems(NO_PROBLEMS)
    // Back to the button that opened the form (drawn anew once the form is gone).
    requestAnimationFrame(() => section.current?.querySelector<HTMLElement>(`[data-decide="${was}"]`)?.focus())
  }
  const submit = (e: Event) => {
    e.preventDefault()
    if (!choice) return
    return send(async () => {
      const { body } = await props.api.post<WindowDto>(`/v1/windows/${w.id}/status`, { to: choice, reason, decisionRef })
      setChoice(null)
      setReason('')
      setDecisionRef('')
      props.onDecided()
      return `${body.reference} ${CHOICE[choice].done} (version ${body.version}): ${reason.trim()} [${decisionRef.trim()}]`
    })
  }

  const id = `decide-${w.id}`
  return (
    <section ref={section} class="decisions" aria-labelledby={`${id}-h`} data-decisions={w.status}>
      <h3 id={`${id}-h`}>Decision</h3>
      {done && (
        <p class="saved" role="status" tabIndex={-1} ref={doneRef} data-decision-done>
          {done}
        </p>
      )}
      {w.status !== 'notified' ? (
        <p class="note">
          A window is agreed or rejected once it is notified; {w.reference} is {w.status}.
        </p>
      ) : choice === null ? (
        <div class="actions">
          {(['agreed', 'rejected'] as const).map((c) => (
            <button key={c} type="button" data-decide={c} onClick={() => open(c)}>
              {CHOICE[c].button}
            </button>
          ))}
        </div>
      ) : (
        <form ref={form} class="decision-form" aria-label={`${CHOICE[choice].title} ${w.reference}`} noValidate onSubmit={submit}>
          <p class="note">
            {CHOICE[choice].title} {w.reference} as the OPSG decision: the reason and the decision reference go into its history.
          </p>
          <div class="fields">
            <Field id={`${id}-reason`} label="Reason" error={problems.byField['/reason']}>
              {(aria) => <textarea {...aria} rows={2} value={reason} required onInput={(e) => setReason(inputValue(e))} />}
            </Field>
            <Field
              id={`${id}-ref`}
              label="Decision reference"
              error={problems.byField['/decisionRef']}
              hint="e.g. the OPSG meeting, OPSG-58"
            >
              {(aria) => <input {...aria} type="text" value={decisionRef} required onInput={(e) => setDecisionRef(inputValue(e))} />}
            </Field>
          </div>
          <GeneralProblem problems={problems} />
          <div class="actions">
            <button type="submit" disabled={busy}>
              {busy ? 'Recording…' : CHOICE[choice].submit}
            </button>
            <button type="button" onClick={cancel}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  )
}

/** The start of the UK day after `day` (a waiver expiring on a day holds to its end). */
const dayAfter = (day: string) => dayStart(localDate(dayStart(day) + 36 * 3600_000))

/** The instant a waiver was decided: the start of that UK day, or now when that is today (never in the future). */
const decidedInstant = (day: string) => Math.min(dayStart(day), Date.now())

/**
 * "Waive" on one finding, for a key that may record waivers (`me.may.recordWaivers`), when the finding
 * is waivable and not yet waived: the form sends POST /v1/waivers for the finding's key.
 *
 * @example <WaiveControl api={api} me={me} finding={f} onDecided={reload} />
 */
export function WaiveControl(props: { api: Api; me: Me; finding: Finding; onDecided: () => void }) {
  const { finding: f } = props
  const [open, setOpen] = useState(false)
  const [approvedBy, setApprovedBy] = useState<'sec-panel' | 'opsg-delegated'>('opsg-delegated')
  const [decisionRef, setDecisionRef] = useState('')
  const [decidedOn, setDecidedOn] = useState(() => localDate(Date.now()))
  const [reason, setReason] = useState('')
  const [expiresOn, setExpiresOn] = useState('')
  const fields = ['/approvedBy', '/decisionRef', '/decidedAt', '/reason', '/expiresAt']
  const { busy, problems, setProblems, done, form, doneRef, send } = useDecisionForm(fields, open, 'select')
  const button = useRef<HTMLButtonElement>(null)
  if (!props.me.may.recordWaivers) return null
  if (done)
    return (
      <p class="saved" role="status" tabIndex={-1} ref={doneRef} data-waiver-done={f.code}>
        {done}
      </p>
    )
  if (!f.waivable || f.waiver) return null

  const id = `waive-${f.key.replace(/[^A-Za-z0-9_-]/g, '-')}`
  const submit = (e: Event) => {
    e.preventDefault()
    if (!/^\d{4}-\d{2}-\d{2}$/.test(decidedOn) || (expiresOn && !/^\d{4}-\d{2}-\d{2}$/.test(expiresOn))) {
      const p = {
        byField: {
          ...(/^\d{4}-\d{2}-\d{2}$/.test(decidedOn) ? {} : { '/decidedAt': 'give the date of the decision' }),
          ...(!expiresOn || /^\d{4}-\d{2}-\d{2}$/.test(expiresOn) ? {} : { '/expiresAt': 'give a date, or leave it empty' }),
        },
        general: null,
      }
      setProblems(p)
      return focusProblem(form.current)
    }
    return send(async () => {
      const { body } = await props.api.post<{ waiver: Waiver }>('/v1/waivers', {
        findingKey: f.key,
        approvedBy,
        decisionRef,
        decidedAt: new Date(decidedInstant(decidedOn)).toISOString(),
        reason,
        // Expires at the end of the day named: the start of the next UK day.
        ...(expiresOn ? { expiresAt: new Date(dayAfter(expiresOn)).toISOString() } : {}),
      })
      setOpen(false)
      props.onDecided()
      return `${f.code} waived: ${body.waiver.decisionRef} (${APPROVERS[body.waiver.approvedBy as keyof typeof APPROVERS] ?? body.waiver.approvedBy}).`
    })
  }

  if (!open)
    return (
      <div class="actions">
        <button type="button" ref={button} data-waive={f.code} aria-describedby={`${id}-what`} onClick={() => setOpen(true)}>
          Waive
        </button>
        <span id={`${id}-what`} class="visually-hidden">
          the {f.code} finding
        </span>
      </div>
    )
  return (
    <form ref={form} class="decision-form" aria-label={`Waive ${f.code}`} noValidate onSubmit={submit} data-waiver-form={f.code}>
      <div class="fields">
        <Field id={`${id}-by`} label="Approving body" error={problems.byField['/approvedBy']}>
          {(aria) => (
            <select {...aria} value={approvedBy} onChange={(e) => setApprovedBy(inputValue(e) as typeof approvedBy)}>
              {Object.entries(APPROVERS).map(([v, text]) => (
                <option key={v} value={v}>
                  {text}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id={`${id}-ref`} label="Decision reference" error={problems.byField['/decisionRef']}>
          {(aria) => <input {...aria} type="text" value={decisionRef} required onInput={(e) => setDecisionRef(inputValue(e))} />}
        </Field>
        <Field id={`${id}-on`} label="Decided on" error={problems.byField['/decidedAt']}>
          {(aria) => <input {...aria} type="date" value={decidedOn} required onInput={(e) => setDecidedOn(inputValue(e))} />}
        </Field>
        <Field id={`${id}-reason`} label="Reason" error={problems.byField['/reason']}>
          {(aria) => <textarea {...aria} rows={2} value={reason} required onInput={(e) => setReason(inputValue(e))} />}
        </Field>
        <Field id={`${id}-exp`} label="Expires on (optional)" error={problems.byField['/expiresAt']} hint="empty: no expiry">
          {(aria) => <input {...aria} type="date" value={expiresOn} onInput={(e) => setExpiresOn(inputValue(e))} />}
        </Field>
      </div>
      <GeneralProblem problems={problems} />
      <div class="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Recording…' : 'Record waiver'}
        </button>
        <button
          type="button"
          onClick={() => {
            setOpen(false)
            setProblems(NO_PROBLEMS)
            requestAnimationFrame(() => button.current?.focus())
          }}
        >
          Cancel
        </button>
      </div>
    </form>
  )
}

const APPROVERS = { 'opsg-delegated': 'OPSG (delegated)', 'sec-panel': 'SEC Panel' } as const

/**
 * The window's waivers as entries of its history (a waiver is a decision too, recorded beside the
 * window's versions), in the order they were recorded.
 *
 * @example <ol class="history">{versions}<WaiverHistory waivers={waivers} /></ol>
 */
export function WaiverHistory({ waivers }: { waivers: readonly Waiver[] }) {
  return (
    <>
      {[...waivers]
        .sort((a, b) => Date.parse(a.recordedAt) - Date.parse(b.recordedAt))
        .map((x) => (
          <li key={`waiver-${x.id}`} data-history-waiver={x.code}>
            Waiver of {x.code} by {APPROVERS[x.approvedBy as keyof typeof APPROVERS] ?? x.approvedBy} recorded on{' '}
            {formatLocal(Date.parse(x.recordedAt))} ({x.reason} [{x.decisionRef}])
            {x.expiresAt ? `, expires ${formatLocal(Date.parse(x.expiresAt))}` : ''}
            {x.lapsedAt ? `, lapsed ${formatLocal(Date.parse(x.lapsedAt))}` : ''}
          </li>
        ))}
    </>
  )
}
