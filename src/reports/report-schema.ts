/**
 * The compliance report's shape, in one place: the report model's TypeScript types are inferred
 * from these schemas, and the HTTP layer shows the same schema in the OpenAPI document
 * (src/http/schemas/reports.ts), so the code and the document cannot drift apart. Nothing is
 * parsed through it when a report is served: the route sends the rendered bytes.
 *
 * Objects are exact in the code and documented as open (`additionalProperties`): the report may
 * gain fields (formatVersion changes when one is removed or changes meaning), and every field
 * documented is required with its type.
 *
 * @example
 * const report: ComplianceReport = buildComplianceReport(input)
 * ComplianceReportSchema.parse(JSON.parse(renderJson(report).text())).summary.breaches.open // 2 (confirmed; summary.unconfirmedBreaches.open // 10)
 */
import { z } from 'zod'
import { COMPLIANCE_RATINGS } from '../domain/compliance.ts'
import { CERTAINTIES, FINDING_CODE_LIST, type FindingCode, PROVENANCES, SEVERITIES } from '../domain/findings.ts'
import { IMPACTS, WINDOW_STATUSES } from '../domain/window.ts'

export const REPORT_KIND = 'mwp.compliance-report'

/** An object the code builds exactly and the OpenAPI document shows as open to new fields. */
const open = <S extends z.ZodRawShape>(shape: S) => z.object(shape).meta({ additionalProperties: {} })

const Int = z.number().int()
const Instant = z.string()
const Severity = z.enum(SEVERITIES)
const Certainty = z.enum(CERTAINTIES)
const BySeverity = z.record(Severity, Int)

/** Register entries by status; `resolvedBeforeNotice` is never part of `remediated`. */
const RegisterCountsSchema = open({ open: Int, waived: Int, remediated: Int, resolvedBeforeNotice: Int })

const WaiverRefSchema = open({
  id: z.string(),
  decisionRef: z.string(),
  approvedBy: z.string(),
  decidedAt: Instant,
  expiresAt: Instant.nullable(),
  reason: z.string(),
})

const ReportFindingSchema = open({
  key: z.string(),
  code: z.string(),
  severity: Severity,
  certainty: Certainty,
  status: z.enum(['open', 'waived']),
  message: z.string(),
  rule: open({ id: z.string(), version: z.string(), provenance: z.enum(PROVENANCES), rulesetId: z.string() }),
  waiver: WaiverRefSchema.nullable(),
})

const NoticeRowSchema = open({
  subscriptionId: z.string(),
  owner: z.string(),
  parties: z.array(z.string()),
  event: z.string(),
  firstSentAt: Instant,
  acknowledgedAt: Instant.nullable(),
})

const ReportWindowRowSchema = open({
  id: z.string(),
  version: Int.nullable(),
  reference: z.string(),
  title: z.string(),
  party: z.string(),
  programmeId: z.string().nullable(),
  changeRef: z.string().nullable(),
  status: z.enum(WINDOW_STATUSES),
  kind: z.string(),
  impact: z.enum(IMPACTS),
  services: z.array(z.string()),
  regions: z.array(z.string()),
  start: Instant,
  end: Instant,
  startLocal: z.string(),
  endLocal: z.string(),
  zone: z.string(),
  notifiedAt: Instant.nullable(),
  realMinutes: z.number(),
  worstSeverity: Severity.nullable(),
  compliance: z.enum(COMPLIANCE_RATINGS).meta({ description: "the window's colour by its open findings (domain/compliance.ts)" }),
  complianceReasons: z.array(z.string()),
  impactRating: z
    .enum(['red', 'amber', 'green'])
    .nullable()
    .meta({ description: 'how hard the window hits customers, from its impact alone (null without impact)' }),
  impactRatingReasons: z.array(z.string()),
  ruleset: open({ id: z.string(), version: z.string() }),
  findings: z.array(ReportFindingSchema),
  waivers: z.array(WaiverRefSchema),
  notices: z.array(NoticeRowSchema).meta({
    description: "who was sent the window's notice events by webhook and when they acknowledged them (first 2xx), by first sending",
  }),
  impactSummary: open({
    metersAffected: z.number(),
    premisesAffected: z.number(),
    prepaymentCustomersAffected: z.number(),
    expectedFailedTopUps: z.number(),
    downtimeMinutes: z.number(),
    availabilityIfNotAgreedPercent: z.number(),
  }).nullable(),
})

const PartyMonthRowSchema = open({
  party: z.string(),
  month: z.string(),
  monthMinutes: z.number(),
  windows: Int,
  services: z.array(z.string()),
  plannedMinutes: z.number(),
  capMinutes: z.number(),
  remainingMinutes: z.number(),
  overCap: z.boolean(),
  windowsInWinter: Int,
  windowsInTopUpPeak: Int,
  downtimeMinutes: z.number(),
  availabilityIfNotAgreedPercent: z
    .number()
    .meta({ description: 'every downtime minute counted as Unscheduled Downtime (nothing agreed)' }),
  availabilityAsPlannedPercent: z.number().meta({ description: 'agreed windows excluded, the rest counted (the plan as it stands)' }),
})

const BreachRegisterEntrySchema = open({
  key: z.string(),
  windowId: z.string(),
  reference: z.string(),
  party: z.string(),
  code: z.string(),
  severity: Severity,
  certainty: Certainty,
  status: z.enum(['open', 'waived', 'remediated', 'resolved-before-notice']),
  message: z.string(),
  waiver: WaiverRefSchema.nullable(),
  remediatedAt: Instant.nullable().meta({ description: 'remediated or resolved before notice: when the finding was last seen' }),
})

const ShadedPeriodSchema = open({
  kind: z.enum(['winter', 'top-up-peak', 'bank-holiday']),
  label: z.string(),
  start: Instant,
  end: Instant,
})

const ByCertainty = z.object({
  confirmed: Int,
  unconfirmed: Int.meta({ description: 'resting on an assumed parameter' }),
})

/** A programme's totals (programme-totals.ts); the programmes API answers the same schema. */
export const ProgrammeTotalsSchema = z.object({
  windows: Int.meta({ description: 'windows that count (not rejected or cancelled)' }),
  outageHours: z.number().meta({ description: 'real hours of the outage windows' }),
  prepaymentCustomerHours: z.number().meta({ description: 'prepayment customers in scope × hours, for windows that stop top-ups' }),
  expectedFailedTopUps: z.number(),
  monthsTouched: z.array(z.string()).meta({ description: "local months ('YYYY-MM') the windows touch" }),
  breaches: ByCertainty.meta({ description: 'open (unwaived) breaches by certainty' }),
  objections: ByCertainty.meta({ description: 'open (unwaived) objections by certainty' }),
  notifiedLate: z
    .object({ windows: Int, share: z.number() })
    .meta({ description: 'windows with an open NOTICE_PERIOD breach, and their share of the windows' }),
})

const SummarySchema = open({
  windows: Int,
  windowsByCompliance: z.record(z.enum(COMPLIANCE_RATINGS), Int),
  windowsByImpactRating: z.record(z.enum(['red', 'amber', 'green', 'unrated']), Int),
  findings: open({
    total: Int,
    bySeverity: BySeverity,
    byCertainty: z.record(Certainty, BySeverity),
    byCode: z.partialRecord(z.enum(FINDING_CODE_LIST as [FindingCode, ...FindingCode[]]), BySeverity),
  }),
  breaches: RegisterCountsSchema.meta({ description: 'confirmed breaches: their limit has a source' }),
  unconfirmedBreaches: RegisterCountsSchema.meta({
    description: 'breaches whose limit is assumed (e.g. the monthly cap value), counted apart',
  }),
  objections: RegisterCountsSchema,
})

const ProvenanceSchema = open({
  rulesets: z.array(open({ id: z.string(), version: z.string(), effectiveFrom: z.string(), status: z.string() })),
  calendars: z.record(z.string(), z.string()),
  referenceData: z.record(z.string(), z.string()),
  tzdbVersion: z.string(),
  auditHead: open({ seq: Int, hash: z.string() }).nullable().meta({
    description:
      "the audit log's head (seq and SHA-256) at generation: `mwp audit verify --expect-head SEQ:HASH` proves nothing before it changed",
  }),
  blackoutLayers: z.array(open({ id: z.string(), version: z.string().nullable() })),
  generatedAt: Instant,
  asOf: Instant.nullable(),
  timeBasis: z.string(),
  notes: z.array(z.string()),
})

/** The compliance report as `application/json` (what buildComplianceReport returns). */
export const ComplianceReportSchema = open({
  kind: z.literal(REPORT_KIND),
  formatVersion: Int,
  title: z.string(),
  period: open({ from: Instant, to: Instant, zone: z.string(), months: z.array(z.string()) }),
  filters: open({ party: z.string().nullable(), programme: z.string().nullable() }),
  asOf: Instant.nullable(),
  generatedAt: Instant,
  summary: SummarySchema,
  programmes: z
    .array(open({ programmeId: z.string(), totals: ProgrammeTotalsSchema }))
    .meta({ description: 'per programme with windows in scope: its totals over those windows' }),
  months: z.array(PartyMonthRowSchema),
  gbMonths: z.array(
    open({
      month: z.string(),
      plannedMinutes: z.number(),
      capMinutes: z.number(),
      remainingMinutes: z.number(),
      status: z.string(),
      windows: Int,
    }),
  ),
  windows: z.array(ReportWindowRowSchema),
  breachRegister: z.array(BreachRegisterEntrySchema),
  shading: z.array(ShadedPeriodSchema),
  publications: z.array(open({ month: z.string(), publishedAt: Instant, parties: z.array(z.string()) })),
  provenance: ProvenanceSchema,
})

export type ComplianceReport = z.infer<typeof ComplianceReportSchema>
export type ReportSummary = z.infer<typeof SummarySchema>
export type RegisterCounts = z.infer<typeof RegisterCountsSchema>
export type WaiverRef = z.infer<typeof WaiverRefSchema>
export type ReportFinding = z.infer<typeof ReportFindingSchema>
export type NoticeRow = z.infer<typeof NoticeRowSchema>
export type ReportWindowRow = z.infer<typeof ReportWindowRowSchema>
export type PartyMonthRow = z.infer<typeof PartyMonthRowSchema>
export type BreachRegisterEntry = z.infer<typeof BreachRegisterEntrySchema>
export type ShadedPeriod = z.infer<typeof ShadedPeriodSchema>
export type ProgrammeTotals = z.infer<typeof ProgrammeTotalsSchema>
