/**
 * A window's details: verdict, findings by severity (each with certainty, message, rule and
 * provenance), impact, history, notices and waivers; and for a key that may change the window, the
 * what-if (what-if-panel.tsx).
 */
import type { ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { ApiError, type Api } from './api.ts'
import type { SaveState, WhatIf } from './board.tsx'
import { DecisionPanel, WaiveControl, WaiverHistory } from './decisions.tsx'
import { grouped, RATING_SYMBOL, RATING_TEXT, SEVERITIES, SEVERITY_SYMBOL, SEVERITY_TEXT } from './labels.ts'
import { formatLocal, formatSpan } from './time.ts'
import type { Assessment, Finding, HistoryEntry, Me, Notice, Waiver, WindowDto } from './types.ts'
import { WhatIfPanel } from './what-if-panel.tsx'

export interface DetailsProps {
  api: Api
  me: Me
  window: WindowDto
  editable: boolean
  assessment: Assessment | undefined
  stored: Assessment | undefined
  waivers: Waiver[]
  whatIf: WhatIf | null
  save: SaveState
  range: { start: number; end: number }
  onMove: (start: number, end: number, notice?: { notifiedAt: string | null }) => void
  onReset: () => void
  onSave: () => void
  onClose: () => void
  /** After a decision (agree, reject, waive): the board loads its data again. */
  onDecided?: () => void
  /** Opens the window in the form (window-form.tsx); offered when the key may edit it. */
  onEdit?: (() => void) | undefined
}

export function Details(props: DetailsProps) {
  const { window: w, assessment: a, whatIf } = props
  const [history, setHistory] = useState<HistoryEntry[] | null>(null)
  const [notices, setNotices] = useState<Notice[] | null>(null)
  const [extraError, setExtraError] = useState<string | null>(null)
  // Bumped by a decision so the history shows it at once.
  const [decisions, setDecisions] = useState(0)
  const decided = () => {
    setDecisions((n) => n + 1)
    props.onDecided?.()
  }
  useEffect(() => {
    let live = true
    Promise.all([
      props.api.get<{ items: HistoryEntry[] }>(`/v1/windows/${w.id}/history`),
      props.api.get<{ items: Notice[] }>(`/v1/windows/${w.id}/notices`),
    ]).then(
      ([h, n]) => {
        if (!live) return
        setHistory(h.body.items)
        setNotices(n.body.items)
      },
      (e) => live && setExtraError(e instanceof ApiError ? e.detail || e.title : String(e)),
    )
    return () => {
      live = false
    }
  }, [w.id, w.version, decisions])

  const rating = a?.compliance.rating ?? 'unrated'
  return (
    <aside class="details" data-window-detail={w.reference} aria-labelledby="detail-title">
      <div class="details-head">
        <h2 id="detail-title">
          {w.reference} <span class="title">{w.title}</span>
        </h2>
        {props.editable && props.onEdit && (
          <button type="button" class="edit" onClick={props.onEdit}>
            Edit
          </button>
        )}
        <button type="button" class="close" onClick={props.onClose}>
          Close details
        </button>
      </div>
      <dl class="facts">
        <dt>Party</dt>
        <dd>{w.party}</dd>
        <dt>Stored</dt>
        <dd>
          {formatSpan(Date.parse(w.start), Date.parse(w.end))} · version {w.version} · {w.status}
        </dd>
        <dt>Notified</dt>
        <dd>{w.notifiedAt ? formatLocal(Date.parse(w.notifiedAt)) : 'not yet (judged as if notified now)'}</dd>
        <dt>Impact</dt>
        <dd>
          {w.impact} of {w.services.join(', ') || 'no services named'}; regions {w.regions.join(', ') || 'none'}
        </dd>
      </dl>
      <p class={`verdict r-${rating}`} data-verdict={rating}>
        <span class="sym" aria-hidden="true">
          {RATING_SYMBOL[rating]}
        </span>{' '}
        {whatIf ? 'What-if verdict' : 'Verdict'}: {RATING_TEXT[rating]}
        {whatIf?.pending ? ' (judging…)' : ''}
      </p>
      {props.editable ? (
        <WhatIfPanel {...props} />
      ) : (
        <p class="note">Your key ({props.me.role}) may not change this window: the board shows it read-only.</p>
      )}
      <DecisionPanel api={props.api} me={props.me} window={w} onDecided={decided} />
      <Findings
        findings={a?.findings ?? []}
        whatIf={whatIf !== null}
        action={(f) => whatIf === null && <WaiveControl api={props.api} me={props.me} finding={f} onDecided={decided} />}
      />
      <ImpactFigures a={a} />
      <section aria-labelledby="history-h">
        <h3 id="history-h">History</h3>
        {history === null ? (
          <p>{extraError ?? 'Loading…'}</p>
        ) : (
          <ol class="history">
            {history.map((h) => (
              <li key={h.version}>
                Version {h.version}: {h.action} on {formatLocal(Date.parse(h.recordedAt))}
                {h.reason ? ` (${h.reason})` : ''}
                {h.changes.length > 0 && (
                  <ul>
                    {h.changes.map((c) => (
                      <li key={c.field}>
                        {c.field}: {show(c.old)} → {show(c.new)}
                      </li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
            <WaiverHistory waivers={props.waivers} />
          </ol>
        )}
      </section>
      <section aria-labelledby="notices-h">
        <h3 id="notices-h">Notices and acknowledgements</h3>
        {notices === null ? (
          <p>{extraError ?? 'Loading…'}</p>
        ) : notices.length === 0 ? (
          <p>No notice sent by webhook about this window.</p>
        ) : (
          <ul>
            {notices.map((n) => (
              <li key={n.deliveryId}>
                {n.event.type} to {n.subscription.ownerName ?? n.subscription.description ?? n.subscription.id}: {n.state}
                {n.sentAt ? `, sent ${formatLocal(Date.parse(n.sentAt))}` : ''}
                {n.acknowledgedAt ? `, acknowledged ${formatLocal(Date.parse(n.acknowledgedAt))}` : ', not acknowledged'}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="waivers-h">
        <h3 id="waivers-h">Waivers</h3>
        {props.waivers.length === 0 ? (
          <p>No waiver recorded for this window.</p>
        ) : (
          <ul>
            {props.waivers.map((x) => (
              <li key={x.id}>
                {x.code}: {x.decisionRef} ({x.approvedBy}, {formatLocal(Date.parse(x.decidedAt))})
                {x.lapsedAt ? `, lapsed ${formatLocal(Date.parse(x.lapsedAt))}` : ''} — {x.reason}
              </li>
            ))}
          </ul>
        )}
      </section>
    </aside>
  )
}

const show = (v: unknown) => {
  if (v === null || v === undefined) return '—'
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v))) return formatLocal(Date.parse(v))
  return typeof v === 'string' ? v : JSON.stringify(v)
}

function Findings({ findings, whatIf, action }: { findings: Finding[]; whatIf: boolean; action?: (f: Finding) => ComponentChildren }) {
  return (
    <section aria-labelledby="findings-h" class="findings">
      <h3 id="findings-h">Findings{whatIf ? ' of the what-if' : ''}</h3>
      {findings.length === 0 && <p>No findings.</p>}
      {SEVERITIES.map((sev) => {
        const fs = findings.filter((f) => f.severity === sev)
        if (fs.length === 0) return null
        return (
          <div key={sev} class={`severity sev-${sev}`}>
            <h4>
              <span aria-hidden="true">{SEVERITY_SYMBOL[sev]}</span> {SEVERITY_TEXT[sev]} ({fs.length})
            </h4>
            <ul>
              {fs.map((f) => (
                <li key={f.key} data-finding-code={f.code} data-certainty={f.certainty}>
                  <p class="f-head">
                    <strong>{f.code}</strong> · {f.certainty === 'unconfirmed' ? 'unconfirmed: rests on an assumed limit' : 'confirmed'}
                    {f.waiver ? ` · waived (${f.waiver.decisionRef})` : ''}
                  </p>
                  <p class="f-message">{f.message}</p>
                  <p class="f-rule">
                    Rule {f.rule.id} ({f.rule.rulesetId}@{f.rule.version}) · provenance: {f.rule.provenance}
                  </p>
                  {action?.(f)}
                </li>
              ))}
            </ul>
          </div>
        )
      })}
    </section>
  )
}

function ImpactFigures({ a }: { a: Assessment | undefined }) {
  const i = a?.impact
  return (
    <section aria-labelledby="impact-h">
      <h3 id="impact-h">Impact</h3>
      {!i ? (
        <p>No impact figures.</p>
      ) : (
        <dl class="facts">
          {i.rating && (
            <>
              <dt>Rating</dt>
              <dd>{i.rating.rating} (from impact alone)</dd>
            </>
          )}
          {i.metersAffected !== undefined && (
            <>
              <dt>Meters</dt>
              <dd>{grouped(i.metersAffected)}</dd>
            </>
          )}
          {i.prepaymentCustomersAffected !== undefined && (
            <>
              <dt>Prepayment customers</dt>
              <dd>{grouped(i.prepaymentCustomersAffected)}</dd>
            </>
          )}
          {i.expectedFailedTopUps !== undefined && (
            <>
              <dt>Failed top-ups expected</dt>
              <dd>{grouped(i.expectedFailedTopUps)}</dd>
            </>
          )}
          {i.availability?.percent !== undefined && (
            <>
              <dt>Availability</dt>
              <dd>
                {i.availability.percent.toFixed(2)} % ({i.availability.basis ?? 'basis not given'})
              </dd>
            </>
          )}
        </dl>
      )}
    </section>
  )
}
