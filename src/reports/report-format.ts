/**
 * How the report writes instants, local times, periods and numbers, and the small list helpers
 * its sections share (order, de-duplication, grouping). ISO instants and local labels are cached
 * per instant, since a report's windows share a few thousand distinct starts and ends.
 *
 * @example localLabel(new Date('2021-11-14T00:00:00Z'), 'Europe/London') // '2021-11-14 00:00 GMT'
 * @example periodInWords(new Date('2021-10-01T00:00:00+01:00'), new Date('2022-08-01T00:00:00+01:00'), 'Europe/London') // 'October 2021 to July 2022'
 */
import { LONDON_ZONE, monthLabel, zoneClock } from '../domain/time.ts'

/** At most this many instants are cached (per zone for local labels); then the cache starts again. */
const CACHE_MAX = 100_000

/** Per zone: epoch ms → local label. */
const labelCache = new Map<string, Map<number, string>>()

/** Local time with the zone's abbreviation: `2021-11-14 00:00 GMT` (Europe/London: GMT or BST). */
export function localLabel(d: Date, zone: string): string {
  const ms = d.getTime()
  let byMs = labelCache.get(zone)
  if (!byMs) labelCache.set(zone, (byMs = new Map()))
  let v = byMs.get(ms)
  if (v === undefined) {
    if (byMs.size >= CACHE_MAX) byMs.clear()
    byMs.set(ms, (v = formatLocalLabel(d, zone)))
  }
  return v
}

function formatLocalLabel(d: Date, zone: string): string {
  const offset = zoneClock(zone).offsetAt(d.getTime())
  const l = new Date(d.getTime() + offset * 60_000)
  const abs = Math.abs(offset)
  const abbr =
    zone === LONDON_ZONE
      ? offset === 0
        ? 'GMT'
        : 'BST'
      : offset === 0
        ? 'UTC'
        : `UTC${offset < 0 ? '-' : '+'}${p2(Math.floor(abs / 60))}:${p2(abs % 60)}`
  return `${l.getUTCFullYear()}-${p2(l.getUTCMonth() + 1)}-${p2(l.getUTCDate())} ${p2(l.getUTCHours())}:${p2(l.getUTCMinutes())} ${abbr}`
}

const p2 = (n: number) => (n < 10 ? `0${n}` : String(n))

/**
 * The period [from, to) in words, its last month the one holding its last instant (the end is
 * exclusive). When an end is not a local month boundary the exact local ends follow, so a month
 * touched only in part is seen to be.
 *
 * @example periodInWords(new Date('2021-10-01T00:00:00+01:00'), new Date('2022-08-01T00:00:00+01:00'), 'Europe/London') // 'October 2021 to July 2022'
 * @example periodInWords(new Date('2021-10-01T00:00:00Z'), new Date('2022-08-01T00:00:00Z'), 'Europe/London')
 *   // 'October 2021 to August 2022 (2021-10-01 01:00 BST to 2022-08-01 01:00 BST, end exclusive)'
 */
export function periodInWords(from: Date, to: Date, zone: string): string {
  const clock = zoneClock(zone)
  const first = clock.monthIndex(from.getTime())
  const last = clock.monthIndex(Math.max(from.getTime(), to.getTime() - 1))
  const months = first === last ? monthLabel(first) : `${monthLabel(first)} to ${monthLabel(last)}`
  const whole = clock.startOfMonthIndex(first) === from.getTime() && clock.startOfMonthIndex(last + 1) === to.getTime()
  return whole ? months : `${months} (${localLabel(from, zone)} to ${localLabel(to, zone)}, end exclusive)`
}

const isoCache = new Map<number, string>()

/** `d.toISOString()`, cached per instant (starts and ends repeat across windows). */
export function iso(d: Date): string {
  const ms = d.getTime()
  let v = isoCache.get(ms)
  if (v === undefined) {
    if (isoCache.size >= CACHE_MAX) isoCache.clear()
    isoCache.set(ms, (v = d.toISOString()))
  }
  return v
}

/** `d` as ISO text, null for null or undefined. */
export const isoOrNull = (d: Date | null | undefined): string | null => (d ? iso(d) : null)

/** Rounded to two decimals (the report's minutes and percentages). */
export const round2 = (x: number): number => Math.round(x * 100) / 100

/** Code-unit order of strings (the same on every machine, unlike localeCompare). */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** The items whose key was not seen before them, in order (the first of each key). */
export function uniqueBy<T>(xs: readonly T[], key: (x: T) => string): T[] {
  const seen = new Set<string>()
  return xs.filter((x) => {
    const k = key(x)
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

/** The items by key, each list in input order. */
export function groupBy<T, K>(xs: Iterable<T>, key: (x: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>()
  for (const x of xs) {
    const k = key(x)
    const list = out.get(k)
    if (list) list.push(x)
    else out.set(k, [x])
  }
  return out
}
