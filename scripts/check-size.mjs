#!/usr/bin/env node
// Keeps every room small enough to hold in your head (issue 20): no source file over 600 lines, and no
// function (declaration, expression, arrow or method) over 120 lines in the pure layers, where the rules
// live: src/domain, src/reports and src/feeds. Lines are counted as `wc -l` and an editor count them,
// from a function's first line to its last. Exits 1 naming every file and function over its limit.
//
// Example: `node scripts/check-size.mjs` → 'src/domain/slots.ts: 1234 lines (limit 600)'.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import ts from 'typescript'

const MAX_FILE_LINES = 600
const MAX_FUNCTION_LINES = 120
const FUNCTION_LIMITED = ['src/domain/', 'src/reports/', 'src/feeds/']
const root = resolve(new URL('..', import.meta.url).pathname)
// The planning board's page code (board/src, issue 22) is held to the same file limit.
const folders = ['src', 'board/src']

const files = []
const walk = (d) => {
  for (const f of readdirSync(d)) {
    const p = join(d, f)
    if (statSync(p).isDirectory()) walk(p)
    else if (/\.(ts|tsx)$/.test(p)) files.push(p)
  }
}
for (const f of folders) walk(join(root, f))

/** The name a reader would search for: `name`, `Class.method`, or `(arrow at line N)`. */
function nameOf(node, sf) {
  const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1
  if (node.name && ts.isIdentifier(node.name)) return node.name.text
  const p = node.parent
  if (p && ts.isVariableDeclaration(p) && ts.isIdentifier(p.name)) return p.name.text
  if (p && ts.isPropertyAssignment(p) && p.name) return p.name.getText(sf)
  return `(function at line ${line})`
}

const problems = []
for (const file of files) {
  const rel = relative(root, file)
  const text = readFileSync(file, 'utf8')
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0)
  if (lines > MAX_FILE_LINES) problems.push(`${rel}: ${lines} lines (limit ${MAX_FILE_LINES})`)
  if (!FUNCTION_LIMITED.some((p) => rel.startsWith(p))) continue
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line
      const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line
      const n = last - first + 1
      if (n > MAX_FUNCTION_LINES)
        problems.push(`${rel}:${first + 1}: function ${nameOf(node, sf)} is ${n} lines (limit ${MAX_FUNCTION_LINES})`)
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
}
if (problems.length) {
  console.error(
    `Rooms too big (files over ${MAX_FILE_LINES} lines in src/, functions over ${MAX_FUNCTION_LINES} lines in domain, reports, feeds):`,
  )
  for (const p of problems) console.error(`  ${p}`)
  process.exit(1)
}
console.log(
  `sizes ok: ${files.length} files ≤ ${MAX_FILE_LINES} lines, functions in domain, reports and feeds ≤ ${MAX_FUNCTION_LINES} lines`,
)
