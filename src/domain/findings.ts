/**
 * Findings: what the compliance engine says about a window, one per (window, code, rule, layer or
 * month). A compliance breach is a finding in a 200/201 answer, never an error.
 *
 * @example
 * const f: Finding = { key: 'w1:NOTICE_PERIOD:notice:2021-11', code: 'NOTICE_PERIOD', severity: 'breach', … }
 */
export const SEVERITIES = ['breach', 'objection', 'warning', 'info'] as const
export type Severity = (typeof SEVERITIES)[number]

/** Lower is more severe. */
export const SEVERITY_RANK: Record<Severity, number> = { breach: 0, objection: 1, warning: 2, info: 3 }

export const PROVENANCES = ['verified', 'paraphrase', 'inferred', 'recalled', 'assumed'] as const
/** Confidence label of the parameter behind a rule (domain.md). */
export type Provenance = (typeof PROVENANCES)[number]

/**
 * Every finding code with its default severity (issue 3 §3): the severity of the code's main case.
 * A ruleset may override it (Ruleset.severities, overriddenSeverity).
 */
export const FINDING_CODES = {
  /** Breach; a warning when only the strict calendar misses; emergency without justification: warning. */
  NOTICE_PERIOD: 'breach',
  /** A published window lacks services, times, impact or riskToService. */
  SCHEDULE_CONTENT: 'warning',
  PERMITTED_HOURS: 'warning',
  CLOCK_CHANGE_NIGHT: 'warning',
  MAX_DURATION: 'warning',
  /** Breach above the cap; warning within the headroom. */
  MONTHLY_CAP: 'breach',
  WINTER: 'objection',
  /** Objection for November and 15 Dec–5 Jan; warning for the evening peak and pre-holiday days. */
  PREPAYMENT_PEAK: 'objection',
  BANK_HOLIDAY: 'warning',
  RELEASE_FREEZE: 'warning',
  /** Operator-defined layer: its own severity. */
  BLACKOUT: 'warning',
  OVERLAP: 'warning',
  MIN_SPACING: 'warning',
  /** A recorded early start or overrun: Unscheduled Downtime, an Incident record is required (SEC H9). */
  OVERRUN: 'breach',
  /** A reduced-redundancy window overlapping another on the same service or region. */
  REDUNDANCY_LOSS: 'objection',
} as const satisfies Record<string, Severity>

export type FindingCode = keyof typeof FINDING_CODES
export const FINDING_CODE_LIST = Object.keys(FINDING_CODES) as FindingCode[]

/** Higher is less sure: the order of PROVENANCES. */
const PROVENANCE_RANK: Record<Provenance, number> = { verified: 0, paraphrase: 1, inferred: 2, recalled: 3, assumed: 4 }

/**
 * The least sure of some labels: a value resting on several parts is labelled by its weakest.
 * @example weakestProvenance('verified', 'assumed') // 'assumed'
 */
export function weakestProvenance(...labels: readonly Provenance[]): Provenance {
  let out: Provenance = 'verified'
  for (const l of labels) if (PROVENANCE_RANK[l] > PROVENANCE_RANK[out]) out = l
  return out
}

export function isFindingCode(s: unknown): s is FindingCode {
  return typeof s === 'string' && Object.hasOwn(FINDING_CODES, s)
}

export function isSeverity(s: unknown): s is Severity {
  return typeof s === 'string' && (SEVERITIES as readonly string[]).includes(s)
}

export function isProvenance(s: unknown): s is Provenance {
  return typeof s === 'string' && (PROVENANCES as readonly string[]).includes(s)
}

export type EvidenceValue = string | number | boolean | null | readonly string[] | readonly number[]
export type Evidence = Readonly<Record<string, EvidenceValue>>

/** A decision that accepts a finding (SEC Panel or its OPSG delegate). */
export interface Waiver {
  findingKey: string
  approvedBy: 'sec-panel' | 'opsg-delegated'
  decisionRef: string
  decidedAt: Date
  reason: string
  expiresAt?: Date | null
}

export interface FindingRule {
  /** Rule family id within the ruleset, e.g. 'notice', 'monthly-cap', or 'blackout'. */
  id: string
  /** Version of the ruleset the rule was taken from. */
  version: string
  /** Confidence label of the parameter the finding rests on. */
  provenance: Provenance
  rulesetId: string
}

export interface Finding {
  /** Stable across re-assessments: `${window id or reference}:${code}:${rule id}[:${layer id or month}]`. */
  key: string
  code: FindingCode
  severity: Severity
  windowId?: string
  reference: string
  message: string
  evidence: Evidence
  rule: FindingRule
  waivable: boolean
  waiver?: Waiver
}

/** Stable finding key. */
export function findingKey(subject: string, code: FindingCode, ruleId: string, qualifier?: string): string {
  return qualifier ? `${subject}:${code}:${ruleId}:${qualifier}` : `${subject}:${code}:${ruleId}`
}

/** Deterministic order: severity, code, key. */
export function compareFindings(a: Finding, b: Finding): number {
  const s = SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]
  if (s !== 0) return s
  if (a.code !== b.code) return a.code < b.code ? -1 : 1
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0
}

/** Position of each finding code in string order (the order compareFindings uses). */
const CODE_ORDER: ReadonlyMap<string, number> = new Map([...FINDING_CODE_LIST].sort().map((c, i) => [c, i]))

/**
 * One number per (severity, code), in compareFindings order: two findings of different ranks
 * compare as their ranks do; findings of the same rank compare by key.
 *
 * @example findingRank('breach', 'MONTHLY_CAP') < findingRank('breach', 'NOTICE_PERIOD') // true
 */
export function findingRank(severity: Severity, code: FindingCode): number {
  return SEVERITY_RANK[severity] * FINDING_CODE_LIST.length + CODE_ORDER.get(code)!
}

/** The most severe severity of a list, or null when empty. */
export function worstSeverity(findings: readonly Finding[]): Severity | null {
  let best: Severity | null = null
  for (const f of findings) if (best === null || SEVERITY_RANK[f.severity] < SEVERITY_RANK[best]) best = f.severity
  return best
}

export type Certainty = 'confirmed' | 'unconfirmed'

/**
 * How sure a finding is: its own `certainty` when it carries one, else unconfirmed when the
 * parameter behind its rule is `assumed`.
 *
 * @example findingCertainty({ rule: { provenance: 'assumed' } }) // 'unconfirmed'
 */
export function findingCertainty(f: { certainty?: Certainty; rule: Pick<FindingRule, 'provenance'> }): Certainty {
  return f.certainty ?? (f.rule.provenance === 'assumed' ? 'unconfirmed' : 'confirmed')
}

/** A window's notice by its findings (see noticeState). */
export type NoticeState = 'met' | 'waived' | 'missed'

/**
 * Whether a window's notice was met: 'missed' when it has an open (unwaived) NOTICE_PERIOD breach,
 * 'waived' when it has NOTICE_PERIOD breaches and all are waived, else 'met' (a strict-calendar or
 * emergency warning is not a missed notice).
 *
 * @example noticeState([{ code: 'NOTICE_PERIOD', severity: 'breach' }]) // 'missed'
 */
export function noticeState(findings: readonly Pick<Finding, 'code' | 'severity' | 'waiver'>[]): NoticeState {
  let waived = false
  for (const f of findings) {
    if (f.code !== 'NOTICE_PERIOD' || f.severity !== 'breach') continue
    if (!f.waiver) return 'missed'
    waived = true
  }
  return waived ? 'waived' : 'met'
}
