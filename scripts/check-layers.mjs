#!/usr/bin/env node
// Keeps the dependency direction written in the README: http → services → (domain, db, feeds, reports);
// domain imports nothing else of ours; feeds and reports import only domain; nothing imports http or cli
// but the composition roots (server.ts, cli/). Exits 1 naming every import that points the wrong way.
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
  http: ['http', 'services', 'domain', 'feeds', 'reports', 'db', 'config.ts'],
  cli: ['*'],
  'server.ts': ['*'],
  'config.ts': [],
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
      if (ok && !ok.includes('*') && !ok.includes(to))
        problems.push(`${relative(root, file)} (${layer}) imports ${relative(root, target)} (${to})`)
    } else if (forbiddenPackages[layer]?.some((p) => spec === p || spec.startsWith(`${p}/`))) {
      problems.push(`${relative(root, file)} (${layer}) imports the package ${spec}`)
    }
    if (/process\.env/.test(text) && layer !== 'config.ts') problems.push(`${relative(root, file)} reads process.env (only config.ts may)`)
  }
}
const unique = [...new Set(problems)]
if (unique.length) {
  console.error(`Layer check: ${unique.length} import(s) point the wrong way:\n  ${unique.join('\n  ')}`)
  process.exit(1)
}
console.log(`Layer check: ${files.length} files, dependencies point one way.`)
