/**
 * The breach register: every breach and objection of the report, in row order. Each window's
 * entries are its open and waived findings and its remediated ones (found on an earlier stored
 * assessment, no longer found; those of a window out of scope go with the first row), sorted by
 * severity, code and key.
 *
 * @example
 * breachRegister(rows, input.remediated).filter((e) => e.status === 'open' && e.code === 'NOTICE_PERIOD').length // 2 (OPSG 58)
 */
import { SEVERITY_RANK } from '../domain/findings.ts'
import type { RemediatedFinding } from './report-input.ts'
import { cmp, iso } from './report-format.ts'
import type { BreachRegisterEntry, ReportWindowRow } from './report-schema.ts'

/** The register of the rows' breaches and objections and of the remediated findings. */
export function breachRegister(rows: readonly ReportWindowRow[], remediated: readonly RemediatedFinding[]): BreachRegisterEntry[] {
  const groups: BreachRegisterEntry[][] = Array.from({ length: Math.max(rows.length, 1) }, () => [])
  rows.forEach((row, position) => {
    for (const f of row.findings) {
      if (f.severity !== 'breach' && f.severity !== 'objection') continue
      groups[position]!.push({
        key: f.key,
        windowId: row.id,
        reference: row.reference,
        party: row.party,
        code: f.code,
        severity: f.severity,
        certainty: f.certainty,
        status: f.status,
        message: f.message,
        waiver: f.waiver,
        remediatedAt: null,
      })
    }
  })
  // Row positions by window id, for the remediated findings only (most reports have none).
  const positionOf = new Map(remediated.length > 0 ? rows.map((row, i) => [row.id, i]) : [])
  for (const r of [...remediated].sort((a, b) => cmp(a.windowId, b.windowId) || cmp(a.key, b.key))) {
    if (r.severity !== 'breach' && r.severity !== 'objection') continue
    const position = positionOf.get(r.windowId)
    groups[position ?? 0]!.push({
      key: r.key,
      windowId: r.windowId,
      reference: r.reference,
      party: position === undefined ? '' : rows[position]!.party,
      code: r.code,
      severity: r.severity,
      certainty: r.certainty,
      status: r.kind,
      message: r.message,
      waiver: null,
      remediatedAt: iso(r.lastSeenAt),
    })
  }
  const register: BreachRegisterEntry[] = []
  for (const group of groups) {
    if (group.length > 1) group.sort(compareEntries)
    for (const e of group) register.push(e)
  }
  return register
}

/** Within one window's entries: severity, code, key. */
function compareEntries(a: BreachRegisterEntry, b: BreachRegisterEntry): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || cmp(a.code, b.code) || cmp(a.key, b.key)
}
