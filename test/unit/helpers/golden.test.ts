import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'
import { golden } from '../../helpers/golden.ts'

const dir = mkdtempSync(join(tmpdir(), 'mwp-golden-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const url = (name: string) => pathToFileURL(join(dir, name))

t.test('a missing golden file is an error, and is not written', async (t) => {
  t.throws(() => golden(url('missing.txt'), 'new text', {}), /golden file .*missing\.txt is missing: write it with UPDATE_GOLDEN=1/)
  t.notOk(existsSync(join(dir, 'missing.txt')), 'nothing written')
  t.throws(() => golden(url('missing.txt'), 'new text', { UPDATE_GOLDEN: 'true' }), /is missing/, 'only UPDATE_GOLDEN=1 writes')
})

t.test('an existing golden file is read, never overwritten without UPDATE_GOLDEN=1', async (t) => {
  writeFileSync(join(dir, 'pinned.txt'), 'pinned')
  t.equal(golden(url('pinned.txt'), 'changed', {}), 'pinned')
  t.equal(readFileSync(join(dir, 'pinned.txt'), 'utf8'), 'pinned')
})

t.test('UPDATE_GOLDEN=1 writes the file (and its directory) first', async (t) => {
  t.equal(golden(url('sub/new.txt'), 'fresh', { UPDATE_GOLDEN: '1' }), 'fresh')
  t.equal(readFileSync(join(dir, 'sub/new.txt'), 'utf8'), 'fresh')
  t.equal(golden(url('pinned.txt'), 'changed', { UPDATE_GOLDEN: '1' }), 'changed')
})
