/**
 * Turns what the rules emit into findings: the stable key, the rule (one shared object per rule,
 * version and basis), the certainty, the ruleset's severity overrides and any waiver; counts the
 * subjects' findings and groups them per window at the end.
 */
import {
  type BasisParam,
  compareFindings,
  type Finding,
  type FindingCode,
  findingKey,
  findingRank,
  type FindingRule,
  type Severity,
  type Waiver,
  weakestProvenance,
} from './findings.ts'
import type { EmitArgs, PreparedWindow } from './rules/types.ts'
import { overriddenSeverity, type Ruleset } from './ruleset.ts'

/** A waiver as the engine needs it (the stored record has more fields). */
export type WaiverLike = Pick<Waiver, 'findingKey'> & Partial<Omit<Waiver, 'findingKey'>>

/** Findings counted by severity, all of them and split by certainty. */
export interface FindingSummary {
  all: Record<Severity, number>
  confirmed: Record<Severity, number>
  unconfirmed: Record<Severity, number>
}

/** An empty FindingSummary. */
export function emptySummary(): FindingSummary {
  const zero = (): Record<Severity, number> => ({ breach: 0, objection: 0, warning: 0, info: 0 })
  return { all: zero(), confirmed: zero(), unconfirmed: zero() }
}

export interface FindingsCollector {
  /** Builds the finding of `args` for window `p`; a subject's finding is also kept and counted. */
  emit(p: PreparedWindow, args: EmitArgs): Finding
  /** The subjects' findings counted by severity and certainty. */
  readonly summary: FindingSummary
  /** Each subject's findings in compareFindings order (see findingsPerWindow). */
  perWindow(subjects: number): Finding[][]
}

/**
 * A collector for one assessment under `ruleset`, with the waivers in force at `now` (epoch ms).
 *
 * @example
 * const c = findingsCollector(DEFAULT_RULESET, [], Date.now())
 * c.emit(p, { code: 'MAX_DURATION', severity: 'warning', ruleId: 'duration', basis, message: 'lasts 420 real minutes…', evidence })
 * c.perWindow(1) // [[{ key: 'w1:MAX_DURATION:duration', message: 'REF: lasts 420 real minutes…', … }]]
 */
export function findingsCollector(ruleset: Ruleset, waiverList: readonly WaiverLike[], now: number): FindingsCollector {
  const waivers = new Map<string, WaiverLike>()
  for (const wv of waiverList) if (!wv.expiresAt || wv.expiresAt.getTime() > now) waivers.set(wv.findingKey, wv)
  const waivable = new Set<string>(ruleset.waivable.value)
  const ruleOf = ruleObjects(ruleset)
  const summary = emptySummary()
  // Subjects' findings in emission order, with their window and rank; grouped per window at the end.
  const emitted: Finding[] = []
  const windowOf: number[] = []
  const rankOf: number[] = []

  // findingKey(subject, code, ruleId, qualifier) is `${subject}${findingKey('', code, ruleId, qualifier)}`:
  // the part after the subject is built once per (code, rule, qualifier), so a key is a rope of two.
  const keyTails = new Map<string, Map<string, Map<string, string>>>()
  const keyTail = (code: FindingCode, ruleId: string, qualifier = ''): string => {
    let byRule = keyTails.get(code)
    if (!byRule) keyTails.set(code, (byRule = new Map()))
    let byQualifier = byRule.get(ruleId)
    if (!byQualifier) byRule.set(ruleId, (byQualifier = new Map()))
    let v = byQualifier.get(qualifier)
    if (v === undefined) byQualifier.set(qualifier, (v = findingKey('', code, ruleId, qualifier)))
    return v
  }
  const overrides = Object.keys(ruleset.severities).length > 0
  const emit = (p: PreparedWindow, a: EmitArgs): Finding => {
    // The ruleset's severity overrides hold for every code and every rule (blackout layers included).
    const severity = overrides ? overriddenSeverity(ruleset, a.code, a.severity) : a.severity
    const key = `${p.subject}${keyTail(a.code, a.ruleId, a.qualifier)}`
    const rule = ruleOf(a.ruleId, a.version ?? ruleset.version, a.basis)
    // The rule's label is the weakest of its basis: assumed exactly when a part is (certaintyOf).
    const certainty = rule.provenance === 'assumed' ? 'unconfirmed' : 'confirmed'
    const ref = p.reference
    const canWaive = waivable.has(a.code)
    // One literal, windowId last (undefined for a window without id, which JSON leaves out): every
    // finding has one shape, and no property is added afterwards (that would give each finding a
    // separate properties array).
    const f: Finding = {
      key,
      code: a.code,
      severity,
      certainty,
      reference: ref,
      message: `${ref}: ${a.message}`,
      evidence: a.evidence,
      rule,
      waivable: canWaive,
      windowId: p.id,
    }
    const waiver = canWaive && waivers.size > 0 ? waivers.get(key) : undefined
    if (waiver) f.waiver = waiver as Waiver
    if (p.index >= 0) {
      emitted.push(f)
      windowOf.push(p.index)
      rankOf.push(findingRank(severity, a.code))
      summary.all[severity]++
      summary[certainty][severity]++
    }
    return f
  }
  return {
    emit,
    summary,
    perWindow: (subjects) => findingsPerWindow(subjects, emitted, windowOf, rankOf),
  }
}

/**
 * One FindingRule per (basis, rule id, version) of a ruleset: findings share them (read-only data).
 * A basis is made once per rule run (basisOf), so it is looked up by identity.
 */
function ruleObjects(ruleset: Ruleset): (id: string, version: string, basis: readonly BasisParam[]) => FindingRule {
  const rules = new Map<readonly BasisParam[], Map<string, Map<string, FindingRule>>>()
  return (id, version, basis) => {
    let byId = rules.get(basis)
    if (!byId) rules.set(basis, (byId = new Map()))
    let byVersion = byId.get(id)
    if (!byVersion) byId.set(id, (byVersion = new Map()))
    let rule = byVersion.get(version)
    if (!rule) {
      const provenance = weakestProvenance(basis.map((b) => b.provenance))
      byVersion.set(version, (rule = { id, version, provenance, rulesetId: ruleset.id, basis }))
    }
    return rule
  }
}

/**
 * Each window's findings in compareFindings order, from all findings in emission order (`windowOf`
 * and `rankOf`, see findingRank, give each one's window and rank). A counting sort groups them by
 * window, an insertion sort orders each window's few findings by rank and, on equal ranks, by key.
 * Each list is allocated once at its final length: on 100,000 windows, growing one list per window
 * and sorting each through Array.prototype.sort allocated 60 MB of garbage per assessment, and the
 * comparisons read every finding object, scattered over the heap.
 *
 * @example findingsPerWindow(2, [f1, f2, f3], [1, 0, 1], [5, 3, 2]) // [[f2], [f3, f1]]
 */
export function findingsPerWindow(
  windows: number,
  findings: readonly Finding[],
  windowOf: readonly number[],
  rankOf: readonly number[],
): Finding[][] {
  const first = new Int32Array(windows + 1) // first[i]..first[i + 1]: window i's slots in `order`
  for (const w of windowOf) first[w + 1]!++
  for (let i = 0; i < windows; i++) first[i + 1]! += first[i]!
  const fill = first.slice(0, windows)
  const order = new Int32Array(findings.length)
  for (let k = 0; k < findings.length; k++) order[fill[windowOf[k]!]!++] = k
  const before = (k: number, j: number) =>
    rankOf[k]! < rankOf[j]! || (rankOf[k] === rankOf[j] && compareFindings(findings[k]!, findings[j]!) < 0)
  const out: Finding[][] = new Array(windows)
  for (let i = 0; i < windows; i++) {
    const from = first[i]!
    const to = first[i + 1]!
    for (let x = from + 1; x < to; x++) {
      const k = order[x]!
      let y = x - 1
      for (; y >= from && before(k, order[y]!); y--) order[y + 1] = order[y]!
      order[y + 1] = k
    }
    const list: Finding[] = to > from ? new Array(to - from) : []
    for (let x = from; x < to; x++) list[x - from] = findings[order[x]!]!
    out[i] = list
  }
  return out
}
