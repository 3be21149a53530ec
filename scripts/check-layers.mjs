#!/usr/bin/env node
// Keeps the dependency direction written in the README: http → services → (domain, db, feeds, reports);
// domain imports nothing else of ours; feeds and reports import only domain; http reaches the database
// only through services; schemas (the input shapes HTTP and the command line share) import only zod,
// luxon and domain; cli is a composition root over services and never imports http. Exits 1 naming
// every import that points the wrong way.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve, dirname } from 'node:path'

const root = resolve(new URL('..', import.meta.url).pathname)
const src = join(root, 'src')
const allowed = {
  domain: ['domain'],
  feeds: ['feeds', 'domain'],
  reports: ['reports', 'domain'],
  db: ['db', 'domain'],
  services: ['services', 'domain', 'db', 'feeds', 'reports'],
  schemas: ['schemas', 'domain'],
  http: ['http', 'services', 'schemas', 'domain', 'feeds', 'reports', 'config.ts'],
  // A composition root like server.ts, but a shell over services: it opens the database and shares
  // input schemas with the API, and never goes through the HTTP layer's routes or schemas.
  cli: ['cli', 'services', 'schemas', 'domain', 'db', 'feeds', 'reports', 'config.ts'],
  'server.ts': ['*'],
  'config.ts': [],
}
// http → db imports not yet moved behind a service (issue 20): the app's `Db` dependency, the metrics
// plugin's pool and outbox gauges, the readiness probe. Named file by file so that no new one creeps in.
const exceptions = {
  'src/http/app.ts': ['src/db/database.ts'],
  'src/http/plugins/metrics.ts': ['src/db/database.ts'],
  'src/http/routes/health-routes.ts': ['src/db/database.ts', 'src/db/migrator.ts'],
}
// Packages a layer may import at all (where the layer has such a list).
const onlyPackages = {
  schemas: ['zod', 'luxon'],
}
const forbiddenPackages = {
  domain: ['fastify', 'kysely', 'pg', '@electric-sql/pglite', 'node:fs', 'node:net', 'node:http'],
  feeds: ['fastify', 'kysely', 'pg'],
  reports: ['fastify', 'kysely', 'pg'],
}

const layerOf = (file) => relative(src, file).split('/')[0]
const files = []
const walk = (d) => {
  for (const f of readdirSync(d)) {
    const p = join(d, f)
    if (statSync(p).isDirectory()) walk(p)
    else if (p.endsWith('.ts')) files.push(p)
  }
}
walk(src)
const problems = []
for (const file of files) {
  const layer = layerOf(file)
  const text = readFileSync(file, 'utf8')
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
    const spec = m[1]
    if (spec.startsWith('.')) {
      const target = resolve(dirname(file), spec)
      if (!target.startsWith(src)) {
        if (layer !== 'db') problems.push(`${relative(root, file)} imports ${spec}, outside src/`)
        continue
      }
      const to = layerOf(target)
      const ok = allowed[layer]
      if (exceptions[relative(root, file)]?.includes(relative(root, target))) continue
      if (ok && !ok.includes('*') && !ok.includes(to))
        problems.push(`${relative(root, file)} (${layer}) imports ${relative(root, target)} (${to})`)
    } else if (
      forbiddenPackages[layer]?.some((p) => spec === p || spec.startsWith(`${p}/`)) ||
      (onlyPackages[layer] && !onlyPackages[layer].some((p) => spec === p || spec.startsWith(`${p}/`)))
    ) {
      problems.push(`${relative(root, file)} (${layer}) imports the package ${spec}`)
    }
    if (/process\.env/.test(text) && layer !== 'config.ts') problems.push(`${relative(root, file)} reads process.env (only config.ts may)`)
  }
}
// The planning board (board/src, bundled for the browser): its own files, the domain's pure time
// functions (one zone clock for the page and the engine), its window field list, and the packages
// preact and luxon only.
const board = join(root, 'board', 'src')
const boardFiles = []
const walkBoard = (d) => {
  for (const f of readdirSync(d)) {
    const p = join(d, f)
    if (statSync(p).isDirectory()) walkBoard(p)
    else if (/\.tsx?$/.test(p)) boardFiles.push(p)
  }
}
walkBoard(board)
// The domain's pure modules the board may share: the zone clock, and window.ts for its one list of
// submitter fields (it imports only time.ts; the bundler keeps only what the board uses).
const BOARD_MAY_IMPORT = [board, join(src, 'domain', 'time.ts'), join(src, 'domain', 'window.ts')]
for (const file of boardFiles) {
  const text = readFileSync(file, 'utf8')
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)) {
    const spec = m[1] ?? m[2]
    if (spec.startsWith('.')) {
      const target = resolve(dirname(file), spec)
      if (!BOARD_MAY_IMPORT.some((p) => target === p || target.startsWith(`${p}/`)))
        problems.push(
          `${relative(root, file)} (board) imports ${relative(root, target)}: only board/src, src/domain/time.ts and src/domain/window.ts`,
        )
    } else if (!['preact', 'luxon'].some((p) => spec === p || spec.startsWith(`${p}/`))) {
      problems.push(`${relative(root, file)} (board) imports the package ${spec}`)
    }
  }
}
const unique = [...new Set(problems)]
if (unique.length) {
  console.error(`Layer check: ${unique.length} import(s) point the wrong way:\n  ${unique.join('\n  ')}`)
  process.exit(1)
}
console.log(`Layer check: ${files.length} files and ${boardFiles.length} board files, dependencies point one way.`)
