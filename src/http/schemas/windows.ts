import { z } from 'zod'
import type { MaintenanceWindow } from '../../domain/window.ts'
import { IMPACTS, WINDOW_KINDS, WINDOW_STATUSES } from '../../domain/window.ts'
import { WindowFields } from '../../schemas/windows.ts'
import { windowJson } from '../../services/window-json.ts'
import { AssessmentOut } from './assessment.ts'
import { csv, Instant, ixdtf, PartyId, RegionId, ServiceId, Uuid } from './common.ts'

export { WindowCreate, WindowFields } from '../../schemas/windows.ts'

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

/**
 * The API shape of a stored window: the service's window JSON (instants in UTC beside the zone)
 * with the local wall times added, and the assessment on writes.
 *
 * @example toWindowDto(w).startLocal // '2021-11-14T00:00:00+00:00[Europe/London]'
 */
export function toWindowDto(w: MaintenanceWindow & { assessment?: unknown }): WindowDto {
  return {
    ...windowJson(w),
    startLocal: ixdtf(w.start, w.zone),
    endLocal: ixdtf(w.end, w.zone),
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
