/**
 * Live updates: the board follows GET /v1/events (server-sent events) with fetch and a stream reader,
 * because the browser's EventSource cannot send the Authorization header and the key must stay out
 * of URLs. It reconnects with backoff (sending Last-Event-ID, so nothing is missed when the same
 * instance still has it; otherwise the service sends `stale`), and hands the board the events of the
 * last 300 ms at once, so a burst of changes is one reload.
 *
 * @example const state = useLive(api, () => reload())   // 'connecting' | 'live' | 'reconnecting'
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import type { Api } from './api.ts'

/** 'refused': the service no longer accepts the key (401); the stream is not retried. */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'refused'

export interface LiveEvent {
  id: string | null
  kind: string
  data: unknown
}

/** One block of the text/event-stream format (lines up to a blank line) read into its fields. */
export function parseBlock(block: string): { event: LiveEvent | null; retry: number | null } {
  let id: string | null = null
  let kind = 'message'
  let data: string | null = null
  let retry: number | null = null
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'id') id = value
    else if (field === 'event') kind = value
    else if (field === 'data') data = data === null ? value : `${data}\n${value}`
    else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value)
  }
  if (data === null) return { event: null, retry }
  let parsed: unknown = data
  try {
    parsed = JSON.parse(data)
  } catch {
    // not JSON: kept as text
  }
  return { event: { id, kind, data: parsed }, retry }
}

/** A stream that sent nothing (not even the 15 s heartbeat) for this long is taken as dead. */
const SILENCE_MS = 45_000
const MAX_BACKOFF_MS = 30_000

/**
 * Follows the event stream until the returned function is called: `onEvent` for each event,
 * `onState` when the connection comes up or goes down.
 */
export function followEvents(api: Api, onEvent: (e: LiveEvent) => void, onState: (s: LiveState) => void): () => void {
  let stopped = false
  let abort: AbortController | null = null
  let lastEventId: string | null = null
  let retryMs = 2000
  let failures = 0

  const once = async () => {
    abort = new AbortController()
    const controller = abort
    let silence = setTimeout(() => controller.abort(), SILENCE_MS)
    try {
      const res = await api.stream('/v1/events', lastEventId ? { 'last-event-id': lastEventId } : {}, controller.signal)
      if (res.status === 401) {
        stopped = true // a revoked key is not retried: the board signs out
        onState('refused')
        return
      }
      if (!res.ok || !res.body) {
        // 429: too many tabs on this key; wait as told. Anything else: back off and try again.
        const after = Number(res.headers.get('retry-after'))
        if (after > 0) retryMs = Math.max(retryMs, after * 1000)
        return
      }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
      let buffer = ''
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        clearTimeout(silence)
        silence = setTimeout(() => controller.abort(), SILENCE_MS)
        buffer += value.replace(/\r\n?/g, '\n')
        let cut = buffer.indexOf('\n\n')
        while (cut >= 0) {
          const { event, retry } = parseBlock(buffer.slice(0, cut))
          buffer = buffer.slice(cut + 2)
          cut = buffer.indexOf('\n\n')
          if (retry !== null) retryMs = retry
          failures = 0
          onState('live')
          if (event) {
            if (event.id) lastEventId = event.id
            onEvent(event)
          }
        }
      }
    } catch {
      // network error or aborted (silence, or stop)
    } finally {
      clearTimeout(silence)
    }
  }

  void (async () => {
    onState('connecting')
    while (!stopped) {
      await once()
      if (stopped) break
      onState('reconnecting')
      // Backoff: the server's retry, doubled per failure in a row (30 s at most), with some jitter.
      const wait = Math.min(MAX_BACKOFF_MS, retryMs * 2 ** Math.min(failures++, 4)) * (0.75 + Math.random() / 2)
      await new Promise((r) => setTimeout(r, wait))
    }
  })()

  return () => {
    stopped = true
    abort?.abort()
  }
}

/**
 * The board's hook: follows the events while mounted and calls `onChange` with the events of each
 * 300 ms burst (the board then reloads what it shows). Returns the connection state for the indicator.
 */
export function useLive(api: Api, onChange: (events: LiveEvent[]) => void, debounceMs = 300): LiveState {
  const [state, setState] = useState<LiveState>('connecting')
  const latest = useRef(onChange)
  latest.current = onChange
  useEffect(() => {
    let pending: LiveEvent[] = []
    let timer: ReturnType<typeof setTimeout> | undefined
    const stop = followEvents(
      api,
      (e) => {
        pending.push(e)
        // 300 ms after the first event of a burst (not after the last: a steady flow still shows).
        if (timer !== undefined) return
        timer = setTimeout(() => {
          timer = undefined
          const batch = pending
          pending = []
          latest.current(batch)
        }, debounceMs)
      },
      setState,
    )
    return () => {
      clearTimeout(timer)
      stop()
    }
  }, [api])
  return state
}
