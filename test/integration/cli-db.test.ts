import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { openDatabase } from '../../src/db/database.ts'
import { runMwp, serviceDatabaseEnv, startService } from '../helpers/subprocess.ts'

// The commands that need the database, as a planner runs them beside a service: refused clearly while
// a running service holds the embedded database (exit 3, with what to do instead), through the service
// with --server, directly once it has stopped (or always, on PostgreSQL); and mwp db backup / restore.

const mwp = (args: string[], env: Record<string, string>) => runMwp(args, { env })

t.setTimeout(6 * 60_000)
const server = process.env.DATABASE_URL !== undefined
const dir = mkdtempSync(join(tmpdir(), 'mwp-cli-db-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

const adminKey = `mwp-test-admin-${'k'.repeat(24)}`
const dbEnv = await serviceDatabaseEnv()
t.teardown(() => dbEnv.cleanup())
const svc = await startService({ ...dbEnv.env, ADMIN_API_KEY: adminKey }, 120_000)
t.teardown(() => void svc.child.kill('SIGKILL'))
// What the command line is given: the same database settings as the service, and its port (for the hint).
const env = { ...dbEnv.env, PORT: String(svc.port) }

const window = await fetch(`${svc.base}/v1/windows`, {
  method: 'POST',
  headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
  body: JSON.stringify({
    reference: 'BACKUP-1',
    title: 'A window to find in the backup',
    party: 'DSP',
    impact: 'outage',
    services: ['service-requests'],
    riskToService: 'low',
    start: '2022-05-15T00:00:00+01:00',
    end: '2022-05-15T06:00:00+01:00',
  }),
})
t.equal(window.status, 201, 'a window stored through the service')

let created = ''
t.test('keys through the running service with --server: create, list, revoke', async (t) => {
  const c = await mwp(['keys', 'create', '--role', 'viewer', '--name', 'ops dashboard', '--server', svc.base, '--key', adminKey], env)
  t.equal(c.code, 0, c.err)
  t.match(c.out, /^mwp_\S+\n$/, 'the secret, once, on standard output')
  created = /key (\S+) \(viewer\)/.exec(c.err)?.[1] ?? ''
  t.ok(created, c.err)

  const viewer = c.out.trim()
  t.equal((await fetch(`${svc.base}/v1/windows`, { headers: { authorization: `Bearer ${viewer}` } })).status, 200, 'the new key works')

  const l = await mwp(['keys', 'list', '--server', svc.base], { ...env, MWP_API_KEY: adminKey })
  t.equal(l.code, 0, l.err)
  const listed = JSON.parse(l.out) as { id: string; name: string; revokedAt: string | null }[]
  t.match(
    listed.find((k) => k.id === created),
    { name: 'ops dashboard', revokedAt: null },
    'listed (key from MWP_API_KEY)',
  )
  t.notMatch(l.out, viewer, 'never a secret in a list')

  const r = await mwp(['keys', 'revoke', created, '--server', svc.base, '--key', adminKey], env)
  t.equal(r.code, 0, r.err)
  t.equal((await fetch(`${svc.base}/v1/windows`, { headers: { authorization: `Bearer ${viewer}` } })).status, 401, 'revoked')

  const denied = await mwp(['keys', 'list', '--server', svc.base, '--key', viewer], env)
  t.equal(denied.code, 1, 'a refused request is exit 1')
  t.match(denied.err, /GET \/v1\/keys: 401/)
  const noKey = await mwp(['keys', 'list', '--server', svc.base], env)
  t.equal(noKey.code, 1)
  t.match(noKey.err, /--key is needed with --server/)
})

t.test('while the service runs: the embedded database is refused clearly (exit 3); PostgreSQL is used directly', async (t) => {
  const list = await mwp(['keys', 'list'], env)
  if (server) {
    t.equal(list.code, 0, list.err)
    t.ok(
      (JSON.parse(list.out) as { id: string }[]).some((k) => k.id === created),
      'keys read from PostgreSQL beside the service',
    )
    return
  }
  t.equal(list.code, 3, 'exit 3: held by another process')
  t.equal(list.out, '')
  t.match(list.err, new RegExp(`in use by process ${svc.child.pid}`))
  t.match(list.err, `mwp keys list --server ${svc.base} --key <admin key>`, 'offers --server, at the service’s address')

  const create = await mwp(['keys', 'create', '--role', 'admin'], env)
  t.equal(create.code, 3)
  t.match(create.err, `mwp keys create ... --server ${svc.base}`)
  const revoke = await mwp(['keys', 'revoke', created], env)
  t.equal(revoke.code, 3)
  t.match(revoke.err, `mwp keys revoke ${created} --server ${svc.base}`)

  const migrate = await mwp(['db', 'migrate'], env)
  t.equal(migrate.code, 3)
  t.match(migrate.err, /applied the migrations when it started; .*stop the service/)

  const backup = await mwp(['db', 'backup', '--out', join(dir, 'held.tar.gz')], env)
  t.equal(backup.code, 3)
  t.match(backup.err, /stop the service and run mwp db backup again/)
  t.match(backup.err, `mwp export --server ${svc.base}`)
  t.notOk(existsSync(join(dir, 'held.tar.gz')), 'nothing written')
  t.equal((await fetch(`${svc.base}/readyz`)).status, 200, 'the service is untouched')
})

t.test('after the service stops: the commands work directly; backup, restore, and the rows are there', async (t) => {
  svc.child.kill('SIGTERM')
  t.equal(await svc.exited, 0, 'the service stopped cleanly')

  const list = await mwp(['keys', 'list'], env)
  t.equal(list.code, 0, list.err)
  t.match(
    (JSON.parse(list.out) as { id: string; revokedAt: string | null }[]).find((k) => k.id === created),
    { revokedAt: String },
    'the revocation made through the service is there',
  )
  const migrate = await mwp(['db', 'migrate'], env)
  t.equal(migrate.code, 0, migrate.err)
  t.match(migrate.out, /up to date/)

  const file = join(dir, 'mwp-backup.tar.gz')
  const backup = await mwp(['db', 'backup', '--out', file], env)
  if (server) {
    // pg_dump when it is on the PATH (and matches the server), else how to run it: never a silent success.
    if (backup.code === 0) t.ok(statSync(backup.out.trim()).size > 0, 'pg_dump wrote the dump')
    else t.match(backup.err, /pg_dump/)
    if (backup.code === 0) rmSync(backup.out.trim())
    return
  }
  t.equal(backup.code, 0, backup.err)
  t.equal(backup.out.trim(), file, 'the file written, on standard output')
  t.ok(statSync(file).size > 1000)
  t.match(backup.err, /restore with mwp db restore/)

  const again = await mwp(['db', 'backup', '--out', file], env)
  t.equal(again.code, 2, 'an existing file is never overwritten')
  t.match(again.err, /exists/)

  const copy = join(dir, 'restored')
  const restore = await mwp(['db', 'restore', file, '--data-dir', copy], env)
  t.equal(restore.code, 0, restore.err)
  const d = await openDatabase({ databaseUrl: undefined, dataDir: copy })
  try {
    const rows = await d.db.selectFrom('windows').select(['reference', 'party']).execute()
    t.same(rows, [{ reference: 'BACKUP-1', party: 'DSP' }], 'the window stored through the service is in the copy')
    const keys = await d.db.selectFrom('api_keys').select(['id', 'revoked_at']).where('id', '=', created).execute()
    t.equal(keys.length, 1, 'and the keys')
    t.ok(keys[0]?.revoked_at, 'as they were (revoked)')
  } finally {
    await d.close()
  }

  const over = await mwp(['db', 'restore', file, '--data-dir', copy], env)
  t.equal(over.code, 2, 'restoring over a database is refused')
  t.match(over.err, /already holds an embedded database/)
  const missing = await mwp(['db', 'restore', join(dir, 'nope.tar.gz'), '--data-dir', join(dir, 'other')], env)
  t.equal(missing.code, 2)
  t.match(missing.err, /cannot read: ENOENT/)
})
