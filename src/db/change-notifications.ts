import type pg from 'pg'

/** The channel the `mwp_notify_change` triggers (migration 0006) announce committed changes on. */
export const CHANGE_CHANNEL = 'mwp_changes'

/** Every table, for listeners: a change was possibly missed (the listener was away). */
export const ALL_TABLES = '*'

/**
 * Committed changes to cached tables, heard from the database (NOTIFY at commit), so that caches
 * in this process stay as fresh as the database across any number of instances.
 *
 * `live` is false while this process could miss a change (its listening connection to a
 * PostgreSQL server is down): caches must then read through.
 *
 * @example const stop = changes.subscribe((table) => table === 'api_keys' && keyCache.clear())
 */
export interface ChangeNotifications {
  readonly live: boolean
  /** `detail`: the JSON after the table name, for tables whose rows are announced (migration 0011). */
  subscribe(listener: (table: string, detail?: string) => void): () => void
  close(): void
}

type Listener = (table: string, detail?: string) => void

/**
 * Hears changes on every pooled connection (so the instance that commits a change hears it before
 * its COMMIT returns: PostgreSQL delivers a session's own notifications before ReadyForQuery) and,
 * for a server, on one dedicated connection that is always open, so that nothing another instance
 * commits goes unheard; while that one is down, `live` is false.
 *
 * @example const changes = listenForChanges(pool, { dedicated: () => new pg.Client(url) })
 */
export function listenForChanges(pool: pg.Pool, opts: { dedicated?: () => pg.Client }): ChangeNotifications {
  const listeners = new Set<Listener>()
  const emit = (table: string, detail?: string) => {
    for (const l of listeners) l(table, detail)
  }
  const onNotification = (m: pg.Notification) => {
    if (m.channel !== CHANGE_CHANNEL) return
    // '<table>' or '<table> <json>' (migration 0011): listeners that only want the table get just it.
    const payload = m.payload || ALL_TABLES
    const space = payload.indexOf(' ')
    if (space < 0) emit(payload)
    else emit(payload.slice(0, space), payload.slice(space + 1))
  }
  pool.on('connect', (client) => {
    client.on('notification', onNotification)
    // Queued before any query the pool hands this client for, so it listens from its first use.
    client.query(`LISTEN ${CHANGE_CHANNEL}`).catch(() => {})
  })

  let live = opts.dedicated === undefined
  let closed = false
  let client: pg.Client | undefined
  let retry: NodeJS.Timeout | undefined
  const goDown = () => {
    if (live) emit(ALL_TABLES)
    live = false
    client = undefined
    if (!closed && retry === undefined) retry = setTimeout(connect, 1000).unref()
  }
  const connect = async () => {
    retry = undefined
    if (closed || !opts.dedicated) return
    const c = opts.dedicated()
    client = c
    c.on('error', goDown)
    c.on('end', () => client === c && goDown())
    c.on('notification', onNotification)
    try {
      await c.connect()
      await c.query(`LISTEN ${CHANGE_CHANNEL}`)
      if (closed) return void c.end().catch(() => {})
      // Whatever changed while nobody listened is unknown: everything is stale.
      emit(ALL_TABLES)
      live = true
    } catch {
      c.removeAllListeners('end')
      c.end().catch(() => {})
      goDown()
    }
  }
  if (opts.dedicated) void connect()

  return {
    get live() {
      return live
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    close() {
      closed = true
      live = false
      if (retry) clearTimeout(retry)
      const c = client
      client = undefined
      c?.removeAllListeners('end')
      c?.end().catch(() => {})
    },
  }
}
