/**
 * A window's compliance colour, from its open findings alone (impact has its own rating):
 * - red: an open (unwaived) confirmed breach;
 * - amber: an open objection, or an open breach that rests on an assumed limit (unconfirmed);
 * - green: nothing open above warning;
 * - unrated: the window was not assessed (rejected or cancelled).
 *
 * For OPSG 58: DSP-TR-01 (notice missed) is red; a winter window whose only breach is the assumed
 * monthly cap is amber.
 */
import { type Certainty, findingCertainty, type Severity } from './findings.ts'

export const COMPLIANCE_RATINGS = ['red', 'amber', 'green', 'unrated'] as const
export type ComplianceRating = (typeof COMPLIANCE_RATINGS)[number]

export interface ComplianceReason {
  code: 'OPEN_CONFIRMED_BREACH' | 'OPEN_UNCONFIRMED_BREACH' | 'OPEN_OBJECTION' | 'NONE' | 'NOT_ASSESSED'
  message: string
  /** The finding codes behind the reason, in order of first appearance. */
  codes: string[]
}

export interface Compliance {
  rating: ComplianceRating
  /** Every reason for the rating, most serious first. */
  reasons: ComplianceReason[]
}

/** What the rating reads of a finding (stored findings may lack `certainty`: see findingCertainty). */
export interface RatedFinding {
  code: string
  severity: Severity
  certainty?: Certainty | undefined
  rule: { provenance: string }
  waiver?: unknown
}

function reason(code: ComplianceReason['code'], what: string, findings: readonly RatedFinding[]): ComplianceReason {
  const codes = [...new Set(findings.map((f) => f.code))]
  return { code, message: `${findings.length} ${what} (${codes.join(', ')})`, codes }
}

const GREEN: Compliance = Object.freeze({
  rating: 'green',
  reasons: Object.freeze([
    Object.freeze({ code: 'NONE', message: 'nothing open above warning', codes: Object.freeze([]) as unknown as string[] }),
  ]),
}) as Compliance

/**
 * A complianceOf for one assessment of many windows: the same open breaches and objections give the
 * same (read-only, shared) Compliance object, and a window with none gets one shared green. On the
 * 10,000-window engine benchmark a rating per window cost ~20 ms of allocation; most windows share a
 * handful of signatures.
 *
 * @example const rate = complianceRater(); rate(w1.findings) === rate(w2.findings) // true when alike
 */
export function complianceRater(): (findings: readonly RatedFinding[], assessed?: boolean) => Compliance {
  const seen = new Map<string, Compliance>()
  return (findings, assessed = true) => {
    if (!assessed) return complianceOf(findings, false)
    let key = ''
    for (const f of findings) {
      if (f.waiver || (f.severity !== 'breach' && f.severity !== 'objection')) continue
      const kind = f.severity === 'objection' ? 'O' : findingCertainty(f) === 'confirmed' ? 'C' : 'U'
      key += `${kind}${f.code};`
    }
    if (key === '') return GREEN
    let c = seen.get(key)
    if (c === undefined) seen.set(key, (c = complianceOf(findings, true)))
    return c
  }
}

/**
 * Rates a window by its open findings.
 *
 * @example
 * complianceOf([{ code: 'MONTHLY_CAP', severity: 'breach', certainty: 'unconfirmed', rule: { provenance: 'assumed' } }])
 * // { rating: 'amber', reasons: [{ code: 'OPEN_UNCONFIRMED_BREACH', message: '1 open breach(es) on an assumed limit (MONTHLY_CAP)', … }] }
 */
export function complianceOf(findings: readonly RatedFinding[], assessed = true): Compliance {
  if (!assessed)
    return { rating: 'unrated', reasons: [{ code: 'NOT_ASSESSED', message: 'not assessed (rejected or cancelled)', codes: [] }] }
  const confirmed: RatedFinding[] = []
  const unconfirmed: RatedFinding[] = []
  const objections: RatedFinding[] = []
  for (const f of findings) {
    if (f.waiver) continue
    if (f.severity === 'breach') (findingCertainty(f) === 'confirmed' ? confirmed : unconfirmed).push(f)
    else if (f.severity === 'objection') objections.push(f)
  }
  const reasons: ComplianceReason[] = []
  if (confirmed.length > 0) reasons.push(reason('OPEN_CONFIRMED_BREACH', 'open breach(es)', confirmed))
  if (unconfirmed.length > 0) reasons.push(reason('OPEN_UNCONFIRMED_BREACH', 'open breach(es) on an assumed limit', unconfirmed))
  if (objections.length > 0) reasons.push(reason('OPEN_OBJECTION', 'open objection(s)', objections))
  if (reasons.length === 0) return { rating: 'green', reasons: [{ code: 'NONE', message: 'nothing open above warning', codes: [] }] }
  return { rating: confirmed.length > 0 ? 'red' : 'amber', reasons }
}
