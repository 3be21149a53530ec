import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { openDatabase, type OpenDatabase } from '../../src/db/database.ts'
import { migrateToLatest } from '../../src/db/migrator.ts'

const ROOT = new URL('../../', import.meta.url).pathname
export const TEMPLATE_DIR = join(ROOT, '.cache', 'pglite-template')
const SERVER_TEMPLATE = 'mwp_test_template'

/** A digest of the migrations: a template built from other migrations is rebuilt. */
export function migrationsDigest(): string {
  const dir = join(ROOT, 'migrations')
  const h = createHash('sha256')
  for (const f of readdirSync(dir).sort()) h.update(f).update(readFileSync(join(dir, f)))
  return h.digest('hex').slice(0, 16)
}

/** Builds (once per set of migrations) the migrated database that every test file copies. */
export async function buildTemplate(): Promise<string> {
  const digest = migrationsDigest()
  const url = process.env.DATABASE_URL
  if (url) {
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    try {
      const found = await admin.query(
        `SELECT description FROM pg_shdescription d JOIN pg_database b ON b.oid = d.objoid WHERE b.datname = $1`,
        [SERVER_TEMPLATE],
      )
      if (found.rows[0]?.description === digest) return `server template ${SERVER_TEMPLATE} (current)`
      await admin.query(`DROP DATABASE IF EXISTS ${SERVER_TEMPLATE}`)
      await admin.query(`CREATE DATABASE ${SERVER_TEMPLATE}`)
      const u = new URL(url)
      u.pathname = `/${SERVER_TEMPLATE}`
      const d = await openDatabase({ databaseUrl: u.toString(), dataDir: '' })
      await migrateToLatest(d.db)
      await d.close()
      await admin.query(`COMMENT ON DATABASE ${SERVER_TEMPLATE} IS '${digest}'`)
      return `server template ${SERVER_TEMPLATE} built`
    } finally {
      await admin.end()
    }
  }
  const stamp = join(TEMPLATE_DIR, 'migrations.digest')
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return 'embedded template (current)'
  rmSync(TEMPLATE_DIR, { recursive: true, force: true })
  const d = await openDatabase({ databaseUrl: undefined, dataDir: TEMPLATE_DIR })
  await migrateToLatest(d.db)
  await d.close()
  writeFileSync(stamp, digest)
  return 'embedded template built'
}

/**
 * A private, migrated database for one test file: a copy of the embedded template, or a new
 * database on the PostgreSQL server named by DATABASE_URL. Close it in t.teardown.
 *
 * @example const database = await openTestDatabase(); t.teardown(() => database.close())
 */
export async function openTestDatabase(): Promise<OpenDatabase> {
  const url = process.env.DATABASE_URL
  if (url) {
    const name = `mwp_t_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${SERVER_TEMPLATE}`)
    await admin.end()
    const u = new URL(url)
    u.pathname = `/${name}`
    const d = await openDatabase({ databaseUrl: u.toString(), dataDir: '' })
    return {
      ...d,
      async close() {
        await d.close()
        const a = new pg.Client({ connectionString: url })
        await a.connect()
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        await a.end()
      },
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'mwp-test-'))
  cpSync(TEMPLATE_DIR, dir, { recursive: true })
  rmSync(join(dir, 'mwp.lock'), { force: true })
  const d = await openDatabase({ databaseUrl: undefined, dataDir: dir })
  return {
    ...d,
    async close() {
      await d.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
