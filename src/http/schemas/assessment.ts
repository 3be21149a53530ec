import { z } from 'zod'

/** The API shape of findings and assessments (shared by windows and compliance routes). */
export const FindingOut = z
  .object({
    key: z.string(),
    code: z.string(),
    severity: z.enum(['breach', 'objection', 'warning', 'info']),
    certainty: z
      .enum(['confirmed', 'unconfirmed'])
      .describe('unconfirmed: a limit the finding turns on is labelled assumed (not a fact about the SEC); counted apart'),
    windowId: z.string().optional(),
    reference: z.string(),
    message: z.string(),
    evidence: z.record(z.string(), z.unknown()),
    rule: z.object({
      id: z.string(),
      version: z.string(),
      provenance: z.enum(['verified', 'paraphrase', 'inferred', 'recalled', 'assumed']).describe('the weakest label of its basis'),
      rulesetId: z.string(),
      basis: z
        .array(z.object({ parameter: z.string(), provenance: z.enum(['verified', 'paraphrase', 'inferred', 'recalled', 'assumed']) }))
        .readonly()
        .optional()
        .describe(
          'the parameters the finding turns on (JSON pointers into the ruleset), each with its label; absent on findings stored before it existed',
        ),
    }),
    waivable: z.boolean(),
    waiver: z
      .object({
        findingKey: z.string(),
        approvedBy: z.string(),
        decisionRef: z.string(),
        decidedAt: z.unknown(),
        reason: z.string(),
        expiresAt: z.unknown().optional(),
      })
      .optional(),
  })
  .meta({ id: 'Finding' })

export const MonthOut = z
  .object({
    month: z.string(),
    plannedMinutes: z.number(),
    capMinutes: z.number(),
    headroomMinutes: z.number(),
    remainingMinutes: z.number(),
    status: z.enum(['ok', 'warning', 'breach']),
    realMinutesInMonth: z.number(),
    windows: z.number(),
  })
  .meta({ id: 'MonthAggregate' })

export const ComplianceOut = z
  .object({
    rating: z.enum(['red', 'amber', 'green', 'unrated']),
    reasons: z.array(
      z.object({
        code: z.enum(['OPEN_CONFIRMED_BREACH', 'OPEN_UNCONFIRMED_BREACH', 'OPEN_OBJECTION', 'NONE', 'NOT_ASSESSED']),
        message: z.string(),
        codes: z.array(z.string()),
      }),
    ),
  })
  .meta({
    id: 'Compliance',
    description:
      'red: an open confirmed breach; amber: an open objection or an open breach on an assumed limit; green: nothing open above warning; unrated: not assessed',
  })

const SeverityCounts = z.object({ breach: z.number(), objection: z.number(), warning: z.number(), info: z.number() })

/** Findings counted by severity: all, confirmed and unconfirmed. */
export const FindingSummaryOut = z
  .object({ all: SeverityCounts, confirmed: SeverityCounts, unconfirmed: SeverityCounts })
  .meta({ id: 'FindingSummary' })

export const AssessmentOut = z
  .object({
    windowId: z.string().nullable(),
    windowVersion: z.number().nullable(),
    reference: z.string(),
    assessedAt: z.string(),
    ruleset: z.object({ id: z.string(), version: z.string() }),
    assessed: z.boolean(),
    worstSeverity: z.string().nullable(),
    compliance: ComplianceOut,
    realMinutes: z.number(),
    findings: z.array(FindingOut),
    months: z.array(MonthOut),
    impact: z.unknown().optional(),
    provenance: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'WindowAssessment' })
