import { z } from 'zod'

/** The API shape of findings and assessments (shared by windows and compliance routes). */
export const FindingOut = z
  .object({
    key: z.string(),
    code: z.string(),
    severity: z.enum(['breach', 'objection', 'warning', 'info']),
    windowId: z.string().optional(),
    reference: z.string(),
    message: z.string(),
    evidence: z.record(z.string(), z.unknown()),
    rule: z.object({ id: z.string(), version: z.string(), provenance: z.string(), rulesetId: z.string() }),
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

export const AssessmentOut = z
  .object({
    windowId: z.string().nullable(),
    windowVersion: z.number().nullable(),
    reference: z.string(),
    assessedAt: z.string(),
    ruleset: z.object({ id: z.string(), version: z.string() }),
    assessed: z.boolean(),
    worstSeverity: z.string().nullable(),
    realMinutes: z.number(),
    findings: z.array(FindingOut),
    months: z.array(MonthOut),
    impact: z.unknown().optional(),
    provenance: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'WindowAssessment' })
