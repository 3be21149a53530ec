import { IANAZone } from 'luxon'
import { z } from 'zod'

/**
 * Pieces of the input contract shared by the HTTP API and the command line (they import only zod,
 * luxon and the domain). Every string is bounded, every instant is RFC 3339 with an
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
