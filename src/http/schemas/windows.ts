import { z } from 'zod'
import type { MaintenanceWindow } from '../../domain/window.ts'
import { IMPACTS, WINDOW_KINDS, WINDOW_STATUSES } from '../../domain/window.ts'
import { AssessmentOut } from './assessment.ts'
import { csv, Instant, IanaZone, ixdtf, PartyId, RegionId, ServiceId, Uuid } from './common.ts'

const text = (max: number) => z.string().max(max)

export const WindowFields = {
  reference: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ - (at most 64), e.g. DSP-TR-01'),
  title: z.string().trim().min(1).max(200),
  description: text(10_000),
  justification: text(10_000).nullable(),
  riskToService: text(10_000).nullable(),
  party: PartyId,
  changeRef: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'a change reference such as CRQ000000134669')
    .nullable(),
  programmeId: Uuid.nullable(),
  kind: z.enum(WINDOW_KINDS),
  impact: z.enum(IMPACTS),
  services: z
    .array(ServiceId)
    .max(50)
    .refine((a) => new Set(a).size === a.length, 'services must not repeat'),
  regions: z
    .array(RegionId)
    .max(20)
    .refine((a) => new Set(a).size === a.length, 'regions must not repeat'),
  start: Instant,
  end: Instant,
  zone: IanaZone,
}

export const WindowCreate = z
  .object({
    ...WindowFields,
    description: WindowFields.description.optional(),
    justification: WindowFields.justification.optional(),
    riskToService: WindowFields.riskToService.optional(),
    changeRef: WindowFields.changeRef.optional(),
    programmeId: WindowFields.programmeId.optional(),
    kind: WindowFields.kind.optional(),
    services: WindowFields.services.optional(),
    regions: WindowFields.regions.optional(),
    zone: WindowFields.zone.optional(),
    status: z.enum(['draft', 'proposed']).optional().meta({ description: 'Initial status; default proposed' }),
  })
  .strict()
  .meta({ id: 'WindowCreate' })

export const WindowPatchBody = z
  .object({
    ...(Object.fromEntries(Object.entries(WindowFields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof WindowFields]: z.ZodOptional<(typeof WindowFields)[K]>
    }),
    // null removes a field (RFC 7396): these fall back to their defaults
    description: WindowFields.description.nullable().optional(),
    services: WindowFields.services.nullable().optional(),
    regions: WindowFields.regions.nullable().optional(),
  })
  .strict()
  .meta({ id: 'WindowPatch', description: 'JSON Merge Patch (RFC 7396); status changes go through /status' })

export const StatusChangeBody = z
  .object({
    to: z.enum(WINDOW_STATUSES),
    reason: z.string().trim().min(1).max(2000),
    decisionRef: z.string().trim().min(1).max(200).optional(),
  })
  .strict()

export const WindowOut = z
  .object({
    id: z.string(),
    reference: z.string(),
    title: z.string(),
    description: z.string(),
    justification: z.string().nullable(),
    riskToService: z.string().nullable(),
    party: z.string(),
    changeRef: z.string().nullable(),
    programmeId: z.string().nullable(),
    kind: z.enum(WINDOW_KINDS),
    impact: z.enum(IMPACTS),
    services: z.array(z.string()),
    regions: z.array(z.string()),
    start: z.string().meta({ description: 'UTC instant' }),
    end: z.string(),
    zone: z.string(),
    startLocal: z.string().meta({ description: 'RFC 9557 wall time in zone' }),
    endLocal: z.string(),
    durationMinutes: z.number(),
    notifiedAt: z.string().nullable(),
    status: z.enum(WINDOW_STATUSES),
    actualStart: z.string().nullable(),
    actualEnd: z.string().nullable(),
    createdBy: z.string(),
    version: z.number().int(),
    sequence: z.number().int(),
    effectiveAt: z.string(),
    recordedAt: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    assessment: AssessmentOut.optional().meta({ description: 'On writes: the assessment stored with this version' }),
  })
  .meta({ id: 'Window' })
export type WindowDto = z.infer<typeof WindowOut>

const iso = (d: Date | null) => (d ? d.toISOString() : null)

/** The API shape of a stored window: instants in UTC beside the zone and its local wall times. */
export function toWindowDto(w: MaintenanceWindow & { assessment?: unknown }): WindowDto {
  return {
    id: w.id,
    reference: w.reference,
    title: w.title,
    description: w.description,
    justification: w.justification,
    riskToService: w.riskToService,
    party: w.party,
    changeRef: w.changeRef,
    programmeId: w.programmeId,
    kind: w.kind,
    impact: w.impact,
    services: [...w.services],
    regions: [...w.regions],
    start: w.start.toISOString(),
    end: w.end.toISOString(),
    zone: w.zone,
    startLocal: ixdtf(w.start, w.zone),
    endLocal: ixdtf(w.end, w.zone),
    durationMinutes: (w.end.getTime() - w.start.getTime()) / 60_000,
    notifiedAt: iso(w.notifiedAt),
    status: w.status,
    actualStart: iso(w.actualStart),
    actualEnd: iso(w.actualEnd),
    createdBy: w.createdBy,
    version: w.version,
    sequence: w.sequence,
    effectiveAt: w.effectiveAt.toISOString(),
    recordedAt: w.recordedAt.toISOString(),
    createdAt: w.createdAt.toISOString(),
    updatedAt: w.updatedAt.toISOString(),
    ...(w.assessment ? { assessment: w.assessment as WindowDto['assessment'] } : {}),
  }
}

export const WindowListQuery = z
  .object({
    from: Instant.optional(),
    to: Instant.optional(),
    party: csv(PartyId).optional(),
    status: csv(z.enum(WINDOW_STATUSES)).optional(),
    programme: Uuid.optional(),
    services: csv(ServiceId).optional(),
    regions: csv(RegionId).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z.string().max(500).optional(),
  })
  .strict()

export const HistoryEntry = z.object({
  version: z.number().int(),
  action: z.string(),
  reason: z.string().nullable(),
  changedBy: z.string(),
  effectiveAt: z.string(),
  recordedAt: z.string(),
  changes: z.array(z.object({ field: z.string(), old: z.unknown(), new: z.unknown() })),
})
