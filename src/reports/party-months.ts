/**
 * The report's month table: one row per party and local month of the period, with the planned
 * minutes (real minutes: the union of the party's counted Planned Maintenance windows whose impact
 * counts toward the cap, clipped to the month) against the monthly cap, the windows with a WINTER or
 * PREPAYMENT_PEAK finding, and the availability effect (PM 2.1 style: downtime minutes of outage
 * windows; "if not agreed" counts every one as Unscheduled Downtime).
 *
 * @example
 * partyMonths(input, sortWindows(input.windows), monthsTouched(input.from, input.to, input.zone))
 *   .find((m) => m.party === 'DSP' && m.month === '2021-11')?.plannedMinutes // 720
 */
import { noticeState } from '../domain/findings.ts'
import {
  type AvailabilityWindow,
  availabilityBasis,
  availabilityByMonth,
  type MonthViewOptions,
  type PartyMonthAvailability,
} from '../domain/impact/availability.ts'
import { lowerBound, type Span, unionLength } from '../domain/intervals.ts'
import type { Ruleset } from '../domain/ruleset.ts'
import { MINUTE_MS, monthIndexOf, zoneClock } from '../domain/time.ts'
import type { WindowStatus } from '../domain/window.ts'
import type { ReportInput, ReportWindowInput } from './report-input.ts'
import { groupBy, round2 } from './report-format.ts'
import type { PartyMonthRow } from './report-schema.ts'

/** Statuses whose windows count toward the cap and availability. */
const COUNTED: ReadonlySet<WindowStatus> = new Set<WindowStatus>(['proposed', 'notified', 'agreed', 'in-progress', 'completed'])
/** The cap's impacts when no ruleset judges the month. */
const DEFAULT_CAP_IMPACTS = ['degraded', 'outage']

/** What the month table reads of the report's input. */
type MonthSources = Pick<ReportInput, 'zone' | 'rulesets' | 'parties' | 'asOf' | 'generatedAt'>

/** One party's windows touching one month. */
interface MonthBucket {
  windows: ReportWindowInput[]
  /** The first touching window's ruleset, when it is one of the report's. */
  ruleset: Ruleset | undefined
  windowsInWinter: number
  windowsInTopUpPeak: number
}

/** The rows of every party of the report (input.parties, in that order), each over the months given (consecutive, ascending). */
export function partyMonths(input: MonthSources, windows: readonly ReportWindowInput[], months: readonly string[]): PartyMonthRow[] {
  const clock = zoneClock(input.zone)
  const spans: Span[] = months.map((m) => {
    const mi = monthIndexOf(m)
    return [clock.startOfMonthIndex(mi), clock.startOfMonthIndex(mi + 1)]
  })
  const rulesetOf = rulesetLookup(input.rulesets)
  const capImpactsOf = new Map<Ruleset | undefined, ReadonlySet<string>>()
  const capImpacts = (r: Ruleset | undefined): ReadonlySet<string> => {
    let v = capImpactsOf.get(r)
    if (!v) capImpactsOf.set(r, (v = new Set<string>(r?.cap.impacts.value ?? DEFAULT_CAP_IMPACTS)))
    return v
  }
  const byParty = groupBy(windows, (x) => x.window.party)
  const now = input.asOf ?? input.generatedAt
  const out: PartyMonthRow[] = []
  for (const party of input.parties) {
    const mine = byParty.get(party) ?? []
    const buckets = monthBuckets(mine, spans, rulesetOf)
    const { ifNotAgreed, asPlanned } = partyAvailability(mine, { zone: input.zone, now, party, listWindowIds: false })
    for (const [mi, month] of months.entries()) {
      const [lo, hi] = spans[mi]!
      const bucket = buckets[mi]!
      // The first touching window's known ruleset judges the month, else the one in force at the start.
      const ruleset = bucket.ruleset ?? input.rulesets[0]
      const impacts = capImpacts(ruleset)
      const cap = ruleset ? (ruleset.cap.perParty.value[party] ?? ruleset.cap.minutesPerMonth.value) : 0
      const planned = plannedMinutes(bucket.windows, impacts, lo, hi)
      const a = ifNotAgreed.get(month)
      out.push({
        party,
        month,
        monthMinutes: (hi - lo) / MINUTE_MS,
        windows: bucket.windows.length,
        services: servicesOf(bucket.windows),
        plannedMinutes: round2(planned),
        capMinutes: cap,
        remainingMinutes: round2(cap - planned),
        overCap: planned > cap,
        windowsInWinter: bucket.windowsInWinter,
        windowsInTopUpPeak: bucket.windowsInTopUpPeak,
        downtimeMinutes: round2(a ? a.plannedNotAgreedMinutes + a.plannedAgreedMinutes : 0),
        availabilityIfNotAgreedPercent: round2(a?.availabilityPercent ?? 100),
        availabilityAsPlannedPercent: round2(asPlanned.get(month)?.availabilityPercent ?? 100),
      })
    }
  }
  return out
}

/** The report's rulesets by id and version. */
function rulesetLookup(rulesets: readonly Ruleset[]): (ref: { id: string; version: string }) => Ruleset | undefined {
  const byId = new Map<string, Map<string, Ruleset>>()
  for (const r of rulesets) {
    const versions = byId.get(r.id) ?? new Map<string, Ruleset>()
    versions.set(r.version, r)
    byId.set(r.id, versions)
  }
  return (ref) => byId.get(ref.id)?.get(ref.version)
}

/**
 * One party's windows by month (a window touching two months is in both), with the ruleset that
 * judged each and the windows with a WINTER or PREPAYMENT_PEAK finding. The months are consecutive,
 * so a window's first month is found by binary search, not by testing every month.
 */
function monthBuckets(
  windows: readonly ReportWindowInput[],
  spans: readonly Span[],
  rulesetOf: (ref: { id: string; version: string }) => Ruleset | undefined,
): MonthBucket[] {
  const buckets: MonthBucket[] = spans.map(() => ({ windows: [], ruleset: undefined, windowsInWinter: 0, windowsInTopUpPeak: 0 }))
  const ends = spans.map(([, end]) => end)
  for (const x of windows) {
    let winter = 0
    let topUpPeak = 0
    for (const f of x.findings) {
      if (f.code === 'WINTER') winter = 1
      else if (f.code === 'PREPAYMENT_PEAK') topUpPeak = 1
    }
    const s = x.window.start.getTime()
    const e = x.window.end.getTime()
    const ruleset = rulesetOf(x.ruleset)
    // From the first month ending after the start, while the month starts before the end.
    for (let i = lowerBound(ends, s, true); i < spans.length && spans[i]![0] < e; i++) {
      const bucket = buckets[i]!
      bucket.windows.push(x)
      bucket.ruleset ??= ruleset
      bucket.windowsInWinter += winter
      bucket.windowsInTopUpPeak += topUpPeak
    }
  }
  return buckets
}

/** A party's availability by month: every window counted as not agreed, and as planned (R6: agreed with its notice met or waived). */
function partyAvailability(
  windows: readonly ReportWindowInput[],
  view: MonthViewOptions & { party: string },
): { ifNotAgreed: Map<string, PartyMonthAvailability>; asPlanned: Map<string, PartyMonthAvailability> } {
  const counted = windows.filter((x) => COUNTED.has(x.window.status))
  const byMonth = (agreedAsIs: boolean) => {
    const av: AvailabilityWindow[] = counted.map((x) => ({
      id: x.window.id,
      party: view.party,
      impact: x.window.impact,
      start: x.window.start,
      end: x.window.end,
      agreed:
        agreedAsIs &&
        availabilityBasis({ kind: x.window.kind, status: x.window.status, notice: noticeState(x.findings) }).basis ===
          'agreed-planned-maintenance',
    }))
    return new Map(availabilityByMonth(av, view).rows.map((r) => [r.month, r]))
  }
  return { ifNotAgreed: byMonth(false), asPlanned: byMonth(true) }
}

/** Minutes of [lo, hi) covered by the counted Planned Maintenance windows whose impact counts toward the cap (overlaps once). */
function plannedMinutes(windows: readonly ReportWindowInput[], capImpacts: ReadonlySet<string>, lo: number, hi: number): number {
  const spans: Span[] = []
  for (const { window: w } of windows)
    if (COUNTED.has(w.status) && w.kind === 'planned' && capImpacts.has(w.impact)) spans.push([w.start.getTime(), w.end.getTime()])
  return unionLength(spans, lo, hi) / MINUTE_MS
}

/** Distinct services of the windows, sorted. */
function servicesOf(windows: readonly ReportWindowInput[]): string[] {
  const seen = new Set<string>()
  for (const x of windows) for (const s of x.window.services) seen.add(s)
  return [...seen].sort()
}
