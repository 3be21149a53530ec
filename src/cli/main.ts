#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { Command, InvalidArgumentError, Option } from 'commander'
import type { OpenDatabase } from '../db/database.ts'
import type { Role } from '../domain/lifecycle.ts'
import type { ExportOptions } from './transfer.ts'

// Everything that opens a database (pg, PGlite, kysely, the services) is imported inside the commands
// that need it: `mwp check` must start fast (10,000 windows in under 2 s, process start included).

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

/** The configuration from the environment; a bad setting ends the command (exit 2) naming it. */
async function configOrFail() {
  const { ConfigError, loadConfig } = await import('../config.ts')
  try {
    return loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) fail(`configuration error: ${err.message}`, 2)
    throw err
  }
}

/**
 * Opens the configured database for a command, refusing clearly (exit 3) when another process, a
 * running service, holds the embedded one; `hint` says what to do instead (the service's URL is
 * guessed from the same settings, e.g. `mwp keys list --server http://127.0.0.1:8080 --key <admin key>`).
 */
async function withDatabase<T>(work: (d: OpenDatabase) => Promise<T>, hint: (serviceUrl: string) => string): Promise<T> {
  const config = await configOrFail()
  const { DatabaseInUseError, openDatabase } = await import('../db/database.ts')
  const { migrateToLatest } = await import('../db/migrator.ts')
  let d: OpenDatabase
  try {
    d = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 })
  } catch (err) {
    if (err instanceof DatabaseInUseError) {
      const { inUseMessage, serviceUrlGuess } = await import('./db-commands.ts')
      process.stderr.write(inUseMessage(err, hint(serviceUrlGuess(config))))
      process.exit(3)
    }
    throw err
  }
  try {
    await migrateToLatest(d.db)
    return await work(d)
  } finally {
    await d.close()
  }
}

async function services(d: OpenDatabase) {
  const { createServices } = await import('../services/index.ts')
  const { systemClock } = await import('../services/clock.ts')
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
// `mwp check … | head`: a closed pipe ends the command quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw err
})

const program = new Command()
program
  .name('mwp')
  .description('Maintenance Window Planner: plan maintenance windows and check them against the Smart Energy Code.')
  .version(packageVersion())

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
    const { migrateToLatest } = await import('../db/migrator.ts')
    await withDatabase(
      async (d) => {
        const applied = await migrateToLatest(d.db)
        process.stdout.write(`${d.kind} database at ${d.location}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}\n`)
      },
      () =>
        'The running service applied the migrations when it started; to migrate this folder yourself, stop the service first (or migrate a PostgreSQL server: DATABASE_URL).',
    )
  })
db.command('backup')
  .description(
    'copy the embedded database to a gzipped tarball (refused while a service holds it: exit 3); on PostgreSQL (DATABASE_URL) run pg_dump, or say how',
  )
  .option('--out <file>', 'where to write (default: mwp-backup-<UTC time>.tar.gz, or .dump for pg_dump); never overwritten')
  .action(async (o: { out?: string }) => {
    const { runBackup } = await import('./db-commands.ts')
    process.exitCode = await runBackup({
      ...(o.out ? { file: o.out } : {}),
      now: () => new Date(),
      out: (t) => process.stdout.write(t),
      err: (t) => process.stderr.write(t),
    })
  })
db.command('restore')
  .description('create an embedded database from a mwp db backup tarball, in a folder that holds none yet')
  .argument('<file>', 'the tarball written by mwp db backup')
  .option('--data-dir <dir>', 'the folder to create it in (default: DATA_DIR, ./data)')
  .action(async (file: string, o: { dataDir?: string }) => {
    const { runRestore } = await import('./db-commands.ts')
    process.exitCode = await runRestore(file, {
      ...(o.dataDir ? { dataDir: o.dataDir } : {}),
      now: () => new Date(),
      out: (t) => process.stdout.write(t),
      err: (t) => process.stderr.write(t),
    })
  })

const keys = program.command('keys').description('API keys: create, list, revoke')
const serverOptions = (c: Command) =>
  c
    .addOption(new Option('--server <url>', 'talk to a running service instead of the database'))
    .addOption(new Option('--key <key>', 'admin API key for --server').env('MWP_API_KEY'))

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
    : await withDatabase(
        async (d) => (await services(d)).keys.create(input, null),
        (url) => `Ask the running service instead: mwp keys create ... --server ${url} --key <admin key>`,
      )
  process.stdout.write(`${created.key}\n`)
  process.stderr.write(
    `key ${created.id} (${o.role}${o.party ? ` for ${o.party.join(', ')}` : ''}) — the secret above is shown only once\n`,
  )
})

serverOptions(keys.command('list').description('list keys (never their secrets)')).action(async (o: { server?: string; key?: string }) => {
  const items = o.server
    ? ((await http(o.server, o.key ?? fail('--key is needed with --server'), 'GET', '/v1/keys')) as { items: unknown[] }).items
    : await withDatabase(
        async (d) => (await services(d)).keys.list(),
        (url) => `Ask the running service instead: mwp keys list --server ${url} --key <admin key>`,
      )
  process.stdout.write(`${JSON.stringify(items, null, 2)}\n`)
})

serverOptions(keys.command('revoke').description('revoke a key by id').argument('<id>', 'the key id')).action(
  async (id: string, o: { server?: string; key?: string }) => {
    if (o.server) await http(o.server, o.key ?? fail('--key is needed with --server'), 'DELETE', `/v1/keys/${id}`)
    else
      await withDatabase(
        async (d) => (await services(d)).keys.revoke(id, { keyId: 'cli', role: 'admin', parties: [] }),
        (url) => `Ask the running service instead: mwp keys revoke ${id} --server ${url} --key <admin key>`,
      )
    process.stdout.write(`revoked ${id}\n`)
  },
)

program
  .command('demo')
  .description('load the OPSG 58 scenario into a running service and print its findings')
  .option(
    '--server <url>',
    'the running service (default: where npm start listens with the same environment: PUBLIC_BASE_URL, else http://HOST:PORT, i.e. http://127.0.0.1:8080)',
  )
  .addOption(new Option('--key <key>', 'an admin API key (printed at the first start)').env('MWP_API_KEY'))
  .action(async (o: { server?: string; key?: string }) => {
    const config = await configOrFail()
    const key = o.key ?? config.adminApiKey
    if (!key) fail('give an admin key: npm run demo -- --key <key>  (or MWP_API_KEY=<key> npm run demo)')
    // The address npm start would serve with this environment (config.ts derives the same link base).
    const server = o.server ?? config.publicBaseUrl
    const { serviceUrlGuess } = await import('./db-commands.ts')
    const serverFrom = o.server ? '--server' : server === serviceUrlGuess(config) ? 'HOST and PORT' : 'PUBLIC_BASE_URL'
    const { runDemo } = await import('./demo.ts')
    try {
      await runDemo({ server, serverFrom, key })
    } catch (err) {
      fail((err as Error).message)
    }
  })

program
  .command('check')
  .description(
    'check a plan offline (no server, no database) with the same engine as the service; exit 2 on a bad row, 1 on an unwaived finding at or above --fail-on, else 0. A breach whose limit is assumed (unconfirmed, e.g. the monthly cap) counts as an objection unless --strict',
  )
  .argument('<plan>', 'plan file: .json ({"windows": [...]}, the body of POST /v1/assessments), .csv (one window a row) or .ics')
  .option(
    '--ruleset <file|name>',
    'a ruleset JSON file, or a built-in ruleset: default, or id@version (default: the version in force at each window start)',
  )
  .option(
    '--notified-at <instant>',
    'judge windows without their own notifiedAt as notified at this RFC 3339 instant (also the "now" of the check)',
  )
  .addOption(
    new Option('--fail-on <severity>', 'lowest severity that fails the check')
      .choices(['breach', 'objection', 'warning'])
      .default('breach'),
  )
  .addOption(
    new Option('--format <format>', 'output: a table for people, json or csv for machines')
      .choices(['table', 'json', 'csv'])
      .default('table'),
  )
  .option('--strict', 'count breaches on an assumed limit (unconfirmed) as breaches for --fail-on')
  .option('--color', 'colour the table even when not writing to a terminal')
  .option('--no-color', 'never colour the table')
  .action(
    async (
      file: string,
      o: {
        ruleset?: string
        notifiedAt?: string
        failOn: 'breach' | 'objection' | 'warning'
        format: 'table' | 'json' | 'csv'
        strict?: boolean
        color?: boolean
      },
    ) => {
      const { runCheck } = await import('./check.ts')
      const code = await runCheck(file, {
        ...(o.ruleset !== undefined ? { ruleset: o.ruleset } : {}),
        ...(o.notifiedAt !== undefined ? { notifiedAt: o.notifiedAt } : {}),
        failOn: o.failOn,
        strict: o.strict === true,
        format: o.format,
        color: o.color ?? process.stdout.isTTY === true,
        pretty: process.stdout.isTTY === true,
        tzdbVersion: process.versions.tz ?? 'unknown',
        now: () => new Date(),
        out: (t) => process.stdout.write(t),
        err: (t) => process.stderr.write(t),
      })
      process.exitCode = code
    },
  )

const audit = program.command('audit').description('the tamper-evident audit log')
audit
  .command('verify')
  .description(
    'walk the audit chain in seq order and recompute every hash; exit 0 when intact, 1 when tampered (the first broken entry is named), 2 on bad usage',
  )
  .option(
    '--expect-head <head>',
    'a head taken earlier (HASH or SEQ:HASH, e.g. from a report provenance): catches a deleted or rewritten tail',
  )
  .option('--database-url <url>', 'a PostgreSQL server (default: DATABASE_URL, else the embedded database)')
  .option('--data-dir <dir>', 'the embedded database folder (default: DATA_DIR or ./data)')
  .option('--json', 'print the verification result as JSON')
  .action(async (o: { expectHead?: string; databaseUrl?: string; dataDir?: string; json?: boolean }) => {
    const { runAuditVerify } = await import('./audit.ts')
    process.exitCode = await runAuditVerify({
      ...o,
      out: (t) => process.stdout.write(t),
      err: (t) => process.stderr.write(t),
    })
  })

program
  .command('slots')
  .description(
    'find compliant slots for a window offline (no server, no database: built-in rules, a plan file as the windows already planned), or ask a running service (--server); exit 0 when --count were found, 1 when fewer (the answer says why), 2 on bad input, 3 when the service could not be asked',
  )
  .requiredOption('--duration <iso>', 'ISO 8601 duration of real time, e.g. PT6H')
  .requiredOption('--from <instant>', 'RFC 3339 instant: slots start at or after it')
  .requiredOption('--to <instant>', 'RFC 3339 instant: slots end by it (at most two years after --from)')
  .option('--party <party>', 'the party doing the work', 'DSP')
  .option(
    '--services <list>',
    "comma-separated services affected (default: those the party's planned windows list, else its reference default)",
  )
  .option('--regions <list>', "comma-separated regions affected (default: the party's regions)")
  .option('--count <n>', 'how many alternative slots, 1 to 100', '5')
  .option('--notified-at <instant>', 'when the slot would be notified (default: now)')
  .addOption(
    new Option('--tolerate <severity>', 'the most severe finding tolerated (warning: no breach and no objection)')
      .choices(['none', 'info', 'warning', 'objection'])
      .default('warning'),
  )
  .option('--plan <file>', 'windows already planned (.json, .csv or .ics, as mwp check reads them): cap, overlap and spacing count them')
  .option(
    '--ruleset <file|name>',
    'a ruleset JSON file, or a built-in ruleset: default, or id@version (default: the version in force at --from)',
  )
  .addOption(new Option('--format <format>', 'output').choices(['table', 'json']).default('table'))
  .option('--server <url>', 'ask a running service (GET /v1/slots) instead of searching offline')
  .addOption(new Option('--key <key>', 'an API key for --server (any role)').env('MWP_API_KEY'))
  .action(async (o: Record<string, string | undefined>) => {
    const { runSlots } = await import('./slots.ts')
    process.exitCode = await runSlots({
      ...(o as unknown as Parameters<typeof runSlots>[0]),
      pretty: process.stdout.isTTY === true,
      tzdbVersion: process.versions.tz ?? 'unknown',
      now: () => new Date(),
      out: (t) => process.stdout.write(t),
      err: (t) => process.stderr.write(t),
    })
  })

const positiveInt = (v: string) => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new InvalidArgumentError('a whole number from 1 to 16')
  return n
}

program
  .command('import')
  .description(
    'submit every window of a plan file (JSON, CSV or ICS) to a running service; idempotent and resumable, failing rows go to <file>.failed.json',
  )
  .argument('<file>', 'plan file: .json, .csv or .ics (the formats of mwp check)')
  .option('--server <url>', 'the running service, e.g. http://127.0.0.1:8080')
  .addOption(new Option('--key <key>', 'an API key of a submitter for the parties, or an admin').env('MWP_API_KEY'))
  .option('--concurrency <n>', 'requests in flight at once', positiveInt, 4)
  .option('--party <party>', 'party of ICS events that do not name one (X-MWP-PARTY)')
  .option('--impact <impact>', 'impact of ICS events that do not name one (X-MWP-IMPACT)')
  .option('--dry-run', 'print the requests (row, Idempotency-Key, body) as JSON lines and send nothing')
  .action(
    async (file: string, o: { server?: string; key?: string; concurrency: number; party?: string; impact?: string; dryRun?: boolean }) => {
      const { runImport } = await import('./transfer.ts')
      process.exitCode = await runImport(file, {
        ...(o.server ? { server: o.server } : {}),
        ...(o.key ? { key: o.key } : {}),
        ...(o.party ? { party: o.party } : {}),
        ...(o.impact ? { impact: o.impact } : {}),
        concurrency: o.concurrency,
        dryRun: o.dryRun === true,
        out: (t) => process.stdout.write(t),
        err: (t) => process.stderr.write(t),
        progress: process.stderr,
      })
    },
  )

program
  .command('export')
  .description('write the windows of a running service overlapping [--from, --to) as a plan file that mwp import and mwp check read back')
  .requiredOption('--server <url>', 'the running service, e.g. http://127.0.0.1:8080')
  .addOption(new Option('--key <key>', 'an API key (any role)').env('MWP_API_KEY').makeOptionMandatory())
  .option('--from <instant>', 'RFC 3339 instant: windows ending after it')
  .option('--to <instant>', 'RFC 3339 instant: windows starting before it')
  .option('--party <parties>', 'comma-separated parties')
  .option('--status <statuses>', 'comma-separated statuses')
  .addOption(new Option('--format <format>', 'file format').choices(['csv', 'json', 'ics']).default('csv'))
  .option('-o, --out <file>', 'write to a file instead of standard output')
  .action(async (o: Pick<ExportOptions, 'server' | 'key' | 'from' | 'to' | 'party' | 'status' | 'format'> & { out?: string }) => {
    const { runExport } = await import('./transfer.ts')
    const { writeFileSync } = await import('node:fs')
    let text = ''
    process.exitCode = await runExport({
      server: o.server,
      key: o.key,
      ...(o.from ? { from: o.from } : {}),
      ...(o.to ? { to: o.to } : {}),
      ...(o.party ? { party: o.party } : {}),
      ...(o.status ? { status: o.status } : {}),
      format: o.format,
      out: (t) => {
        if (o.out) text += t
        else process.stdout.write(t)
      },
      err: (t) => process.stderr.write(t),
      now: () => new Date(),
    })
    if (o.out && process.exitCode === 0) writeFileSync(o.out, text)
  })

try {
  await program.parseAsync(process.argv)
} catch (err) {
  const e = err as { title?: unknown; detail?: unknown; status?: unknown }
  // An AppError from a service (checked by shape: importing its class would load the services eagerly)
  if (typeof e.title === 'string' && typeof e.detail === 'string' && typeof e.status === 'number') fail(`${e.title}: ${e.detail}`)
  throw err
}
