import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { createPgConfig } from '@electric-sql/pglite/node-postgres'
import { Kysely, PostgresDialect, type Transaction } from 'kysely'
import pg from 'pg'
import { type ChangeNotifications, listenForChanges } from './change-notifications.ts'
import type { Database } from './schema.ts'
import { parseTimestamptz } from './timestamps.ts'

export type Db = Kysely<Database>
/** Either the database or an open transaction: every repository function takes one of these. */
export type DbOrTx = Kysely<Database> | Transaction<Database>

export interface OpenDatabase {
  db: Db
  /** `embedded` (PGlite in a data folder) or `server` (PostgreSQL over the network). */
  kind: 'embedded' | 'server'
  /** Where the data lives, for messages: the folder or the server URL without credentials. */
  location: string
  /** Committed changes to cached tables, as the database announces them. */
  changes: ChangeNotifications
  close(): Promise<void>
}

/** Connections of a database's pool: pg.Pool on both backends (the embedded one has a single connection). */
export interface PoolStats {
  total: number
  idle: number
  waiting: number
}

const pools = new WeakMap<Db, pg.Pool>()

/**
 * The pool behind a database opened by `openDatabase`, for metrics; undefined for any other.
 * @example poolStatsOf(db) // { total: 2, idle: 1, waiting: 0 }
 */
export function poolStatsOf(db: Db): PoolStats | undefined {
  const p = pools.get(db)
  return p && { total: p.totalCount, idle: p.idleCount, waiting: p.waitingCount }
}

export class DatabaseInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The embedded database in ${dataDir} is in use by process ${pid}. It is single-process: stop that ` +
        'process, or talk to it over HTTP (--server URL), or set DATABASE_URL to use a PostgreSQL server.',
    )
    this.name = 'DatabaseInUseError'
  }
}

// bigint / count(*) come back as strings from pg on both backends; timestamps as Date.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v))
// A calendar date stays the string it is ('2021-11-30'), never a Date at some zone's midnight.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v)
// Timestamps in a UTC session are read from their digits (pg's general parser for anything else).
const generalTimestamptz = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as (s: string) => Date
pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (v) => parseTimestamptz(v, generalTimestamptz))

/**
 * Opens the database the configuration names: a PostgreSQL server when `databaseUrl` is set,
 * otherwise embedded PostgreSQL (PGlite) in `dataDir`, guarded by a lock file so that a second
 * process never opens it.
 *
 * @example
 * const { db, close } = await openDatabase({ databaseUrl: undefined, dataDir: './data' })
 * await close()
 */
export async function openDatabase(opts: { databaseUrl: string | undefined; dataDir: string; poolSize?: number }): Promise<OpenDatabase> {
  if (opts.databaseUrl) return openServer(opts.databaseUrl, opts.poolSize ?? 10)
  return openEmbedded(opts.dataDir)
}

function openServer(url: string, max: number): OpenDatabase {
  // connectionTimeoutMillis: a server that does not answer at all becomes a 503, not a hung request.
  const pool = new pg.Pool({ connectionString: url, max, options: '-c TimeZone=UTC', connectionTimeoutMillis: 10_000 })
  // A client losing its server (restart, 57P01) must not crash the process: an idle one is reported
  // on the pool; a checked-out one between queries emits 'error' on itself, and its next query fails
  // (→ 503) and the pool drops it on release. Either way the pool opens a new connection when asked.
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  const changes = listenForChanges(pool, { dedicated: () => new pg.Client({ connectionString: url }) })
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  pools.set(db, pool)
  const safe = new URL(url)
  safe.password = ''
  return {
    db,
    kind: 'server',
    location: safe.toString(),
    changes,
    async close() {
      changes.close()
      await db.destroy()
    },
  }
}

async function openEmbedded(dataDir: string): Promise<OpenDatabase> {
  const dir = resolve(dataDir)
  mkdirSync(dir, { recursive: true })
  const release = takeLock(dir)
  let pgl: PGlite
  try {
    pgl = await PGlite.create(join(dir, 'pg'))
  } catch (err) {
    release()
    throw err
  }
  // PGlite serves one connection: the pool must stay at size 1 (stack notes §4).
  const pool = new pg.Pool(createPgConfig(pgl))
  // One process owns the data: its own connection hears every change, at commit.
  const changes = listenForChanges(pool, {})
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  pools.set(db, pool)
  let closed = false
  return {
    db,
    kind: 'embedded',
    location: dir,
    changes,
    async close() {
      if (closed) return
      closed = true
      changes.close()
      try {
        await db.destroy()
      } finally {
        await pgl.close()
        release()
      }
    },
  }
}

/** A pid lock file beside the data; a stale lock (its process gone) is taken over. */
function takeLock(dir: string): () => void {
  const file = join(dir, 'mwp.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return () => {
        if (existsSync(file) && readFileSync(file, 'utf8') === String(process.pid)) rmSync(file, { force: true })
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const pid = Number(readFileSync(file, 'utf8'))
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) throw new DatabaseInUseError(dir, pid)
      rmSync(file, { force: true })
    }
  }
  throw new Error(`could not take the lock ${file}`)
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export class NoEmbeddedDatabaseError extends Error {
  constructor(readonly dataDir: string) {
    super(`There is no embedded database in ${dataDir} (DATA_DIR).`)
    this.name = 'NoEmbeddedDatabaseError'
  }
}

export class DataDirNotEmptyError extends Error {
  constructor(readonly dataDir: string) {
    super(`${dataDir} already holds an embedded database; restore into a new DATA_DIR (nothing was changed).`)
    this.name = 'DataDirNotEmptyError'
  }
}

/**
 * A gzipped tarball of the embedded database (PGlite `dumpDataDir`), taken under the same lock as
 * openDatabase: a process holding the database (a running service) makes it throw DatabaseInUseError.
 *
 * @example writeFileSync('mwp-backup.tar.gz', await backupEmbedded('./data'))
 */
export async function backupEmbedded(dataDir: string): Promise<Uint8Array> {
  const dir = resolve(dataDir)
  if (!existsSync(join(dir, 'pg', 'PG_VERSION'))) throw new NoEmbeddedDatabaseError(dir)
  const release = takeLock(dir)
  try {
    const pgl = await PGlite.create(join(dir, 'pg'))
    try {
      const tarball = await pgl.dumpDataDir('gzip')
      return new Uint8Array(await tarball.arrayBuffer())
    } finally {
      await pgl.close()
    }
  } finally {
    release()
  }
}

/**
 * Creates the embedded database in `dataDir` from a backupEmbedded tarball; refuses a folder that
 * already holds one (DataDirNotEmptyError).
 *
 * @example await restoreEmbedded(readFileSync('mwp-backup.tar.gz'), './data-restored')
 */
export async function restoreEmbedded(tarball: Uint8Array, dataDir: string): Promise<void> {
  const dir = resolve(dataDir)
  if (existsSync(join(dir, 'pg', 'PG_VERSION'))) throw new DataDirNotEmptyError(dir)
  mkdirSync(dir, { recursive: true })
  const release = takeLock(dir)
  try {
    const pgl = await PGlite.create(join(dir, 'pg'), { loadDataDir: new Blob([tarball]) })
    try {
      await pgl.query('select 1')
    } finally {
      await pgl.close()
    }
  } finally {
    release()
  }
}
