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
import { MINUTE_MS, monthKeyOf, monthLabel } from '../time.ts'
import type { ZoneClock } from '../time.ts'
import type { PreparedWindow, RuleContext, RuleFamily } from './types.ts'

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
  const last = clock.monthIndex(p.e - 1)
  const out: number[] = []
  for (let m = p.startMonth; m <= last; m++) out.push(m)
  return out
}

/** Windows that count toward the cap under a ruleset, sorted by start (participants order). */
export function capWindows(ctx: RuleContext): PreparedWindow[] {
  const key = 'cap:windows'
  let v = ctx.cache.get(key) as PreparedWindow[] | undefined
  if (!v) {
    const impacts = ctx.ruleset.cap.impacts.value
    v = ctx.participants.filter((p) => p.planned && impacts.includes(p.w.impact))
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

export const monthlyCapRule: RuleFamily = {
  id: 'monthly-cap',
  codes: ['MONTHLY_CAP'],
  run(ctx: RuleContext) {
    const cap = ctx.ruleset.cap
    const limit = cap.minutesPerMonth.value
    const headroom = cap.headroomMinutes.value
    const impacts = cap.impacts.value
    const windows = capWindows(ctx)
    const groups: { scope: string; label: string; limit: number; totals: Map<number, number>; member: (p: PreparedWindow) => boolean }[] = [
      { scope: 'all', label: 'GB-wide, overlapping windows counted once', limit, totals: capTotals(ctx), member: () => true },
    ]
    for (const [party, lim] of Object.entries(cap.perParty.value)) {
      const member = (p: PreparedWindow) => p.w.party === party
      groups.push({ scope: `party:${party}`, label: `party ${party}`, limit: lim, totals: unionMinutesByMonth(windows.filter(member), ctx.clock), member })
    }
    for (const [service, lim] of Object.entries(cap.perService.value)) {
      const member = (p: PreparedWindow) => p.w.services.includes(service)
      groups.push({ scope: `service:${service}`, label: `service ${service}`, limit: lim, totals: unionMinutesByMonth(windows.filter(member), ctx.clock), member })
    }
    for (const p of ctx.subjects) {
      if (!p.planned || !impacts.includes(p.w.impact)) continue
      const months = monthsOf(p, ctx.clock)
      for (const g of groups) {
        if (!g.member(p)) continue
        const head = Math.min(headroom, g.limit)
        for (const m of months) {
          const total = g.totals.get(m) ?? 0
          if (total <= g.limit - head) continue
          const own = ownMinutesIn(p, m, ctx.clock)
          const breach = total > g.limit
          const month = monthKeyOf(m)
          ctx.emit(p, {
            code: 'MONTHLY_CAP',
            severity: breach ? (ctx.ruleset.severities.MONTHLY_CAP ?? 'breach') : 'warning',
            ruleId: 'monthly-cap',
            provenance: cap.minutesPerMonth.provenance,
            qualifier: g.scope === 'all' ? month : `${month}:${g.scope}`,
            message: breach
              ? `${monthLabel(m)}: ${total} planned minutes (${g.label}) exceed the cap of ${g.limit} minutes (${cap.minutesPerMonth.provenance}) by ${total - g.limit}; this window contributes ${own}`
              : `${monthLabel(m)}: ${total} planned minutes (${g.label}), within ${head} minutes of the cap of ${g.limit} (${cap.minutesPerMonth.provenance}); ${g.limit - total} minutes left for other maintenance`,
            evidence: {
              month,
              scope: g.scope,
              plannedMinutes: total,
              capMinutes: g.limit,
              headroomMinutes: head,
              remainingMinutes: g.limit - total,
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
