/**
 * The README's first steps, run as a new user runs them: `npm run demo` (finding the service by PORT,
 * as `npm start` was told), then the curl walk-through (`examples/walkthrough.sh`, with curl and jq),
 * then the demo again; and the walk-through the README shows is that file, byte for byte.
 */
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { ROOT, serviceDatabaseEnv, startService } from '../helpers/subprocess.ts'

const SCRIPT = 'examples/walkthrough.sh'

t.test('the walk-through shown in the README is examples/walkthrough.sh', async (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('### A walk through the API with curl'))
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1]
  t.equal(block, readFileSync(join(ROOT, SCRIPT), 'utf8'), 'the first bash block of the section is the script')
})

interface Ran {
  code: number | null
  out: string
  err: string
}
/** Runs a command from the repository root with a clean environment (PATH, HOME and `env`). */
function run(command: string, args: string[], env: Record<string, string>): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env } })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('exit', (code) => resolve({ code, out, err }))
  })
}

t.test('npm run demo, then the walk-through, then the demo again: every step succeeds', async (t) => {
  for (const tool of ['curl', 'jq', 'bash'])
    t.equal(spawnSync(tool, ['--version']).status, 0, `${tool} is installed (the walk-through needs it)`)
  // `npm run demo` runs the compiled dist/ (as a user's does after npm ci); CI builds it before the suites.
  if (process.env.MWP_TEST_BUILT !== '1') {
    const built = await run('npm', ['run', 'build'], {})
    t.equal(built.code, 0, `npm run build: ${built.err}`)
    process.env.MWP_TEST_BUILT = '1' // the service below runs dist/ too
  }
  const adminKey = 'readme-admin-key-0123456789abcdef'
  const dbEnv = await serviceDatabaseEnv()
  t.teardown(() => dbEnv.cleanup())
  const svc = await startService({ ...dbEnv.env, ADMIN_API_KEY: adminKey }, 60_000)
  t.teardown(() => void svc.child.kill('SIGKILL'))
  // As the README says: the same PORT and HOST as npm start was given; no --server.
  const demoEnv = { PORT: String(svc.port), HOST: '127.0.0.1', MWP_API_KEY: adminKey }

  const demo = await run('npm', ['run', '--silent', 'demo'], demoEnv)
  t.equal(demo.code, 0, `npm run demo: ${demo.err}`)
  t.match(demo.out, /^ 1 {2}DSP-TR-01 2021-11-14T00:00 {2}red/m)
  t.match(demo.out, /^14 {2}DSP-TR-14 2022-07-/m, 'all 14 windows')
  t.match(demo.out, /2 breaches, 10 breaches on an assumed limit .* and 11 objections\./)

  const walk = await run('bash', [SCRIPT], { ADMIN: adminKey, MWP: svc.base })
  t.equal(walk.code, 0, `bash ${SCRIPT} exits 0 (set -euo pipefail: every curl and jq -e succeeded): ${walk.err}`)
  t.equal(walk.err, '', 'nothing on standard error')
  const lines = walk.out.trim().split('\n')
  t.match(walk.out, /^DSP-WALK-01: .*deadline for November 2021/m, 'the create answer carries its findings')
  t.match(walk.out, /^ETag: "1"$/m, 'the ETag read from the window')
  const patched = lines.indexOf('ETag: "1"') + 1
  t.same(lines.slice(patched, patched + 2), ['2', '"2021-11-21T05:00:00.000Z"'], 'the PATCH made version 2 with the new end')
  t.match(walk.out, /"field":"end","old":"2021-11-21T06:00:00.000Z","new":"2021-11-21T05:00:00.000Z"/, 'the history shows the edit')
  t.match(walk.out, /^\{"month":"2021-11","plannedMinutes":720,"status":"breach"\}$/m, 'the dry run shows the months')

  const again = await run('npm', ['run', '--silent', 'demo'], demoEnv)
  t.equal(again.code, 0, `npm run demo again: ${again.err}`)
  t.match(again.out, /already loaded; showing it again/)
  t.match(again.out, /^14 {2}DSP-TR-14 2022-07-/m, 'all 14 windows again, not 1')
})
