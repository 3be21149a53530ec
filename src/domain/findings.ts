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
/** Confidence label of the parameter behind a rule (domain.md), strongest first. */
export type Provenance = (typeof PROVENANCES)[number]

/**
 * How sure a finding is: `unconfirmed` when a parameter it turns on is labelled `assumed` (a design
 * default, not a fact about the SEC), `confirmed` when every one has a source, even a recalled one.
 * `confirmed` does not mean the SEC text was checked: `rule.provenance` says how sure the source is.
 */
export const CERTAINTIES = ['confirmed', 'unconfirmed'] as const
export type Certainty = (typeof CERTAINTIES)[number]

/**
 * A parameter a finding turns on (a limit it compares against), with its confidence label.
 * `parameter` is a JSON pointer into the ruleset ('/cap/minutesPerMonth') or, for an operator's
 * blackout layer, 'blackout:<layer id>'.
 */
export interface BasisParam {
  parameter: string
  provenance: Provenance
}

/**
 * The weakest label of a list (a value is only as sure as its weakest part); 'assumed' when empty.
 * @example weakestProvenance(['recalled', 'verified']) // 'recalled'
 */
export function weakestProvenance(labels: Iterable<Provenance>): Provenance {
  let worst = -1
  for (const l of labels) worst = Math.max(worst, PROVENANCES.indexOf(l))
  return worst < 0 ? 'assumed' : PROVENANCES[worst]!
}

/**
 * Certainty of a finding resting on these parameters.
 * @example certaintyOf([{ parameter: '/cap/minutesPerMonth', provenance: 'assumed' }]) // 'unconfirmed'
 */
export function certaintyOf(basis: readonly BasisParam[]): Certainty {
  return basis.some((b) => b.provenance === 'assumed') ? 'unconfirmed' : 'confirmed'
}

/**
 * Certainty of a finding as stored or sent: its own field, else (findings stored before it existed)
 * from its rule's label, which is the weakest of its basis.
 * @example findingCertainty({ rule: { provenance: 'assumed' } }) // 'unconfirmed'
 */
export function findingCertainty(f: { certainty?: Certainty | undefined; rule: { provenance: string } }): Certainty {
  return f.certainty ?? (f.rule.provenance === 'assumed' ? 'unconfirmed' : 'confirmed')
}

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
  /** Confidence label of the finding: the weakest label of its basis. */
  provenance: Provenance
  rulesetId: string
  /** The parameters the finding turns on, each with its label. */
  basis: readonly BasisParam[]
}

export interface Finding {
  /** Stable across re-assessments: `${window id or reference}:${code}:${rule id}[:${layer id or month}]`. */
  key: string
  code: FindingCode
  severity: Severity
  /** `unconfirmed` when a limit the finding turns on is assumed (see certaintyOf). */
  certainty: Certainty
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
