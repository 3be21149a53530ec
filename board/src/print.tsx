/**
 * "Print report": the HTML compliance report (GET /v1/reports/compliance, text/html) of the range and
 * party the board shows, opened in a new tab to print.
 *
 * Why not a plain link: the report needs the key in the Authorization header, and a link cannot send
 * one; putting the key in the URL would leave it in history, logs and Referer. The service has no
 * short-lived signed link for reports. So the board fetches the report with the key and opens it
 * as a Blob URL (local to this tab's origin, revoked after a minute). The new tab is opened during
 * the click (so no popup blocker stops it), cut from this page (no opener), and pointed at the Blob.
 *
 * @example <PrintReport api={api} query={query} />
 */
import { useState } from 'preact/hooks'
import { ApiError, type Api } from './api.ts'
import type { BoardQuery } from './query.ts'
import { dayStart } from './time.ts'

/** The report's address for a board range: one party when the board shows one, else all parties. */
export function reportPath(query: BoardQuery): string {
  const params = new URLSearchParams({
    from: new Date(dayStart(query.from)).toISOString(),
    to: new Date(dayStart(query.to)).toISOString(),
    format: 'html',
  })
  if (query.parties.length === 1) params.set('party', query.parties[0]!)
  return `/v1/reports/compliance?${params.toString()}`
}

export function PrintReport(props: { api: Api; query: BoardQuery }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const { query } = props
  const scope = query.parties.length === 1 ? query.parties[0] : 'all parties'
  const open = async () => {
    setError(null)
    setBusy(true)
    const tab = window.open('', '_blank')
    try {
      const blob = await props.api.blob(reportPath(query), 'text/html')
      const url = URL.createObjectURL(new Blob([blob], { type: 'text/html' }))
      setTimeout(() => URL.revokeObjectURL(url), 60_000)
      if (tab) {
        tab.opener = null
        tab.location.href = url
      } else setError('The browser blocked the new tab: allow pop-ups for this page to print the report.')
    } catch (e) {
      tab?.close()
      setError(`Could not get the report: ${e instanceof ApiError ? e.detail || e.title : String(e)}`)
    } finally {
      setBusy(false)
    }
  }
  return (
    <span class="print-report">
      <button
        type="button"
        class="link"
        data-print-report={reportPath(query)}
        disabled={busy}
        title={`The compliance report of ${query.from} to ${query.to} (${scope}), as a page to print`}
        onClick={() => void open()}
      >
        {busy ? 'Preparing report…' : 'Print report'}
      </button>
      {query.parties.length > 1 && <span class="note"> (all parties: the report takes one party)</span>}
      {error && (
        <span class="error" role="alert">
          {' '}
          {error}
        </span>
      )}
    </span>
  )
}
