import type { OpenDatabase } from '../db/database.ts'
import type { VerifyResult } from '../services/audit-chain.ts'

export interface AuditVerifyOptions {
  /** A PostgreSQL server; else DATABASE_URL, else the embedded database in `dataDir` / DATA_DIR. */
  databaseUrl?: string | undefined
  dataDir?: string | undefined
  /** A head taken earlier: HASH, or SEQ:HASH as a report's provenance prints it. */
  expectHead?: string | undefined
  json?: boolean
  out(text: string): void
  err(text: string): void
}

/**
 * `mwp audit verify`: walks the audit chain in seq order with the service's own verifier
 * (`verifyAuditLog`) and says whether it is intact. Reads only; never migrates or writes.
 * Exit codes: 0 intact, 1 tampered (the first broken entry is named), 2 bad usage or no audit log,
 * 3 the embedded database is held by another process.
 *
 * @example await runAuditVerify({ databaseUrl: 'postgres://…/mwp', expectHead: '42:ab12…', out, err }) // 0
 */
export async function runAuditVerify(o: AuditVerifyOptions): Promise<number> {
  const { parseExpectedHead } = await import('../services/audit-chain.ts')
  const expectHead = o.expectHead === undefined ? undefined : parseExpectedHead(o.expectHead)
  if (o.expectHead !== undefined && !expectHead) {
    o.err(`mwp: --expect-head must be a 64-hex SHA-256 hash or SEQ:HASH, not "${o.expectHead}"\n`)
    return 2
  }
  const { DatabaseInUseError, openDatabase } = await import('../db/database.ts')
  let databaseUrl = o.databaseUrl
  let dataDir = o.dataDir
  if (databaseUrl === undefined && dataDir === undefined) {
    const { ConfigError, loadConfig } = await import('../config.ts')
    try {
      const config = loadConfig()
      databaseUrl = config.databaseUrl
      dataDir = config.dataDir
    } catch (err) {
      if (err instanceof ConfigError) {
        o.err(`mwp: configuration error: ${err.message}\n`)
        return 2
      }
      throw err
    }
  }
  let d: OpenDatabase
  try {
    d = await openDatabase({ databaseUrl, dataDir: dataDir ?? './data', poolSize: 1 })
  } catch (err) {
    if (err instanceof DatabaseInUseError) {
      o.err(`mwp: ${err.message}\n     Or ask the running service: GET /v1/audit/verify (admin or reviewer key).\n`)
      return 3
    }
    o.err(`mwp: cannot open the database: ${(err as Error).message}\n`)
    return 2
  }
  try {
    const { verifyAuditLog } = await import('../services/audit-service.ts')
    let result: VerifyResult
    try {
      result = await verifyAuditLog(d.db, { expectHead })
    } catch (err) {
      // Exit 1 means tampered: a database that cannot be read is a different answer.
      if ((err as { code?: string }).code === '42P01')
        o.err(`mwp: the ${d.kind} database at ${d.location} has no audit log (run mwp db migrate)\n`)
      else o.err(`mwp: cannot read the audit log from the ${d.kind} database at ${d.location}: ${(err as Error).message}\n`)
      return 2
    }
    if (o.json) o.out(`${JSON.stringify(result, null, 2)}\n`)
    else if (result.ok)
      o.out(
        `audit log intact: ${result.checked} entries, head ${result.head.seq}:${result.head.hash}${expectHead ? ` (contains the expected head${expectHead.seq !== undefined ? ` at seq ${expectHead.seq}` : ''})` : ''}\n`,
      )
    else
      o.out(
        `audit log TAMPERED${result.broken!.seq !== null ? ` at entry ${result.broken!.seq}` : ''} (${result.broken!.kind}): ${result.broken!.message}\n` +
          `checked ${result.checked} entries before the break; stored head ${result.head.seq}:${result.head.hash}\n`,
      )
    return result.ok ? 0 : 1
  } finally {
    await d.close()
  }
}
