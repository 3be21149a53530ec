import { ConfigError, loadConfig } from './config.ts'
import { DatabaseInUseError, openDatabase } from './db/database.ts'
import { migrateToLatest } from './db/migrator.ts'
import { buildApp } from './http/app.ts'
import { systemClock } from './services/clock.ts'
import { createServices } from './services/index.ts'
import { keyFileInDataDir } from './services/secrets.ts'

/**
 * Entry point: loadConfig → openDatabase → migrate → buildApp → listen, and a graceful close on
 * SIGTERM/SIGINT (stop accepting, finish in-flight requests, close the database).
 *
 * @example node dist/src/server.js   # or: npm start
 */
export async function main(): Promise<void> {
  const started = performance.now()
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`mwp: configuration error: ${err.message}\n`)
      process.exit(2)
    }
    throw err
  }
  let database: Awaited<ReturnType<typeof openDatabase>>
  try {
    database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  } catch (err) {
    if (err instanceof DatabaseInUseError) {
      process.stderr.write(`mwp: ${err.message}\n`)
      process.exit(3)
    }
    throw err
  }
  const applied = await migrateToLatest(database.db)
  // Keys sealing webhook signing secrets: SECRETS_KEY; else, embedded, a key file in DATA_DIR made at
  // first start; else (a server without SECRETS_KEY) none, and new subscriptions are refused.
  const usedKeyFile = config.databaseUrl
    ? undefined
    : await keyFileInDataDir(config.dataDir, { create: config.secretsKeys.length === 0 }).catch((err: Error) => {
        process.stderr.write(`mwp: cannot use the secrets key file in ${config.dataDir}: ${err.message}\n`)
        process.exit(2)
      })
  const secretsKeys = [...config.secretsKeys, ...(usedKeyFile ? [usedKeyFile.key] : [])]
  const services = createServices({
    db: database.db,
    clock: systemClock,
    maxWindowHours: config.maxWindowHours,
    tzdbVersion: process.versions.tz,
    webhooks: { allowedHosts: config.webhookAllowedHosts, secretsKeys },
    changes: database.changes,
  })
  const bootstrap = await services.keys.ensureBootstrapAdmin(config.adminApiKey)
  const app = await buildApp({
    db: database.db,
    databaseKind: database.kind,
    services,
    clock: systemClock,
    baseUrl: config.publicBaseUrl,
    logger: { level: config.logLevel },
    metrics: config.metrics,
    rateLimit: config.rateLimit,
    bodyLimit: config.bodyLimitBytes,
  })

  if (usedKeyFile?.created) app.log.info({ path: usedKeyFile.path }, 'generated the key sealing webhook secrets; back it up with the data')
  if (usedKeyFile?.warning) app.log.warn(usedKeyFile.warning)
  if (secretsKeys.length === 0)
    app.log.warn(
      { storedInClear: await services.webhooks.clearSecrets() },
      'SECRETS_KEY is not set: new webhook subscriptions are refused (503 secrets-key-missing) until every instance has the same SECRETS_KEY',
    )
  const sealing = await services.webhooks.sealStoredSecrets()
  if (sealing.sealed || sealing.resealed) app.log.info(sealing, 'webhook signing secrets sealed with the current key')
  if (sealing.unreadable)
    app.log.error(sealing, 'some webhook signing secrets were sealed with a key not in SECRETS_KEY; their deliveries fail')

  let dispatcher: { stop(): Promise<void> } | undefined
  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down: finishing in-flight requests')
    try {
      // The dispatcher and the HTTP server stop together. In-flight requests finish; a keep-alive
      // connection is closed as soon as it is idle (one that a client or balancer keeps open would
      // otherwise hold the close until its keep-alive timeout).
      const httpClosed = app.close()
      const sweep = setInterval(() => app.server.closeIdleConnections(), 100)
      try {
        await Promise.all([dispatcher?.stop(), httpClosed])
      } finally {
        clearInterval(sweep)
      }
    } finally {
      await database.close()
      app.log.info('closed')
      process.exit(0)
    }
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))

  await app.listen({ port: config.port, host: config.host })
  // The webhook dispatcher: a pass every second, in this process, never inside a request.
  dispatcher = services.webhooks.start({ intervalMs: 1000, onError: (err) => app.log.error({ err }, 'webhook dispatcher pass failed') })
  const ms = Math.round(performance.now() - started)
  app.log.info({ database: database.kind, location: database.location, migrationsApplied: applied, readyInMs: ms }, 'ready')
  if (bootstrap.generated) {
    process.stdout.write(
      `\n  A new admin API key was generated. It is shown only this once; keep it safe:\n\n    ${bootstrap.generated}\n\n` +
        `  Use it as: curl -H "Authorization: Bearer ${bootstrap.generated}" ${config.publicBaseUrl}/v1/keys\n\n`,
    )
  }
}

await main()
