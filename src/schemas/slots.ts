import { z } from 'zod'
import { TOLERANCES } from '../domain/slots.ts'
import { csv, Instant, PartyId, RegionId, ServiceId } from './common.ts'

/** The query of GET /v1/slots; `mwp slots` validates its options with it too. */
export const SlotsQuery = z
  .object({
    duration: z.string().max(40).meta({ description: 'ISO 8601 duration of real time, e.g. PT6H', example: 'PT6H' }),
    from: Instant,
    to: Instant,
    party: PartyId,
    services: csv(ServiceId).optional().meta({
      description: "the services the slot takes down; default the party's own (what its planned windows list, else its reference default)",
    }),
    regions: csv(RegionId).optional(),
    count: z.coerce.number().int().min(1).max(100).default(5),
    notifiedAt: Instant.optional(),
    tolerate: z
      .enum(TOLERANCES)
      .default('warning')
      .meta({ description: "the most severe finding tolerated; default 'warning' (no breach, no objection)" }),
  })
  .strict()
