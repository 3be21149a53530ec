import type { Db } from '../db/database.ts'
import { complianceRepository, layerFromJson } from '../db/repositories/compliance-repository.ts'
import {
  type BlackoutLayer,
  blackoutStateAt,
  CALENDAR_IDS,
  type CalendarId,
  DAY_MS,
  expandLayer,
  monthIndexOf,
  monthKeyOf,
  type MonthNoticeDeadline,
  monthNoticeDeadline,
  NATION_CALENDAR_IDS,
  type NationCalendarId,
  type CalendarOverride,
  BUILT_IN_RULESETS,
  DEFAULT_RULESET,
  defaultBlackoutLayers,
  isCalendarId,
  type Ruleset,
  validateBlackoutLayer,
  validateOverrides,
  validateRuleset,
} from '../domain/index.ts'
import type { Actor } from '../domain/lifecycle.ts'
import { appendAudit } from './audit-service.ts'
import type { Clock } from './clock.ts'
import type { ComplianceService } from './compliance-service.ts'
import { AppError, bodyField, invalid, notFound } from './errors.ts'

/** The longest range `blackoutPeriods` expands, about ten years (as feeds). */
const PERIODS_MAX_DAYS = 3653

/** One concrete blackout period of a layer, as the planning board draws it. */
export interface BlackoutPeriodView {
  layerId: string
  name: string
  category: BlackoutLayer['category']
  severity: BlackoutLayer['severity']
  provenance: BlackoutLayer['provenance']
  scope: BlackoutLayer['scope']
  start: Date
  end: Date
  /** The period's own name where it has one (a bank holiday's, a freeze's). */
  label?: string
  /** For a bank-holiday layer: the nation whose holiday it is (each nation's periods come apart). */
  nation?: NationCalendarId
}

const problems = (list: { pointer: string; message: string }[], prefix = '') =>
  invalid(list.map((p) => bodyField(`${prefix}${p.pointer}`, p.message)))

/**
 * The data the rules run on, kept by admins: ruleset versions, blackout layers and working-day
 * calendar overrides (holidays proclaimed at short notice). Each write is validated by the domain
 * first; nothing invalid is stored.
 *
 * @example await rulesAdmin.addOverride('england-and-wales', { date: '2022-09-19', action: 'add', reason: 'State funeral' }, admin)
 */
export function createRulesAdminService(deps: { db: Db; clock: Clock; compliance: ComplianceService }) {
  const { db, clock } = deps

  async function allLayers(): Promise<(BlackoutLayer & { builtIn: boolean })[]> {
    const custom = (await complianceRepository.blackouts(db)).map(({ storedVersion, ...l }) => ({
      ...l,
      version: String(storedVersion),
      builtIn: false,
    }))
    return [...defaultBlackoutLayers(DEFAULT_RULESET).map((l) => ({ ...l, builtIn: true })), ...custom]
  }

  return {
    async rulesets(): Promise<{ ruleset: Ruleset; builtIn: boolean; recordedAt: Date | null }[]> {
      const stored = await complianceRepository.rulesets(db)
      return [
        ...BUILT_IN_RULESETS.map((ruleset) => ({ ruleset, builtIn: true, recordedAt: null })),
        ...stored.map((s) => ({ ruleset: s.ruleset, builtIn: false, recordedAt: s.recordedAt })),
      ]
    },
    async ruleset(id: string) {
      const versions = (await this.rulesets()).filter((r) => r.ruleset.id === id)
      if (versions.length === 0) throw notFound('Ruleset', id)
      return versions
    },
    async addRuleset(input: unknown, actor: Actor): Promise<Ruleset> {
      const found = validateRuleset(input)
      if (found.length) throw problems(found)
      const r = input as Ruleset
      const existing = await this.rulesets()
      if (existing.some((x) => x.ruleset.id === r.id && x.ruleset.version === r.version))
        throw new AppError(
          'conflict',
          409,
          'Ruleset version exists',
          `Ruleset ${r.id} already has version ${r.version}; versions are never edited, add a new one.`,
          {
            errors: [bodyField('/version', 'already exists')],
          },
        )
      const now = clock.now()
      await db.transaction().execute(async (trx) => {
        await complianceRepository.insertRuleset(trx, r, actor.keyId, now, now)
        await appendAudit(trx, clock, {
          actor,
          action: 'ruleset.created',
          entityType: 'ruleset',
          entityId: `${r.id}@${r.version}`,
          payload: r,
        })
      })
      return r
    },

    blackouts: allLayers,
    async blackout(id: string) {
      const layer = (await allLayers()).find((l) => l.id === id)
      if (!layer) throw notFound('Blackout layer', id)
      return layer
    },
    async addBlackout(body: unknown, actor: Actor) {
      const input = layerFromJson(body)
      const found = validateBlackoutLayer(input)
      if (found.length) throw problems(found)
      const layer = input as BlackoutLayer
      if ((await allLayers()).some((l) => l.id === layer.id))
        throw new AppError('conflict', 409, 'Blackout layer exists', `A blackout layer with id ${layer.id} already exists.`, {
          errors: [bodyField('/id', 'already exists')],
        })
      await db.transaction().execute(async (trx) => {
        await complianceRepository.insertBlackout(trx, layer, actor.keyId, clock.now())
        await appendAudit(trx, clock, {
          actor,
          action: 'blackout-layer.created',
          entityType: 'blackout-layer',
          entityId: layer.id,
          payload: layer,
        })
      })
      return this.blackout(layer.id)
    },
    /** JSON Merge Patch of a stored (custom) layer; built-in layers change with the ruleset. */
    async patchBlackout(id: string, patch: Record<string, unknown>, ifMatch: number | undefined, actor: Actor | null = null) {
      const stored = (await complianceRepository.blackouts(db)).find((l) => l.id === id)
      if (!stored) {
        if ((await allLayers()).some((l) => l.id === id))
          throw new AppError('conflict', 409, 'Built-in layer', `Layer ${id} comes with the ruleset; add a ruleset version to change it.`)
        throw notFound('Blackout layer', id)
      }
      if (ifMatch !== undefined && ifMatch !== stored.storedVersion)
        throw new AppError('stale-version', 412, 'The layer has changed', `Layer ${id} is at version ${stored.storedVersion}.`)
      const { storedVersion, ...current } = stored
      const merged: Record<string, unknown> = { ...current }
      for (const [k, v] of Object.entries(patch)) {
        if (k === 'id' && v !== id) throw invalid([bodyField('/id', 'the id cannot change')])
        if (v === null) delete merged[k]
        else merged[k] = v
      }
      const found = validateBlackoutLayer(layerFromJson(merged))
      if (found.length) throw problems(found)
      await db.transaction().execute(async (trx) => {
        if (!(await complianceRepository.updateBlackout(trx, merged as unknown as BlackoutLayer, storedVersion, clock.now())))
          throw new AppError('stale-version', 412, 'The layer has changed', `Layer ${id} changed while you edited it.`)
        await appendAudit(trx, clock, {
          actor,
          action: 'blackout-layer.changed',
          entityType: 'blackout-layer',
          entityId: id,
          payload: { version: storedVersion + 1, patch, layer: merged },
        })
      })
      return this.blackout(id)
    },
    async blackoutState(at: Date, regions?: string[]) {
      const ctx = await deps.compliance.loadContext(db)
      const layers = deps.compliance.blackoutsFor(ctx, deps.compliance.rulesetFor(ctx, at))
      return blackoutStateAt(layers, at, { calendars: ctx.calendars, regionData: ctx.regions, ...(regions ? { regions } : {}) })
    },

    /**
     * Every layer's concrete periods overlapping [from, to), under the ruleset in force at `from`,
     * sorted by start; a bank-holiday layer gives each nation's holidays apart (`nation`).
     *
     * @example await rulesAdmin.blackoutPeriods(new Date('2021-10-01T00:00:00Z'), new Date('2022-08-01T00:00:00Z'))
     */
    async blackoutPeriods(from: Date, to: Date): Promise<BlackoutPeriodView[]> {
      if (to.getTime() <= from.getTime()) throw invalid([{ pointer: '/to', in: 'query', message: 'to must be after from' }])
      if (to.getTime() - from.getTime() > PERIODS_MAX_DAYS * DAY_MS)
        throw invalid([
          { pointer: '/to', in: 'query', message: `from and to may be at most ${PERIODS_MAX_DAYS} days (about ten years) apart` },
        ])
      const ctx = await deps.compliance.loadContext(db)
      const layers = deps.compliance.blackoutsFor(ctx, deps.compliance.rulesetFor(ctx, from))
      const out: BlackoutPeriodView[] = []
      for (const layer of layers) {
        const { id: layerId, name, category, severity, provenance, scope } = layer
        const view = { layerId, name, category, severity, provenance, scope }
        const nations: (NationCalendarId | undefined)[] = layer.holidays ? [...NATION_CALENDAR_IDS] : [undefined]
        for (const nation of nations) {
          const periods = expandLayer(layer, from, to, { calendars: ctx.calendars, ...(nation ? { holidayCalendars: [nation] } : {}) })
          for (const p of periods)
            out.push({ ...view, start: p.start, end: p.end, ...(p.label ? { label: p.label } : {}), ...(nation ? { nation } : {}) })
        }
      }
      return out.sort((a, b) => a.start.getTime() - b.start.getTime() || a.layerId.localeCompare(b.layerId))
    },

    /**
     * Each month's notice deadline from `from` to `to` ('YYYY-MM', both included, at most 120 months),
     * under the ruleset in force on each month's first day; `deadline` is null where that ruleset
     * counts notice per window (no one deadline for the month).
     *
     * @example await rulesAdmin.noticeDeadlines('2021-11', '2021-12') // [{ month: '2021-11', deadline: { lastDay: '2021-10-04', … } }, …]
     */
    async noticeDeadlines(from: string, to: string): Promise<{ month: string; deadline: MonthNoticeDeadline | null }[]> {
      const first = monthIndexOf(from)
      const last = monthIndexOf(to)
      if (last < first) throw invalid([{ pointer: '/to', in: 'query', message: 'to must not be before from' }])
      if (last - first >= 120) throw invalid([{ pointer: '/to', in: 'query', message: 'at most 120 months at a time' }])
      const ctx = await deps.compliance.loadContext(db)
      const out: { month: string; deadline: MonthNoticeDeadline | null }[] = []
      for (let mi = first; mi <= last; mi++) {
        const month = monthKeyOf(mi)
        const ruleset = deps.compliance.rulesetFor(ctx, new Date(`${month}-01T12:00:00Z`))
        out.push({ month, deadline: monthNoticeDeadline(month, ruleset, ctx.calendars) })
      }
      return out
    },

    async calendar(id: string, year: number) {
      if (!isCalendarId(id)) throw notFound('Calendar', `${id} (known: ${CALENDAR_IDS.join(', ')})`)
      const ctx = await deps.compliance.loadContext(db)
      const stored = (await complianceRepository.overrides(db)).filter((o) => o.calendar === id)
      return { id, version: ctx.calendars.versions()[id], holidays: ctx.calendars.get(id).holidays(year), overrides: stored }
    },
    async addOverride(calendar: string, input: Omit<CalendarOverride, 'calendar'>, actor: Actor) {
      if (!isCalendarId(calendar)) throw notFound('Calendar', `${calendar} (known: ${CALENDAR_IDS.join(', ')})`)
      const o: CalendarOverride = { calendar: calendar as CalendarId, ...input }
      const found = validateOverrides([o])
      if (found.length) throw problems(found.map((p) => ({ ...p, pointer: p.pointer.replace(/^\/0/, '') })))
      const id = await db.transaction().execute(async (trx) => {
        const stored = await complianceRepository.insertOverride(trx, o, actor.keyId, clock.now())
        await appendAudit(trx, clock, {
          actor,
          action: 'calendar-override.added',
          entityType: 'calendar-override',
          entityId: stored,
          payload: o,
        })
        return stored
      })
      const ctx = await deps.compliance.loadContext(db)
      return { id, ...o, calendarVersion: ctx.calendars.versions()[o.calendar] }
    },
  }
}
