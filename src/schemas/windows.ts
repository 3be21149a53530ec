import { z } from 'zod'
import { IMPACTS, WINDOW_KINDS } from '../domain/window.ts'
import { Instant, IanaZone, PartyId, RegionId, ServiceId, Uuid } from './common.ts'

/**
 * The window as a planner submits it, shared by POST /v1/windows, the dry runs and the command
 * line's plan files; the HTTP schemas build on it (src/http/schemas/windows.ts, compliance.ts).
 */
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

/** A dry-run window: shaped as for POST /v1/windows, plus its own notifiedAt and status. */
export const DryRunWindow = WindowCreate.extend({
  id: z.uuid().optional(),
  notifiedAt: Instant.nullable().optional(),
  status: z.enum(['draft', 'proposed', 'notified', 'agreed', 'rejected', 'in-progress', 'completed', 'cancelled']).optional(),
})
  .strict()
  .meta({ id: 'DryRunWindow' })
