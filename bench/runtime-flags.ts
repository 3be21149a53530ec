/**
 * The Node options `npm start` gives the service (package.json's `start` script), so that benchmarks
 * measure under the service's runtime settings.
 *
 * @example RUNTIME_FLAGS // ['--max-semi-space-size=64']
 */
import { readFileSync } from 'node:fs'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }

export const RUNTIME_FLAGS: readonly string[] = pkg.scripts.start.split(/\s+/).filter((t) => t.startsWith('--'))
