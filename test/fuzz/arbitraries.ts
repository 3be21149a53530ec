import fc from 'fast-check'
import { SQLI } from './kit.ts'

// Valid values of the API's fields, varied enough to reach the rules engine's corners: instants
// with odd offsets, zones at ±14 hours and with 45-minute offsets, text with injection strings in it.

export const PARTIES = ['DSP', 'CSP-N', 'CSP-C', 'CSP-S', 'DCO', 'SMKI'] as const
export const PARTY_REGIONS: Record<string, readonly string[]> = {
  DSP: ['N', 'C', 'S'],
  'CSP-N': ['N'],
  'CSP-C': ['C'],
  'CSP-S': ['S'],
  DCO: ['N', 'C', 'S'],
  SMKI: ['N', 'C', 'S'],
}
export const REGIONS = ['N', 'C', 'S'] as const
export const SERVICES = [
  'service-requests',
  'prepayment-top-up',
  'alerts',
  'install-and-commission',
  'firmware-updates',
  'registration-data',
  'sm-wan',
  'smets1-services',
  'smki',
  'self-service-interface',
] as const
export const IMPACTS = ['no-impact', 'reduced-redundancy', 'degraded', 'outage'] as const
export const STATUSES = ['draft', 'proposed', 'notified', 'agreed', 'rejected', 'in-progress', 'completed', 'cancelled'] as const
export const ZONES = [
  'Europe/London',
  'UTC',
  'Etc/GMT+14',
  'Etc/GMT-14',
  'Pacific/Kiritimati',
  'Asia/Kathmandu',
  'America/St_Johns',
  'Australia/Lord_Howe',
  'Europe/Dublin',
] as const

/** Offsets in minutes an instant may be written with (RFC 3339 allows any; these are real ones). */
const OFFSETS = [0, 0, 60, -300, 345, 840, -720, 330, -570] as const

/** Writes an instant in RFC 3339 with the given offset in minutes (`Z` for 0 half the time). */
export function rfc3339(ms: number, offsetMin: number, zulu = true): string {
  if (offsetMin === 0 && zulu) return new Date(ms).toISOString().replace('.000Z', 'Z')
  const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 19)
  const sign = offsetMin < 0 ? '-' : '+'
  const a = Math.abs(offsetMin)
  return `${local}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`
}

const DAY = 86_400_000
/** 2022-01-01T00:00Z: generated windows lie in the eight years after it. */
export const EPOCH = Date.UTC(2022, 0, 1)

/** Text a person might type, injection strings and all: valid wherever free text is allowed. */
export const text = (max = 60) =>
  fc.oneof(
    fc.constantFrom('Replace database servers', 'DSP Technical Refresh', 'Firmware rollout wave 3', 'Übergang — ñ — 切换'),
    fc.constantFrom(...SQLI),
    fc.string({ minLength: 1, maxLength: max }),
  )
/** Non-blank text (titles, reasons: trimmed then at least one character). */
export const title = (max = 60) => text(max).filter((s) => s.trim().length > 0)

export const interval = fc.record({
  day: fc.integer({ min: 0, max: 8 * 365 }),
  minute: fc.integer({ min: 0, max: 1439 }),
  minutes: fc.oneof(fc.integer({ min: 15, max: 360 }), fc.integer({ min: 1, max: 72 * 60 })),
  offset: fc.constantFrom(...OFFSETS),
  zulu: fc.boolean(),
})
export type Interval = typeof interval extends fc.Arbitrary<infer T> ? T : never
export const startEnd = (i: Interval) => {
  const s = EPOCH + i.day * DAY + i.minute * 60_000
  return { start: rfc3339(s, i.offset, i.zulu), end: rfc3339(s + i.minutes * 60_000, i.offset, i.zulu) }
}

/** A valid POST /v1/windows body (reference filled in when the request runs, to keep it unique). */
export const windowBody = (parties: readonly string[] = PARTIES) =>
  fc
    .record(
      {
        party: fc.constantFrom(...parties),
        title: title(),
        description: text(200),
        riskToService: fc.option(text(), { nil: null }),
        justification: fc.option(text(), { nil: null }),
        changeRef: fc.option(fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/), { nil: null }),
        kind: fc.constantFrom('planned', 'planned', 'emergency'),
        impact: fc.constantFrom(...IMPACTS),
        services: fc.subarray([...SERVICES], { maxLength: 4 }),
        regionsPick: fc.nat(),
        when: interval,
        zone: fc.constantFrom(...ZONES),
        status: fc.constantFrom('draft', 'proposed'),
      },
      { requiredKeys: ['party', 'title', 'impact', 'when', 'regionsPick'] },
    )
    .map(({ regionsPick, when, ...w }): Record<string, unknown> => {
      const own = PARTY_REGIONS[w.party!] ?? REGIONS
      const regions = own.filter((_, i) => (regionsPick >> i) & 1)
      const body: Record<string, unknown> = { ...w, ...startEnd(when) }
      if (regionsPick % 3 !== 0) body.regions = regions
      if (body.kind === 'emergency' && !body.justification) body.justification = 'Security patch'
      return body
    })
