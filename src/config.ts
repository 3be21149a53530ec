import { isIP } from 'node:net'
import { z } from 'zod'

/**
 * The service's whole configuration: one zod schema over the environment, parsed once and frozen.
 * This is the only module that reads `process.env`.
 *
 * @example
 * const config = loadConfig({ PORT: '9090' }) // { port: 9090, host: '127.0.0.1', databaseUrl: undefined, ... }
 */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** A WEBHOOK_ALLOWED_HOSTS entry: empty, a host name, or an IP address with an optional prefix length that fits it. */
function allowedHostEntry(raw: string): boolean {
  const e = raw.trim()
  const [net, bits] = e.split('/') as [string, string | undefined]
  const family = isIP(net)
  if (family) return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128))
  return e === '' || /^[a-zA-Z0-9.-]{1,253}$/.test(e)
}

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  ADMIN_API_KEY: z.string().min(16, 'must be at least 16 characters').max(200).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  MAX_WINDOW_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 31)
    .default(72),
  PUBLIC_BASE_URL: z.string().url().optional(),
  WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .max(4000)
    .refine(
      (v) => v.split(',').every(allowedHostEntry),
      'must be comma-separated CIDR ranges and host names, e.g. 127.0.0.0/8,::1/128 (a local receiver) or hooks.example.org',
    )
    .default(''),
  RATE_LIMIT_ENABLED: z.enum(['true', 'false'], { message: 'must be true or false' }).default('true'),
  RATE_LIMIT_MAX: z.coerce.number().int().min(1).max(1_000_000).default(3000),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1_048_576)
    .default(1_048_576),
  METRICS_ENABLED: z.enum(['true', 'false'], { message: 'must be true or false' }).default('false'),
  METRICS_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .max(200)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional(),
  SECRETS_KEY: z
    .string()
    .refine(
      (v) => v.split(',').every((k) => Buffer.from(k.trim(), 'base64').length === 32 && /^[A-Za-z0-9+/_-]+={0,2}$/.test(k.trim())),
      'must be base64 of 32 bytes (e.g. `openssl rand -base64 32`); to rotate, the new key, a comma, then the old ones',
    )
    .optional(),
})

export interface Config {
  readonly port: number
  readonly host: string
  /** A PostgreSQL server to use; unset means the embedded database in `dataDir`. */
  readonly databaseUrl: string | undefined
  readonly dataDir: string
  readonly adminApiKey: string | undefined
  readonly logLevel: (typeof LOG_LEVELS)[number]
  readonly maxWindowHours: number
  /** Base URL used in links (feeds, Location headers); defaults to http://HOST:PORT. */
  readonly publicBaseUrl: string
  /** WEBHOOK_ALLOWED_HOSTS: non-public CIDR ranges webhooks may reach, and host names (if any, the only ones allowed); empty: public addresses only. */
  readonly webhookAllowedHosts: readonly string[]
  /** Requests per API key, feed token or (without either) client address per window, counted in this instance's memory; false: no limit. */
  readonly rateLimit: { readonly max: number; readonly windowMs: number } | false
  /** Largest request body accepted, in bytes. */
  readonly bodyLimitBytes: number
  /** GET /metrics (Prometheus text): off unless METRICS_ENABLED=true; with a token, `Authorization: Bearer <token>` is required. */
  readonly metrics: { readonly enabled: boolean; readonly token: string | undefined }
  /** SECRETS_KEY: keys for secrets at rest (the first seals, all open); empty when unset. */
  readonly secretsKeys: readonly Buffer[]
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`${variable}: ${problem}`)
    this.name = 'ConfigError'
  }
}

/** Parses the environment (empty strings count as unset); throws ConfigError naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.keys(EnvSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]))
  const parsed = EnvSchema.safeParse(cleaned)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const variable = String(issue?.path[0] ?? 'environment')
    const value = cleaned[variable]
    const shown =
      variable === 'ADMIN_API_KEY' || variable === 'METRICS_TOKEN' || variable === 'SECRETS_KEY' || value === undefined
        ? ''
        : ` (got "${value}")`
    throw new ConfigError(variable, `${issue?.message ?? 'invalid'}${shown}`)
  }
  const e = parsed.data
  const linkHost = e.HOST === '0.0.0.0' || e.HOST === '::' ? '127.0.0.1' : e.HOST
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    adminApiKey: e.ADMIN_API_KEY,
    logLevel: e.LOG_LEVEL,
    maxWindowHours: e.MAX_WINDOW_HOURS,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://${linkHost}:${e.PORT}`).replace(/\/$/, ''),
    webhookAllowedHosts: Object.freeze(
      e.WEBHOOK_ALLOWED_HOSTS.split(',')
        .map((h) => h.trim())
        .filter(Boolean),
    ),
    rateLimit:
      e.RATE_LIMIT_ENABLED === 'true' ? Object.freeze({ max: e.RATE_LIMIT_MAX, windowMs: e.RATE_LIMIT_WINDOW_SECONDS * 1000 }) : false,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    metrics: Object.freeze({ enabled: e.METRICS_ENABLED === 'true', token: e.METRICS_TOKEN }),
    secretsKeys: Object.freeze((e.SECRETS_KEY?.split(',') ?? []).map((k) => Buffer.from(k.trim(), 'base64'))),
  })
}
