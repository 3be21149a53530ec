import { z } from 'zod'

// The JSON compliance report (src/reports/compliance-report.ts ComplianceReport), for the OpenAPI
// document and the contract tests; the route sends the rendered bytes, so nothing is serialized
// through it. Objects are open: the report may gain fields (formatVersion changes when one is
// removed or changes meaning), and every field documented here is required with its type.

const Severity = z.enum(['info', 'warning', 'objection', 'breach'])
const Certainty = z.enum(['confirmed', 'unconfirmed'])
const Rating = z.enum(['red', 'amber', 'green', 'unrated'])
const BySeverity = z.record(z.string(), z.number().int())
/** Register entries by status; resolvedBeforeNotice is never part of remediated. */
const Counts = z.looseObject({
  open: z.number().int(),
  waived: z.number().int(),
  remediated: z.number().int(),
  resolvedBeforeNotice: z.number().int(),
})
const WaiverRef = z.looseObject({
  id: z.string(),
  decisionRef: z.string(),
  approvedBy: z.string(),
  decidedAt: z.string(),
  expiresAt: z.string().nullable(),
  reason: z.string(),
})

const ReportFinding = z.looseObject({
  key: z.string(),
  code: z.string(),
  severity: Severity,
  certainty: Certainty,
  status: z.enum(['open', 'waived']),
  message: z.string(),
  rule: z.looseObject({ id: z.string(), version: z.string(), provenance: z.string(), rulesetId: z.string() }),
  waiver: WaiverRef.nullable(),
})

const ReportWindow = z.looseObject({
  id: z.string(),
  version: z.number().int().nullable(),
  reference: z.string(),
  title: z.string(),
  party: z.string(),
  programmeId: z.string().nullable(),
  changeRef: z.string().nullable(),
  status: z.string(),
  kind: z.string(),
  impact: z.string(),
  services: z.array(z.string()),
  regions: z.array(z.string()),
  start: z.string(),
  end: z.string(),
  startLocal: z.string(),
  endLocal: z.string(),
  zone: z.string(),
  notifiedAt: z.string().nullable(),
  realMinutes: z.number(),
  worstSeverity: Severity.nullable(),
  compliance: Rating,
  complianceReasons: z.array(z.string()),
  impactRating: z.enum(['red', 'amber', 'green']).nullable(),
  impactRatingReasons: z.array(z.string()),
  ruleset: z.looseObject({ id: z.string(), version: z.string() }),
  findings: z.array(ReportFinding),
  waivers: z.array(WaiverRef),
  notices: z.array(
    z.looseObject({
      subscriptionId: z.string(),
      owner: z.string(),
      parties: z.array(z.string()),
      event: z.string(),
      firstSentAt: z.string(),
      acknowledgedAt: z.string().nullable(),
    }),
  ),
  impactSummary: z
    .looseObject({
      metersAffected: z.number(),
      premisesAffected: z.number(),
      prepaymentCustomersAffected: z.number(),
      expectedFailedTopUps: z.number(),
      downtimeMinutes: z.number(),
      availabilityIfNotAgreedPercent: z.number(),
    })
    .nullable(),
})

/**
 * The compliance report as `application/json`.
 *
 * @example ComplianceReportOut.parse(JSON.parse(body)).summary.breaches.open // 2 (confirmed; summary.unconfirmedBreaches.open // 10)
 */
export const ComplianceReportOut = z
  .looseObject({
    kind: z.literal('mwp.compliance-report'),
    formatVersion: z.number().int(),
    title: z.string(),
    period: z.looseObject({ from: z.string(), to: z.string(), zone: z.string(), months: z.array(z.string()) }),
    filters: z.looseObject({ party: z.string().nullable(), programme: z.string().nullable() }),
    asOf: z.string().nullable(),
    generatedAt: z.string(),
    summary: z.looseObject({
      windows: z.number().int(),
      windowsByCompliance: z.record(Rating, z.number().int()),
      windowsByImpactRating: z.record(Rating, z.number().int()),
      findings: z.looseObject({
        total: z.number().int(),
        bySeverity: BySeverity,
        byCertainty: z.looseObject({ confirmed: BySeverity, unconfirmed: BySeverity }),
        byCode: z.record(z.string(), BySeverity),
      }),
      breaches: Counts.describe('confirmed breaches: their limit has a source'),
      unconfirmedBreaches: Counts.describe('breaches whose limit is assumed, counted apart'),
      objections: Counts,
    }),
    months: z.array(
      z.looseObject({
        party: z.string(),
        month: z.string(),
        monthMinutes: z.number(),
        windows: z.number().int(),
        services: z.array(z.string()),
        plannedMinutes: z.number(),
        capMinutes: z.number(),
        remainingMinutes: z.number(),
        overCap: z.boolean(),
        windowsInWinter: z.number().int(),
        windowsInTopUpPeak: z.number().int(),
        downtimeMinutes: z.number(),
        availabilityIfNotAgreedPercent: z.number(),
        availabilityAsPlannedPercent: z.number(),
      }),
    ),
    gbMonths: z.array(
      z.looseObject({
        month: z.string(),
        plannedMinutes: z.number(),
        capMinutes: z.number(),
        remainingMinutes: z.number(),
        status: z.string(),
        windows: z.number().int(),
      }),
    ),
    windows: z.array(ReportWindow),
    breachRegister: z.array(
      z.looseObject({
        key: z.string(),
        windowId: z.string(),
        reference: z.string(),
        party: z.string(),
        code: z.string(),
        severity: Severity,
        certainty: Certainty,
        status: z.enum(['open', 'waived', 'remediated', 'resolved-before-notice']),
        message: z.string(),
        waiver: WaiverRef.nullable(),
        remediatedAt: z.string().nullable(),
      }),
    ),
    shading: z.array(
      z.looseObject({ kind: z.enum(['winter', 'top-up-peak', 'bank-holiday']), label: z.string(), start: z.string(), end: z.string() }),
    ),
    publications: z.array(z.looseObject({ month: z.string(), publishedAt: z.string(), parties: z.array(z.string()) })),
    provenance: z.looseObject({
      rulesets: z.array(z.looseObject({ id: z.string(), version: z.string(), effectiveFrom: z.string(), status: z.string() })),
      calendars: z.record(z.string(), z.string()),
      referenceData: z.record(z.string(), z.string()),
      tzdbVersion: z.string(),
      auditHead: z.looseObject({ seq: z.number().int(), hash: z.string() }).nullable(),
      blackoutLayers: z.array(z.looseObject({ id: z.string(), version: z.string().nullable() })),
      generatedAt: z.string(),
      asOf: z.string().nullable(),
      timeBasis: z.string(),
      notes: z.array(z.string()),
    }),
  })
  .meta({ id: 'ComplianceReport' })
