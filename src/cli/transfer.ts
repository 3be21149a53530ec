import { createHash } from 'node:crypto'
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { formatProblem, type PlanProblem, type PlanRecord, planRecordOf, readPlan, writePlan } from './plan-files.ts'
import { progressBar } from './progress.ts'
import { canonicalJson } from '../domain/canonical-json.ts'
import { SUBMITTER_FIELDS } from '../domain/window.ts'

/**
 * `mwp import` and `mwp export`: bulk submission of windows to a running service and the way back.
 *
 * Import sends one POST /v1/windows a row, a few at a time, each with an Idempotency-Key derived
 * from the row's content, so running it again creates nothing twice (the service replays its first
 * answer for 24 hours, and refuses a second window with the same party and reference after that).
 * A journal beside the file (`<file>.import-journal.ndjson`) records every row the service has
 * accepted; an interrupted run picks up where it stopped. Rows that fail go to `<file>.failed.json`
 * with the service's problem details.
 *
 * @example mwp import plan.csv --server http://127.0.0.1:8080 --key $MWP_API_KEY
 */

export interface ImportOptions {
  server?: string
  key?: string
  concurrency: number
  dryRun: boolean
  party?: string
  impact?: string
  out: (text: string) => void
  err: (text: string) => void
  progress: NodeJS.WriteStream
}

export interface ImportSummary {
  rows: number
  created: number
  replayed: number
  skipped: number
  failed: number
  badRows: number
}

/** Fields POST /v1/windows takes; the rest of a plan row (id, notifiedAt, later statuses) belongs to the service. */
const CREATE_FIELDS = [...SUBMITTER_FIELDS, 'status'] as const

/** The body POST /v1/windows gets for a row, or why the row is not sent. */
export function createBody(raw: Record<string, unknown>): { body: Record<string, unknown> } | { skip: string } {
  const status = raw.status
  if (status === 'cancelled' || status === 'rejected') return { skip: `a ${status} window is not submitted` }
  const body: Record<string, unknown> = {}
  for (const f of CREATE_FIELDS) if (raw[f] !== undefined && raw[f] !== null) body[f] = raw[f]
  // The same window reads the same from every format: an empty description or service list is the default.
  if (body.description === '') delete body.description
  if (Array.isArray(body.services) && body.services.length === 0) delete body.services
  // A window enters the service as draft or proposed; publication makes it notified, reviewers agree it.
  if (body.status !== 'draft' && body.status !== 'proposed') delete body.status
  return { body }
}

/** Same row content, same key: the service then creates the window once, whatever the file is called or how often it is run. */
export function idempotencyKeyOf(body: Record<string, unknown>): string {
  return `mwp-import-${createHash('sha256').update(canonicalJson(body)).digest('hex').slice(0, 48)}`
}

interface JournalEntry {
  key: string
  row: number
  id: string
}

interface Failure {
  row: number
  line?: number
  window?: Record<string, unknown>
  problem: Record<string, unknown>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Runs an import; answers the exit code: 0 all sent, 1 the service refused some rows, 2 some rows could not be read. */
export async function runImport(file: string, o: ImportOptions): Promise<number> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    o.err(`mwp import: ${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`)
    return 2
  }
  const plan = await readPlan(file, text, undefined, { ...(o.party ? { party: o.party } : {}), ...(o.impact ? { impact: o.impact } : {}) })
  const failures: Failure[] = plan.problems.map((p: PlanProblem) => ({
    row: p.row,
    ...(p.line !== undefined ? { line: p.line } : {}),
    problem: { title: 'Bad row', detail: formatProblem(p), ...(p.column ? { column: p.column } : {}) },
  }))
  const jobs: { row: number; line?: number; raw: Record<string, unknown>; body: Record<string, unknown>; key: string }[] = []
  let skippedByStatus = 0
  for (const r of plan.rows) {
    const b = createBody(r.raw)
    if ('skip' in b) {
      skippedByStatus++
      continue
    }
    jobs.push({ row: r.row, ...(r.line !== undefined ? { line: r.line } : {}), raw: r.raw, body: b.body, key: idempotencyKeyOf(b.body) })
  }

  if (o.dryRun) {
    for (const j of jobs) o.out(`${JSON.stringify({ row: j.row, idempotencyKey: j.key, body: j.body })}\n`)
    for (const p of plan.problems) o.err(`${formatProblem(p)}\n`)
    return plan.problems.length ? 2 : 0
  }
  if (!o.server || !o.key) {
    o.err('mwp import: give --server URL and --key KEY (or MWP_API_KEY), or --dry-run\n')
    return 2
  }
  const base = o.server.replace(/\/$/, '')
  const journalFile = `${file}.import-journal.ndjson`
  const done = new Map<string, JournalEntry>()
  if (existsSync(journalFile))
    for (const line of readFileSync(journalFile, 'utf8').split('\n'))
      if (line.trim())
        try {
          const e = JSON.parse(line) as JournalEntry
          done.set(e.key, e)
        } catch {
          // a line cut short by an interruption: that row is sent again (its key makes that safe)
        }
  const todo = jobs.filter((j) => !done.has(j.key))
  const skipped = jobs.length - todo.length
  if (skipped) o.err(`resuming: ${skipped} rows already imported (journal ${journalFile})\n`)

  let created = 0
  let replayed = 0
  const bar = progressBar(o.progress, todo.length, 'import')
  const send = async (j: (typeof todo)[number]): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      let res: Response
      try {
        res = await fetch(`${base}/v1/windows`, {
          method: 'POST',
          headers: { authorization: `Bearer ${o.key}`, 'content-type': 'application/json', 'idempotency-key': j.key },
          body: JSON.stringify(j.body),
        })
      } catch (err) {
        if (attempt < 4) {
          await sleep(250 * 2 ** attempt)
          continue
        }
        failures.push({
          row: j.row,
          ...(j.line !== undefined ? { line: j.line } : {}),
          window: j.raw,
          problem: { title: 'No answer', detail: String((err as Error).cause ?? (err as Error).message) },
        })
        return
      }
      const body = await res.text()
      if (res.status === 201) {
        if (res.headers.get('idempotent-replayed') === 'true') replayed++
        else created++
        const id = (JSON.parse(body) as { id: string }).id
        appendFileSync(journalFile, `${JSON.stringify({ key: j.key, row: j.row, id })}\n`)
        return
      }
      // Still running elsewhere (409 with Retry-After), or the service is busy or failing: try again.
      if ((res.status === 409 && res.headers.has('retry-after')) || res.status === 429 || res.status >= 500) {
        if (attempt < 6) {
          await sleep(Number(res.headers.get('retry-after') ?? 0) * 1000 || 250 * 2 ** attempt)
          continue
        }
      }
      let problem: Record<string, unknown>
      try {
        problem = JSON.parse(body) as Record<string, unknown>
      } catch {
        problem = { status: res.status, detail: body.slice(0, 2000) }
      }
      failures.push({ row: j.row, ...(j.line !== undefined ? { line: j.line } : {}), window: j.raw, problem })
      return
    }
  }
  let next = 0
  const worker = async () => {
    while (next < todo.length) {
      const j = todo[next++]!
      await send(j)
      bar.tick()
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, 16)) }, worker))
  bar.done()

  const failedFile = `${file}.failed.json`
  failures.sort((a, b) => a.row - b.row)
  const serverFailures = failures.filter((f) => f.window !== undefined).length
  if (failures.length) writeFileSync(failedFile, `${JSON.stringify({ file, failed: failures }, null, 2)}\n`)
  else {
    rmSync(failedFile, { force: true })
    // Everything is in: the journal has done its work. A run after this asks the service again, which replays.
    rmSync(journalFile, { force: true })
  }
  const summary: ImportSummary = {
    rows: plan.total,
    created,
    replayed,
    skipped: skipped + skippedByStatus,
    failed: serverFailures,
    badRows: plan.problems.length ? new Set(plan.problems.map((p) => p.row)).size : 0,
  }
  o.out(`${JSON.stringify(summary)}\n`)
  o.err(
    `${file}: ${summary.rows} rows: ${created} created, ${replayed} already there (replayed by the service), ${summary.skipped} skipped, ` +
      `${serverFailures} refused by the service, ${summary.badRows} unreadable${failures.length ? `; see ${failedFile}` : ''}\n`,
  )
  return plan.problems.length ? 2 : serverFailures ? 1 : 0
}

export const EXPORT_FORMATS = ['csv', 'json', 'ics'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

export interface ExportOptions {
  server: string
  key: string
  from?: string
  to?: string
  party?: string
  status?: string
  format: ExportFormat
  out: (text: string) => void
  err: (text: string) => void
  now: () => Date
}

/**
 * `mwp export`: every window overlapping [from, to), page by page, written as a plan file that
 * `mwp import` and `mwp check` read back field for field (ids and the service's bookkeeping are left out).
 */
export async function runExport(o: ExportOptions): Promise<number> {
  const base = o.server.replace(/\/$/, '')
  const params = new URLSearchParams({ limit: '500' })
  if (o.from) params.set('from', o.from)
  if (o.to) params.set('to', o.to)
  if (o.party) params.set('party', o.party)
  if (o.status) params.set('status', o.status)
  const windows: PlanRecord[] = []
  for (;;) {
    const res = await fetch(`${base}/v1/windows?${params}`, { headers: { authorization: `Bearer ${o.key}` } })
    const text = await res.text()
    if (!res.ok) {
      o.err(`mwp export: GET /v1/windows: ${res.status} ${text}\n`)
      return 1
    }
    const page = JSON.parse(text) as { items: PlanRecord[]; next: string | null }
    for (const w of page.items) windows.push(planRecordOf(w))
    const cursor = page.next ? new URL(page.next).searchParams.get('cursor') : null
    if (!cursor) break
    params.set('cursor', cursor)
  }
  o.out(await writePlan(o.format, windows, o.now()))
  o.err(`exported ${windows.length} windows\n`)
  return 0
}
