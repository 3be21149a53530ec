import { sql } from 'kysely'
import t from 'tap'
import { type Db, openDatabase } from '../../src/db/database.ts'
import { createServices, type Services } from '../../src/services/index.ts'
import type { WindowInput } from '../../src/services/windows-service.ts'
import { fixedClock } from '../helpers/clock.ts'
import { aWindow } from '../helpers/test-app.ts'
import { runMwp, serviceDatabaseEnv } from '../helpers/subprocess.ts'

// `mwp audit verify` as an operator runs it (every kind of tampering is tested through GET
// /v1/audit/verify, which runs the same function; here the intact case, one edit, a lost tail): a child process on the real database (a copy of the
// embedded template, or its own database on the server): its exit code and output. The database
// is written and tampered with in this process between runs (the embedded one is single-process).

t.setTimeout(5 * 60_000)
const database = await serviceDatabaseEnv()
t.teardown(() => database.cleanup())
const url = database.env.DATABASE_URL
const where = url ? ['--database-url', url] : ['--data-dir', database.env.DATA_DIR!]

// No DATABASE_URL nor DATA_DIR in the child: the command is told where the database is.
const verify = (...extra: string[]) => runMwp(['audit', 'verify', ...where, ...extra])

/** Opens the database in this process for `work`, and closes it again (the CLI needs it free). */
async function withDb<T>(work: (db: Db, services: Services) => Promise<T>): Promise<T> {
  const d = await openDatabase({ databaseUrl: url, dataDir: database.env.DATA_DIR ?? '' })
  try {
    const services = createServices({ db: d.db, clock: fixedClock('2021-10-05T09:00:00Z'), maxWindowHours: 72 })
    return await work(d.db, services)
  } finally {
    await d.close()
  }
}
const asOwner = async (db: Db, work: () => Promise<unknown>) => {
  await sql`ALTER TABLE audit_log DISABLE TRIGGER USER`.execute(db)
  try {
    await work()
  } finally {
    await sql`ALTER TABLE audit_log ENABLE TRIGGER USER`.execute(db)
  }
}
const rows = (db: Db) => db.selectFrom('audit_log').selectAll().orderBy('seq').execute()
type Row = Awaited<ReturnType<typeof rows>>[number]
async function restore(db: Db, saved: Row[]) {
  await asOwner(db, async () => {
    await db.deleteFrom('audit_log').execute()
    await db
      .insertInto('audit_log')
      .values(saved.map((r) => ({ ...r, payload: JSON.stringify(r.payload) })))
      .execute()
  })
}

// Some history: keys (one by the command line, no actor), windows, a change, a publication.
const { saved, head } = await withDb(async (db, s) => {
  const admin = await s.keys.create({ name: 'cli admin', role: 'admin' }, null)
  const actor = { keyId: admin.id, role: 'admin' as const, parties: [] }
  await s.keys.create({ name: 'dsp', role: 'submitter', parties: ['DSP'] }, admin.id)
  for (const reference of ['CLI-1', 'CLI-2', 'CLI-3']) {
    const body = aWindow({ reference })
    await s.windows.create(
      { ...body, start: new Date(String(body.start)), end: new Date(String(body.end)) } as unknown as WindowInput,
      actor,
    )
  }
  const [w] = await s.windows.list({ limit: 1 })
  await s.windows.patch(w!.id, { title: 'Changed' }, w!.version, actor)
  await s.schedules.publish('2022-05', { publishedAt: new Date('2021-10-04T17:00:00Z') }, actor)
  const all = await rows(db)
  return { saved: all, head: { seq: Number(all.at(-1)!.seq), hash: all.at(-1)!.hash } }
})
const HEAD = `${head.seq}:${head.hash}`

t.test('an intact log: exit 0, with the head; also against a head taken earlier', async (t) => {
  t.ok(head.seq >= 9, `${head.seq} entries written`)
  const r = await verify()
  t.equal(r.code, 0, r.err)
  t.equal(r.out, `audit log intact: ${head.seq} entries, head ${HEAD}\n`)
  const withHead = await verify('--expect-head', HEAD, '--json')
  t.equal(withHead.code, 0, withHead.err)
  t.same(JSON.parse(withHead.out), { ok: true, checked: head.seq, head }, 'the JSON answer')
})

t.test('an edited row: exit 1 naming its seq', async (t) => {
  const k = saved[3]!
  await withDb((db) =>
    asOwner(db, () => sql`UPDATE audit_log SET payload = jsonb_set(payload, '{reason}', '"edited"') WHERE seq = ${k.seq}`.execute(db)),
  )
  const r = await verify()
  t.equal(r.code, 1, r.err)
  t.match(r.out, new RegExp(`^audit log TAMPERED at entry ${k.seq} \\(altered\\): entry ${k.seq} \\(${k.action} `))
  await withDb((db) => restore(db, saved))
})

t.test('deleted last rows: unseen without a head, exit 1 with --expect-head', async (t) => {
  await withDb((db) =>
    asOwner(db, () =>
      db
        .deleteFrom('audit_log')
        .where('seq', '>', head.seq - 2)
        .execute(),
    ),
  )
  const alone = await verify()
  t.equal(alone.code, 0, 'a shorter chain is still a chain')
  const r = await verify('--expect-head', HEAD)
  t.equal(r.code, 1)
  t.match(r.out, `TAMPERED at entry ${head.seq - 1} (head)`)
  t.match(r.out, `the chain ends at entry ${head.seq - 2}, before entry ${head.seq}`)
  await withDb((db) => restore(db, saved))
})

t.test('bad usage: exit 2', async (t) => {
  const r = await verify('--expect-head', 'not-a-hash')
  t.equal(r.code, 2)
  t.match(r.err, /--expect-head must be a 64-hex SHA-256 hash or SEQ:HASH/)
})
