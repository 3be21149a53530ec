import { readFileSync } from 'node:fs'
import t from 'tap'
import { parametersTable } from '../../../src/reports/parameters-table.ts'
import { ROOT } from '../../helpers/subprocess.ts'

t.test('docs/parameters.md is the table the code generates (run npm run docs:parameters when this fails)', async (t) => {
  t.equal(readFileSync(`${ROOT}/docs/parameters.md`, 'utf8'), parametersTable())
})

t.test('the table lists every parameter with its label', async (t) => {
  const text = parametersTable()
  t.match(text, '| `/seasonal/winter/from` | 10-01 | inferred |')
  t.match(text, '| `/seasonal/highTopUp/christmas-new-year` | 12-15 to 01-05 | assumed |')
  t.match(text, '| `/seasonal/highTopUp/november-top-up` | 11-01 to 11-30 | paraphrase |')
  t.match(text, '| `/N/prepaymentShare` | 0.13 | inferred |')
  t.match(text, '| `/cap/minutesPerMonth` | 360 | assumed |')
})
