import { readFileSync } from 'node:fs'
import type { z } from 'zod'
import type { WindowPlan } from '../domain/window.ts'
import type { Ruleset } from '../domain/ruleset.ts'
import { SlotsQuery } from '../schemas/slots.ts'
import { findSlotsOffline, toWindowPlan } from '../services/offline-assessment.ts'
import { durationMinutes } from '../services/slots-service.ts'
import { formatProblem, readPlan } from './plan-files.ts'
import { rulesetChoice, rulesetProblem } from './ruleset-choice.ts'

/**
 * `mwp slots`: compliant slots for a window of `--duration`, offline with the service's own search
 * (src/services/slot-search.ts through findSlotsOffline: built-in rules, default blackouts, shipped
 * reference data, a plan file as the windows already planned), or from a running service's
 * `GET /v1/slots` with `--server`. Exit 0 when `--count` slots were found, 1 when fewer (the answer
 * says why), 2 on bad input, 3 when the service could not be asked.
 *
 * @example mwp slots --duration PT6H --from 2022-04-01T00:00:00Z --to 2022-10-01T00:00:00Z --count 3 --plan plan.csv
 */

export const SLOTS_EXIT = { ok: 0, fewer: 1, badInput: 2, unavailable: 3 } as const

export interface SlotsOptions {
  duration: string
  from: string
  to: string
  party: string
  services?: string
  regions?: string
  count: string
  notifiedAt?: string
  tolerate: string
  plan?: string
  ruleset?: string
  server?: string
  key?: string
  format: 'table' | 'json'
  pretty: boolean
  tzdbVersion: string
  now: () => Date
  out: (text: string) => void
  err: (text: string) => void
}

/** The answer of GET /v1/slots as JSON (instants as strings). */
interface SlotsAnswer {
  slots: {
    start: string
    end: string
    localStart: string
    localEnd: string
    expectedFailedTopUps: number
    metersAffected: number
    assessment: { worstSeverity: string | null; findings: { code: string; severity: string }[] }
  }[]
  complete: boolean
  progress: { candidates: number; assessed: number; stoppedBy: string | null; detail: string | null }
  explanation: {
    message: string
    passing: number
    candidates: number
    removed: { code: string; message: string }[]
    nearest: { code: string; localStart: string; expectedFailedTopUps: number } | null
  } | null
  services: { ids: string[]; from: string }
  notes: string[]
  ruleset: { id: string; version: string }
}

/** Option names for the query fields, so a problem names what the user typed. */
const OPTION: Record<string, string> = {
  duration: '--duration',
  from: '--from',
  to: '--to',
  party: '--party',
  services: '--services',
  regions: '--regions',
  count: '--count',
  notifiedAt: '--notified-at',
  tolerate: '--tolerate',
}
const optionOf = (pointer: string) => OPTION[pointer.replace(/^\//, '').split('/')[0] ?? ''] ?? pointer

type Problem = { pointer?: string; path?: readonly PropertyKey[]; message: string }
const problemLines = (problems: readonly Problem[]) =>
  problems.map((p) => `mwp slots: ${optionOf(p.pointer ?? `/${String(p.path?.[0] ?? '')}`)}: ${p.message}\n`).join('')

/** Runs the command; answers the exit code. */
export async function runSlots(o: SlotsOptions): Promise<number> {
  const raw = {
    duration: o.duration,
    from: o.from,
    to: o.to,
    party: o.party,
    count: o.count,
    tolerate: o.tolerate,
    ...(o.services !== undefined ? { services: o.services } : {}),
    ...(o.regions !== undefined ? { regions: o.regions } : {}),
    ...(o.notifiedAt !== undefined ? { notifiedAt: o.notifiedAt } : {}),
  }
  // The API's own query schema: the same messages as GET /v1/slots.
  const parsed = SlotsQuery.safeParse(raw)
  if (!parsed.success) {
    o.err(problemLines(parsed.error.issues))
    return SLOTS_EXIT.badInput
  }
  if (o.server) {
    if (o.plan || o.ruleset) {
      o.err('mwp slots: --plan and --ruleset are for the offline search; with --server the service uses its own plan and rules\n')
      return SLOTS_EXIT.badInput
    }
    return fromServer(o, raw)
  }
  const q = parsed.data as z.infer<typeof SlotsQuery>
  let minutes: number
  try {
    minutes = durationMinutes(q.duration)
  } catch (err) {
    return refused(o, err)
  }

  let ruleset: Ruleset | undefined
  try {
    if (o.ruleset !== undefined) ruleset = rulesetChoice(o.ruleset)
  } catch (err) {
    o.err(rulesetProblem('slots', o.ruleset, err))
    return SLOTS_EXIT.badInput
  }

  let plan: WindowPlan[] = []
  if (o.plan) {
    let text: string
    try {
      text = readFileSync(o.plan, 'utf8')
    } catch (err) {
      o.err(`mwp slots: ${o.plan}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`)
      return SLOTS_EXIT.badInput
    }
    const read = await readPlan(o.plan, text)
    if (read.problems.length) {
      // A slot is only as good as the plan it avoids: an unread window could be the one it clashes with.
      o.err(read.problems.map((p) => `${formatProblem(p)}\n`).join(''))
      o.err(`mwp slots: ${o.plan}: ${read.problems.length} problem(s); fix the plan first (mwp check ${o.plan} names them too)\n`)
      return SLOTS_EXIT.badInput
    }
    plan = read.rows.map((r, i) => toWindowPlan(r.window, i))
  }

  let answer: SlotsAnswer
  try {
    const r = findSlotsOffline(
      {
        durationMinutes: minutes,
        from: q.from,
        to: q.to,
        party: q.party,
        services: q.services,
        regions: q.regions,
        count: q.count,
        notifiedAt: q.notifiedAt,
        tolerate: q.tolerate,
      },
      { now: q.notifiedAt ?? o.now(), tzdbVersion: o.tzdbVersion, plan, ...(ruleset ? { ruleset } : {}) },
    )
    answer = JSON.parse(JSON.stringify(r)) as SlotsAnswer
  } catch (err) {
    return refused(o, err)
  }
  return report(o, answer, q.count, plan.length)
}

/** An AppError from the shared checks (what the API answers with 400) as option problems. */
function refused(o: SlotsOptions, err: unknown): number {
  const e = err as { status?: number; detail?: string; extra?: { errors?: Problem[] } }
  if (e.status === 400) {
    o.err(e.extra?.errors?.length ? problemLines(e.extra.errors) : `mwp slots: ${e.detail}\n`)
    return SLOTS_EXIT.badInput
  }
  throw err
}

async function fromServer(o: SlotsOptions, raw: Record<string, string>): Promise<number> {
  if (!o.key) {
    o.err('mwp slots: --key (or MWP_API_KEY) is needed with --server\n')
    return SLOTS_EXIT.badInput
  }
  const url = `${o.server!.replace(/\/$/, '')}/v1/slots?${new URLSearchParams(raw)}`
  let res: Response
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${o.key}`, accept: 'application/json' } })
  } catch (err) {
    o.err(`mwp slots: cannot reach ${o.server}: ${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message}\n`)
    return SLOTS_EXIT.unavailable
  }
  const text = await res.text()
  if (!res.ok) {
    let problem: { title?: string; detail?: string; errors?: Problem[] } = {}
    try {
      problem = JSON.parse(text)
    } catch {}
    if (res.status === 400 && problem.errors?.length) o.err(problemLines(problem.errors))
    else
      o.err(
        `mwp slots: ${o.server} answered ${res.status}: ${problem.title ?? ''}${problem.detail ? `: ${problem.detail}` : text.slice(0, 500)}\n`,
      )
    return res.status === 400 ? SLOTS_EXIT.badInput : SLOTS_EXIT.unavailable
  }
  return report(o, JSON.parse(text) as SlotsAnswer, Number(raw.count), null)
}

function report(o: SlotsOptions, a: SlotsAnswer, count: number, planWindows: number | null): number {
  const code = a.slots.length >= count ? SLOTS_EXIT.ok : SLOTS_EXIT.fewer
  if (o.format === 'json') {
    o.out(`${JSON.stringify(a, null, o.pretty ? 2 : undefined)}\n`)
    return code
  }
  const lines: string[] = []
  lines.push(
    `${a.slots.length} of ${count} slot(s) of ${o.duration} for ${o.party} in [${o.from}, ${o.to}) (times below are local to the ruleset's zone), ` +
      `tolerating ${o.tolerate}; ruleset ${a.ruleset.id}@${a.ruleset.version}; ` +
      (planWindows === null ? `asked of ${o.server}` : `offline, against ${planWindows} planned window(s)`),
  )
  for (const note of a.notes) lines.push(`Note: ${note}`)
  if (a.slots.length) {
    lines.push(
      '',
      `${' #'.padStart(3)}  ${'local start'.padEnd(16)}  ${'local end'.padEnd(16)}  ${'failed top-ups'.padStart(14)}  ${'meters'.padStart(10)}  worst     findings`,
    )
    a.slots.forEach((s, i) => {
      const codes = [...new Set(s.assessment.findings.filter((f) => f.severity !== 'info').map((f) => `${f.severity}:${f.code}`))]
      lines.push(
        `${String(i + 1).padStart(3)}  ${s.localStart.padEnd(16)}  ${s.localEnd.padEnd(16)}  ${s.expectedFailedTopUps.toFixed(1).padStart(14)}  ${String(s.metersAffected).padStart(10)}  ${(s.assessment.worstSeverity ?? 'none').padEnd(8)}  ${codes.join(' ') || '-'}`,
      )
    })
  }
  if (a.explanation) {
    lines.push(
      '',
      `Why not ${count}: ${a.explanation.passing} of ${a.explanation.candidates} candidate start(s) on the 15-minute grid pass every constraint.`,
    )
    for (const r of a.explanation.removed) lines.push(`  - ${r.message}`)
    if (a.explanation.nearest)
      lines.push(
        `  Nearest slot with one constraint waived: ${a.explanation.nearest.localStart} (waive ${a.explanation.nearest.code}), ${a.explanation.nearest.expectedFailedTopUps.toFixed(1)} failed top-ups`,
      )
  }
  if (!a.complete) lines.push('', `The search stopped early: ${a.progress.detail ?? a.progress.stoppedBy}`)
  lines.push('', `${a.progress.candidates} candidate start(s), ${a.progress.assessed} assessed by the engine. exit ${code}`)
  o.out(`${lines.join('\n')}\n`)
  return code
}
