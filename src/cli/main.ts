#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { Command, InvalidArgumentError, Option } from 'commander'
import { ConfigError, loadConfig } from '../config.ts'
import { DatabaseInUseError, openDatabase, type OpenDatabase } from '../db/database.ts'
import { migrateToLatest } from '../db/migrator.ts'
import type { Role } from '../domain/lifecycle.ts'
import { systemClock } from '../services/clock.ts'
import { AppError } from '../services/errors.ts'
import { createServices } from '../services/index.ts'

/**
 * The `mwp` command line: a thin shell over the same services the HTTP routes use.
 *
 * @example mwp keys create --role submitter --party DSP --name "DSP planner"
 */
function packageVersion(): string {
  // src/cli/main.ts under tsx, dist/src/cli/main.js when compiled: walk up to the package.json
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const p = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version: string }
      if (p.name === 'maintenance-window-planner') return p.version
    } catch {}
  }
  return 'unknown'
}

function fail(message: string, code = 1): never {
  process.stderr.write(`mwp: ${message}\n`)
  process.exit(code)
}

/** Opens the configured database for a command, refusing clearly when another process holds the embedded one. */
async function withDatabase<T>(work: (d: OpenDatabase) => Promise<T>): Promise<T> {
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) fail(`configuration error: ${err.message}`, 2)
    throw err
  }
  let d: OpenDatabase
  try {
    d = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 })
  } catch (err) {
    if (err instanceof DatabaseInUseError) fail(`${err.message}\n     For keys: mwp keys create --server http://127.0.0.1:8080 --key <admin key> ...`, 3)
    throw err
  }
  try {
    await migrateToLatest(d.db)
    return await work(d)
  } finally {
    await d.close()
  }
}

function services(d: OpenDatabase) {
  return createServices({ db: d.db, clock: systemClock, maxWindowHours: 72, tzdbVersion: process.versions.tz })
}

async function http(server: string, key: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${server.replace(/\/$/, '')}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
  const text = await res.text()
  if (!res.ok) fail(`${method} ${path}: ${res.status} ${text}`)
  return text ? JSON.parse(text) : null
}

const ROLES = ['admin', 'reviewer', 'submitter', 'viewer'] as const
const program = new Command()
program.name('mwp').description('Maintenance Window Planner: plan maintenance windows and check them against the Smart Energy Code.').version(packageVersion())

program
  .command('serve')
  .description('run the HTTP service (same as npm start); configured by environment variables, see the README')
  .action(async () => {
    await import('../server.ts')
  })

const db = program.command('db').description('database maintenance')
db.command('migrate')
  .description('apply pending migrations to the configured database (DATABASE_URL, or the embedded one in DATA_DIR)')
  .action(async () => {
    await withDatabase(async (d) => {
      const applied = await migrateToLatest(d.db)
      process.stdout.write(`${d.kind} database at ${d.location}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}\n`)
    })
  })

const keys = program.command('keys').description('API keys: create, list, revoke')
const serverOptions = (c: Command) =>
  c.addOption(new Option('--server <url>', 'talk to a running service instead of the database')).addOption(new Option('--key <key>', 'admin API key for --server').env('MWP_API_KEY'))

serverOptions(
  keys
    .command('create')
    .description('issue a key; the secret is printed once')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, (v) => {
      if (!(ROLES as readonly string[]).includes(v)) throw new InvalidArgumentError(`must be one of ${ROLES.join(', ')}`)
      return v as Role
    })
    .option('--party <party...>', 'the parties a submitter plans for (repeatable)')
    .option('--name <name>', 'a name to recognise the key by', 'created with mwp keys create'),
).action(async (o: { role: Role; party?: string[]; name: string; server?: string; key?: string }) => {
  const input = { name: o.name, role: o.role, ...(o.party ? { parties: o.party } : {}) }
  const created = o.server
    ? ((await http(o.server, o.key ?? fail('--key is needed with --server'), 'POST', '/v1/keys', input)) as { id: string; key: string })
    : await withDatabase((d) => services(d).keys.create(input, null))
  process.stdout.write(`${created.key}\n`)
  process.stderr.write(`key ${created.id} (${o.role}${o.party ? ` for ${o.party.join(', ')}` : ''}) — the secret above is shown only once\n`)
})

serverOptions(keys.command('list').description('list keys (never their secrets)')).action(async (o: { server?: string; key?: string }) => {
  const items = o.server
    ? ((await http(o.server, o.key ?? fail('--key is needed with --server'), 'GET', '/v1/keys')) as { items: unknown[] }).items
    : await withDatabase((d) => services(d).keys.list())
  process.stdout.write(`${JSON.stringify(items, null, 2)}\n`)
})

serverOptions(keys.command('revoke').description('revoke a key by id').argument('<id>', 'the key id')).action(async (id: string, o: { server?: string; key?: string }) => {
  if (o.server) await http(o.server, o.key ?? fail('--key is needed with --server'), 'DELETE', `/v1/keys/${id}`)
  else await withDatabase((d) => services(d).keys.revoke(id, { keyId: 'cli', role: 'admin', parties: [] }))
  process.stdout.write(`revoked ${id}\n`)
})

program
  .command('demo')
  .description('load the OPSG 58 scenario into a running service and print its findings')
  .option('--server <url>', 'the running service', 'http://127.0.0.1:8080')
  .addOption(new Option('--key <key>', 'an admin API key (printed at the first start)').env('MWP_API_KEY'))
  .action(async (o: { server: string; key?: string }) => {
    const key = o.key ?? loadConfig().adminApiKey
    if (!key) fail('give an admin key: npm run demo -- --key <key>  (or MWP_API_KEY=<key> npm run demo)')
    const { runDemo } = await import('./demo.ts')
    try {
      await runDemo({ server: o.server, key })
    } catch (err) {
      fail((err as Error).message)
    }
  })

try {
  await program.parseAsync(process.argv)
} catch (err) {
  if (err instanceof AppError) fail(`${err.title}: ${err.detail}`)
  throw err
}
