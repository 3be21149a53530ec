import { type SelectQueryBuilder, type Selectable, sql } from 'kysely'
import type { WindowStatus } from '../../domain/window.ts'
import type { MaintenanceWindow } from '../../domain/window.ts'
import type { DbOrTx } from '../database.ts'
import type { Database, FeedsTable } from '../schema.ts'
import { toWindow } from './windows-repository.ts'

/** What a feed shows: every list empty or absent means "all". */
export interface FeedFilter {
  parties?: string[]
  services?: string[]
  regions?: string[]
  statuses?: Exclude<WindowStatus, 'draft'>[]
  includeBlackouts?: boolean
  includeBankHolidays?: boolean
  timeMode?: 'utc' | 'europe-london'
  /**
   * With `to` (both or neither): the feed holds only windows overlapping [from, to), and its
   * blackouts and bank holidays cover [from, to) instead of a span derived from the windows and today.
   * Stored in the JSON column as ISO strings, read back as Dates.
   */
  from?: Date
  to?: Date
}

export interface FeedRecord {
  id: string
  ownerKeyId: string
  name: string
  filter: FeedFilter
  createdAt: Date
  revokedAt: Date | null
}

/** Cheap fingerprint of what a feed would show: changes whenever a shown window or its assessment changes. */
export interface FeedVersion {
  count: number
  /** Latest updated_at of a shown window; null when none. */
  maxUpdatedAt: Date | null
  /** Sum of the shown windows' versions (moves on every edit, even under a standing clock). */
  versionSum: number
  minStart: Date | null
  maxEnd: Date | null
  assessments: number
  maxAssessedAt: Date | null
  /** Fingerprint of the small tables a feed's text also depends on: reference names, blackout layers, calendar overrides, rulesets. */
  context: string
  /** Latest change to blackout layers or calendar overrides; null when none. */
  contextChangedAt: Date | null
  /** Earliest end of a shown cancelled or rejected window (it leaves the feed 30 days later); null when none. */
  firstRetiringEnd: Date | null
}

/** Per-window latest stored assessment, reduced to what a feed shows. */
export interface FeedFindings {
  windowId: string
  /** certainty and provenance are null for findings stored before certainty existed. */
  findings: { code: string; severity: string; certainty: 'confirmed' | 'unconfirmed' | null; provenance: string | null; waived: boolean }[]
}

type Row = Selectable<FeedsTable>
type StoredFilter = Omit<FeedFilter, 'from' | 'to'> & { from?: string; to?: string }
/** The JSON column holds instants as ISO strings (JSON.stringify of a Date); the record has Dates. */
function toFilter(stored: StoredFilter): FeedFilter {
  const { from, to, ...rest } = stored
  return { ...rest, ...(from !== undefined ? { from: new Date(from) } : {}), ...(to !== undefined ? { to: new Date(to) } : {}) }
}
const toRecord = (r: Row): FeedRecord => ({
  id: r.id,
  ownerKeyId: r.owner_key_id,
  name: r.name,
  filter: toFilter((r.filter ?? {}) as StoredFilter),
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
})

/** How long a cancelled or rejected window stays in a feed after its end. */
export const FEED_RETENTION_DAYS = 30
const RETENTION = sql`interval '30 days'`

/**
 * The feed's window predicate: filter lists, never drafts, cancelled/rejected only until 30 days
 * after their end, and (with the filter's from/to) only windows overlapping [from, to).
 */
function shown<O>(q: SelectQueryBuilder<Database, 'windows', O>, f: FeedFilter, now: Date): SelectQueryBuilder<Database, 'windows', O> {
  let out = q.where('windows.status', '<>', 'draft')
  out = out.where((eb) =>
    eb.or([
      eb('windows.status', 'not in', ['cancelled', 'rejected']),
      eb('windows.end_at', '>=', sql<Date>`${now}::timestamptz - ${RETENTION}`),
    ]),
  )
  if (f.parties?.length) out = out.where('windows.party', 'in', f.parties)
  if (f.statuses?.length) out = out.where('windows.status', 'in', f.statuses)
  if (f.services?.length) out = out.where(sql<boolean>`windows.services && ${sql.val(f.services)}::text[]`)
  if (f.regions?.length) out = out.where(sql<boolean>`windows.regions && ${sql.val(f.regions)}::text[]`)
  if (f.from) out = out.where('windows.end_at', '>', f.from)
  if (f.to) out = out.where('windows.start_at', '<', f.to)
  return out
}

/** All SQL about calendar feeds. Tokens are never stored, only their SHA-256. */
export const feedsRepository = {
  async insert(
    db: DbOrTx,
    f: { ownerKeyId: string; name: string; filter: FeedFilter; tokenHash: Buffer; createdAt: Date },
  ): Promise<FeedRecord> {
    const row = await db
      .insertInto('feeds')
      .values({
        owner_key_id: f.ownerKeyId,
        name: f.name,
        filter: JSON.stringify(f.filter),
        token_hash: f.tokenHash,
        created_at: f.createdAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    return toRecord(row)
  },

  /** Active feeds of one key, or of every key when `ownerKeyId` is undefined (admin). */
  async list(db: DbOrTx, ownerKeyId: string | undefined): Promise<FeedRecord[]> {
    let q = db.selectFrom('feeds').selectAll().where('revoked_at', 'is', null)
    if (ownerKeyId !== undefined) q = q.where('owner_key_id', '=', ownerKeyId)
    return (await q.orderBy('created_at').orderBy('id').execute()).map(toRecord)
  },

  async findActiveById(db: DbOrTx, id: string): Promise<FeedRecord | undefined> {
    const row = await db.selectFrom('feeds').selectAll().where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst()
    return row && toRecord(row)
  },

  /** The active feed holding this token hash, if any. The owner key must still be active too. */
  async findActiveByTokenHash(db: DbOrTx, tokenHash: Buffer): Promise<FeedRecord | undefined> {
    const row = await db
      .selectFrom('feeds')
      .innerJoin('api_keys', 'api_keys.id', 'feeds.owner_key_id')
      .selectAll('feeds')
      .where('feeds.token_hash', '=', tokenHash)
      .where('feeds.revoked_at', 'is', null)
      .where('api_keys.revoked_at', 'is', null)
      .executeTakeFirst()
    return row && toRecord(row)
  },

  async revoke(db: DbOrTx, id: string, at: Date): Promise<boolean> {
    const r = await db.updateTable('feeds').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst()
    return r.numUpdatedRows > 0n
  },

  /** Revokes every active feed of a key; returns how many. */
  async revokeByOwner(db: DbOrTx, ownerKeyId: string, at: Date): Promise<number> {
    const r = await db
      .updateTable('feeds')
      .set({ revoked_at: at })
      .where('owner_key_id', '=', ownerKeyId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    return Number(r.numUpdatedRows)
  },

  /** The windows a feed shows at `now`, by start then id. */
  async windows(db: DbOrTx, f: FeedFilter, now: Date): Promise<MaintenanceWindow[]> {
    const rows = await shown(db.selectFrom('windows').selectAll(), f, now).orderBy('start_at').orderBy('id').execute()
    return rows.map(toWindow)
  },

  /** One cheap aggregate over the shown windows and their assessments, for ETag and Last-Modified. */
  async version(db: DbOrTx, f: FeedFilter, now: Date): Promise<FeedVersion> {
    const w = shown(
      db
        .selectFrom('windows')
        .select(['windows.id', 'windows.version', 'windows.updated_at', 'windows.start_at', 'windows.end_at', 'windows.status']),
      f,
      now,
    )
    const r = await db
      .with('w', () => w)
      .with('a', (q) =>
        q
          .selectFrom('assessments')
          .select([sql<number>`count(*)::int`.as('an'), sql<Date | null>`max(recorded_at)`.as('amax')])
          .where('window_id', 'in', (eb) => eb.selectFrom('w').select('w.id')),
      )
      .selectFrom('w')
      .select([
        sql<number>`count(*)::int`.as('n'),
        sql<Date | null>`max(w.updated_at)`.as('max_updated'),
        sql<number>`coalesce(sum(w.version), 0)::bigint`.as('version_sum'),
        sql<Date | null>`min(w.start_at)`.as('min_start'),
        sql<Date | null>`max(w.end_at)`.as('max_end'),
        sql<Date | null>`min(w.end_at) filter (where w.status in ('cancelled', 'rejected'))`.as('first_retiring_end'),
        sql<number>`(select an from a)`.as('an'),
        sql<Date | null>`(select amax from a)`.as('amax'),
        sql<string>`concat_ws('/',
          (select count(*) from parties), (select count(*) from services), (select count(*) from regions),
          (select count(*) || ':' || coalesce(sum(version), 0) || ':' || coalesce(max(recorded_at)::text, '') from blackout_layers),
          (select count(*) || ':' || coalesce(max(recorded_at)::text, '') from calendar_overrides),
          (select count(*) || ':' || coalesce(max(recorded_at)::text, '') from rulesets))`.as('ctx'),
        sql<Date | null>`greatest((select max(recorded_at) from blackout_layers), (select max(recorded_at) from calendar_overrides))`.as(
          'ctx_at',
        ),
      ])
      .executeTakeFirstOrThrow()
    return {
      count: Number(r.n),
      maxUpdatedAt: r.max_updated,
      versionSum: Number(r.version_sum),
      minStart: r.min_start,
      maxEnd: r.max_end,
      assessments: Number(r.an),
      maxAssessedAt: r.amax,
      context: r.ctx,
      contextChangedAt: r.ctx_at,
      firstRetiringEnd: r.first_retiring_end,
    }
  },

  /** Code, severity and waiver flag of every finding in the latest stored assessment of each shown window. */
  async findings(db: DbOrTx, f: FeedFilter, now: Date): Promise<FeedFindings[]> {
    const ids = shown(db.selectFrom('windows').select('windows.id'), f, now)
    const rows = await db
      .selectFrom('assessments')
      .distinctOn('assessments.window_id')
      .select([
        'assessments.window_id',
        sql<
          FeedFindings['findings'] | null
        >`(select jsonb_agg(jsonb_build_object('code', x->>'code', 'severity', x->>'severity', 'certainty', x->>'certainty', 'provenance', x->'rule'->>'provenance', 'waived', x ? 'waiver')) from jsonb_array_elements(coalesce(assessments.result->'findings', '[]'::jsonb)) x)`.as(
          'findings',
        ),
      ])
      .where('assessments.window_id', 'in', ids)
      .orderBy('assessments.window_id')
      .orderBy('assessments.recorded_at', 'desc')
      .orderBy('assessments.id')
      .execute()
    return rows.map((r) => ({ windowId: r.window_id, findings: r.findings ?? [] }))
  },
}
