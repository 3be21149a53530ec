import tap, { type Test } from 'tap'
import { type AppDeps, buildApp, type AppInstance } from '../../src/http/app.ts'
import type { Role } from '../../src/domain/lifecycle.ts'
import { createServices, type Services } from '../../src/services/index.ts'
import type { ResolvedAddress, WebhooksOptions } from '../../src/services/webhooks/index.ts'
import { fixedClock } from './clock.ts'
import { type ContractChecker, contractChecker, contractSummary, newTally } from './contract.ts'
import { openTestDatabase } from './databases.ts'

export const BASE_URL = 'http://mwp.test'
/** The SECRETS_KEY of test apps (webhook signing secrets are sealed with it). */
export const TEST_SECRETS_KEY = Buffer.alloc(32, 'mwp-test-secrets-key')

/** The DNS of test apps: no name resolves (tests never reach the network); a test gives its own resolver to make one. */
export const offlineResolve = async (host: string): Promise<ResolvedAddress[]> => {
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
}

export interface TestApp {
  app: AppInstance
  services: Services
  clock: ReturnType<typeof fixedClock>
  db: Awaited<ReturnType<typeof openTestDatabase>>['db']
  kind: 'embedded' | 'server'
  /** The admin key's bearer header. */
  admin: Record<string, string>
  /** Issues a key and returns its Authorization header. */
  keyFor(role: Role, parties?: string[]): Promise<Record<string, string> & { keyId: string }>
  /** Empties the planning tables between tests (reference data and keys stay). */
  reset(): Promise<void>
}

/**
 * The real app over a private real database, with a fixed clock. One per test file.
 *
 * @example const { app, admin } = await buildTestApp(t)
 */
export async function buildTestApp(
  t: Test,
  opts: {
    now?: string
    maxWindowHours?: number
    rateLimit?: AppDeps['rateLimit']
    bodyLimit?: number
    /** Webhook options over the test defaults (the test SECRETS_KEY, no ranges opened, no name resolving). */
    webhooks?: Partial<WebhooksOptions>
  } = {},
): Promise<TestApp> {
  const database = await openTestDatabase()
  const clock = fixedClock(opts.now ?? '2021-10-01T09:00:00Z')
  const services = createServices({
    db: database.db,
    clock,
    maxWindowHours: opts.maxWindowHours ?? 72,
    tzdbVersion: process.versions.tz,
    webhooks: { secretsKeys: [TEST_SECRETS_KEY], resolve: offlineResolve, ...opts.webhooks },
    changes: database.changes,
  })
  // No rate limit unless a test asks for one: fuzzers and the role matrix send thousands of requests.
  const app = await buildApp({
    db: database.db,
    databaseKind: database.kind,
    services,
    clock,
    baseUrl: BASE_URL,
    logger: false,
    rateLimit: opts.rateLimit ?? false,
    ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}),
  })
  checkContract(app)
  t.teardown(async () => {
    await app.close()
    await database.close()
  })
  const adminKey = await services.keys.create({ name: 'test admin', role: 'admin' }, null)
  return {
    app,
    services,
    clock,
    db: database.db,
    kind: database.kind,
    admin: { authorization: `Bearer ${adminKey.key}` },
    async keyFor(role, parties) {
      const k = await services.keys.create({ name: `${role} ${parties?.join(',') ?? ''}`, role, ...(parties ? { parties } : {}) }, null)
      return { authorization: `Bearer ${k.key}`, keyId: k.id }
    },
    async reset() {
      for (const table of [
        'assessments',
        'waivers',
        'schedule_publications',
        'feeds',
        'calendar_overrides',
        'blackout_layers',
        'rulesets',
        'reference_data',
      ] as const)
        await database.db.deleteFrom(table).execute()
      await database.db.deleteFrom('window_versions').execute()
      await database.db.deleteFrom('windows').execute()
      await database.db.deleteFrom('programmes').execute()
      await database.db.deleteFrom('idempotency_records').execute()
    },
  }
}

/** A valid window body, overridable field by field. @example aWindow({ reference: 'DSP-TR-02' }) */
export function aWindow(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    reference: 'DSP-TR-01',
    title: 'DSP Technical Refresh 1',
    description: 'Replace end-of-life database servers',
    riskToService: 'Low: rollback rehearsed',
    party: 'DSP',
    changeRef: 'CRQ000000134669',
    impact: 'outage',
    services: ['service-requests', 'prepayment-top-up'],
    regions: ['N', 'C', 'S'],
    start: '2022-05-15T00:00:00+01:00',
    end: '2022-05-15T06:00:00+01:00',
    zone: 'Europe/London',
    ...over,
  }
}

/** Every answer checked in this test file (one process), printed once as `# contract: …` at its end. */
const FILE_TALLY = newTally()
let summaryPrinted = false

/**
 * Holds every answer of `app.inject` against the OpenAPI document the app serves (read at the first
 * answer, when the app is ready): an answer the document does not describe rejects the inject, so
 * the test that sent it fails. The file's tally is printed as `# contract: …` when it ends.
 *
 * @example const app = checkContract(await buildApp(deps)) // then app.inject(...) as usual
 */
export function checkContract<A extends AppInstance>(app: A): A {
  if (!summaryPrinted) {
    summaryPrinted = true
    tap.teardown(() => tap.comment(contractSummary(FILE_TALLY)))
  }
  let checker: ContractChecker | undefined
  const inject = app.inject.bind(app) as (opts: unknown) => Promise<Awaited<ReturnType<AppInstance['inject']>>>
  const wrapped = async (opts: unknown, callback?: unknown) => {
    if (opts === undefined || typeof opts !== 'object' || callback !== undefined)
      throw new Error('the contract check wraps app.inject(options) only: pass an options object and await it')
    const res = await inject(opts)
    checker ??= contractChecker(app.swagger() as never, FILE_TALLY)
    const o = opts as { method?: string; url?: string | { pathname?: string }; path?: string }
    const url = typeof o.url === 'string' ? o.url : (o.url?.pathname ?? o.path ?? '/')
    const method = (o.method ?? 'GET').toUpperCase()
    const wrong = checker.check(method, url, res)
    if (wrong) throw new Error(`contract: ${method} ${url.slice(0, 200)}: ${wrong}`)
    return res
  }
  ;(app as { inject: unknown }).inject = wrapped
  return app
}
