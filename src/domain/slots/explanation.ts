/**
 * Why a search found fewer slots than asked: each failing candidate start is charged to the first
 * constraint it fails in CONSTRAINT_ORDER (marginal counting), with the months each constraint
 * emptied and the instant before which it removed every start; and, per constraint, the earliest
 * start that passes were that constraint alone waived (confirmed by the engine).
 *
 * @example
 * explain(search, from, to, (k) => search.stat[k]! | plan.mask(k), background, budget).message
 * // 'No start in 2021-11-01 00:00–2021-12-01 00:00 passes every constraint. NOTICE_PERIOD removed …'
 */
import type { FindingCode } from '../findings.ts'
import { monthKeyOf } from '../time.ts'
import type { WindowPlan } from '../window.ts'
import type { CandidateSearch } from './candidate-search.ts'
import { bitOf, CONSTRAINT_ORDER, firstCode, GRID_MINUTES } from './constraint-codes.ts'
import type { SearchBudget } from './search-budget.ts'
import type { Explanation, RemovedTime, WaivedAlternative } from './types.ts'

/** Per constraint: the starts charged to it and the months it emptied. */
type Charges = Map<FindingCode, { starts: number; months: Set<number> }>

/**
 * Charges each failing candidate of the first `kEnd` to the first failing constraint in
 * CONSTRAINT_ORDER and finds, per constraint, the earliest candidate that fails only it (confirmed
 * by the engine with it waived).
 */
export function explain(
  search: CandidateSearch,
  from: Date,
  to: Date,
  maskOf: (k: number) => number,
  background: readonly WindowPlan[],
  budget: SearchBudget,
  kEnd = search.n,
): Explanation {
  const masks = new Int32Array(kEnd)
  for (let k = 0; k < kEnd; k++) masks[k] = maskOf(k)
  const { charges, passing } = charge(search, masks)
  const removed = removedTimes(search, masks, charges, to)
  const ifWaived = waivedAlternatives(search, masks, removed, background, budget)
  const nearest = ifWaived[0] ?? null
  const message =
    `${passing === 0 ? 'No start' : `${passing} start(s)`} in ${search.local(from.getTime())}–${search.local(to.getTime())} pass${passing === 1 ? 'es' : ''} every constraint. ` +
    removed.map((r) => r.message).join('. ') +
    (nearest ? `. Nearest slot with one constraint waived: ${nearest.localStart} (waive ${nearest.code})` : '')
  return { from, to, gridMinutes: GRID_MINUTES, candidates: kEnd, passing, removed, ifWaived, nearest, message }
}

/** Charges every failing start to its first constraint; a month left empty goes to the constraint that took most of it. */
function charge(search: CandidateSearch, masks: Int32Array): { charges: Charges; passing: number } {
  const charges: Charges = new Map()
  let passing = 0
  // Per month: the starts each constraint took.
  const perMonth = new Map<number, Map<FindingCode, number>>()
  for (let k = 0; k < masks.length; k++) {
    const m = masks[k]!
    if (m === 0) {
      passing++
      continue
    }
    const code = firstCode(m)
    const r = charges.get(code) ?? { starts: 0, months: new Set() }
    r.starts++
    charges.set(code, r)
    const pm = perMonth.get(search.month[k]!) ?? new Map<FindingCode, number>()
    pm.set(code, (pm.get(code) ?? 0) + 1)
    perMonth.set(search.month[k]!, pm)
  }
  const monthPassing = new Map<number, number>()
  for (let k = 0; k < masks.length; k++)
    if (masks[k] === 0) monthPassing.set(search.month[k]!, (monthPassing.get(search.month[k]!) ?? 0) + 1)
  for (const [m, pm] of perMonth) {
    if (monthPassing.get(m)) continue
    // The month is empty; name the constraint that took most of it (marginally).
    let top: FindingCode | null = null
    for (const c of CONSTRAINT_ORDER) if (pm.has(c) && (top === null || pm.get(c)! > pm.get(top)!)) top = c
    if (top) charges.get(top)!.months.add(m)
  }
  return { charges, passing }
}

/** The charges as RemovedTime entries, in CONSTRAINT_ORDER. */
function removedTimes(search: CandidateSearch, masks: Int32Array, charges: Charges, to: Date): RemovedTime[] {
  const n = masks.length
  const out: RemovedTime[] = []
  for (const code of CONSTRAINT_ORDER) {
    const r = charges.get(code)
    if (!r) continue
    const bit = bitOf(code)
    let firstFree = -1
    for (let k = 0; k < n; k++)
      if ((masks[k]! & bit) === 0) {
        firstFree = k
        break
      }
    const before = firstFree > 0 ? search.local(search.starts[firstFree]!) : firstFree === -1 && n > 0 ? search.local(to.getTime()) : null
    const months = [...r.months].sort((a, b) => a - b).map(monthKeyOf)
    const minutes = r.starts * GRID_MINUTES
    const parts = [`${code} removed ${fmtDuration(minutes)} of start times`]
    if (before) parts.push(`every start before ${before}`)
    if (months.length) parts.push(`left no start in ${months.join(', ')}`)
    out.push({ code, minutes, starts: r.starts, removedEverythingBefore: before, monthsEmptied: months, message: parts.join('; ') })
  }
  return out
}

/** Alternatives with one constraint waived: the earliest candidate failing only that constraint, earliest first. */
function waivedAlternatives(
  search: CandidateSearch,
  masks: Int32Array,
  removed: readonly RemovedTime[],
  background: readonly WindowPlan[],
  budget: SearchBudget,
): WaivedAlternative[] {
  const ifWaived: WaivedAlternative[] = []
  const tried = new Set<FindingCode>()
  for (const { code } of removed) {
    if (tried.has(code)) continue
    tried.add(code)
    const bit = bitOf(code)
    if (!bit) continue
    let attempts = 0
    for (let k = 0; k < masks.length && attempts < 50; k++) {
      if (masks[k] !== bit) continue
      if (budget.exceeded(search.assessed)) break
      attempts++
      const v = search.verify(k, background)
      if ((v.mask & ~bit) !== 0) continue
      const s = search.starts[k]!
      ifWaived.push({
        code,
        start: new Date(s),
        end: new Date(s + search.D),
        localStart: search.local(s),
        expectedFailedTopUps: search.rank.exact(k).failed,
      })
      break
    }
  }
  return ifWaived.sort((a, b) => a.start.getTime() - b.start.getTime())
}

function fmtDuration(minutes: number): string {
  const days = Math.floor(minutes / 1440)
  const hours = Math.round(((minutes - days * 1440) / 60) * 100) / 100
  return days > 0 ? `${days} days ${hours} hours` : `${hours} hours`
}
