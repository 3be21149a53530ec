import { createServer, connect, type Server, type Socket } from 'node:net'
import { sql } from 'kysely'
import pg from 'pg'
import t, { type Test } from 'tap'
import { openDatabase, type OpenDatabase } from '../../src/db/database.ts'
import { buildApp, type AppInstance } from '../../src/http/app.ts'
import { isDatabaseUnavailable } from '../../src/http/plugins/problems.ts'
import { createServices } from '../../src/services/index.ts'
import { fixedClock } from '../helpers/clock.ts'
import { freePort } from '../helpers/subprocess.ts'
import { aWindow, BASE_URL, checkContract } from '../helpers/test-app.ts'

// The database going away, for real (no mocks): a port where nothing listens, and a TCP proxy in
// front of the PostgreSQL server that can refuse, reset, or cut a connection in the middle of a
// transaction. The load version, with a PostgreSQL restart, is test/faults/pg-restart.fault.ts.

async function appOver(
  databaseUrl: string,
): Promise<{ app: AppInstance; database: OpenDatabase; services: ReturnType<typeof createServices> }> {
  const database = await openDatabase({ databaseUrl, dataDir: '' })
  const clock = fixedClock('2021-10-01T09:00:00Z')
  const services = createServices({ db: database.db, clock, maxWindowHours: 72, changes: database.changes })
  const app = checkContract(
    await buildApp({ db: database.db, databaseKind: database.kind, services, clock, baseUrl: BASE_URL, logger: false }),
  )
  return { app, database, services }
}

function expectUnavailable(
  t: Test,
  res: { statusCode: number; headers: Record<string, unknown>; json(): { code?: string } },
  what: string,
) {
  t.equal(res.statusCode, 503, `${what}: 503`)
  t.match(String(res.headers['content-type']), /application\/problem\+json/, `${what}: problem+json`)
  t.equal(res.json().code, 'database-unavailable', `${what}: code`)
  t.ok(Number(res.headers['retry-after']) > 0, `${what}: Retry-After`)
}

t.test('nothing listens where the database should be: 503 with Retry-After, never a 500', async (t) => {
  const port = await freePort()
  const { app, database } = await appOver(`postgres://postgres@127.0.0.1:${port}/nowhere`)
  t.teardown(async () => {
    await app.close()
    await database.close()
  })
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'liveness does not need the database')
  const ready = await app.inject({ url: '/readyz' })
  t.equal(ready.statusCode, 503)
  t.ok(Number(ready.headers['retry-after']) > 0, '/readyz: Retry-After')
  t.match(ready.json(), { status: 'unavailable', detail: /database unreachable/ })
  const bearer = { authorization: 'Bearer some-key-that-cannot-be-checked-now' }
  expectUnavailable(t, await app.inject({ url: '/v1/windows', headers: bearer }), 'GET /v1/windows')
  expectUnavailable(
    t,
    await app.inject({ method: 'POST', url: '/v1/windows', headers: { ...bearer, 'idempotency-key': 'k-1' }, payload: aWindow() }),
    'POST /v1/windows',
  )
})

/** A TCP proxy to the real server that can refuse, reset, or cut when the client sends some SQL. */
class FlakyProxy {
  private server: Server = createServer((c) => this.accept(c))
  private sockets = new Set<Socket>()
  private cutOn: Buffer | undefined
  mode: 'pass' | 'reset' = 'pass'
  constructor(
    readonly port: number,
    private target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<FlakyProxy> {
    const p = new FlakyProxy(await freePort(), target)
    await p.up()
    return p
  }
  up(): Promise<void> {
    this.mode = 'pass'
    return new Promise((resolve) => this.server.listen(this.port, '127.0.0.1', () => resolve()))
  }
  /** Stops listening (connection refused) and drops every open connection. */
  down(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
  /** Goes down the moment a client sends `text` (which is not forwarded). */
  cutWhen(text: string) {
    this.cutOn = Buffer.from(text)
  }
  private accept(client: Socket) {
    if (this.mode === 'reset') return void client.resetAndDestroy()
    const upstream = connect(this.target.port, this.target.host)
    for (const s of [client, upstream]) {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
      s.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.on('data', (d: Buffer) => {
      if (this.cutOn && d.includes(this.cutOn)) {
        this.cutOn = undefined
        void this.down()
        return
      }
      upstream.write(d)
    })
    upstream.on('data', (d: Buffer) => client.write(d))
    client.on('end', () => upstream.end())
    upstream.on('end', () => client.end())
  }
}

const serverUrl = process.env.DATABASE_URL
// The embedded database cannot be cut off: this part runs in the PostgreSQL pass of the suite.
if (!serverUrl) t.comment('a PostgreSQL server that goes away and comes back: runs when DATABASE_URL is set')
else
  t.test('a PostgreSQL server that goes away and comes back', async (t) => {
    const url = new URL(serverUrl!)
    const name = `mwp_t_${process.pid}_unavail`
    const admin = new pg.Client({ connectionString: serverUrl })
    await admin.connect()
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.query(`CREATE DATABASE ${name} TEMPLATE mwp_test_template`)
    const proxy = await FlakyProxy.start({ host: url.hostname, port: Number(url.port || 5432) })
    const viaProxy = new URL(serverUrl!)
    viaProxy.host = `127.0.0.1:${proxy.port}`
    viaProxy.pathname = `/${name}`
    const direct = new URL(serverUrl!)
    direct.pathname = `/${name}`
    const { app, database, services } = await appOver(viaProxy.toString())
    const db = new pg.Client({ connectionString: direct.toString() })
    await db.connect()
    t.teardown(async () => {
      await app.close()
      await database.close()
      await proxy.down().catch(() => {})
      await db.end()
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
    })
    const key = await services.keys.create({ name: 'DSP planners', role: 'submitter', parties: ['DSP'] }, null)
    const dsp = { authorization: `Bearer ${key.key}` }
    const post = (body: Record<string, unknown>, idempotencyKey: string) =>
      app.inject({ method: 'POST', url: '/v1/windows', headers: { ...dsp, 'idempotency-key': idempotencyKey }, payload: body })
    const count = async (reference: string) =>
      (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM windows WHERE reference = $1', [reference])).rows[0]!.n
    const waitReady = async () => {
      for (let i = 0; i < 200; i++) {
        if ((await app.inject({ url: '/readyz' })).statusCode === 200) return true
        await new Promise((r) => setTimeout(r, 25))
      }
      return false
    }

    t.equal((await post(aWindow({ reference: 'UNAVAIL-1' }), 'u-1')).statusCode, 201, 'a window while all is well')

    await t.test('cut in the middle of the write: 503, and the retry with the same key is not held up', async (t) => {
      proxy.cutWhen('insert into "windows"')
      expectUnavailable(t, await post(aWindow({ reference: 'UNAVAIL-2' }), 'u-2'), 'POST cut mid-transaction')
      expectUnavailable(t, await app.inject({ url: '/v1/windows/00000000-0000-4000-8000-000000000000', headers: dsp }), 'GET while refused')
      const ready = await app.inject({ url: '/readyz' })
      t.equal(ready.statusCode, 503, '/readyz while refused')
      t.ok(ready.headers['retry-after'], '/readyz: Retry-After')
      t.equal(await count('UNAVAIL-2'), 0, 'the cut transaction rolled back')
      await proxy.up()
      t.ok(await waitReady(), 'ready again once the server is back, without a restart')
      const retry = await post(aWindow({ reference: 'UNAVAIL-2' }), 'u-2')
      t.equal(retry.statusCode, 201, `the retry creates the window (${retry.body.slice(0, 200)})`)
      t.equal(retry.headers['idempotent-replayed'], undefined, 'created now, not replayed')
      const again = await post(aWindow({ reference: 'UNAVAIL-2' }), 'u-2')
      t.equal(again.headers['idempotent-replayed'], 'true', 'and a further retry replays it')
      t.equal(await count('UNAVAIL-2'), 1, 'exactly one window')
      const running = await db.query(`SELECT 1 FROM idempotency_records WHERE state = 'running'`)
      t.equal(running.rowCount, 0, 'no idempotency record left running')
    })

    await t.test('connections reset as soon as they open: 503', async (t) => {
      await proxy.down()
      await proxy.up()
      proxy.mode = 'reset'
      expectUnavailable(t, await app.inject({ url: '/v1/windows', headers: dsp }), 'GET while reset')
      t.equal((await app.inject({ url: '/readyz' })).statusCode, 503, '/readyz while reset')
      proxy.mode = 'pass'
      t.ok(await waitReady(), 'ready again')
      t.equal((await app.inject({ url: '/v1/windows', headers: dsp })).statusCode, 200)
    })

    await t.test('the server ends a session inside a transaction (57P01): no crash, a 503 error, a fresh connection next', async (t) => {
      const err = await database.db
        .transaction()
        .execute(async (trx) => {
          const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx)
          const pid = rows[0]!.pid
          await db.query('SELECT pg_terminate_backend($1)', [pid])
          while ((await db.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount)
            await new Promise((r) => setTimeout(r, 20))
          // Let this process read the FATAL message while the connection is checked out and idle:
          // with no 'error' listener on the client, that event would end the process.
          await new Promise((r) => setTimeout(r, 100))
          await sql`SELECT 1`.execute(trx)
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        )
      t.ok(err, 'the transaction failed')
      t.ok(isDatabaseUnavailable(err), `and its error means "database away" (${(err as Error)?.message})`)
      // every pooled session ends too (an idle client's error is reported on the pool)
      await db.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name])
      t.ok(await waitReady(), 'ready again')
      t.equal((await post(aWindow({ reference: 'UNAVAIL-3' }), 'u-3')).statusCode, 201, 'and writing again')
    })
  })
