/**
 * The report's window rows: one per assessed window, in report order (start, party, reference,
 * id), each with its findings (open, or waived with the waiver's decision), its waivers, the
 * webhook notices sent about it and a summary of who it hurts.
 *
 * @example
 * const rows = windowRows(sortWindows(input.windows), input)
 * rows[0].findings[0] // { key: '…:NOTICE_PERIOD:notice', code: 'NOTICE_PERIOD', severity: 'breach', status: 'open', waiver: null, … }
 */
import { type Finding, findingCertainty } from '../domain/findings.ts'
import type { ReportInput, ReportNotice, ReportWaiver, ReportWindowInput } from './report-input.ts'
import { cmp, groupBy, iso, isoOrNull, localLabel, round2 } from './report-format.ts'
import type { NoticeRow, ReportFinding, ReportWindowRow, WaiverRef } from './report-schema.ts'

/** The windows in report order: by start (read once per window, not per comparison), party, reference, id. */
export function sortWindows(windows: readonly ReportWindowInput[]): ReportWindowInput[] {
  const starts = windows.map((x) => x.window.start.getTime())
  return windows
    .map((_, i) => i)
    .sort((i, j) => {
      const a = windows[i]!.window
      const b = windows[j]!.window
      return starts[i]! - starts[j]! || cmp(a.party, b.party) || cmp(a.reference, b.reference) || cmp(a.id, b.id)
    })
    .map((i) => windows[i]!)
}

/** What the rows draw on besides the windows: the zone of local times, waivers and notices. */
type RowSources = Pick<ReportInput, 'zone' | 'waivers' | 'notices'>

/** One row per window, in the order given. */
export function windowRows(sorted: readonly ReportWindowInput[], sources: RowSources): ReportWindowRow[] {
  const waiversByKey = new Map(sources.waivers.map((w) => [w.findingKey, w]))
  const waiversByWindow = groupBy(sources.waivers, (w) => w.windowId)
  const noticesByWindow = noticeRowsByWindow(sources.notices ?? [])
  const zone = sources.zone
  return sorted.map((x): ReportWindowRow => {
    const w = x.window
    const rating = x.impact?.rating ?? null
    return {
      id: w.id,
      version: w.version,
      reference: w.reference,
      title: w.title,
      party: w.party,
      programmeId: w.programmeId,
      changeRef: w.changeRef,
      status: w.status,
      kind: w.kind,
      impact: w.impact,
      services: w.services.slice(),
      regions: w.regions.slice(),
      start: iso(w.start),
      end: iso(w.end),
      startLocal: localLabel(w.start, zone),
      endLocal: localLabel(w.end, zone),
      zone: w.zone,
      notifiedAt: isoOrNull(w.notifiedAt),
      realMinutes: x.realMinutes,
      worstSeverity: x.worstSeverity,
      compliance: x.compliance.rating,
      complianceReasons: x.compliance.reasons.map((r) => r.message),
      impactRating: rating?.rating ?? null,
      impactRatingReasons: rating?.reasons.map((r) => r.message) ?? [],
      ruleset: x.ruleset,
      findings: x.findings.map((f) => reportFinding(f, waiversByKey)),
      waivers: (waiversByWindow.get(w.id) ?? []).map(waiverRef),
      notices: noticesByWindow.get(w.id) ?? [],
      impactSummary: impactSummary(x.impact),
    }
  })
}

/** A finding as the report gives it: waived when the engine applied a waiver (with the stored waiver's id). */
function reportFinding(f: Finding, waiversByKey: ReadonlyMap<string, ReportWaiver>): ReportFinding {
  const stored = f.waiver ? waiversByKey.get(f.key) : undefined
  const waiver = f.waiver ? waiverRef({ ...f.waiver, ...(stored ? { id: stored.id } : {}) }) : null
  return {
    key: f.key,
    code: f.code,
    severity: f.severity,
    certainty: findingCertainty(f),
    status: waiver ? 'waived' : 'open',
    message: f.message,
    rule: reportRule(f.rule),
    waiver,
  }
}

/**
 * A finding's rule as the report gives it: id, version, label, ruleset (its basis of parameters is
 * in the assessment API and docs/parameters.md; repeated on every finding it made a 10,000-window
 * JSON report 30 % larger). The engine shares one rule object per (basis, rule, version), so the
 * report's copies are shared too.
 */
const reportRules = new WeakMap<object, ReportFinding['rule']>()
function reportRule(rule: Finding['rule']): ReportFinding['rule'] {
  let r = reportRules.get(rule)
  if (r === undefined) {
    r = { id: rule.id, version: rule.version, provenance: rule.provenance, rulesetId: rule.rulesetId }
    reportRules.set(rule, r)
  }
  return r
}

/** A waiver's decision as the report gives it (the engine's copy on a finding has no id: ''). */
function waiverRef(w: {
  id?: string
  decisionRef: string
  approvedBy: string
  decidedAt: Date
  expiresAt?: Date | null | undefined
  reason: string
}): WaiverRef {
  return {
    id: w.id ?? '',
    decisionRef: w.decisionRef,
    approvedBy: w.approvedBy,
    decidedAt: iso(w.decidedAt),
    expiresAt: isoOrNull(w.expiresAt),
    reason: w.reason,
  }
}

/** Notice rows by window id, each list by first sending, owner, subscription, event. */
function noticeRowsByWindow(notices: readonly ReportNotice[]): Map<string, NoticeRow[]> {
  const byWindow = new Map<string, NoticeRow[]>()
  for (const [windowId, list] of groupBy(notices, (n) => n.windowId)) {
    const rows = list.map(
      (n): NoticeRow => ({
        subscriptionId: n.subscriptionId,
        owner: n.owner,
        parties: [...n.parties],
        event: n.event,
        firstSentAt: iso(n.firstSentAt),
        acknowledgedAt: isoOrNull(n.acknowledgedAt),
      }),
    )
    rows.sort(
      (a, b) =>
        cmp(a.firstSentAt, b.firstSentAt) || cmp(a.owner, b.owner) || cmp(a.subscriptionId, b.subscriptionId) || cmp(a.event, b.event),
    )
    byWindow.set(windowId, rows)
  }
  return byWindow
}

/** Who the window hurts, rounded to whole meters, premises and customers (null without impact). */
function impactSummary(impact: ReportWindowInput['impact']): ReportWindowRow['impactSummary'] {
  if (!impact) return null
  const av = impact.availability
  return {
    metersAffected: Math.round(impact.metersAffected),
    premisesAffected: Math.round(impact.premisesAffected),
    prepaymentCustomersAffected: Math.round(impact.prepaymentCustomersAffected),
    expectedFailedTopUps: Math.round(impact.expectedFailedTopUps),
    downtimeMinutes: av ? av.minutes : 0,
    availabilityIfNotAgreedPercent: av ? round2(av.percentIfNotAgreed) : 100,
  }
}
