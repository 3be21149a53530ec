import {
  type BasisParam,
  type CalendarSet,
  calendarsForRegions,
  complianceOf,
  type Finding,
  findingKey,
  noticeState,
  overriddenSeverity,
  type Ruleset,
  SEVERITY_RANK,
  type Severity,
} from '../domain/index.ts'
import { availabilityBasis, compareActuals, impactRating } from '../domain/impact/index.ts'
import type { IsPreHoliday } from '../domain/impact/window-impact.ts'
import type { Region } from '../domain/reference.ts'
import type { ImpactAttacher } from './compliance-service.ts'
import type { ImpactService } from './impact-service.ts'
import { overrunFinding } from './overrun-finding.ts'
import type { MaintenanceWindow } from '../domain/window.ts'

const DAY_MS = 86_400_000

/**
 * True on the three days before a bank holiday of any nation the regions cover (weekends are not
 * holidays), by day arithmetic: it is asked once per night and region set, and luxon here was a fifth
 * of the time of checking 10,000 windows.
 * @example preHolidayOf(calendars, regions)('2021-11-27', ['N']) // true: St Andrew's Day is on the 30th
 */
export function preHolidayOf(calendars: CalendarSet, regions: readonly Region[]): IsPreHoliday {
  // One function per (calendars, regions): they are immutable, so its memo lives as long as they do.
  let perRegions = preHolidayFns.get(calendars)
  if (!perRegions) preHolidayFns.set(calendars, (perRegions = new WeakMap()))
  let fn = perRegions.get(regions)
  if (!fn) perRegions.set(regions, (fn = newPreHoliday(calendars, regions)))
  return fn
}

const preHolidayFns = new WeakMap<CalendarSet, WeakMap<readonly Region[], IsPreHoliday>>()

function newPreHoliday(calendars: CalendarSet, regions: readonly Region[]): IsPreHoliday {
  const memo = new Map<string, boolean>()
  return (localDate, regionIds) => {
    const key = `${localDate}|${regionIds.join(',')}`
    const hit = memo.get(key)
    if (hit !== undefined) return hit
    const day = Date.parse(`${localDate}T00:00:00Z`) / DAY_MS
    const ids = calendarsForRegions(regionIds, regions)
    let found = false
    for (let d = 1; d <= 3 && !found; d++) {
      const weekday = (((day + d + 3) % 7) + 7) % 7 // 0 = Monday (1970-01-01 was a Thursday)
      if (weekday >= 5) continue
      const iso = new Date((day + d) * DAY_MS).toISOString().slice(0, 10)
      found = ids.some((id) => !calendars.get(id).isWorkingDay(iso))
    }
    memo.set(key, found)
    return found
  }
}

/** The worse of two severities (null: none yet). */
const worse = (a: string | null, b: Severity): Severity =>
  a !== null && SEVERITY_RANK[a as Severity] !== undefined && SEVERITY_RANK[a as Severity] <= SEVERITY_RANK[b] ? (a as Severity) : b

/**
 * A reduced-redundancy window overlapping another on a service or region: a design default of
 * this service, not an SEC limit (unconfirmed).
 */
const REDUNDANCY_BASIS: readonly BasisParam[] = [{ parameter: 'mwp:redundancy-loss', provenance: 'assumed' }]
/** Actual times against the window's own planned times (PM 2.1 and SEC H9, inferred: see domain.md R6, R8). */
const OVERRUN_BASIS: readonly BasisParam[] = [{ parameter: 'mwp:planned-times', provenance: 'inferred' }]

/**
 * Adds to every assessed window its impact (who is hurt and how much, rated from impact alone) and
 * its compliance colour again, and turns redundancy losses among the assessed windows into
 * REDUNDANCY_LOSS findings (objection) and recorded overruns into OVERRUN findings (breach), each
 * under the severity override of the ruleset that judged the window (Ruleset.severities).
 *
 * @example compliance.setImpactAttacher(impactAttacher(services.impact))
 */
export function impactAttacher(impact: Pick<ImpactService, 'impactFor'>): ImpactAttacher {
  return async (trx, windows, views, ctx) => {
    if (windows.length === 0) return
    const r = await impact.impactFor(trx, windows, { isPreHoliday: preHolidayOf(ctx.calendars, ctx.regions) })
    const idOf = (i: number) => windows[i]!.id ?? `#${i}`
    const rulesetOf = (view: (typeof views)[number]): Pick<Ruleset, 'severities'> =>
      ctx.rulesets.find((x) => x.id === view.ruleset.id && x.version === view.ruleset.version) ?? { severities: {} }
    const index = new Map(windows.map((_, i) => [idOf(i), i]))
    for (const c of r.overlaps.redundancyLoss) {
      for (const side of [c.reducedRedundancyWindow, c.otherWindow]) {
        const i = index.get(side.id)
        const view = i === undefined ? undefined : views[i]
        if (!view) continue
        const other = side === c.reducedRedundancyWindow ? c.otherWindow : c.reducedRedundancyWindow
        const severity = overriddenSeverity(rulesetOf(view), 'REDUNDANCY_LOSS', 'objection')
        const f: Finding = {
          key: findingKey(view.windowId ?? view.reference, 'REDUNDANCY_LOSS', 'redundancy', other.id),
          code: 'REDUNDANCY_LOSS',
          severity,
          certainty: 'unconfirmed',
          ...(view.windowId ? { windowId: view.windowId } : {}),
          reference: view.reference,
          message: `${c.reducedRedundancyWindow.reference} (${c.reducedRedundancyWindow.party}, reduced redundancy) overlaps ${c.otherWindow.reference} (${c.otherWindow.party}) for ${Math.round(c.minutes)} minutes from ${c.start.toISOString()}: ${[...c.sharedServices, ...c.sharedRegions].join(', ')} run with no fallback`,
          evidence: {
            reducedRedundancyWindow: c.reducedRedundancyWindow.reference,
            otherWindow: other.reference,
            start: c.start.toISOString(),
            end: c.end.toISOString(),
            minutes: c.minutes,
            sharedServices: c.sharedServices,
            sharedRegions: c.sharedRegions,
          },
          rule: {
            id: 'redundancy',
            version: view.ruleset.version,
            provenance: 'assumed',
            rulesetId: view.ruleset.id,
            basis: REDUNDANCY_BASIS,
          },
          waivable: true,
        }
        if (view.findings.some((x) => x.key === f.key)) continue
        view.findings.push(f)
        view.worstSeverity = worse(view.worstSeverity, severity)
      }
    }
    // Planned vs actual: a stored window that started early or overran carries an OVERRUN breach.
    windows.forEach((w, i) => {
      const stored = w as Partial<MaintenanceWindow>
      const view = views[i]
      if (!view || !stored.actualStart || !w.id) return
      const cmp = compareActuals(
        {
          plannedStart: w.start,
          plannedEnd: w.end,
          actualStart: stored.actualStart,
          actualEnd: stored.actualEnd ?? null,
          reason: 'recorded',
        },
        { now: new Date(view.assessedAt) },
      )
      const o = overrunFinding(stored as MaintenanceWindow, cmp)
      if (!o || view.findings.some((f) => f.key === o.key)) return
      const severity = overriddenSeverity(rulesetOf(view), 'OVERRUN', o.severity)
      view.findings.push({
        key: o.key,
        code: 'OVERRUN',
        severity,
        certainty: 'confirmed',
        windowId: o.windowId,
        reference: o.reference,
        message: o.message,
        evidence: { ...o.evidence, incidentRequired: true },
        rule: { id: 'actuals', version: view.ruleset.version, provenance: 'inferred', rulesetId: view.ruleset.id, basis: OVERRUN_BASIS },
        waivable: false,
      })
      view.worstSeverity = worse(view.worstSeverity, severity)
    })
    // Each window's overlap groups, indexed once (not a scan of every group per window).
    const groupsOf = new Map<string, (typeof r.overlaps.groups)[number][]>()
    for (const g of r.overlaps.groups)
      for (const w of g.windows) {
        const list = groupsOf.get(w.id)
        if (list) list.push(g)
        else groupsOf.set(w.id, [g])
      }
    views.forEach((view, i) => {
      const imp = r.impacts[i]!
      // The findings may have grown above: the colour is taken again from all of them.
      view.compliance = complianceOf(view.findings, view.assessed)
      const groups = groupsOf.get(idOf(i)) ?? []
      const w = windows[i]!
      const chosen = availabilityBasis({ kind: w.kind, status: w.status, notice: noticeState(view.findings) })
      view.impact = {
        ...imp,
        // Both figures stay; `basis` names the one that applies to this window, `percent` is it.
        availability: {
          ...imp.availability,
          basis: chosen.basis,
          reason: chosen.reason,
          percent: chosen.basis === 'agreed-planned-maintenance' ? imp.availability.percentIfAgreed : imp.availability.percentIfNotAgreed,
        },
        rating: impactRating(imp, r.thresholds),
        overlaps: groups.map((g) => ({
          windows: g.windows.map((w) => w.reference),
          parties: g.parties,
          regions: g.regions,
          services: g.services,
          start: g.start.toISOString(),
          end: g.end.toISOString(),
          overlapMinutes: g.overlapMinutes,
          metersAffected: g.metersAffected,
          prepaymentCustomersAffected: g.prepaymentCustomersAffected,
          expectedFailedTopUpsDuringOverlap: g.expectedFailedTopUpsDuringOverlap,
        })),
      }
    })
  }
}
