/**
 * MONTHLY_CAP (cap existence verified, value assumed): the minutes of a calendar month (ruleset
 * zone) during which any part of the Services is disrupted by Planned Maintenance — windows with a
 * counted impact (default degraded, outage) — as ONE GB-wide total: the union of the windows'
 * intervals, so overlapping windows count once; a window crossing a month boundary splits its real
 * minutes by month. Above the cap → breach; within `headroomMinutes` of it (cap − headroom < total
 * ≤ cap) → warning. Optional per-party and per-service caps work the same way on their own windows.
 * Every subject window with minutes in such a month gets the finding (key: window + month).
 *
 * @example OPSG 58: two 360-minute windows in November 2021 → 720 > 360 → breach on both.
 */
import { MINUTE_MS, monthLabel } from '../time.ts'
import type { BasisParam, Provenance } from '../findings.ts'
import { basisOf, type Ruleset } from '../ruleset.ts'
import type { ZoneClock } from '../time.ts'
import { monthKey, type PreparedWindow, type RuleContext, type RuleFamily } from './types.ts'

/** Union of [s, e) intervals (sorted by s) split by local month: month index → real minutes. */
export function unionMinutesByMonth(windows: readonly PreparedWindow[], clock: ZoneClock): Map<number, number> {
  const out = new Map<number, number>()
  let cs = Number.NaN
  let ce = Number.NaN
  const flush = () => {
    if (!(ce > cs)) return
    let a = cs
    let m = clock.monthIndex(a)
    while (a < ce) {
      const boundary = clock.startOfMonthIndex(m + 1)
      const b = Math.min(ce, boundary)
      out.set(m, (out.get(m) ?? 0) + (b - a) / MINUTE_MS)
      a = boundary
      m++
    }
  }
  for (const p of windows) {
    if (!(p.e > p.s)) continue
    if (Number.isNaN(cs) || p.s > ce) {
      flush()
      cs = p.s
      ce = p.e
    } else if (p.e > ce) ce = p.e
  }
  flush()
  return out
}

/** Months (indexes) in which a window has minutes. */
export function monthsOf(p: PreparedWindow, clock: ZoneClock): number[] {
  if (!(p.e > p.s)) return []
  const last = lastMonthOf(p, clock)
  const out: number[] = []
  for (let m = p.startMonth; m <= last; m++) out.push(m)
  return out
}

/** Month index of the last minute of a window with e > s (no allocation when it ends in its start month). */
export function lastMonthOf(p: PreparedWindow, clock: ZoneClock): number {
  return p.e <= clock.startOfMonthIndex(p.startMonth + 1) ? p.startMonth : clock.monthIndex(p.e - 1)
}

/** Whether a participating window counts toward the cap: Planned Maintenance with a counted impact. */
export function countsTowardCap(p: PreparedWindow, ruleset: Ruleset): boolean {
  return p.planned && ruleset.cap.impacts.value.includes(p.impact)
}

/** Windows that count toward the cap under a ruleset, sorted by start (participants order). */
export function capWindows(ctx: RuleContext): PreparedWindow[] {
  const key = 'cap:windows'
  let v = ctx.cache.get(key) as PreparedWindow[] | undefined
  if (!v) {
    v = ctx.participants.filter((p) => countsTowardCap(p, ctx.ruleset))
    ctx.cache.set(key, v)
  }
  return v
}

/** GB-wide planned minutes per month (cached per assessment). */
export function capTotals(ctx: RuleContext): Map<number, number> {
  const key = 'cap:totals'
  let v = ctx.cache.get(key) as Map<number, number> | undefined
  if (!v) {
    v = unionMinutesByMonth(capWindows(ctx), ctx.clock)
    ctx.cache.set(key, v)
  }
  return v
}

interface CapGroup {
  scope: string
  label: string
  limit: number
  /** The limit's confidence label, quoted in messages. */
  limitLabel: Provenance
  /** What a breach and a warning of this group rest on. */
  basis: { breach: readonly BasisParam[]; warning: readonly BasisParam[] }
  totals: Map<number, number>
  /** Per month: qualifier, message (or its prefix for a breach), evidence fields shared by windows. */
  months: Map<number, CapMonth | null>
  member: ((p: PreparedWindow) => boolean) | null
}

interface CapMonth {
  qualifier: string
  month: string
  total: number
  head: number
  breach: boolean
  /** Breach: the message up to the window's own minutes; warning: the whole message. */
  text: string
}

export const monthlyCapRule: RuleFamily = {
  id: 'monthly-cap',
  codes: ['MONTHLY_CAP'],
  run(ctx: RuleContext) {
    const cap = ctx.ruleset.cap
    const limit = cap.minutesPerMonth.value
    const headroom = cap.headroomMinutes.value
    const impacts = cap.impacts.value
    const breachSeverity = ctx.ruleset.severities.MONTHLY_CAP ?? 'breach'
    const windows = capWindows(ctx)
    // The basis of a breach is the limit; of a warning, the limit and the headroom.
    const basisFor = (limitParam: string) => ({
      breach: basisOf(ctx.ruleset, limitParam),
      warning: basisOf(ctx.ruleset, limitParam, '/cap/headroomMinutes'),
    })
    const groups: CapGroup[] = [
      {
        scope: 'all',
        label: 'GB-wide, overlapping windows counted once',
        limit,
        limitLabel: cap.minutesPerMonth.provenance,
        basis: basisFor('/cap/minutesPerMonth'),
        totals: capTotals(ctx),
        months: new Map(),
        member: null,
      },
    ]
    const partyBasis = basisFor('/cap/perParty')
    const serviceBasis = basisFor('/cap/perService')
    for (const [party, lim] of Object.entries(cap.perParty.value)) {
      const member = (p: PreparedWindow) => p.party === party
      groups.push({
        scope: `party:${party}`,
        label: `party ${party}`,
        limit: lim,
        limitLabel: cap.perParty.provenance,
        basis: partyBasis,
        totals: unionMinutesByMonth(windows.filter(member), ctx.clock),
        months: new Map(),
        member,
      })
    }
    for (const [service, lim] of Object.entries(cap.perService.value)) {
      const member = (p: PreparedWindow) => p.services.includes(service)
      groups.push({
        scope: `service:${service}`,
        label: `service ${service}`,
        limit: lim,
        limitLabel: cap.perService.provenance,
        basis: serviceBasis,
        totals: unionMinutesByMonth(windows.filter(member), ctx.clock),
        months: new Map(),
        member,
      })
    }
    const monthOf = (g: CapGroup, m: number): CapMonth | null => {
      let v = g.months.get(m)
      if (v !== undefined) return v
      const total = g.totals.get(m) ?? 0
      const head = Math.min(headroom, g.limit)
      if (total <= g.limit - head) v = null
      else {
        const month = monthKey(m)
        const breach = total > g.limit
        v = {
          qualifier: g.scope === 'all' ? month : `${month}:${g.scope}`,
          month,
          total,
          head,
          breach,
          text: breach
            ? `${monthLabel(m)}: ${total} planned minutes (${g.label}) exceed the cap of ${g.limit} minutes (${g.limitLabel}) by ${total - g.limit}; this window contributes `
            : `${monthLabel(m)}: ${total} planned minutes (${g.label}), within ${head} minutes of the cap of ${g.limit} (${g.limitLabel}); ${g.limit - total} minutes left for other maintenance`,
        }
      }
      g.months.set(m, v)
      return v
    }
    for (const p of ctx.subjects) {
      if (!p.planned || !(p.e > p.s) || !impacts.includes(p.impact)) continue
      const last = lastMonthOf(p, ctx.clock)
      for (const g of groups) {
        if (g.member !== null && !g.member(p)) continue
        for (let m = p.startMonth; m <= last; m++) {
          const cm = monthOf(g, m)
          if (cm === null) continue
          const own = ownMinutesIn(p, m, ctx.clock)
          ctx.emit(p, {
            code: 'MONTHLY_CAP',
            severity: cm.breach ? breachSeverity : 'warning',
            ruleId: 'monthly-cap',
            basis: cm.breach ? g.basis.breach : g.basis.warning,
            qualifier: cm.qualifier,
            message: cm.breach ? `${cm.text}${own}` : cm.text,
            evidence: {
              month: cm.month,
              scope: g.scope,
              plannedMinutes: cm.total,
              capMinutes: g.limit,
              headroomMinutes: cm.head,
              remainingMinutes: g.limit - cm.total,
              windowMinutesInMonth: own,
            },
          })
        }
      }
    }
  },
}

function ownMinutesIn(p: PreparedWindow, m: number, clock: ZoneClock): number {
  const a = Math.max(p.s, clock.startOfMonthIndex(m))
  const b = Math.min(p.e, clock.startOfMonthIndex(m + 1))
  return b > a ? (b - a) / MINUTE_MS : 0
}
