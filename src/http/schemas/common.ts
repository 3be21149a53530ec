import { IANAZone } from 'luxon'
import { z } from 'zod'
import { zoneClock } from '../../domain/time.ts'

/**
 * Shared pieces of the API contract. Every string is bounded, every instant is RFC 3339 with an
 * explicit offset, every zone an IANA name.
 *
 * @example Instant.parse('2021-11-14T00:00:00Z') // Date 2021-11-14T00:00:00.000Z
 */
export const Instant = z.iso
  .datetime({ offset: true, message: 'must be an RFC 3339 instant with an offset, e.g. 2021-11-14T00:00:00Z or 2021-11-14T00:00:00+00:00' })
  .transform((s) => new Date(s))
  .refine((d) => d.getUTCFullYear() >= 1970 && d.getUTCFullYear() <= 2199, 'must lie between the years 1970 and 2199')
  .meta({ description: 'RFC 3339 instant with offset', example: '2021-11-14T00:00:00Z' })

export const IanaZone = z
  .string()
  .max(64)
  .refine((z) => IANAZone.isValidZone(z), { message: 'must be an IANA time zone such as Europe/London' })
  .meta({ example: 'Europe/London' })

export const PartyId = z.string().regex(/^[A-Z0-9][A-Z0-9-]{0,31}$/, 'party ids are upper case, e.g. DSP or CSP-N')
export const RegionId = z.string().regex(/^[A-Z0-9][A-Z0-9-]{0,31}$/, 'region ids are upper case, e.g. N')
export const ServiceId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'service ids are lower-case kebab case')
export const Uuid = z.uuid()
/** A calendar month, `YYYY-MM`. @example Month.parse('2021-11') */
export const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected YYYY-MM, e.g. 2021-11')

/** A comma-separated list in a query string: `services=a,b`. */
export const csv = <T extends z.ZodType<string, string>>(item: T, max = 50) =>
  z
    .string()
    .max(2000)
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item).max(max))

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
    errors: z.array(z.object({ pointer: z.string(), in: z.string(), message: z.string() })).optional(),
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
