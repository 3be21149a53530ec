/**
 * The constraints a candidate start fails whatever the plan holds, found without the engine's
 * per-window pass: NOTICE_PERIOD by one engine probe per local month (per day with per-window
 * notice), PERMITTED_HOURS, CLOCK_CHANGE_NIGHT and MAX_DURATION per start, and the blackout layers
 * (the periods the engine expands).
 *
 * @example staticMasks(search)[k] & bitOf('BLACKOUT') // non-zero when the k-th start meets a blackout
 */
import { assess } from '../assess.ts'
import { type BlackoutLayer, expandLayer, layerApplies, layerCode } from '../blackouts.ts'
import { calendarsForRegions } from '../calendars.ts'
import { DEFAULT_REGIONS } from '../reference.ts'
import { overriddenSeverity } from '../ruleset.ts'
import { DAY_MS, MINUTE_MS, parseHhMm, weekdayOf } from '../time.ts'
import type { CandidateSearch } from './candidate-search.ts'
import { bitOf } from './constraint-codes.ts'
import { SpanIndex } from './span-index.ts'

/** Plan-independent failing constraints of every candidate (bit per CONSTRAINT_ORDER code). */
export function staticMasks(search: CandidateSearch): Int32Array {
  const stat = new Int32Array(search.n)
  noticeMasks(search, stat)
  timeOfDayMasks(search, stat)
  blackoutMasks(search, stat)
  return stat
}

/** Notice: one engine probe per month (monthly schedule) or per day (per-window notice). */
function noticeMasks(search: CandidateSearch, stat: Int32Array): void {
  const perWindow = search.ctx.ruleset.notice.mode.value === 'per-window'
  const notice = new Map<number, number>()
  for (let k = 0; k < search.n; k++) {
    const key = perWindow ? search.day[k]! : search.month[k]!
    let m = notice.get(key)
    if (m === undefined) {
      const probe = assess([search.plan(k)], { ...search.ctx, background: [], waivers: [] })
      m = 0
      for (const f of probe.windows[0]!.findings)
        if (f.code === 'NOTICE_PERIOD' && search.bad(f.code, f.severity)) m = bitOf('NOTICE_PERIOD')
      notice.set(key, m)
    }
    stat[k]! |= m
  }
}

/** Permitted hours (outside: the rule's severity; inside on a non-preferred weekday: info), clock-change nights, duration. */
function timeOfDayMasks(search: CandidateSearch, stat: Int32Array): void {
  const r = search.ctx.ruleset
  const { n, starts, D, clock } = search
  const ph = r.permittedHours
  const phFrom = parseHhMm(ph.from.value) * MINUTE_MS
  const phTo = parseHhMm(ph.to.value) * MINUTE_MS
  const outsideBad = search.bad('PERMITTED_HOURS', r.severities.PERMITTED_HOURS ?? 'warning')
  const infoBad = search.bad('PERMITTED_HOURS', 'info') && ph.preferredWeekdays.value.length > 0
  const ccBad = r.clockChange.forbidNights.value && search.bad('CLOCK_CHANGE_NIGHT', r.severities.CLOCK_CHANGE_NIGHT ?? 'warning')
  const durBad = D / MINUTE_MS > r.duration.maxWindowMinutes.value && search.bad('MAX_DURATION', r.severities.MAX_DURATION ?? 'warning')
  if (!(outsideBad || infoBad || ccBad || durBad)) return
  for (let k = 0; k < n; k++) {
    const s = starts[k]!
    const e = s + D
    if (outsideBad || infoBad) {
      const day0 = search.day[k]! * DAY_MS
      const sWall = clock.toWall(s)
      const eWall = clock.toWall(e)
      const inside = sWall >= day0 + phFrom && eWall <= day0 + phTo && eWall > sWall
      if (!inside ? outsideBad : infoBad && !ph.preferredWeekdays.value.includes(weekdayOf(search.day[k]!)))
        stat[k]! |= bitOf('PERMITTED_HOURS')
    }
    if (ccBad && clock.firstTransitionBetween(s, e) !== null) stat[k]! |= bitOf('CLOCK_CHANGE_NIGHT')
    if (durBad) stat[k]! |= bitOf('MAX_DURATION')
  }
}

/** Blackout layers: the periods the engine would expand, each candidate looked up among them. */
function blackoutMasks(search: CandidateSearch, stat: Int32Array): void {
  const { n, starts, D, ctx, tpl } = search
  const lo = starts[0]!
  const hi = starts[n - 1]! + D
  const y0 = new Date(lo - DAY_MS).getUTCFullYear()
  const y1 = new Date(hi + DAY_MS).getUTCFullYear()
  const f = new Date(Date.UTC(y0, 0, 1) - 2 * DAY_MS)
  const t = new Date(Date.UTC(y1 + 1, 0, 1) + 2 * DAY_MS)
  const regions = ctx.regions ?? DEFAULT_REGIONS
  for (const layer of ctx.blackouts as readonly BlackoutLayer[]) {
    const code = layerCode(layer)
    if (!search.bad(code, overriddenSeverity(ctx.ruleset, code, layer.severity)) || !layerApplies(layer, tpl)) continue
    const periods = expandLayer(layer, f, t, {
      calendars: ctx.calendars,
      ...(layer.holidays ? { holidayCalendars: calendarsForRegions(tpl.regions, regions) } : {}),
    })
    const blackout = new SpanIndex(periods, (p) => [p.start.getTime(), p.end.getTime()])
    const bit = bitOf(code)
    for (let k = 0; k < n; k++) if (blackout.overlaps(starts[k]!, starts[k]! + D)) stat[k]! |= bit
  }
}
