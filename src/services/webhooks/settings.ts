import { lookup } from 'node:dns/promises'
import { Duration } from 'luxon'
import { type EgressPolicy, parseEgressPolicy, type Resolve } from './egress-guard.ts'

export const HOUR = 3_600_000
export const DAY = 24 * HOUR

export interface WebhooksOptions {
  /**
   * WEBHOOK_ALLOWED_HOSTS: CIDR ranges opened beside the public addresses, and host names (if any is
   * listed, only those names may be used). Checked at subscription and on every resolved address at send time.
   */
  allowedHosts: readonly string[]
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number
  /** Reminder offsets before a window's start, ISO 8601 (default P7D, P1D, PT1H). Days are calendar days in the window's zone. */
  reminderOffsets?: readonly string[]
  /** How long a delivery is retried before it is dead-lettered, and a failing subscription disabled (default 24 h). */
  retryForMs?: number
  /** First retry delay (default 5 s); doubles per attempt up to `maxBackoffMs` (default 1 h), with jitter. */
  baseBackoffMs?: number
  maxBackoffMs?: number
  /** Deliveries claimed per round and sent at once (defaults 200 and 32). */
  batchSize?: number
  concurrency?: number
  /** CloudEvents `source` (default `/mwp`). */
  source?: string
  /** Jitter source in [0, 1); injected so tests can pin it. */
  random?: () => number
  /**
   * Resolves a host name to its addresses (default: the system resolver, every address). Called once
   * per attempt, and when a subscription's URL is set; the request then connects only to the
   * addresses that were checked (no DNS rebinding).
   */
  resolve?: Resolve
  /**
   * SECRETS_KEY: keys sealing signing secrets at rest (the first seals, all open). Without one, new
   * subscriptions are refused (`secrets-key-missing`); stored clear-text secrets still sign.
   */
  secretsKeys?: readonly Buffer[]
  /** Write events to the outbox (default true). Only the benchmark turns it off, to measure the outbox's cost. */
  writeEvents?: boolean
}

/** A reminder offset before a window's start: its ISO 8601 text (the stored key) and its duration. */
export interface ReminderOffset {
  key: string
  duration: Duration
}

/** The options with every default filled in and every text parsed: what the parts of the service read. */
export interface WebhooksSettings {
  egress: EgressPolicy
  resolve: Resolve
  timeoutMs: number
  retryForMs: number
  baseBackoffMs: number
  maxBackoffMs: number
  batchSize: number
  concurrency: number
  source: string
  random: () => number
  secretsKeys: readonly Buffer[]
  writeEvents: boolean
  reminderOffsets: readonly ReminderOffset[]
}

const systemResolve: Resolve = (host) => lookup(host, { all: true, verbatim: true })

/**
 * Fills in the defaults and parses WEBHOOK_ALLOWED_HOSTS and the reminder offsets; throws naming a
 * bad entry.
 *
 * @example webhooksSettings({ allowedHosts: ['127.0.0.0/8'] }).timeoutMs // 10000
 */
export function webhooksSettings(opts: WebhooksOptions): WebhooksSettings {
  return {
    egress: parseEgressPolicy(opts.allowedHosts),
    resolve: opts.resolve ?? systemResolve,
    timeoutMs: opts.timeoutMs ?? 10_000,
    retryForMs: opts.retryForMs ?? DAY,
    baseBackoffMs: opts.baseBackoffMs ?? 5_000,
    maxBackoffMs: opts.maxBackoffMs ?? HOUR,
    batchSize: opts.batchSize ?? 200,
    concurrency: opts.concurrency ?? 32,
    source: opts.source ?? '/mwp',
    random: opts.random ?? Math.random,
    secretsKeys: opts.secretsKeys ?? [],
    writeEvents: opts.writeEvents ?? true,
    reminderOffsets: (opts.reminderOffsets ?? ['P7D', 'P1D', 'PT1H']).map(reminderOffset),
  }
}

function reminderOffset(key: string): ReminderOffset {
  const duration = Duration.fromISO(key)
  if (!duration.isValid || duration.toMillis() <= 0) throw new Error(`reminder offset "${key}" is not a positive ISO 8601 duration`)
  return { key, duration }
}
