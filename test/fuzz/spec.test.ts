import fc from 'fast-check'
import t from 'tap'
import { aWindow, buildTestApp } from '../helpers/test-app.ts'
import { enc, fuzzTimeout, junkString, mutate, mutation, type Req, type Res, RUNS, SEED, violation } from './kit.ts'

// Spec-driven fuzzing: the requests are built from the served OpenAPI document itself (the schemas
// of each operation's parameters and request body), mostly valid, now and then with one value
// replaced by a hostile one, and sent with a valid key. Every answer goes through the contract
// check of the test app (status, media type and body as documented) and kit.ts's invariants (no
// 5xx, problem+json with type, title, status and pointers). A fixed number of cases is run.

// Cases to run: kit.ts RUNS (FUZZ_RUNS, default 200); fewer made is a failure.
t.setTimeout(fuzzTimeout(1))

type Schema = Record<string, unknown>
interface Parameter {
  name: string
  in: 'path' | 'query' | 'header'
  required?: boolean
  schema: Schema
}
interface Operation {
  parameters?: Parameter[]
  requestBody?: { content: Record<string, { schema: Schema }> }
}

/** The operations fuzzed: every read with parameters, and the writes that need no prior version. */
const OPERATIONS = [
  'GET /v1/windows',
  'GET /v1/windows/{id}',
  'GET /v1/windows/{id}/history',
  'GET /v1/windows/{id}/assessment',
  'GET /v1/windows/{id}/notices',
  'GET /v1/schedules/{month}',
  'GET /v1/availability',
  'GET /v1/slots',
  'GET /v1/audit',
  'GET /v1/reports/compliance',
  'GET /v1/blackouts/state',
  'GET /v1/calendars/{calendar}',
  'GET /v1/programmes/{id}/assessment',
  'GET /v1/webhooks/{id}/deliveries',
  'GET /problems/{code}',
  'POST /v1/assessments',
  'POST /v1/windows',
] as const

const ctx = await buildTestApp(t)
const doc = (await ctx.app.inject({ url: '/openapi.json' })).json() as {
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Schema> }
}
const created = await ctx.app.inject({ method: 'POST', url: '/v1/windows', headers: ctx.admin, payload: aWindow({ reference: 'SPEC-1' }) })
t.equal(created.statusCode, 201, 'a window for the id parameters to find')
const knownId = created.json().id as string

const MIN_INSTANT = Date.parse('2020-01-01T00:00:00Z')
const MAX_INSTANT = Date.parse('2023-12-31T00:00:00Z')
const instant = fc.integer({ min: MIN_INSTANT / 60_000, max: MAX_INSTANT / 60_000 }).map((m) => new Date(m * 60_000).toISOString())

/**
 * Values a JSON Schema (the document's subset: $ref, anyOf, enum, types, formats, patterns, bounds)
 * accepts; strings, arrays and nesting are kept short.
 *
 * @example fc.sample(fromSchema({ type: 'string', format: 'uuid' }), 1) // ['…-…']
 */
function fromSchema(s: Schema, depth = 0): fc.Arbitrary<unknown> {
  if (typeof s.$ref === 'string') return fromSchema(doc.components.schemas[s.$ref.split('/').pop()!] ?? {}, depth)
  const alternatives = (s.anyOf ?? s.oneOf) as Schema[] | undefined
  if (alternatives) return fc.oneof(...alternatives.map((a) => fromSchema(a, depth)))
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]))
  if ('const' in s) return fc.constant(s.const)
  const example = 'example' in s ? [fc.constant(s.example)] : []
  switch (s.type) {
    case 'string': {
      let base: fc.Arbitrary<string>
      if (s.format === 'uuid') base = fc.uuid()
      else if (s.format === 'date-time') base = instant
      else if (typeof s.pattern === 'string') base = fc.stringMatching(new RegExp(s.pattern)).filter((x) => x.length <= 200)
      else base = fc.string({ minLength: Number(s.minLength ?? 0), maxLength: Math.min(Number(s.maxLength ?? 20), 20) })
      return example.length ? fc.oneof(example[0]!, base) : base
    }
    case 'integer':
      return fc.integer({ min: Math.max(Number(s.minimum ?? -1000), -1e6), max: Math.min(Number(s.maximum ?? 1000), 1e6) })
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: Number(s.minimum ?? -1e6), max: Number(s.maximum ?? 1e6) })
    case 'boolean':
      return fc.boolean()
    case 'null':
      return fc.constant(null)
    case 'array':
      return depth > 3
        ? fc.constant([])
        : fc.array(fromSchema((s.items as Schema) ?? {}, depth + 1), {
            minLength: Number(s.minItems ?? 0),
            maxLength: Math.max(Number(s.minItems ?? 0), Math.min(Number(s.maxItems ?? 3), 3)),
          })
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, Schema>
      if (depth > 3 || !Object.keys(props).length) return fc.constant({})
      return fc.record(Object.fromEntries(Object.entries(props).map(([k, v]) => [k, fromSchema(v, depth + 1)])), {
        requiredKeys: ((s.required as string[] | undefined) ?? []).filter((k) => k in props),
      })
    }
    default:
      return fc.jsonValue({ maxDepth: 2 })
  }
}

/** A query or path value: the schema's own, its example, a known id, or (one in eight) hostile text. */
function parameterValue(p: Parameter): fc.Arbitrary<unknown> {
  const own = p.name === 'id' && p.in === 'path' ? fc.oneof(fc.constant(knownId), fromSchema(p.schema)) : fromSchema(p.schema)
  return fc.oneof({ weight: 7, arbitrary: own }, { weight: 1, arbitrary: junkString })
}

function operationArbitrary(key: (typeof OPERATIONS)[number]): fc.Arbitrary<Req> {
  const [method, path] = key.split(' ') as ['GET' | 'POST', string]
  const op = doc.paths[path]?.[method.toLowerCase()]
  if (!op) throw new Error(`${key} is not in the document`)
  const params = (op.parameters ?? []).filter((p) => p.in === 'path' || p.in === 'query')
  const values = fc.record(
    Object.fromEntries(
      params.map((p) => [
        `${p.in}:${p.name}`,
        p.required || p.in === 'path' ? parameterValue(p) : fc.option(parameterValue(p), { nil: undefined }),
      ]),
    ),
  )
  const schema = op.requestBody?.content['application/json']?.schema
  const body = schema ? fc.tuple(fromSchema(schema), mutation(0.7)).map(([b, m]) => mutate(b, m)) : fc.constant(undefined)
  return fc.tuple(values, body).map(([v, b]): Req => {
    let url = path
    const query = new URLSearchParams()
    for (const p of params) {
      const value = v[`${p.in}:${p.name}`]
      if (value === undefined) continue
      const text = (typeof value === 'string' ? value : JSON.stringify(value)).replace(/\p{Cs}/gu, '\ufffd')
      if (p.in === 'path') url = url.replace(`{${p.name}}`, enc(text) || '%20')
      else query.append(p.name, text)
    }
    const qs = query.toString()
    return {
      method,
      url: qs ? `${url}?${qs}` : url,
      headers: { ...ctx.admin },
      ...(b ? { payload: b.payload, ...(b.mutated !== undefined ? { mutated: b.mutated } : {}) } : {}),
      label: key,
    }
  })
}

t.test(`spec-driven requests on ${OPERATIONS.length} operations: every answer documented, never a 5xx`, async (t) => {
  const byStatus: Record<string, number> = {}
  const byOperation: Record<string, number> = {}
  let cases = 0
  let failure: string | null = null
  const started = performance.now()
  await fc
    .assert(
      fc.asyncProperty(fc.oneof(...OPERATIONS.map(operationArbitrary)), async (req) => {
        let res: Res
        try {
          res = (await ctx.app.inject({
            method: req.method,
            url: req.url,
            headers: req.headers as Record<string, string>,
            ...(req.payload !== undefined ? { payload: req.payload as string } : {}),
          })) as unknown as Res
        } catch (err) {
          failure ??= `${req.label}: ${(err as Error).message}\n${req.method} ${req.url.slice(0, 300)}`
          throw err
        }
        cases++
        byStatus[res.statusCode] = (byStatus[res.statusCode] ?? 0) + 1
        byOperation[req.label] = (byOperation[req.label] ?? 0) + 1
        const wrong = violation(req, res)
        if (wrong) {
          failure ??= `${req.label}: ${wrong}\n${req.method} ${req.url.slice(0, 300)}\n→ ${res.statusCode} ${res.body.slice(0, 600)}`
          throw new Error(failure)
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    )
    .catch((err: Error) => t.fail(failure ?? err.message))
  t.comment(`fuzz spec: ${cases} cases in ${((performance.now() - started) / 1000).toFixed(1)} s; by status ${JSON.stringify(byStatus)}`)
  t.comment(`  by operation: ${JSON.stringify(byOperation)}`)
  t.equal(cases, RUNS, `ran the fixed number of cases (FUZZ_RUNS=${RUNS})`)
  t.ok(Object.keys(byOperation).length === OPERATIONS.length || RUNS < OPERATIONS.length * 4, 'every operation was reached')
})
