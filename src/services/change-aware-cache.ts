import { ALL_TABLES, type ChangeNotifications } from '../db/change-notifications.ts'

/**
 * Values read from the database, kept in this process until a change to one of their tables is
 * committed — by this instance or any other (the database announces it: migration 0006). While
 * changes could be missed (`changes.live` false), or without notifications at all, every read goes
 * to the database. A value loaded while its tables changed is used once, never kept.
 *
 * @example
 * const keys = new ChangeAwareCache<string, ApiKey>(changes, ['api_keys'])
 * const key = await keys.get(lookup, () => keysRepository.findActiveByLookup(db, lookup))
 */
export class ChangeAwareCache<K, V> {
  private readonly entries = new Map<K, { value: V; generation: number; at: number }>()
  private generation = 0

  constructor(
    private readonly changes: ChangeNotifications | undefined,
    tables: readonly string[],
    private readonly opts: { maxEntries?: number; maxAgeMs?: number; keep?: (value: V) => boolean } = {},
  ) {
    changes?.subscribe((table) => {
      if (table === ALL_TABLES || tables.includes(table)) this.clear()
    })
  }

  /** The cached value of `key`, or what `load` reads (kept when nothing changed meanwhile). */
  async get(key: K, load: () => Promise<V>): Promise<V> {
    if (!this.changes?.live) return load()
    const now = Date.now()
    const hit = this.entries.get(key)
    if (hit && hit.generation === this.generation && now - hit.at < (this.opts.maxAgeMs ?? 60_000)) return hit.value
    const generation = this.generation
    const value = await load()
    if (generation === this.generation && this.changes.live && (this.opts.keep?.(value) ?? true)) {
      if (this.entries.size >= (this.opts.maxEntries ?? 10_000)) this.entries.clear()
      this.entries.set(key, { value, generation, at: now })
    }
    return value
  }

  clear(): void {
    this.generation++
    this.entries.clear()
  }
}
