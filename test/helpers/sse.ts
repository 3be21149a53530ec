// A client of GET /v1/events for tests: reads the text/event-stream with fetch (as the board does),
// keeps every event and comment, and waits for the one a test expects.

export interface SseEvent {
  id: string | undefined
  event: string
  data: unknown
  /** performance.now() when it arrived. */
  at: number
}

export interface SseStream {
  status: number
  events: SseEvent[]
  comments: string[]
  retry: number | undefined
  /** The first event (already received or still to come) that `match` accepts; rejects after `ms`. */
  next(match: (e: SseEvent) => boolean, ms?: number): Promise<SseEvent>
  /** Resolves when the server ended the stream. */
  ended: Promise<void>
  close(): void
}

/**
 * Opens a stream on a listening app.
 *
 * @example const s = await openEvents(base, admin); await s.next((e) => e.event === 'windows')
 */
export async function openEvents(baseUrl: string, headers: Record<string, string>, extra: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController()
  const res = await fetch(`${baseUrl}/v1/events`, {
    headers: { accept: 'text/event-stream', ...headers, ...extra },
    signal: abort.signal,
  })
  const events: SseEvent[] = []
  const comments: string[] = []
  const waiters = new Set<() => void>()
  const stream: SseStream = {
    status: res.status,
    events,
    comments,
    retry: undefined,
    ended: Promise.resolve(),
    close: () => abort.abort(),
    next(match, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(match)
          if (!found) return false
          clearTimeout(timer)
          waiters.delete(check as () => void)
          resolve(found)
          return true
        }
        const timer = setTimeout(() => {
          waiters.delete(check as () => void)
          reject(new Error(`no matching event within ${ms} ms; had: ${events.map((e) => e.event).join(', ') || 'none'}`))
        }, ms)
        if (!check()) waiters.add(check as () => void)
      })
    },
  }
  if (!res.ok || !res.body) return stream
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  let opened: () => void = () => {}
  const firstBlock = new Promise<void>((r) => {
    opened = r
  })
  stream.ended = (async () => {
    let buffer = ''
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        buffer += value
        let cut = buffer.indexOf('\n\n')
        while (cut >= 0) {
          const block = buffer.slice(0, cut)
          buffer = buffer.slice(cut + 2)
          cut = buffer.indexOf('\n\n')
          const e: Partial<SseEvent> = { event: 'message' }
          let data: string | undefined
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim())
            else if (line.startsWith('retry: ')) stream.retry = Number(line.slice(7))
            else if (line.startsWith('id: ')) e.id = line.slice(4)
            else if (line.startsWith('event: ')) e.event = line.slice(7)
            else if (line.startsWith('data: ')) data = line.slice(6)
          }
          opened()
          if (data !== undefined) {
            events.push({ id: e.id, event: e.event ?? 'message', data: JSON.parse(data), at: performance.now() })
            for (const w of [...waiters]) w()
          }
        }
      }
    } catch {
      // aborted by close()
    } finally {
      opened()
    }
  })()
  // The server's first block (retry:) says the stream is listening: changes from now on are heard.
  await firstBlock
  return stream
}
