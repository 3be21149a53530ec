#!/usr/bin/env node
// Builds the planning board (GET /board) into dist/board: one script and one stylesheet bundled by
// esbuild from board/src (TSX, Preact), named by a hash of their content, a gzipped copy of each, and
// index.html naming them. Nothing is fetched: everything comes from node_modules. Prints each file's
// size and fails when the scripts exceed the budget (150 KB gzipped, issue 22).
//
// Example: `node board/build.mjs` → 'board: dist/board/assets/board-3KQ2XH7C.js 98.1 KB, 31.4 KB gzipped …'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import * as esbuild from 'esbuild'

const SCRIPT_BUDGET_GZ = 150 * 1024
const root = resolve(new URL('..', import.meta.url).pathname)
const out = join(root, 'dist', 'board')
rmSync(out, { recursive: true, force: true })
mkdirSync(join(out, 'assets'), { recursive: true })

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: ['board/src/main.tsx'],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome109', 'firefox115', 'safari16'],
  minify: true,
  legalComments: 'none',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: join(out, 'assets'),
  entryNames: 'board-[hash]',
  assetNames: 'board-[hash]',
  metafile: true,
  logLevel: 'warning',
})

const kb = (n) => `${(n / 1024).toFixed(1)} KB`
let scriptsGz = 0
const names = {}
for (const file of Object.keys(result.metafile.outputs)) {
  const path = resolve(root, file)
  const body = readFileSync(path)
  const gz = gzipSync(body, { level: 9 })
  writeFileSync(`${path}.gz`, gz)
  const name = basename(path)
  if (name.endsWith('.js')) {
    scriptsGz += gz.length
    names.js = name
  } else if (name.endsWith('.css')) names.css = name
  console.log(`board: dist/board/assets/${name} ${kb(body.length)}, ${kb(gz.length)} gzipped`)
}
if (!names.js || !names.css) throw new Error('board: the build gave no script or no stylesheet')

// The favicon is an empty data: URL (img-src allows data:), so the browser asks for no /favicon.ico.
const html = `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Planning board · Maintenance Window Planner</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/board/assets/${names.css}">
<script type="module" src="/board/assets/${names.js}"></script>
</head>
<body>
<div id="app"><noscript>The planning board needs JavaScript.</noscript></div>
</body>
</html>
`
writeFileSync(join(out, 'index.html'), html)
writeFileSync(join(out, 'index.html.gz'), gzipSync(html, { level: 9 }))
console.log(`board: scripts ${kb(scriptsGz)} gzipped (budget ${kb(SCRIPT_BUDGET_GZ)})`)
if (scriptsGz > SCRIPT_BUDGET_GZ) {
  console.error(`board: the scripts are ${kb(scriptsGz)} gzipped, over the ${kb(SCRIPT_BUDGET_GZ)} budget`)
  process.exit(1)
}
