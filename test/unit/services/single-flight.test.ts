import t from 'tap'
import { ALL_TABLES, type ChangeNotifications } from '../../../src/db/change-notifications.ts'
import { SingleFlight } from '../../../src/services/single-flight.ts'

/** Notifications under the test's control: `announce` plays a committed change, `live` a listening connection. */
function fakeChanges(live = true) {
  const listeners = new Set<(table: string) => void>()
  return {
    live,
    subscribe(l: (table: string) => void) {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    close() {},
    announce(table: string) {
      for (const l of listeners) l(table)
    },
  } satisfies ChangeNotifications & { announce(table: string): void }
}

/** A computation that finishes when told to, counting how many were started. */
function computations() {
  const started: ((v: string) => void)[] = []
  return {
    get count() {
      return started.length
    },
    compute: () => new Promise<string>((resolve) => started.push(resolve)),
    finish: (i: number, v: string) => started[i]!(v),
  }
}

t.test('identical keys share the computation under way; other keys do not', async (t) => {
  const flight = new SingleFlight<string>(fakeChanges())
  const c = computations()
  const a = flight.run('k', c.compute)
  const b = flight.run('k', c.compute)
  const other = flight.run('other', c.compute)
  t.equal(c.count, 2)
  t.equal(flight.joined, 1)
  c.finish(0, 'report')
  c.finish(1, 'other report')
  t.same(await Promise.all([a, b, other]), ['report', 'report', 'other report'])
  t.equal(flight.size, 0, 'nothing kept once settled')
  const later = flight.run('k', c.compute)
  t.equal(c.count, 3, 'a later call computes afresh')
  c.finish(2, 'new report')
  t.equal(await later, 'new report')
})

t.test('a change committed since the computation started ends sharing; an ignored table does not', async (t) => {
  const changes = fakeChanges()
  const flight = new SingleFlight<string>(changes, { ignoredTables: ['feeds'] })
  const c = computations()
  const a = flight.run('k', c.compute)
  changes.announce('feeds')
  const b = flight.run('k', c.compute)
  t.equal(c.count, 1, 'a change to an ignored table: shared')
  changes.announce('waivers')
  const fresh = flight.run('k', c.compute)
  t.equal(c.count, 2, 'after a change: computed afresh')
  const joinsFresh = flight.run('k', c.compute)
  t.equal(c.count, 2, 'a call after that joins the fresh computation')
  changes.announce(ALL_TABLES)
  flight.run('k', c.compute)
  t.equal(c.count, 3, 'changes possibly missed (every table): computed afresh')
  c.finish(0, 'before')
  c.finish(1, 'after')
  c.finish(2, 'reconnected')
  t.same(await Promise.all([a, b, fresh, joinsFresh]), ['before', 'before', 'after', 'after'])
})

t.test('without live notifications nothing is shared', async (t) => {
  const down = new SingleFlight<string>(fakeChanges(false))
  const none = new SingleFlight<string>(undefined)
  for (const flight of [down, none]) {
    const c = computations()
    const a = flight.run('k', c.compute)
    const b = flight.run('k', c.compute)
    t.equal(c.count, 2)
    t.equal(flight.joined, 0)
    t.equal(flight.size, 0)
    c.finish(0, 'a')
    c.finish(1, 'b')
    t.same(await Promise.all([a, b]), ['a', 'b'])
  }
})

t.test('a failure reaches every caller that shared the computation, and is not kept', async (t) => {
  const flight = new SingleFlight<string>(fakeChanges())
  let fail: (e: Error) => void = () => {}
  const a = flight.run('k', () => new Promise<string>((_, reject) => (fail = reject)))
  const b = flight.run('k', () => Promise.resolve('not called'))
  fail(new Error('database unavailable'))
  await t.rejects(a, /database unavailable/)
  await t.rejects(b, /database unavailable/)
  t.equal(await flight.run('k', () => Promise.resolve('recovered')), 'recovered')
})
