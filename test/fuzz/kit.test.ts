import t from 'tap'
import { fuzzRuns } from './kit.ts'

// The fuzz budget is a number of cases: FUZZ_RUNS, 200 when unset; the old time budget is refused.

t.test('FUZZ_RUNS: a whole number of cases, 200 when unset', async (t) => {
  t.equal(fuzzRuns({}), 200)
  t.equal(fuzzRuns({ FUZZ_RUNS: '' }), 200)
  t.equal(fuzzRuns({ FUZZ_RUNS: '50' }), 50)
  t.equal(fuzzRuns({ FUZZ_RUNS: '5000' }), 5000)
  for (const bad of ['0', '-1', '1.5', 'many', '1e400'])
    t.throws(() => fuzzRuns({ FUZZ_RUNS: bad }), /FUZZ_RUNS must be a whole number of cases/, `FUZZ_RUNS=${bad} is refused`)
})

t.test('the old time budget is refused, not silently ignored', async (t) => {
  t.throws(() => fuzzRuns({ FUZZ_SECONDS: '5' }), /FUZZ_SECONDS is no longer read/)
  t.throws(() => fuzzRuns({ FUZZ_CASES: '300', FUZZ_RUNS: '300' }), /FUZZ_CASES is no longer read/)
})
