import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

/** A PostgreSQL 15 of our own in a scratch folder, on a port of its own (never 5432). */
export interface ThrowawayPostgres {
  port: number
  /** URL of the database made for the run. */
  url: string
  dir: string
  /** `pg_ctl stop`, waiting until it is down (fast: open sessions are terminated, as in a restart). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>
  /** `pg_ctl start`, waiting until it accepts connections. */
  start(): Promise<void>
  /** The postmaster's pid while it runs. */
  pid(): number | undefined
  /** Stops the server if it runs and removes the scratch folder; safe to call more than once, synchronous (usable in an exit handler). */
  destroy(): void
}

function binDir(): string {
  const fromEnv = process.env.PG_BIN
  if (fromEnv) return fromEnv
  let listing: string
  try {
    listing = execFileSync('dpkg', ['-L', 'postgresql-15'], { encoding: 'utf8' })
  } catch {
    if (process.getuid?.() !== 0) throw new Error('postgresql-15 is not installed (or set PG_BIN to the folder holding initdb and pg_ctl)')
    execFileSync('bash', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null'], {
      stdio: 'inherit',
    })
    listing = execFileSync('dpkg', ['-L', 'postgresql-15'], { encoding: 'utf8' })
  }
  const initdb = listing.split('\n').find((l) => l.endsWith('bin/initdb'))
  if (!initdb) throw new Error('initdb not found in the postgresql-15 package')
  return initdb.slice(0, -'/initdb'.length)
}

/** A server binary as `postgres` when we are root (initdb refuses root), else as ourselves. */
function command(bin: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args]
}

function asPostgresSync(bin: string, args: string[]): void {
  const [cmd, argv] = command(bin, args)
  const r = spawnSync(cmd, argv, { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`)
}

/** The same without blocking the event loop (the load keeps running while pg_ctl waits). */
function asPostgres(bin: string, args: string[]): Promise<void> {
  const [cmd, argv] = command(bin, args)
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${bin} ${args.join(' ')} failed (${code}): ${err}`))))
  })
}

function answers(port: number): boolean {
  return spawnSync('pg_isready', ['-h', '127.0.0.1', '-p', String(port), '-q']).status === 0
}

/**
 * initdb + pg_ctl start in a scratch folder (stack notes §8), then a fresh database. Refuses a port
 * where something already answers, so it never touches a server it did not start.
 *
 * @example const pgs = await startThrowawayPostgres(55433); try { … pgs.stop(); pgs.start() } finally { pgs.destroy() }
 */
export async function startThrowawayPostgres(port: number, database = 'mwp_fault'): Promise<ThrowawayPostgres> {
  if (port === 5432) throw new Error('the throwaway PostgreSQL never uses 5432')
  if (answers(port)) throw new Error(`something already answers on 127.0.0.1:${port}; choose another port (FAULT_PGPORT)`)
  const bin = binDir()
  const dir = mkdtempSync(join(tmpdir(), 'mwp-fault-pg-'))
  const data = join(dir, 'data')
  if (process.getuid?.() === 0) {
    const ids = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()
    const gid = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()
    chownSync(dir, Number(ids), Number(gid))
  }
  let running = false
  const pgs: ThrowawayPostgres = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/${database}`,
    dir,
    async stop(mode = 'fast') {
      await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', '-t', '30', 'stop'])
      running = false
    },
    async start() {
      running = true
      await asPostgres(join(bin, 'pg_ctl'), [
        '-D',
        data,
        '-l',
        join(dir, 'log'),
        '-w',
        '-t',
        '30',
        '-o',
        `-h 127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c timezone=UTC -c max_connections=100`,
        'start',
      ])
    },
    pid() {
      const f = join(data, 'postmaster.pid')
      return existsSync(f) ? Number(readFileSync(f, 'utf8').split('\n')[0]) : undefined
    },
    destroy() {
      if (running || existsSync(join(data, 'postmaster.pid'))) {
        try {
          asPostgresSync(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop'])
        } catch {
          const pid = pgs.pid()
          if (pid) {
            try {
              process.kill(pid, 'SIGQUIT')
            } catch {}
          }
        }
      }
      running = false
      rmSync(dir, { recursive: true, force: true })
    },
  }
  try {
    asPostgresSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8'])
    await pgs.start()
    const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` })
    await admin.connect()
    await admin.query(`CREATE DATABASE ${database}`)
    await admin.end()
  } catch (err) {
    pgs.destroy()
    throw err
  }
  return pgs
}
