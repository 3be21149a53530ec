import { ALL_TABLES, type ChangeNotifications } from '../db/change-notifications.ts'

/**
 * Identical requests share one computation while it is under way ("single flight"): a request joins
 * the computation in progress for its key only if no change has been committed since that
 * computation started — in this instance or another (the database announces every committed change
 * to the tables it reads: migrations 0006, 0007 and 0009) — so the joiner gets what it would have computed
 * itself. While changes could be missed (`changes.live` false), or without notifications at all,
 * every request computes its own. Nothing is kept once the computation has settled: a later
 * request computes afresh.
 *
 * @example
 * const reports = new SingleFlight<Report>(changes, { ignoredTables: ['feeds'] })
 * const report = await reports.run(JSON.stringify([from, to]), () => buildReport(from, to))
 */
export class SingleFlight<V> {
  private readonly running = new Map<string, { generation: number; value: Promise<V> }>()
  /** Moves on at every committed change that matters (and whenever changes could have been missed). */
  private generation = 0
  private joins = 0

  constructor(
    private readonly changes: ChangeNotifications | undefined,
    opts: { ignoredTables?: readonly string[] } = {},
  ) {
    const ignored = new Set(opts.ignoredTables ?? [])
    changes?.subscribe((table) => {
      if (table === ALL_TABLES || !ignored.has(table)) this.generation++
    })
  }

  /** The value of the computation under way for `key` when it may be shared, else a new `compute()`. */
  run(key: string, compute: () => Promise<V>): Promise<V> {
    const live = this.changes?.live === true
    const current = this.running.get(key)
    if (live && current && current.generation === this.generation) {
      this.joins++
      return current.value
    }
    // The generation is read before the computation reads anything: a change committed after this
    // point ends sharing, even when the computation happened to read the changed data.
    const generation = this.generation
    const value = compute()
    if (live) {
      const entry = { generation, value }
      this.running.set(key, entry)
      const settle = () => {
        if (this.running.get(key) === entry) this.running.delete(key)
      }
      value.then(settle, settle)
    }
    return value
  }

  /** Computations under way that were registered for sharing (for tests and metrics). */
  get size(): number {
    return this.running.size
  }

  /** How many calls joined a computation under way instead of starting one (for tests and metrics). */
  get joined(): number {
    return this.joins
  }
}
