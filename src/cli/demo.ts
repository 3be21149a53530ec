import { readFileSync } from 'node:fs'

/**
 * `mwp demo` / `npm run demo`: loads the OPSG 58 scenario (domain.md §6: the 14 DSP Technical
 * Refresh windows, published on 5 October 2021) into a running service through its API, and
 * prints what the service finds — what OPSG said at meeting 58, with dates, numbers and rules.
 *
 * @example MWP_API_KEY=<admin key> npm run demo
 */
export interface DemoOptions {
  server: string
  /** How `server` was chosen, for the message when nothing answers there (e.g. `HOST and PORT`). */
  serverFrom?: string
  key: string
  out?: (line: string) => void
}

const PUBLISHED_AT = '2021-10-05T18:00:00+01:00'
/** The demo's own programme: recognised by this idempotency key (24 hours) and, after that, by its name. */
export const DEMO_PROGRAMME = 'DSP Technical Refresh (OPSG 58)'
export const DEMO_IDEMPOTENCY_KEY = 'demo-opsg-58'

/** The demo cannot load its programme: another window holds one of its references. */
export class DemoConflictError extends Error {
  override name = 'DemoConflictError'
}

function planFile(): string {
  for (const up of ['../../examples/opsg-58-plan.json', '../../../examples/opsg-58-plan.json']) {
    const url = new URL(up, import.meta.url)
    try {
      return readFileSync(url, 'utf8')
    } catch {}
  }
  throw new Error('examples/opsg-58-plan.json not found')
}

type Finding = { code: string; severity: string; certainty?: string; message: string }
type Assessment = {
  findings: Finding[]
  months: { month: string; plannedMinutes: number; capMinutes: number; status: string }[]
  compliance?: { rating: string }
}
type ProgrammeTotals = {
  windows: number
  outageHours: number
  prepaymentCustomerHours: number
  expectedFailedTopUps: number
  monthsTouched: string[]
  breaches: { confirmed: number; unconfirmed: number }
  objections: { confirmed: number; unconfirmed: number }
  notifiedLate: { windows: number; share: number }
}
type Win = { id: string; reference: string; title: string; startLocal: string; zone: string; status: string; programmeId: string | null }
type Call = (
  method: string,
  path: string,
  body?: unknown,
  extra?: Record<string, string>,
) => Promise<{ status: number; body: Record<string, unknown>; replayed: boolean }>

/** Every window of `party` (any status, any time), page by page. */
async function allWindows(call: Call, party: string): Promise<Win[]> {
  const out: Win[] = []
  let query = `party=${party}&limit=500`
  for (;;) {
    const page = await call('GET', `/v1/windows?${query}`)
    if (page.status !== 200) throw new Error(`listing the ${party} windows failed: ${page.status} ${JSON.stringify(page.body)}`)
    out.push(...(page.body.items as Win[]))
    const next = page.body.next as string | null
    if (!next) return out
    query = new URL(next).searchParams.toString()
  }
}

/**
 * After a 409: the windows holding the demo's references. All of the demo's own programme (found by
 * its name): it is already loaded, and its windows are shown again. Any other: a DemoConflictError
 * naming that window and what to do.
 */
async function alreadyLoaded(call: Call, references: string[], refused: Record<string, unknown>): Promise<Win[]> {
  const wanted = new Set(references)
  const holders = (await allWindows(call, 'DSP')).filter((w) => wanted.has(w.reference))
  const names = new Map<string, string>()
  for (const id of new Set(holders.map((w) => w.programmeId).filter((p): p is string => p !== null))) {
    const p = await call('GET', `/v1/programmes/${id}`)
    names.set(id, p.status === 200 ? String((p.body.programme as { name?: unknown }).name) : '')
  }
  const ours = (w: Win) => w.programmeId !== null && names.get(w.programmeId) === DEMO_PROGRAMME
  const foreign = holders.filter((w) => !ours(w)).sort((a, b) => a.reference.localeCompare(b.reference))
  if (foreign.length > 0) {
    const shown = foreign
      .map((w) => `${w.reference} is held by window ${w.id} ("${w.title}", ${w.startLocal.slice(0, 16)} ${w.zone}, ${w.status})`)
      .join('; ')
    throw new DemoConflictError(
      `cannot load the OPSG 58 scenario: its windows are ${references[0]} … ${references.at(-1)} of party DSP, and ${shown}, ` +
        `which ${foreign.length === 1 ? 'is' : 'are'} not part of the demo's programme ("${DEMO_PROGRAMME}"). ` +
        'A reference stays taken even when its window is cancelled: rename ' +
        `${foreign.length === 1 ? 'that window' : 'those windows'} (PATCH /v1/windows/${foreign[0]!.id} with {"reference": "DSP-WALK-01"}), ` +
        'or run the demo against a fresh service (an empty DATA_DIR).',
    )
  }
  const programme = holders.find(ours)?.programmeId
  if (!programme) throw new Error(`creating the programme failed: 409 ${JSON.stringify(refused)}`)
  const p = await call('GET', `/v1/programmes/${programme}`)
  if (p.status !== 200) throw new Error(`reading programme ${programme} failed: ${p.status} ${JSON.stringify(p.body)}`)
  return (p.body.windows as Win[]).slice().sort((a, b) => a.reference.localeCompare(b.reference))
}

export async function runDemo(o: DemoOptions): Promise<{ windows: number; breaches: number; unconfirmed: number; objections: number }> {
  const out = o.out ?? ((l: string) => process.stdout.write(`${l}\n`))
  const base = o.server.replace(/\/$/, '')
  const call: Call = async (method, path, body, extra = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${o.key}`, ...(body ? { 'content-type': 'application/json' } : {}), ...extra },
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    const text = await res.text()
    return {
      status: res.status,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      replayed: res.headers.get('idempotent-replayed') === 'true',
    }
  }
  const ready = await fetch(`${base}/readyz`).catch(() => null)
  if (!ready?.ok)
    throw new Error(
      `no service answering at ${base}${o.serverFrom ? ` (from ${o.serverFrom})` : ''}: start it with npm start, or give its address with --server URL`,
    )

  const plan = JSON.parse(planFile()) as { windows: Record<string, unknown>[] }
  const windows = plan.windows.map(({ party: _p, notifiedAt: _n, ...w }) => w)
  out('OPSG 58 (5 October 2021): the DCC proposes 14 full DSP outages, November 2021 to July 2022.')
  const created = await call(
    'POST',
    '/v1/programmes',
    { name: DEMO_PROGRAMME, party: 'DSP', windows },
    { 'idempotency-key': DEMO_IDEMPOTENCY_KEY },
  )
  let list: Win[]
  if (created.status === 201 && created.replayed) {
    // Its own Idempotency-Key, answered again: the programme as it stands now, not as first created.
    const id = (created.body.programme as { id: string }).id
    const p = await call('GET', `/v1/programmes/${id}`)
    if (p.status !== 200) throw new Error(`reading programme ${id} failed: ${p.status} ${JSON.stringify(p.body)}`)
    list = (p.body.windows as Win[]).slice().sort((a, b) => a.reference.localeCompare(b.reference))
    out('(the scenario is already loaded; showing it again)')
  } else if (created.status === 201) list = created.body.windows as Win[]
  else if (created.status === 409) {
    list = await alreadyLoaded(
      call,
      windows.map((w) => String(w.reference)),
      created.body,
    )
    out('(the scenario is already loaded; showing it again)')
  } else throw new Error(`creating the programme failed: ${created.status} ${JSON.stringify(created.body)}`)

  const months = [...new Set(list.map((w) => w.startLocal.slice(0, 7)))]
  for (const month of months) {
    const r = await call('POST', `/v1/schedules/${month}/publish`, { publishedAt: PUBLISHED_AT, parties: ['DSP'] })
    if (r.status !== 200) throw new Error(`publishing ${month} failed: ${r.status} ${JSON.stringify(r.body)}`)
  }
  out(`Schedules for ${months[0]} … ${months.at(-1)} published at ${PUBLISHED_AT}.\n`)

  let breaches = 0
  let unconfirmed = 0
  let objections = 0
  const monthRows = new Map<string, Assessment['months'][number]>()
  out(' #  window (local start)        verdict  findings (breach ✖, breach on an assumed limit ✖?, objection ▲, warning ·)')
  for (const [i, w] of list.entries()) {
    const a = (await call('GET', `/v1/windows/${w.id}/assessment`)).body as unknown as Assessment
    for (const m of a.months) monthRows.set(m.month, m)
    const mark = (f: Finding) =>
      f.severity === 'breach' ? (f.certainty === 'unconfirmed' ? '✖?' : '✖') : f.severity === 'objection' ? '▲' : '·'
    const shown = a.findings.filter((f) => f.severity !== 'info')
    breaches += shown.filter((f) => f.severity === 'breach' && f.certainty !== 'unconfirmed').length
    unconfirmed += shown.filter((f) => f.severity === 'breach' && f.certainty === 'unconfirmed').length
    objections += shown.filter((f) => f.severity === 'objection').length
    const codes = [...new Set(shown.map((f) => `${mark(f)} ${f.code}`))].join('  ')
    out(`${String(i + 1).padStart(2)}  ${w.reference} ${w.startLocal.slice(0, 16)}  ${(a.compliance?.rating ?? '-').padEnd(7)}  ${codes}`)
  }
  out('\nPlanned outage minutes per month (cap 360, assumed):')
  for (const m of [...monthRows.values()].sort((a, b) => a.month.localeCompare(b.month)))
    out(
      `  ${m.month}  ${String(m.plannedMinutes).padStart(4)} min  ${m.status === 'breach' ? 'over the cap' : m.status === 'warning' ? 'at the cap, no headroom' : 'ok'}`,
    )
  const first = (await call('GET', `/v1/windows/${list[0]!.id}/assessment`)).body as unknown as Assessment
  const notice = first.findings.find((f) => f.code === 'NOTICE_PERIOD')
  if (notice) out(`\nWhy window 1 breaches the SEC: ${notice.message}`)
  const programmeId = list[0]?.programmeId
  if (programmeId) {
    const t = (await call('GET', `/v1/programmes/${programmeId}`)).body.totals as ProgrammeTotals | undefined
    if (t)
      out(
        `\nThe programme: ${t.windows} windows, ${t.outageHours} outage hours in ${t.monthsTouched.length} months, ` +
          `${t.notifiedLate.windows} of ${t.windows} notified late; ${t.breaches.confirmed} confirmed breaches ` +
          `(${t.breaches.unconfirmed} more rest on an assumed parameter), ${t.objections.confirmed} confirmed objections; ` +
          `${Math.round(t.prepaymentCustomerHours / 1e6)} million prepayment-customer-hours without top-ups, ` +
          `about ${Math.round(t.expectedFailedTopUps / 1000)} thousand failed top-ups expected.`,
      )
  }
  out(
    `\n${breaches} breaches, ${unconfirmed} breaches on an assumed limit (✖?: set the SEC value in a ruleset to confirm) and ${objections} objections.`,
  )
  out(`OPSG asked the DCC to reconsider; see GET ${base}/v1/windows?party=DSP`)
  return { windows: list.length, breaches, unconfirmed, objections }
}
