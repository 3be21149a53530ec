import { createHash, randomBytes } from 'node:crypto'
import { DateTime } from 'luxon'
import type { Db, DbOrTx } from '../db/database.ts'
import { ALL_TABLES, type ChangeNotifications } from '../db/change-notifications.ts'
import {
  FEED_RETENTION_DAYS,
  type FeedFilter,
  type FeedFindings,
  type FeedRecord,
  type FeedVersion,
  feedsRepository,
} from '../db/repositories/feeds-repository.ts'
import {
  type BlackoutLayer,
  type ComplianceRating,
  calendarsForRegions,
  complianceOf,
  expandLayer,
  findingCertainty,
  NATION_CALENDAR_IDS,
  type Severity,
} from '../domain/index.ts'
import type { Actor } from '../domain/lifecycle.ts'
import { DAY_MS, HOUR_MS, LONDON_ZONE, zoneClock } from '../domain/time.ts'
import { blackoutSeries, type FeedBlackout, renderCalendarFeedBytes } from '../feeds/index.ts'
import { appendAudit } from './audit-service.ts'
import { ChangeAwareCache } from './change-aware-cache.ts'
import type { Clock } from './clock.ts'
import type { ComplianceService } from './compliance-service.ts'
import { AppError, bodyField, type FieldProblem, invalid, notFound } from './errors.ts'
import type { ReferenceService } from './reference-service.ts'
import { unknownIds } from './reference-service.ts'
import { unknownFilterIds } from './filter-ids.ts'

export type { FeedFilter, FeedRecord } from '../db/repositories/feeds-repository.ts'

/** Bump when the rendering changes, so that cached bodies and ETags move with it. */
const RENDER_VERSION = 'feed-2'
const PROD_ID = '-//DCC//Maintenance Window Planner 0.1//EN'
const REFRESH = 'PT1H'
/**
 * The longest span blackouts and bank holidays are written over (from its start), about ten years;
 * also the longest from/to a filter may give.
 */
const BLACKOUT_MAX_DAYS = 3653
const CACHE_ENTRIES = 32
/** expandLayer's label of a holiday period: 'Christmas Day 2021-12-25 (scotland)'. */
const HOLIDAY_LABEL = /^(.*) (\d{4}-\d{2}-\d{2}) \(([^)]*)\)$/
const CACHE_BYTES = 64 * 1024 * 1024
/**
 * Tables a feed's body depends on. A committed change to any of them (announced by the database:
 * migrations 0006 and 0007) ends every feed's validation; so does a moment in which changes could
 * have been missed.
 */
const FEED_TABLES: readonly string[] = [
  'windows',
  'assessments',
  'blackout_layers',
  'calendar_overrides',
  'rulesets',
  'parties',
  'services',
  'regions',
  'reference_data',
  'feeds',
  'api_keys',
]

export interface FeedAnswer {
  status: 200 | 304
  /** The body for 200 (also for HEAD, which sends only its length). */
  body?: Uint8Array
  etag: string
  lastModified: Date
}

/** A created feed: the token is in `path` and shown only in this answer. */
export type CreatedFeed = FeedRecord & { path: string }

const sha256 = (s: string | Uint8Array) => createHash('sha256').update(s).digest()

/** Whether an If-None-Match header names `etag` (weak comparison, RFC 9110 §13.1.2). */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false
  if (header.trim() === '*') return true
  const opaque = etag.replace(/^W\//, '')
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === opaque)
}

const HTTP_DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)'
const HTTP_MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)'
/** The three forms of an HTTP-date (RFC 9110 §5.6.7): IMF-fixdate, then the obsolete RFC 850 and asctime forms. */
const HTTP_DATE = new RegExp(
  `^(?:${HTTP_DAY}, \\d{2} ${HTTP_MONTH} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT` +
    `|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \\d{2}-${HTTP_MONTH}-\\d{2} \\d{2}:\\d{2}:\\d{2} GMT` +
    `|${HTTP_DAY} ${HTTP_MONTH} [ \\d]\\d \\d{2}:\\d{2}:\\d{2} \\d{4})$`,
)

/**
 * Epoch ms of an HTTP-date (RFC 9110 §5.6.7), or undefined when the value is not one (a list of
 * dates, or any other text): such an If-Modified-Since is ignored (§13.1.3).
 *
 * @example parseHttpDate('Sun, 14 Nov 2021 00:00:00 GMT') // 1636848000000
 * @example parseHttpDate('yesterday') // undefined
 */
export function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const v = value.trim()
  if (!HTTP_DATE.test(v)) return undefined
  // asctime has no zone: it is GMT. RFC 850's two-digit year is read by Date.parse (as 19xx/20xx).
  const ms = Date.parse(/GMT$/.test(v) ? v : `${v} GMT`)
  if (!Number.isFinite(ms)) return undefined
  // Date.parse rolls 31 Feb over into March; an IMF-fixdate must read back as itself.
  if (v.charAt(3) === ',' && new Date(ms).toUTCString() !== v) return undefined
  return ms
}

/**
 * Whether a GET or HEAD of a representation last modified at `lastModified` is answered 304
 * (RFC 9110 §13.2.2): If-None-Match when sent, and If-Modified-Since only without it; an
 * If-Modified-Since that is not an HTTP-date is ignored; dates compare to the second.
 *
 * @example notModified({ ifModifiedSince: 'Sun, 14 Nov 2021 00:00:00 GMT' }, '"a"', new Date('2021-11-13T23:59:59.5Z')) // true
 */
export function notModified(
  headers: { ifNoneMatch?: string | undefined; ifModifiedSince?: string | undefined },
  etag: string,
  lastModified: Date,
): boolean {
  if (headers.ifNoneMatch !== undefined && headers.ifNoneMatch.trim() !== '') return matchesIfNoneMatch(headers.ifNoneMatch, etag)
  const since = parseHttpDate(headers.ifModifiedSince)
  if (since === undefined) return false
  return Math.floor(lastModified.getTime() / 1000) <= Math.floor(since / 1000)
}

const compactUtc = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
const maxDate = (...ds: (Date | null | undefined)[]): Date =>
  new Date(Math.max(0, ...ds.filter((d): d is Date => !!d).map((d) => d.getTime())))

/**
 * What is wrong with a filter's from/to: both or neither, from before to, at most BLACKOUT_MAX_DAYS apart.
 * @example rangeProblems({ from: new Date('2022-01-01T00:00:00Z') }) // [{ pointer: '/filter/to', … }]
 */
function rangeProblems(f: FeedFilter): FieldProblem[] {
  const { from, to } = f
  if (from && !to) return [bodyField('/filter/to', 'from and to come together: give both or neither')]
  if (to && !from) return [bodyField('/filter/from', 'from and to come together: give both or neither')]
  if (!from || !to) return []
  if (to.getTime() <= from.getTime()) return [bodyField('/filter/to', 'to must be after from')]
  if (to.getTime() - from.getTime() > BLACKOUT_MAX_DAYS * DAY_MS)
    return [bodyField('/filter/to', `from and to may be at most ${BLACKOUT_MAX_DAYS} days (about ten years) apart`)]
  return []
}

const listMatch = (scope: readonly string[] | undefined, wanted: readonly string[] | undefined) =>
  !scope?.length || !wanted?.length || scope.some((x) => wanted.includes(x))

type FeedFinding = FeedFindings['findings'][number]

/**
 * The window's compliance colour and its open findings by severity, each group with its own codes;
 * breaches on an assumed limit apart; waived counted apart.
 * @example 'red: 1 breach (NOTICE_PERIOD); 1 breach on an assumed limit (MONTHLY_CAP); 2 objections (PREPAYMENT_PEAK, WINTER)'
 */
function summarise(findings: readonly FeedFinding[]): { rating: ComplianceRating; text: string | undefined } {
  const rated = findings.map((f) => ({
    code: f.code,
    severity: f.severity as Severity,
    certainty: f.certainty ?? undefined,
    rule: { provenance: f.provenance ?? 'assumed' },
    waiver: f.waived ? true : undefined,
  }))
  const { rating } = complianceOf(rated)
  const open = rated.filter((f) => !f.waiver)
  const waived = findings.length - open.length
  if (open.length === 0) return { rating, text: waived ? `${rating}: no open findings (${waived} waived)` : undefined }
  const groups: [string, (f: (typeof open)[number]) => boolean][] = [
    ['breach', (f) => f.severity === 'breach' && findingCertainty(f) === 'confirmed'],
    ['breach on an assumed limit', (f) => f.severity === 'breach' && findingCertainty(f) === 'unconfirmed'],
    ['objection', (f) => f.severity === 'objection'],
    ['warning', (f) => f.severity === 'warning'],
  ]
  const parts: string[] = []
  for (const [what, test] of groups) {
    const these = open.filter(test)
    if (these.length === 0) continue
    const codes = [...new Set(these.map((f) => f.code))].sort()
    const noun = these.length === 1 ? what : what.replace(/^(\w+)/, '$1s').replace('breachs', 'breaches')
    parts.push(`${these.length} ${noun} (${codes.join(', ')})`)
  }
  if (parts.length === 0) parts.push('information only')
  return { rating, text: `${rating}: ${parts.join('; ')}${waived ? ` (${waived} waived)` : ''}` }
}

/**
 * Calendar feed subscriptions: each key creates, lists and revokes its own feeds (an admin sees and
 * revokes all); a feed is read through its capability token, stored only as SHA-256. Rendering is
 * the pure `renderCalendarFeedBytes`; the ETag is the SHA-256 of the bytes, and a small in-memory
 * cache maps a digest of everything the body depends on (a cheap aggregate query) to the rendered
 * body, so an unchanged feed is answered without rendering. Every instance computes the same digest
 * and the same bytes, so several instances agree on ETags.
 *
 * @example const { path } = await feeds.create({ name: 'DSP outages', filter: { parties: ['DSP'] } }, actor)
 */
export function createFeedsService(deps: {
  db: Db
  clock: Clock
  reference: Pick<ReferenceService, 'all'>
  compliance: Pick<ComplianceService, 'loadContext' | 'rulesetFor' | 'blackoutsFor'>
  /** Committed changes heard from the database: lets an unchanged feed be answered without a query. */
  changes?: ChangeNotifications | undefined
}) {
  const { db, clock } = deps
  const cache = new Map<string, { etag: string; body: Uint8Array; lastModified: Date }>()
  /** Renders under way, by the same key as `cache`. */
  const rendering = new Map<string, Promise<{ etag: string; body: Uint8Array; lastModified: Date }>>()
  let cachedBytes = 0

  // The cheap path. After the aggregate query has validated a feed (its digest `key` names the
  // cached body), the feed stays valid — the same query would give the same digest — until a change
  // to one of FEED_TABLES is committed (any instance: the database announces it) or time alone could
  // change the feed (a cancelled window's 30 days end, the blackout range moves at midnight UTC), at
  // most an hour. Meanwhile a request reads nothing from the database: the token's feed is cached
  // too (until feeds or api_keys change). While changes could be missed (`changes.live` false, or
  // no notifications at all) every request takes the aggregate query.
  let generation = 0
  const validated = new Map<string, { generation: number; from: number; until: number; baseUrl: string; key: string }>()
  deps.changes?.subscribe((table) => {
    if (table !== ALL_TABLES && !FEED_TABLES.includes(table)) return
    generation++
    validated.clear()
  })
  const feedsByToken = new ChangeAwareCache<string, FeedRecord | undefined>(deps.changes, ['feeds', 'api_keys'], {
    keep: (f) => f !== undefined,
    maxEntries: 10_000,
  })

  /** Until when (epoch ms) a feed validated at `now` with version `v` can only change through a committed write. */
  function validUntil(v: FeedVersion, now: number, rangeMoves: boolean): number {
    let until = now + HOUR_MS
    // A cancelled or rejected window leaves 30 days after its end (an hour early: never late).
    if (v.firstRetiringEnd) until = Math.min(until, v.firstRetiringEnd.getTime() + FEED_RETENTION_DAYS * DAY_MS - HOUR_MS)
    // blackoutRange() moves with the UTC day.
    if (rangeMoves) until = Math.min(until, (Math.floor(now / DAY_MS) + 1) * DAY_MS)
    return until
  }

  function remember(key: string, v: { etag: string; body: Uint8Array; lastModified: Date }) {
    if (v.body.byteLength > CACHE_BYTES / 4) return
    cache.set(key, v)
    cachedBytes += v.body.byteLength
    for (const [k, old] of cache) {
      if (cache.size <= CACHE_ENTRIES && cachedBytes <= CACHE_BYTES) break
      cache.delete(k)
      cachedBytes -= old.body.byteLength
    }
  }

  async function checkFilter(filter: FeedFilter): Promise<void> {
    const range = rangeProblems(filter)
    if (range.length) throw invalid(range)
    const problems = unknownFilterIds(await deps.reference.all(), filter, { listKnown: true })
    if (problems.length) throw unknownIds(problems)
  }

  /**
   * The range blackouts and bank holidays are written over: the filter's [from, to) when it gives
   * one; else from the first day (Europe/London) of the earliest window's month to a year after the
   * later of today and the latest window's end; with no windows, today to a year ahead. At most
   * BLACKOUT_MAX_DAYS long (cut at the far end).
   */
  function blackoutRange(f: FeedFilter, v: FeedVersion, now: Date): [Date, Date] {
    if (f.from && f.to) return [f.from, f.to]
    const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS
    const from = v.minStart ? zoneClock(LONDON_ZONE).monthAt(v.minStart.getTime()).start : today
    const to = DateTime.fromMillis(Math.max(today, v.maxEnd?.getTime() ?? 0), { zone: 'UTC' })
      .plus({ years: 1 })
      .toMillis()
    return [new Date(from), new Date(Math.min(to, from + BLACKOUT_MAX_DAYS * DAY_MS))]
  }

  async function blackoutsFor(feed: FeedRecord, range: [Date, Date], now: Date): Promise<FeedBlackout[]> {
    const f = feed.filter
    if (!f.includeBlackouts && !f.includeBankHolidays) return []
    const ctx = await deps.compliance.loadContext(db)
    const out: FeedBlackout[] = []
    const [from, to] = range
    if (f.includeBlackouts) {
      const layers: BlackoutLayer[] = deps.compliance.blackoutsFor(ctx, deps.compliance.rulesetFor(ctx, now))
      for (const layer of layers) {
        if (layer.category === 'bank-holiday') continue // shown as bank holidays when asked for
        if (
          !listMatch(layer.scope.parties, f.parties) ||
          !listMatch(layer.scope.services, f.services) ||
          !listMatch(layer.scope.regions, f.regions)
        )
          continue
        const cals = f.regions?.length ? calendarsForRegions(f.regions, ctx.regions) : [...NATION_CALENDAR_IDS]
        const sequence = /^\d+$/.test(layer.version ?? '') ? Number(layer.version) - 1 : 0
        // A recurring layer is one event with an RRULE; what the rule cannot hold follows as single events.
        const expandCtx = { calendars: ctx.calendars, holidayCalendars: cals }
        const recurring = layer.recurrence ? blackoutSeries(layer, from, to, expandCtx) : undefined
        if (recurring?.series) {
          const { start, end, ...recurrence } = recurring.series
          out.push({
            id: layer.id,
            name: layer.name,
            category: layer.category,
            start,
            end,
            description: `${layer.legalBasis} (${layer.severity}; owner ${layer.owner})`,
            sequence,
            recurrence,
          })
        }
        // Holiday-based layers give one period per nation calendar: one event per period, naming the calendars.
        const periods = new Map<string, { start: Date; end: Date; label: string | undefined; cals: string[] }>()
        for (const p of recurring?.singles ?? expandLayer(layer, from, to, expandCtx)) {
          const m = p.label ? HOLIDAY_LABEL.exec(p.label) : null
          const label = m ? `${m[1]} ${m[2]}` : p.label
          const key = `${p.start.getTime()}/${p.end.getTime()}/${label ?? ''}`
          const seen = periods.get(key)
          if (seen) seen.cals.push(m![3]!)
          else periods.set(key, { start: p.start, end: p.end, label, cals: m ? [m[3]!] : [] })
        }
        for (const p of periods.values()) {
          out.push({
            id: `${layer.id}-${compactUtc(p.start)}${p.label ? `-${sha256(p.label).toString('hex').slice(0, 8)}` : ''}`,
            name: p.label ? `${layer.name} — ${p.label}` : layer.name,
            category: layer.category,
            start: p.start,
            end: p.end,
            description: `${layer.legalBasis} (${layer.severity}; owner ${layer.owner})${p.cals.length ? `\nCalendars: ${p.cals.join(', ')}` : ''}`,
            sequence,
          })
        }
      }
    }
    if (f.includeBankHolidays) {
      const cals = f.regions?.length ? calendarsForRegions(f.regions, ctx.regions) : [...NATION_CALENDAR_IDS]
      const byDay = new Map<string, { start: Date; end: Date; name: string; cals: string[] }>()
      for (const cal of cals) {
        const layer: BlackoutLayer = {
          id: `bank-holidays-${cal}`,
          name: 'Bank holidays',
          category: 'bank-holiday',
          severity: 'info',
          scope: {},
          owner: 'calendar',
          legalBasis: 'Banking and Financial Dealings Act 1971',
          provenance: 'verified',
          holidays: { daysBefore: 0, daysAfter: 0, includeHoliday: true, zone: LONDON_ZONE },
        }
        for (const p of expandLayer(layer, from, to, { calendars: ctx.calendars, holidayCalendars: [cal] })) {
          const m = HOLIDAY_LABEL.exec(p.label ?? '')
          const key = `${p.start.getTime()}-${p.end.getTime()}-${m?.[1] ?? p.label}`
          const e = byDay.get(key)
          if (e) e.cals.push(cal)
          else byDay.set(key, { start: p.start, end: p.end, name: m?.[1] ?? p.label ?? 'Bank holiday', cals: [cal] })
        }
      }
      for (const h of byDay.values()) {
        out.push({
          id: `bank-holiday-${compactUtc(h.start)}-${sha256(h.name).toString('hex').slice(0, 8)}`,
          name: `Bank holiday: ${h.name}`,
          category: 'bank-holiday',
          start: h.start,
          end: h.end,
          description: `Calendars: ${h.cals.join(', ')}`,
        })
      }
    }
    return out
  }

  async function render(feed: FeedRecord, v: FeedVersion, baseUrl: string, now: Date, lastModified: Date): Promise<Uint8Array> {
    const [windows, findings, reference] = [
      await feedsRepository.windows(db, feed.filter, now),
      await feedsRepository.findings(db, feed.filter, now),
      await deps.reference.all(),
    ]
    const findingsSummary = new Map<string, string>()
    const complianceRatings = new Map<string, ComplianceRating>()
    for (const f of findings) {
      const s = summarise(f.findings)
      complianceRatings.set(f.windowId, s.rating)
      if (s.text) findingsSummary.set(f.windowId, s.text)
    }
    const blackouts = await blackoutsFor(feed, blackoutRange(feed.filter, v, now), now)
    return renderCalendarFeedBytes({
      meta: {
        name: feed.name,
        prodId: PROD_ID,
        refreshInterval: REFRESH,
        // The data's last change, not the request time: the same data gives the same bytes on every instance.
        generatedAt: lastModified,
        baseUrl,
        timeMode: feed.filter.timeMode ?? 'utc',
      },
      windows,
      findingsSummary,
      complianceRatings,
      blackouts,
      reference,
    })
  }

  return {
    /** Creates a feed owned by the calling key; the token is shown once, in `path`. */
    async create(input: { name: string; filter: FeedFilter }, actor: Actor): Promise<CreatedFeed> {
      await checkFilter(input.filter)
      const token = randomBytes(24).toString('base64url')
      const rec = await db.transaction().execute(async (trx) => {
        const stored = await feedsRepository.insert(trx, {
          ownerKeyId: actor.keyId,
          name: input.name,
          filter: input.filter,
          tokenHash: sha256(token),
          createdAt: clock.now(),
        })
        // Never the token: it is a capability.
        await appendAudit(trx, clock, {
          actor,
          action: 'feed.created',
          entityType: 'feed',
          entityId: stored.id,
          payload: { name: input.name, filter: input.filter, ownerKeyId: actor.keyId },
        })
        return stored
      })
      return { ...rec, path: `/feeds/${token}.ics` }
    },

    /** The caller's active feeds; every active feed for an admin. */
    async list(actor: Actor): Promise<FeedRecord[]> {
      return feedsRepository.list(db, actor.role === 'admin' ? undefined : actor.keyId)
    },

    /** Revokes a feed of the caller (an admin: any feed); 404 for feeds of other keys, unknown or already revoked. */
    async revoke(id: string, actor: Actor): Promise<void> {
      const feed = await feedsRepository.findActiveById(db, id)
      if (!feed || (actor.role !== 'admin' && feed.ownerKeyId !== actor.keyId)) throw notFound('Feed', id)
      await db.transaction().execute(async (trx) => {
        await feedsRepository.revoke(trx, id, clock.now())
        await appendAudit(trx, clock, {
          actor,
          action: 'feed.revoked',
          entityType: 'feed',
          entityId: id,
          payload: { ownerKeyId: feed.ownerKeyId },
        })
      })
    },

    /**
     * The feed behind a token (GET or HEAD): 304 when If-None-Match names the current ETag or,
     * without If-None-Match, when nothing changed since If-Modified-Since; else 200 with the body.
     * 404 for an unknown or revoked token (or a revoked owner key).
     */
    async render(
      token: string,
      opts: { baseUrl: string; ifNoneMatch?: string | undefined; ifModifiedSince?: string | undefined },
    ): Promise<FeedAnswer> {
      const feed = await (async () => {
        if (!/^[A-Za-z0-9_-]{32,128}$/.test(token)) return undefined
        const hash = sha256(token)
        return feedsByToken.get(hash.toString('base64url'), () => feedsRepository.findActiveByTokenHash(db, hash))
      })()
      if (!feed)
        throw new AppError(
          'not-found',
          404,
          'Feed not found',
          'There is no feed at this address: the link may be mistyped or the feed revoked.',
        )
      const now = clock.now()
      const t = now.getTime()
      const answer = (hit: { etag: string; body: Uint8Array; lastModified: Date }): FeedAnswer =>
        notModified(opts, hit.etag, hit.lastModified)
          ? { status: 304, etag: hit.etag, lastModified: hit.lastModified }
          : { status: 200, body: hit.body, etag: hit.etag, lastModified: hit.lastModified }

      const live = deps.changes?.live === true
      const valid = live ? validated.get(feed.id) : undefined
      if (valid && valid.generation === generation && valid.baseUrl === opts.baseUrl && t >= valid.from && t < valid.until) {
        const hit = cache.get(valid.key)
        if (hit) {
          cache.delete(valid.key) // LRU: move to the end
          cache.set(valid.key, hit)
          return answer(hit)
        }
      }

      // Read before the query: a change committed after it was read ends this validation.
      const validatedAt = generation
      const v = await feedsRepository.version(db, feed.filter, now)
      const withBlackouts = !!(feed.filter.includeBlackouts || feed.filter.includeBankHolidays)
      // A from/to in the filter fixes the blackout range: it no longer moves with today.
      const rangeMoves = withBlackouts && !(feed.filter.from && feed.filter.to)
      // Blackouts run to a year after today once today is past the last window: the body then moves
      // at each UTC midnight, so Last-Modified does too (If-Modified-Since must not hide the change).
      const today = new Date(Math.floor(t / DAY_MS) * DAY_MS)
      const rangeMoved = rangeMoves && (v.maxEnd === null || today.getTime() >= v.maxEnd.getTime()) ? today : null
      const lastModified = maxDate(v.maxUpdatedAt, v.maxAssessedAt, feed.createdAt, withBlackouts ? v.contextChangedAt : null, rangeMoved)
      lastModified.setUTCMilliseconds(0)
      const key = sha256(
        JSON.stringify([
          RENDER_VERSION,
          feed.id,
          feed.name,
          feed.filter,
          opts.baseUrl,
          v,
          lastModified.getTime(),
          withBlackouts ? blackoutRange(feed.filter, v, now).map((d) => d.getTime()) : null,
        ]),
      ).toString('base64url')
      let hit = cache.get(key)
      if (hit) {
        cache.delete(key) // LRU: move to the end
        cache.set(key, hit)
      } else {
        // One render per body: requests that arrive while it is being rendered wait for it.
        let pending = rendering.get(key)
        if (!pending) {
          pending = render(feed, v, opts.baseUrl, now, lastModified)
            .then((body) => {
              const rendered = { body, etag: `"${sha256(body).toString('base64url').slice(0, 32)}"`, lastModified }
              remember(key, rendered)
              return rendered
            })
            .finally(() => rendering.delete(key))
          rendering.set(key, pending)
        }
        hit = await pending
      }
      if (live && validatedAt === generation)
        validated.set(feed.id, { generation: validatedAt, from: t, until: validUntil(v, t, rangeMoves), baseUrl: opts.baseUrl, key })
      return answer(hit)
    },

    /** Revokes every feed of a key (called when the key is revoked), inside the caller's transaction if given. */
    revokeAllOf: (ownerKeyId: string, trx: DbOrTx = db) => feedsRepository.revokeByOwner(trx, ownerKeyId, clock.now()),
  }
}

export type FeedsService = ReturnType<typeof createFeedsService>
