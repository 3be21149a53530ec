import fc from 'fast-check'
import { sql } from 'kysely'
import type { Test } from 'tap'
import type { TestApp } from '../helpers/test-app.ts'

// The fuzzing kit: requests built from valid bodies with one mutation (or none), run through
// app.inject on the real app and database, each answer checked against the invariants below.

/**
 * How many cases each fuzz family runs: FUZZ_RUNS, else 200 on the embedded database and 200 on a
 * PostgreSQL server (what `.ci/run` asks for). A count, never a time slice: a slow machine takes
 * longer, it does not test less. A by-hand run may ask for more (`FUZZ_RUNS=5000`).
 */
export function fuzzRuns(env: NodeJS.ProcessEnv = process.env): number {
  // The old time budget is refused rather than ignored, so that no script believes it still applies.
  for (const gone of ['FUZZ_SECONDS', 'FUZZ_CASES'])
    if (env[gone] !== undefined) throw new Error(`${gone} is no longer read: each fuzz family runs FUZZ_RUNS cases`)
  const raw = env.FUZZ_RUNS
  if (raw === undefined || raw === '') return 200
  const n = Number(raw)
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`FUZZ_RUNS must be a whole number of cases (1 or more), not ${JSON.stringify(raw)}`)
  return n
}
export const RUNS = fuzzRuns()

/**
 * A fuzz file's time-out for `families` families of RUNS cases: 2 minutes to start, plus 300 ms a
 * case (the slowest family, programmes, takes about 35 ms a case on a quiet machine).
 */
export const fuzzTimeout = (families: number) => 120_000 + families * RUNS * 300

/** Fixed seeds: a failure found in CI is found again locally (FUZZ_SEED overrides). */
export const SEED = Number(process.env.FUZZ_SEED ?? 20211005)

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
export interface Req {
  method: Method
  url: string
  headers?: Record<string, string | string[]>
  /** An object is sent as JSON; a string or Buffer as given (set a content-type). */
  payload?: unknown
  /** The JSON Pointer a mutation changed, '' for the whole body, undefined when unmutated. */
  mutated?: string
  /** Route family label for the tallies, e.g. 'POST /v1/windows'. */
  label: string
}
export interface Res {
  statusCode: number
  headers: Record<string, unknown>
  body: string
  json(): unknown
}
/** A request is built when it runs, from what earlier requests created (ids, versions, tokens). */
export type Step<S> = (s: S) => Req

// ---------------------------------------------------------------------------------------------
// Hostile values

/** SQL injection strings: each must come back as data or as a 4xx, never as a database error. */
export const SQLI = [
  "' OR '1'='1",
  "'; DROP TABLE windows; --",
  "DSP'; DELETE FROM api_keys WHERE '1'='1",
  '1; SELECT pg_sleep(10)--',
  "' UNION SELECT key_hash FROM api_keys --",
  "\"; COPY windows TO PROGRAM 'id'; --",
  '$$; DROP TABLE windows; $$',
  "\\'; DROP TABLE parties; --",
  '%27%20OR%201%3D1',
  "admin'--",
  "N' OR 1=1 /*",
  "E'\\x00'",
] as const

/** Awkward strings: control characters, lone surrogates, RTL, odd instants and zones, paths. */
export const WEIRD = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '\u202eRTL',
  '🛠️🔥',
  'x'.repeat(300),
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '{"$ne":null}',
  'NaN',
  '-0',
  '1e309',
  '9999-12-31T23:59:59Z',
  '0001-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '2021-02-30T00:00:00Z',
  '2021-11-14T00:00:00',
  '2021-11-14T24:00:00Z',
  '2021-11-14T00:00:00+24:00',
  'Etc/GMT+14',
  'Etc/GMT-14',
  'Mars/Olympus_Mons',
  'europe/london',
  'FREQ=SECONDLY',
  'FREQ=SECONDLY;INTERVAL=1',
  'P99999Y',
  'PT0S',
  '__proto__',
  'constructor',
] as const

/** A value of the wrong kind (or a hostile one of the right kind) for any field. */
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53, -(2 ** 31), 1e308, [], {}),
  fc.constantFrom(...SQLI),
  fc.constantFrom(...WEIRD),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
)
/** A string value that is hostile but still a string (for fields and query parameters). */
export const junkString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...SQLI),
  fc.constantFrom(...WEIRD),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
)

// ---------------------------------------------------------------------------------------------
// Mutations of a valid body

export interface Mutation {
  kind: 'none' | 'delete' | 'replace' | 'add' | 'body'
  pick: number
  value: unknown
}

/**
 * `none` half of the time (so most requests stay valid), else: drop a field, give it a wrong or
 * hostile value, add an unknown field, or send another body altogether.
 */
export const mutation = (validShare = 0.5): fc.Arbitrary<Mutation> =>
  fc.record({
    kind: fc.oneof(
      { weight: Math.round(validShare * 100), arbitrary: fc.constant('none' as const) },
      {
        weight: Math.round((1 - validShare) * 100),
        arbitrary: fc.constantFrom(
          'delete' as const,
          'replace' as const,
          'replace' as const,
          'replace' as const,
          'add' as const,
          'body' as const,
        ),
      },
    ),
    pick: fc.nat(),
    value: junk,
  })

/** Every JSON Pointer into a value (objects and arrays, three levels down), the root excluded. */
export function pointers(v: unknown, base = '', depth = 0): string[] {
  if (depth > 3 || v === null || typeof v !== 'object') return []
  const out: string[] = []
  for (const [k, child] of Object.entries(v as object)) {
    const p = `${base}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`
    out.push(p, ...pointers(child, p, depth + 1))
  }
  return out
}

/** Applies a mutation to a deep copy of `body`; returns the body and the pointer it changed. */
export function mutate(body: unknown, m: Mutation): { payload: unknown; mutated?: string } {
  if (m.kind === 'none') return { payload: body }
  if (m.kind === 'body') return { payload: m.value, mutated: '' }
  const copy = structuredClone(body) as Record<string, unknown>
  const paths = pointers(copy)
  if (paths.length === 0) return { payload: m.value, mutated: '' }
  const path = paths[m.pick % paths.length]!
  const keys = path
    .split('/')
    .slice(1)
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))
  const last = keys.pop()!
  let parent: Record<string, unknown> = copy
  for (const k of keys) parent = parent[k] as Record<string, unknown>
  if (m.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1)
    else delete parent[last]
  } else if (m.kind === 'replace') parent[last] = m.value
  else if (Array.isArray(parent)) parent.push(m.value)
  else parent[`x-${last}-unknown`] = m.value
  return { payload: copy, mutated: path }
}

/** A query string from an object of values (undefined skipped), each mutated value as given. */
export function qs(q: Record<string, unknown>): string {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(q))
    if (v !== undefined) p.append(k, (typeof v === 'string' ? v : JSON.stringify(v)).replace(/\p{Cs}/gu, '\ufffd'))
  const s = p.toString()
  return s ? `?${s}` : ''
}

/** Headers that do not belong to the request: awkward content types, repeats, junk auth. */
export const headerNoise = fc.oneof(
  { weight: 8, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Record<string, string | string[]>>(
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/xml' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'multipart/form-data; boundary=x' },
      { 'content-type': 'application/json; charset=latin1' },
      { 'idempotency-key': ['a', 'b'] },
      { 'idempotency-key': '' },
      { 'idempotency-key': 'x'.repeat(300) },
      { 'if-match': ['"1"', '"2"'] },
      { 'if-match': '*' },
      { 'x-request-id': 'x'.repeat(2000) },
      { accept: 'application/xml' },
      { 'accept-encoding': 'br;q=2, *;q=-1' },
      { authorization: 'Basic YWRtaW46YWRtaW4=' },
      { authorization: 'Bearer' },
      { authorization: `Bearer ${"' OR '1'='1".repeat(3)}` },
    ),
  },
)

// ---------------------------------------------------------------------------------------------
// The invariants and the run

/**
 * Counts committed row changes: a row trigger on every table (but the idempotency records, where a
 * 4xx answer is stored on purpose) adds one per row inserted, updated or deleted, and rolls back with
 * its transaction. A write answered 4xx must leave the counter where it was: nothing half-written.
 * Only in the fuzzing test's private database.
 */
async function installWriteCounter(ctx: TestApp): Promise<() => Promise<string>> {
  const tables = (
    await sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
      AND table_name NOT IN ('idempotency_records', 'kysely_migration', 'kysely_migration_lock', 'fuzz_writes')`.execute(ctx.db)
  ).rows.map((r) => r.table_name)
  await sql`CREATE TABLE IF NOT EXISTS fuzz_writes (t text PRIMARY KEY, n bigint NOT NULL)`.execute(ctx.db)
  await sql`CREATE OR REPLACE FUNCTION fuzz_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO fuzz_writes (t, n) VALUES (TG_TABLE_NAME || ' ' || TG_OP, 1) ON CONFLICT (t) DO UPDATE SET n = fuzz_writes.n + 1;
      RETURN NULL;
    END $$`.execute(ctx.db)
  for (const table of tables)
    await sql
      .raw(`CREATE OR REPLACE TRIGGER fuzz_count AFTER INSERT OR UPDATE OR DELETE ON "${table}" FOR EACH ROW EXECUTE FUNCTION fuzz_count()`)
      .execute(ctx.db)
  return async () =>
    (await sql<{ t: string; n: string }>`SELECT t, n FROM fuzz_writes ORDER BY t`.execute(ctx.db)).rows
      .map((r) => `${r.t}=${r.n}`)
      .join(', ')
}

const JSON_POINTER = /^(\/([^~/]|~[01])*)*$/

/** Checks one answer; returns what is wrong, or null. */
export function violation(req: Req, res: Res): string | null {
  if (res.statusCode >= 500) return `a ${res.statusCode}`
  if (res.statusCode < 400) return null
  const ct = String(res.headers['content-type'] ?? '')
  if (!ct.startsWith('application/problem+json')) return `a ${res.statusCode} as ${ct || 'no content type'}, not problem+json`
  if (req.method === 'HEAD') return null
  let p: Record<string, unknown>
  try {
    p = res.json() as Record<string, unknown>
  } catch {
    return 'a problem body that is not JSON'
  }
  if (typeof p.type !== 'string' || !p.type) return 'a problem without type'
  if (typeof p.title !== 'string' || !p.title) return 'a problem without title'
  if (p.status !== res.statusCode) return `a problem whose status ${String(p.status)} is not the answer's ${res.statusCode}`
  if (p.code === 'validation-failed') {
    const errors = p.errors as { pointer?: unknown; in?: unknown; message?: unknown }[] | undefined
    if (!Array.isArray(errors) || errors.length === 0) return 'a validation problem without errors'
    for (const e of errors)
      if (typeof e.pointer !== 'string' || !JSON_POINTER.test(e.pointer) || typeof e.in !== 'string' || typeof e.message !== 'string')
        return `a validation error that is not {pointer, in, message}: ${JSON.stringify(e)}`
    // A mutated field of a body that is still an object must be named: some pointer is not the root.
    if (req.mutated && typeof req.payload === 'object' && req.payload !== null && !Array.isArray(req.payload))
      if (!errors.some((e) => e.pointer !== '')) return 'a validation problem naming no field'
  }
  return null
}

export interface Tally {
  /** Property runs that completed: each sent one request and checked its answer. */
  cases: number
  ok: number
  ms: number
  byStatus: Record<string, number>
  byLabel: Record<string, { n: number; ok: number; ms: number }>
  /** The slowest case and its number (the first ones pay for a cold process), to see what makes a family slow. */
  slowest: { label: string; ms: number; status: number; n: number }
}

/**
 * Runs RUNS cases of `arb` (fast-check, fixed seed), checking every answer: never a 5xx; every 4xx
 * problem+json with type, title, status, and for validation errors JSON Pointers naming the field;
 * a write answered 4xx commits no row. Logs `fuzz <family>: N cases in S s`, the share of 2xx and
 * the answers by status and route; asserts that all RUNS cases ran (counted inside the property),
 * that none of its requests was still running when it returned, and that the 2xx share is at
 * least `minOk`.
 *
 * There is no time limit: fast-check's `interruptAfterTimeLimit` abandons the run in flight, whose
 * request then commits while the next family counts its writes (admin.test.ts failed so). Each case
 * awaits its request, so when fc.assert returns nothing of this family is still running.
 *
 * @example await fuzz(t, 'windows', ctx, state, fc.oneof(create, patch))
 */
export async function fuzz<S>(
  t: Test,
  family: string,
  ctx: TestApp,
  state: S,
  arb: fc.Arbitrary<Step<S>>,
  opts: {
    seed?: number
    minOk?: number
    /** Nothing in this family writes (dry runs): the write counter must never move. */
    readOnly?: boolean
    onAnswer?: (s: S, req: Req, res: Res) => void
    /** Cases to run (RUNS unless given; for the kit's own tests). */
    runs?: number
  } = {},
): Promise<Tally> {
  const runs = opts.runs ?? RUNS
  const writes = await installWriteCounter(ctx)
  const tally: Tally = { cases: 0, ok: 0, ms: 0, byStatus: {}, byLabel: {}, slowest: { label: '', ms: 0, status: 0, n: 0 } }
  /** Cases started and not finished (their request, write counts and bookkeeping): empty between cases. */
  const running = new Set<Promise<unknown>>()
  let before: string | null = null
  let counterSeen: boolean | null = null
  let failure: string | null = null
  const t0 = performance.now()
  const one = async (req: Req) => {
    const write = opts.readOnly || (req.method !== 'GET' && req.method !== 'HEAD')
    if (write && before === null) before = await writes()
    const started = performance.now()
    const res = (await ctx.app.inject({
      method: req.method,
      url: req.url,
      ...(req.headers ? { headers: req.headers as Record<string, string> } : {}),
      ...(req.payload !== undefined ? { payload: req.payload as string } : {}),
    })) as unknown as Res
    const okay = res.statusCode < 300
    if (okay) tally.ok++
    tally.byStatus[res.statusCode] = (tally.byStatus[res.statusCode] ?? 0) + 1
    const l = (tally.byLabel[req.label] ??= { n: 0, ok: 0, ms: 0 })
    const took = performance.now() - started
    l.ms += took
    if (took > tally.slowest.ms) tally.slowest = { label: req.label, ms: took, status: res.statusCode, n: tally.cases + 1 }
    l.n++
    if (okay) l.ok++
    const wrong = violation(req, res)
    const show = () =>
      `${req.method} ${req.url.slice(0, 300)}\nheaders ${JSON.stringify(req.headers ?? {}).slice(0, 300)}\nbody ${
        typeof req.payload === 'string' ? req.payload.slice(0, 600) : JSON.stringify(req.payload)?.slice(0, 600)
      }\n→ ${res.statusCode} ${res.body.slice(0, 600)}`
    if (wrong) {
      failure = `${family}: ${wrong}\n${show()}`
      throw new Error(failure)
    }
    if (write) {
      if (res.statusCode >= 400 || opts.readOnly) {
        const after = await writes()
        if (after !== before) {
          failure = `${family}: a ${res.statusCode} wrote rows\nbefore ${before}\nafter  ${after}\n${show()}`
          throw new Error(failure)
        }
        // Counted again before the next write: building the next request may itself write (a key for
        // a role is made on first use), and that must not be blamed on the request after it.
        before = null
      } else {
        // The counter itself is checked: a successful write must move it.
        if (counterSeen === null) counterSeen = (await writes()) !== before
        before = null
      }
    } else if (res.statusCode < 300) before = null
    opts.onAnswer?.(state, req, res)
  }
  const prop = fc.asyncProperty(arb, async (step) => {
    let req: Req | undefined
    const run = (async () => {
      req = step(state)
      await one(req)
      tally.cases++
    })()
    running.add(run)
    try {
      await run
    } catch (err) {
      failure ??= `${family}: ${(err as Error).stack ?? String(err)}\n${req ? `${req.method} ${req.url.slice(0, 300)}` : ''}`
      throw err
    } finally {
      running.delete(run)
    }
  })
  try {
    await fc.assert(prop, { seed: opts.seed ?? SEED, numRuns: runs, endOnFailure: true })
  } catch (err) {
    t.fail(failure ?? (err as Error).message)
  }
  // fc.assert awaited every case, so this is empty; were it not, the next family would see its writes.
  const abandoned = running.size
  await Promise.allSettled([...running])
  tally.ms = performance.now() - t0
  const ratio = tally.cases ? tally.ok / tally.cases : 0
  t.comment(
    `fuzz ${family}: ${tally.cases} cases in ${(tally.ms / 1000).toFixed(1)} s, ${(ratio * 100).toFixed(1)} % 2xx; ` +
      `by status ${JSON.stringify(tally.byStatus)}`,
  )
  t.comment(
    `  by route: ${Object.entries(tally.byLabel)
      .map(([k, v]) => `${k} ${v.ok}/${v.n} (${(v.ms / v.n).toFixed(1)} ms)`)
      .join(', ')}; slowest case #${tally.slowest.n} ${tally.slowest.label} → ${tally.slowest.status} in ${tally.slowest.ms.toFixed(0)} ms`,
  )
  // 200 cases a minute is what CI can afford for every family (.ci/run); a slower one needs cheaper cases.
  if (tally.cases && (tally.ms / tally.cases) * 200 > 60_000)
    t.comment(`  fuzz ${family} is slow: ${(((tally.ms / tally.cases) * 200) / 1000).toFixed(0)} s per 200 cases; make its cases cheaper`)
  t.equal(abandoned, 0, `${family}: every case (and its request) had finished when the property returned`)
  if (counterSeen !== null && !opts.readOnly) t.ok(counterSeen, `${family}: the write counter saw the first successful write`)
  t.ok(tally.cases >= runs, `${family}: ran ${tally.cases} of the ${runs} cases asked for (FUZZ_RUNS)`)
  t.ok(
    ratio >= (opts.minOk ?? 0.3),
    `${family}: ${(ratio * 100).toFixed(1)} % of requests succeeded (at least ${(opts.minOk ?? 0.3) * 100} %)`,
  )
  return tally
}

/** `arb` with probability `p`, else null. @example sometimes(fc.uuid(), 0.2) */
export const sometimes = <T>(arb: fc.Arbitrary<T>, p: number): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: Math.round(p * 100), arbitrary: arb }, { weight: Math.round((1 - p) * 100), arbitrary: fc.constant(null) })

/** encodeURIComponent, except that a lone surrogate becomes the invalid UTF-8 bytes it would be. */
export function enc(v: string): string {
  try {
    return encodeURIComponent(v)
  } catch {
    return `%ED%A0%80${encodeURIComponent(v.replace(/\p{Cs}/gu, ''))}`
  }
}

/** Picks from a list by a generated number (lists grow while the run goes on). */
export const pick = <T>(xs: readonly T[], n: number): T | undefined => (xs.length ? xs[n % xs.length] : undefined)
