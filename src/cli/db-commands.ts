import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

/**
 * `mwp db backup` and `mwp db restore`, and the refusal every database command gives while a
 * running service holds the embedded database (it is single-process). Exit codes: 0 done, 1 the
 * backup tool failed, 2 bad usage (no database, a file in the way), 3 the database is held.
 *
 * @example mwp db backup --out mwp-2021-10-05.tar.gz && mwp db restore mwp-2021-10-05.tar.gz --data-dir ./data-copy
 */

export const DB_EXIT = { ok: 0, failed: 1, badInput: 2, inUse: 3 } as const

export interface DbCommandOptions {
  env?: Record<string, string | undefined>
  now: () => Date
  out: (text: string) => void
  err: (text: string) => void
}

/** The message for a database held by another process: what it is, and what to do instead. */
export function inUseMessage(err: Error, hint: string): string {
  return `mwp: ${err.message}\n     ${hint}\n`
}

/** The URL the service is most likely listening on, from the same settings the service reads. */
export function serviceUrlGuess(config: { host: string; port: number }): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
  return `http://${host}:${config.port}`
}

const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')

async function config(o: DbCommandOptions) {
  const { ConfigError, loadConfig } = await import('../config.ts')
  try {
    return loadConfig(o.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      o.err(`mwp: configuration error: ${err.message}\n`)
      return undefined
    }
    throw err
  }
}

/** Writes `data` to `file` through a temporary file, never over an existing file. */
function writeNew(file: string, data: Uint8Array): void {
  const tmp = `${file}.partial-${process.pid}`
  writeFileSync(tmp, data, { flag: 'wx' })
  renameSync(tmp, file)
}

/**
 * Embedded database: a gzipped tarball of its data folder (PGlite dumpDataDir), refused while a
 * service holds it. PostgreSQL (DATABASE_URL): pg_dump in its custom format when pg_dump is on the PATH,
 * else how to run it.
 */
export async function runBackup(opts: { file?: string } & DbCommandOptions): Promise<number> {
  const c = await config(opts)
  if (!c) return DB_EXIT.badInput
  if (c.databaseUrl) return pgDump(c.databaseUrl, opts.file ?? `mwp-backup-${stamp(opts.now())}.dump`, opts)
  const out = resolve(opts.file ?? `mwp-backup-${stamp(opts.now())}.tar.gz`)
  if (existsSync(out)) {
    opts.err(`mwp db backup: ${out} exists; name another file with --out (nothing was written)\n`)
    return DB_EXIT.badInput
  }
  const { backupEmbedded, DatabaseInUseError, NoEmbeddedDatabaseError } = await import('../db/database.ts')
  let tarball: Uint8Array
  try {
    tarball = await backupEmbedded(c.dataDir)
  } catch (err) {
    if (err instanceof DatabaseInUseError) {
      opts.err(
        inUseMessage(
          err,
          'A backup needs the files to itself: stop the service and run mwp db backup again. While it runs, ' +
            `mwp export --server ${serviceUrlGuess(c)} --key <key> --format json -o windows.json copies the windows through its API.`,
        ),
      )
      return DB_EXIT.inUse
    }
    if (err instanceof NoEmbeddedDatabaseError) {
      opts.err(`mwp db backup: ${err.message}\n`)
      return DB_EXIT.badInput
    }
    throw err
  }
  writeNew(out, tarball)
  opts.out(`${out}\n`)
  opts.err(
    `wrote ${tarball.length.toLocaleString('en-GB')} bytes: the embedded database in ${resolve(c.dataDir)} (gzipped tar); ` +
      `restore with mwp db restore ${out} --data-dir <new folder>\n`,
  )
  if (existsSync(join(c.dataDir, 'secrets.key')))
    opts.err(
      `note: ${join(resolve(c.dataDir), 'secrets.key')} seals the webhook signing secrets and is not in the backup; keep a copy of it with the backup\n`,
    )
  return DB_EXIT.ok
}

function pgDump(url: string, out: string, opts: DbCommandOptions): number {
  const safe = new URL(url)
  safe.password = ''
  const how = `pg_dump --format=custom --file=${out} "$DATABASE_URL"  (restore with pg_restore --dbname=<url> ${out})`
  const probe = spawnSync('pg_dump', ['--version'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) {
    opts.err(
      `mwp db backup: the database is a PostgreSQL server (${safe}); back it up with PostgreSQL's own tool, which is not on the PATH here:\n  ${how}\n`,
    )
    return DB_EXIT.failed
  }
  if (existsSync(out)) {
    opts.err(`mwp db backup: ${out} exists; name another file with --out (nothing was written)\n`)
    return DB_EXIT.badInput
  }
  const r = spawnSync('pg_dump', ['--format=custom', `--file=${out}`, '--no-owner', url], { encoding: 'utf8' })
  if (r.status !== 0) {
    opts.err(`mwp db backup: pg_dump (${probe.stdout.trim()}) failed on ${safe}:\n${r.stderr}Run it yourself if need be:\n  ${how}\n`)
    return DB_EXIT.failed
  }
  opts.out(`${resolve(out)}\n`)
  opts.err(`wrote ${resolve(out)} with ${probe.stdout.trim()} (custom format); restore with pg_restore\n`)
  return DB_EXIT.ok
}

/** A new embedded database in `--data-dir` (default DATA_DIR) from a `mwp db backup` tarball. */
export async function runRestore(file: string, opts: { dataDir?: string } & DbCommandOptions): Promise<number> {
  const c = await config(opts)
  if (!c) return DB_EXIT.badInput
  const dir = resolve(opts.dataDir ?? c.dataDir)
  let tarball: Uint8Array
  try {
    tarball = readFileSync(file)
  } catch (err) {
    opts.err(`mwp db restore: ${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`)
    return DB_EXIT.badInput
  }
  const { DataDirNotEmptyError, DatabaseInUseError, restoreEmbedded } = await import('../db/database.ts')
  try {
    await restoreEmbedded(tarball, dir)
  } catch (err) {
    if (err instanceof DataDirNotEmptyError) {
      opts.err(`mwp db restore: ${err.message}\n`)
      return DB_EXIT.badInput
    }
    if (err instanceof DatabaseInUseError) {
      opts.err(inUseMessage(err, 'Stop that process, or restore into another folder with --data-dir.'))
      return DB_EXIT.inUse
    }
    opts.err(`mwp db restore: ${file} could not be restored: ${(err as Error).message}\n`)
    return DB_EXIT.failed
  }
  opts.out(`${dir}\n`)
  opts.err(`restored ${file} into ${dir}; start the service with DATA_DIR=${dir}\n`)
  return DB_EXIT.ok
}
