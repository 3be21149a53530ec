import { type ChildProcess, spawn } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { TEMPLATE_DIR } from './databases.ts'

export const ROOT = new URL('../../', import.meta.url).pathname

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/** Environment for a service process with its own database: a copy of the embedded template, or a new database on the server. */
export async function serviceDatabaseEnv(): Promise<{ env: Record<string, string>; dataDir?: string; cleanup(): Promise<void> }> {
  const url = process.env.DATABASE_URL
  if (url) {
    const name = `mwp_p_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
    const admin = new pg.Client({ connectionString: url })
    await admin.connect()
    await admin.query(`CREATE DATABASE ${name} TEMPLATE mwp_test_template`)
    await admin.end()
    const u = new URL(url)
    u.pathname = `/${name}`
    return {
      env: { DATABASE_URL: u.toString() },
      async cleanup() {
        const a = new pg.Client({ connectionString: url })
        await a.connect()
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        await a.end()
      },
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'mwp-proc-'))
  cpSync(TEMPLATE_DIR, dir, { recursive: true })
  rmSync(join(dir, 'mwp.lock'), { force: true })
  return { env: { DATA_DIR: dir }, dataDir: dir, cleanup: async () => rmSync(dir, { recursive: true, force: true }) }
}

export interface RunningService {
  child: ChildProcess
  port: number
  base: string
  output(): string
  exited: Promise<number | null>
}

/**
 * How a child process runs one of our programs: from its TypeScript source through tsx, or, with
 * MWP_TEST_BUILT=1 (CI sets it right after `npm run build`), from the compiled dist/ that `npm start`
 * and the `mwp` bin run, which starts about a second sooner on our 2-core machines.
 *
 * @example nodeArgs('src/cli/main.ts') // ['--import', 'tsx', '/repo/src/cli/main.ts'] or ['/repo/dist/src/cli/main.js']
 */
function nodeArgs(source: string): string[] {
  if (process.env.MWP_TEST_BUILT === '1') return [join(ROOT, 'dist', source.replace(/\.ts$/, '.js'))]
  return ['--import', 'tsx', join(ROOT, source)]
}

/** Starts `src/server.ts` in a child process and waits until /readyz answers 200. */
export async function startService(env: Record<string, string>, timeoutMs = 30_000): Promise<RunningService> {
  const port = await freePort()
  const child = spawn(process.execPath, nodeArgs('src/server.ts'), {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      // Tests drive many requests through one key: no throttling unless a test asks for it.
      RATE_LIMIT_ENABLED: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`service exited early (${child.exitCode}): ${out}`)
    try {
      if ((await fetch(`${base}/readyz`)).ok) return { child, port, base, output: () => out, exited }
    } catch {}
    await new Promise((r) => setTimeout(r, 100))
  }
  child.kill('SIGKILL')
  throw new Error(`service not ready in ${timeoutMs} ms: ${out}`)
}

/** What a finished `mwp` run printed and how it exited. */
export interface CliRun {
  code: number | null
  out: string
  err: string
}

/**
 * Runs the `mwp` command line from its sources, as a child process with a clean environment (PATH
 * and HOME, plus `env`): no DATABASE_URL or DATA_DIR unless the test gives them.
 *
 * @example const r = await runMwp(['check', 'examples/opsg-58-plan.json', '--format', 'json']); r.code // 1
 */
export function runMwp(args: string[], opts: { env?: Record<string, string>; onSpawn?: (c: ChildProcess) => void } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs('src/cli/main.ts'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, out, err }))
    opts.onSpawn?.(child)
  })
}
