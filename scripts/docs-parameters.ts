/**
 * Writes docs/parameters.md, the table of every shipped parameter with its value, label and source,
 * from the code (src/reports/parameters-table.ts). `--check` exits 1 when the file is stale.
 *
 * Usage: npm run docs:parameters [-- --check]
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { parametersTable } from '../src/reports/parameters-table.ts'

const file = new URL('../docs/parameters.md', import.meta.url)
const text = parametersTable()
if (process.argv.includes('--check')) {
  let current = ''
  try {
    current = readFileSync(file, 'utf8')
  } catch {
    // missing: stale
  }
  if (current !== text) {
    console.error('docs/parameters.md is stale: run npm run docs:parameters')
    process.exit(1)
  }
} else {
  writeFileSync(file, text)
  console.log('wrote docs/parameters.md')
}
