import { z } from 'zod'
import { zoneClock } from '../../domain/time.ts'
import { Uuid } from '../../schemas/common.ts'

/**
 * Shared pieces of the API contract. Every string is bounded, every instant is RFC 3339 with an
 * explicit offset, every zone an IANA name. The input pieces the command line uses too live in
 * src/schemas/common.ts.
 */
export { csv, Instant, Month, PartyId, RegionId, ServiceId, Uuid } from '../../schemas/common.ts'

export const IdParams = z.object({ id: Uuid }).strict()

/** RFC 9457 problem details, as every error answer carries them. */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    code: z.string(),
    errors: z.array(z.object({ pointer: z.string(), in: z.enum(['body', 'query', 'params', 'headers']), message: z.string() })).optional(),
  })
  .catchall(z.unknown())
  .meta({ id: 'Problem' })

/** Zones luxon (and so every earlier answer of this API) writes with a `Z`. */
const UTC_NAMES = /^(utc|gmt)$/i

/**
 * Formats an instant as IXDTF (RFC 9557) wall time in a zone, milliseconds only when there are some.
 * Offsets come from the domain's per-zone transition table, not from Intl on every call.
 *
 * @example ixdtf(new Date('2021-11-14T00:00:00Z'), 'Europe/London') // '2021-11-14T00:00:00+00:00[Europe/London]'
 */
export function ixdtf(d: Date, zone: string): string {
  const ms = d.getTime()
  const offset = zoneClock(zone).offsetAt(ms)
  const wall = new Date(ms + offset * 60_000).toISOString()
  const abs = Math.abs(offset)
  const hh = String(Math.floor(abs / 60)).padStart(2, '0')
  const mm = String(abs % 60).padStart(2, '0')
  const suffix = UTC_NAMES.test(zone) ? 'Z' : `${offset < 0 ? '-' : '+'}${hh}:${mm}`
  return `${wall.slice(0, ms % 1000 === 0 ? wall.length - 5 : wall.length - 1)}${suffix}[${zone}]`
}

export const problemResponses = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, Problem])) as Record<number, typeof Problem>
