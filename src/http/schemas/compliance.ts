import { z } from 'zod'
import { ProgrammeTotalsSchema } from '../../reports/report-schema.ts'
import { DryRunWindow, WindowCreate } from '../../schemas/windows.ts'
import { MonthOut } from './assessment.ts'
import { Instant, PartyId } from './common.ts'

export { AssessmentOut, FindingSummaryOut } from './assessment.ts'

/** A month of a plan's assessment: the cap rule's figures and the label of the cap (the planning board marks an assumed cap). */
export const PlanMonthOut = MonthOut.extend({
  capProvenance: z.enum(['verified', 'paraphrase', 'inferred', 'recalled', 'assumed']).optional().meta({
    description: "the label of the ruleset's /cap/minutesPerMonth: assumed means the cap is a design default, not the SEC's value",
  }),
}).meta({ id: 'PlanMonth' })

export const DryRunBody = z
  .object({
    windows: z.array(DryRunWindow).min(1).max(10_000),
    rulesetVersion: z.string().max(64).optional(),
    context: z.enum(['plan-only', 'with-stored']).default('plan-only'),
  })
  .strict()

export const PublishBody = z
  .object({
    publishedAt: Instant.optional().meta({ description: 'Admin only: the business time of a past publication (loading history)' }),
    parties: z.array(z.string().max(32)).min(1).max(20).optional().meta({ description: 'Default: every party the key plans for' }),
  })
  .strict()

export const WaiverBody = z
  .object({
    findingKey: z.string().min(1).max(300),
    approvedBy: z.enum(['sec-panel', 'opsg-delegated']),
    decisionRef: z.string().trim().min(1).max(200),
    decidedAt: Instant,
    reason: z.string().trim().min(1).max(2000),
    expiresAt: Instant.nullable().optional(),
  })
  .strict()

export const WaiverOut = z.object({
  id: z.string(),
  findingKey: z.string(),
  windowId: z.string(),
  code: z.string(),
  approvedBy: z.string(),
  decisionRef: z.string(),
  decidedAt: z.string(),
  reason: z.string(),
  expiresAt: z.string().nullable(),
  createdBy: z.string(),
  recordedAt: z.string(),
  lapsedAt: z.string().nullable(),
  lapsedReason: z.string().nullable(),
})

const ProgrammeWindow = WindowCreate.omit({ party: true, programmeId: true })
export const ProgrammeBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    party: PartyId,
    description: z.string().max(10_000).optional(),
    windows: z.array(ProgrammeWindow).min(1).max(500).optional(),
    recurrence: z
      .object({
        rrule: z.string().min(1).max(500),
        // Occurrences run at most five years on: they stay within the years an instant may name.
        dtstart: z.iso.date().refine((d) => d >= '1970-01-01' && d < '2195-01-01', 'must lie between the years 1970 and 2194'),
        startTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM'),
        endTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM'),
        zone: z.string().max(64),
        exdates: z.array(z.string().max(20)).max(500).optional(),
        referencePrefix: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,55}$/),
        template: WindowCreate.omit({ party: true, programmeId: true, reference: true, start: true, end: true, zone: true }),
      })
      .strict()
      .optional(),
  })
  .strict()

export const RulesetVersionQuery = z.object({ rulesetVersion: z.string().max(64).optional() }).strict()

/** A programme's totals: the report model's schema (src/reports/report-schema.ts), with its OpenAPI id. */
export const ProgrammeTotalsOut = ProgrammeTotalsSchema.meta({ id: 'ProgrammeTotals' })
