import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import type { ClaimedDelivery, DeliveryAttempt, OutboxEvent } from '../../db/repositories/webhooks-repository.ts'
import { checkEgress, hostOf, type ResolvedAddress } from './egress-guard.ts'
import type { WebhooksSettings } from './settings.ts'
import { type SigningSecrets, signatureHeaders } from './signing.ts'

const EXCERPT_BYTES = 512

/** A CloudEvents 1.0 structured-mode JSON envelope. */
interface CloudEvent {
  specversion: '1.0'
  id: string
  source: string
  type: string
  time: string
  subject: string
  datacontenttype: 'application/json'
  data: unknown
}

/** An attempt's record, and whether the egress guard refused the destination (not worth retrying). */
interface AttemptResult {
  attempt: DeliveryAttempt
  refused: boolean
}

/** Posts claimed deliveries to their receivers; `close()` frees the keep-alive sockets. */
export interface Transport {
  send(d: ClaimedDelivery, now: Date): Promise<AttemptResult>
  close(): void
}

/** The outbox event as the receiver gets it. */
function envelope(e: OutboxEvent, source: string): CloudEvent {
  return {
    specversion: '1.0',
    id: e.id,
    source,
    type: e.type,
    time: e.occurredAt.toISOString(),
    subject: e.subject,
    datacontenttype: 'application/json',
    data: e.data,
  }
}

/**
 * The HTTP transport of deliveries: each attempt passes the egress guard, then makes one POST, signed
 * the Standard Webhooks way, to an address the guard checked; it never throws and never follows a
 * redirect. The attempt records whether the address was public, so that only admins read what a
 * non-public receiver answered. `stopping` aborts requests in flight (recorded as failed attempts).
 *
 * @example
 * const transport = createTransport(settings, signingSecrets(keys), stopping.signal)
 * const { attempt } = await transport.send(claimed, now)
 */
export function createTransport(settings: WebhooksSettings, secrets: SigningSecrets, stopping: AbortSignal): Transport {
  const { timeoutMs, concurrency } = settings
  // Own agents: keep-alive to receivers, at most `concurrency` sockets per receiver.
  const agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: concurrency }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: concurrency }),
  }

  async function send(d: ClaimedDelivery, now: Date): Promise<AttemptResult> {
    const record = attemptRecorder(now)
    let url: URL
    try {
      url = new URL(d.url)
    } catch {
      return record.failed('the subscription URL does not parse')
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return record.failed(`not sent: ${url.protocol} is not http or https`)
    let secret: string
    try {
      secret = secrets.open(d.subscriptionId, d.secret)
    } catch (err) {
      return record.failed(`not sent: the signing secret cannot be opened: ${(err as Error).message}`)
    }
    const host = hostOf(url)
    const checked = await checkEgress(host, settings.egress, settings.resolve, { timeoutMs })
    if (!checked.ok) return { ...record.failed(`not sent: ${checked.reason}`), refused: checked.permanent }
    record.nonPublic = checked.nonPublic
    const body = JSON.stringify(envelope(d.event, settings.source))
    const timeout = AbortSignal.timeout(timeoutMs)
    try {
      const signature = signatureHeaders(secret, d.event.id, now, body)
      const res = await post(url, host, checked.addresses, body, signature, AbortSignal.any([timeout, stopping]))
      const status = res.statusCode ?? 0
      const text = await excerpt(res, EXCERPT_BYTES)
      if (status >= 200 && status < 300) return record.delivered(status, text)
      if (status >= 300 && status < 400) return record.failed(`redirect to ${res.headers.location ?? '?'} not followed`, status, text)
      return record.failed(`HTTP ${status}`, status, text)
    } catch (err) {
      const e = err as Error & { code?: string }
      if (timeout.aborted) return record.failed(`no answer within ${timeoutMs / 1000} s`)
      if (stopping.aborted) return record.failed('aborted: the service was shutting down')
      return record.failed(e.code ? `${e.code}: ${e.message}` : e.message)
    }
  }

  /** One POST of `body` to a checked address of `url`'s host; resolves with the response head. */
  function post(
    url: URL,
    host: string,
    addresses: readonly ResolvedAddress[],
    body: string,
    signature: Record<string, string>,
    signal: AbortSignal,
  ): Promise<IncomingMessage> {
    const https = url.protocol === 'https:'
    return new Promise<IncomingMessage>((resolveRes, reject) => {
      const req = (https ? httpsRequest : httpRequest)({
        method: 'POST',
        hostname: host,
        port: url.port || (https ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        agent: https ? agents.https : agents.http,
        // Connect to the address that was checked, whatever the name resolves to now; the Host header
        // (below) and the TLS server name stay the URL's host.
        lookup: pinnedLookup(addresses),
        ...(https && !isIP(host) ? { servername: host } : {}),
        signal,
        headers: {
          host: url.host,
          'content-type': 'application/cloudevents+json; charset=utf-8',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'mwp-webhooks/1',
          ...signature,
        },
      })
      req.on('response', resolveRes)
      req.on('error', reject)
      req.end(body)
    })
  }

  return {
    send,
    close() {
      agents.http.destroy()
      agents.https.destroy()
    },
  }
}

/** Builds an attempt's record: its time, latency from now, and (once the guard has passed) whether the address was public. */
function attemptRecorder(now: Date) {
  const at = now.toISOString()
  const started = performance.now()
  const latencyMs = () => Math.round(performance.now() - started)
  const recorder = {
    nonPublic: undefined as boolean | undefined,
    failed: (error: string, statusCode: number | null = null, responseExcerpt: string | null = null): AttemptResult => ({
      attempt: {
        at,
        statusCode,
        latencyMs: latencyMs(),
        ok: false,
        responseExcerpt,
        error,
        ...(recorder.nonPublic !== undefined ? { nonPublic: recorder.nonPublic } : {}),
      },
      refused: false,
    }),
    delivered: (statusCode: number, responseExcerpt: string): AttemptResult => ({
      attempt: { at, statusCode, latencyMs: latencyMs(), ok: true, responseExcerpt, error: null, nonPublic: recorder.nonPublic ?? false },
      refused: false,
    }),
  }
  return recorder
}

/** A `lookup` for http(s).request that answers only the checked addresses: the connection goes where the check looked. */
function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_host, options, callback) => {
    const cb = callback as (err: Error | null, a: string | ResolvedAddress[], f?: number) => void
    const fitting = options.family ? addresses.filter((a) => a.family === options.family) : addresses
    if (fitting.length === 0) return cb(Object.assign(new Error('no checked address of that family'), { code: 'ENOTFOUND' }), '', 0)
    if (options.all)
      cb(
        null,
        fitting.map((a) => ({ address: a.address, family: a.family })),
      )
    else cb(null, fitting[0]!.address, fitting[0]!.family)
  }
}

/** Reads at most `max` bytes of a response body as text, then lets the rest go. */
function excerpt(res: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = () => resolve(Buffer.concat(chunks).subarray(0, max).toString('utf8'))
    res.on('data', (c: Buffer) => {
      chunks.push(c)
      size += c.length
      if (size >= max) {
        res.destroy()
        done()
      }
    })
    res.on('end', done)
    res.on('error', done)
    res.on('close', done)
  })
}
