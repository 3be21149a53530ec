/**
 * Keys, rules and reference data are cached in the process and dropped when the database announces
 * a committed change (migration 0006: NOTIFY from triggers). These tests change the database behind
 * the service's back (plain SQL, another connection) and check that the very next request sees it.
 */
import { sql } from 'kysely'
import t from 'tap'
import { ALL_TABLES, type ChangeNotifications } from '../../src/db/change-notifications.ts'
import { openDatabase } from '../../src/db/database.ts'
import { ChangeAwareCache } from '../../src/services/change-aware-cache.ts'
import { createServices } from '../../src/services/index.ts'
import { fixedClock } from '../helpers/clock.ts'
import { aWindow, buildTestApp } from '../helpers/test-app.ts'

const ctx = await buildTestApp(t)
const { app, db } = ctx

t.test('a key revoked by SQL is refused on the next request, after it was cached', async (t) => {
  const key = await ctx.keyFor('viewer')
  t.equal((await app.inject({ url: '/v1/windows', headers: key })).statusCode, 200)
  t.equal((await app.inject({ url: '/v1/windows', headers: key })).statusCode, 200, 'served from the cache')
  await sql`UPDATE api_keys SET revoked_at = now() WHERE id = ${key.keyId}`.execute(db)
  const res = await app.inject({ url: '/v1/windows', headers: key })
  t.equal(res.statusCode, 401)
})

t.test('a key revoked through the API is refused at once', async (t) => {
  const key = await ctx.keyFor('viewer')
  t.equal((await app.inject({ url: '/v1/windows', headers: key })).statusCode, 200)
  const del = await app.inject({ method: 'DELETE', url: `/v1/keys/${key.keyId}`, headers: ctx.admin })
  t.ok(del.statusCode < 300, del.body)
  t.equal((await app.inject({ url: '/v1/windows', headers: key })).statusCode, 401)
})

t.test('a party added by SQL is known to the next request', async (t) => {
  const body = aWindow({ reference: 'NEW-1', party: 'NEWCO', regions: ['S'] })
  const before = await app.inject({ method: 'POST', url: '/v1/windows', headers: ctx.admin, payload: body })
  t.equal(before.statusCode, 400, 'unknown party at first')
  t.match(before.json().detail, /unknown party "NEWCO"/)
  await sql`INSERT INTO parties (id, name, regions) VALUES ('NEWCO', 'New Co', ARRAY['S'])`.execute(db)
  t.teardown(async () => {
    await ctx.reset()
    await sql`DELETE FROM parties WHERE id = 'NEWCO'`.execute(db)
  })
  const after = await app.inject({ method: 'POST', url: '/v1/windows', headers: ctx.admin, payload: body })
  t.equal(after.statusCode, 201, 'created once the party exists')
})

t.test('a calendar override written by SQL changes the next dry run', async (t) => {
  // 15 May 2022 is a Sunday: a bank holiday made up for the test turns the window into a BANK_HOLIDAY finding.
  const body = { windows: [aWindow({ reference: 'BH-1' })] }
  const codes = async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/assessments', headers: ctx.admin, payload: body })
    t.equal(res.statusCode, 200, 'dry run answered')
    return (res.json().windows[0].findings as { code: string }[]).map((f) => f.code)
  }
  const first = await codes()
  t.same(await codes(), first, 'the same answer from the cached context')
  for (const calendar of ['england-and-wales', 'scotland', 'northern-ireland'])
    await sql`INSERT INTO calendar_overrides (calendar, date, action, name, reason)
              VALUES (${calendar}, '2022-05-15', 'add', 'Test holiday', 'made up')`.execute(db)
  t.teardown(async () => void (await sql`DELETE FROM calendar_overrides WHERE date = '2022-05-15'`.execute(db)))
  const second = await codes()
  t.not(JSON.stringify(second), JSON.stringify(first), 'the override is seen without a restart')
})

t.test('a window read by id is served from memory until a window changes, by SQL or through the API', async (t) => {
  t.teardown(() => ctx.reset())
  const created = await app.inject({ method: 'POST', url: '/v1/windows', headers: ctx.admin, payload: aWindow({ reference: 'CACHE-1' }) })
  t.equal(created.statusCode, 201, created.body)
  const id = created.json().id as string
  const read = async () => {
    const res = await app.inject({ url: `/v1/windows/${id}`, headers: ctx.admin })
    return { status: res.statusCode, title: res.statusCode === 200 ? (res.json().title as string) : '', etag: res.headers.etag }
  }
  const first = await read()
  t.same(await read(), first, 'the same answer twice (the second from memory)')
  await sql`UPDATE windows SET title = 'changed by SQL' WHERE id = ${id}`.execute(db)
  t.equal((await read()).title, 'changed by SQL', 'a change made behind the service is seen at once')
  const patched = await app.inject({
    method: 'PATCH',
    url: `/v1/windows/${id}`,
    headers: { ...ctx.admin, 'content-type': 'application/merge-patch+json', 'if-match': first.etag },
    payload: { title: 'patched' },
  })
  t.equal(patched.statusCode, 200, patched.body)
  const after = await read()
  t.equal(after.title, 'patched', 'a change through the API is seen at once')
  t.equal(after.etag, patched.headers.etag, 'with the new version')
  await sql`DELETE FROM assessments WHERE window_id = ${id}`.execute(db)
  await sql`DELETE FROM window_versions WHERE window_id = ${id}`.execute(db)
  await sql`DELETE FROM windows WHERE id = ${id}`.execute(db)
  t.equal((await read()).status, 404, 'a deleted window is gone at once')
})

// Two instances and a killed listener need a PostgreSQL server (the embedded database is one process).
if (ctx.kind === 'embedded') t.comment('instance-to-instance notification tests run on the PostgreSQL pass')
else
  t.test('a second instance on the same PostgreSQL hears the first one’s changes', async (t) => {
    const other = await openDatabase({ databaseUrl: await databaseUrl(), dataDir: '' })
    t.teardown(() => other.close())
    const services = createServices({ db: other.db, clock: fixedClock('2021-10-01T09:00:00Z'), maxWindowHours: 72, changes: other.changes })
    await until(() => other.changes.live)
    const key = await ctx.keyFor('viewer')
    const token = (key.authorization ?? '').slice('Bearer '.length)
    t.ok(await services.keys.authenticate(token), 'known to the second instance (now cached there)')
    await app.inject({ method: 'DELETE', url: `/v1/keys/${key.keyId}`, headers: ctx.admin })
    await until(async () => (await services.keys.authenticate(token)) === undefined)
    t.pass('the revocation reached the other instance')
  })

if (ctx.kind === 'server')
  t.test('when the listening connection is killed, caching stops until it is back', async (t) => {
    const other = await openDatabase({ databaseUrl: await databaseUrl(), dataDir: '' })
    t.teardown(() => other.close())
    await until(() => other.changes.live)
    await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND query = 'LISTEN mwp_changes'
              AND backend_type = 'client backend' AND state = 'idle'`.execute(other.db)
    await until(() => !other.changes.live)
    t.pass('not live while the listener is away')
    await until(() => other.changes.live)
    t.pass('live again after reconnecting')
  })

t.test('ChangeAwareCache: reads through when not live, drops what was loaded during a change', async (t) => {
  let live = false
  let listener: (table: string) => void = () => {}
  const changes: ChangeNotifications = {
    get live() {
      return live
    },
    subscribe(l) {
      listener = l
      return () => {}
    },
    close() {},
  }
  const cache = new ChangeAwareCache<string, number>(changes, ['t'])
  let loads = 0
  const load = async () => ++loads
  t.equal(await cache.get('k', load), 1)
  t.equal(await cache.get('k', load), 2, 'not live: every read loads')
  live = true
  t.equal(await cache.get('k', load), 3)
  t.equal(await cache.get('k', load), 3, 'live: kept')
  listener('other')
  t.equal(await cache.get('k', load), 3, 'a change to another table keeps it')
  listener('t')
  t.equal(await cache.get('k', load), 4, 'a change to its table drops it')
  const during = await cache.get('j', async () => {
    listener(ALL_TABLES)
    return 99
  })
  t.equal(during, 99)
  t.equal(await cache.get('j', load), 5, 'a value loaded while its tables changed is not kept')
})

async function databaseUrl(): Promise<string> {
  const name = (await sql<{ n: string }>`SELECT current_database() AS n`.execute(db)).rows[0]!.n
  const u = new URL(process.env.DATABASE_URL!)
  u.pathname = `/${name}`
  return u.toString()
}

async function until(cond: () => boolean | Promise<boolean>, ms = 5000) {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}
