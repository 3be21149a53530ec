import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * The pinned text of a golden file, to compare `actual` with. A missing file is an error, never
 * recreated: a deleted or misnamed golden file would otherwise pin whatever the code now writes.
 * Only with `UPDATE_GOLDEN=1` is `actual` written first (then review the diff and commit it).
 *
 * @example t.equal(ics, golden(new URL('feed-utc.ics', goldenDir), ics), 'byte for byte')
 */
export function golden(file: URL, actual: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.UPDATE_GOLDEN === '1') {
    mkdirSync(new URL('.', file), { recursive: true })
    writeFileSync(file, actual)
  } else if (!existsSync(file))
    throw new Error(`golden file ${fileURLToPath(file)} is missing: write it with UPDATE_GOLDEN=1, review it and commit it`)
  return readFileSync(file, 'utf8')
}
