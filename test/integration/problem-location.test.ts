import t from 'tap'
import { buildTestApp } from '../helpers/test-app.ts'

// One spelling for where a bad value is: a query parameter is `in: "query"` (OpenAPI's word), whether
// the route's zod schema refused it (fastify calls that part `querystring`) or the service did.
const ctx = await buildTestApp(t, { now: '2021-10-04T09:00:00Z' })
const viewer = await ctx.keyFor('viewer')

type FieldProblem = { pointer: string; in: string; message: string }
const problemsOf = async (url: string) => {
  const res = await ctx.app.inject({ url, headers: viewer })
  t.equal(res.statusCode, 400, `${url} is refused`)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  return res.json() as { code: string; detail: string; errors: FieldProblem[] }
}

t.test('a query value refused by the zod schema and one refused by the service both say in: "query"', async (t) => {
  const bySchema = await problemsOf('/v1/blackouts/periods?from=2022-01-01T00:00:00Z&to=not-an-instant')
  t.equal(bySchema.code, 'validation-failed')
  t.same(
    bySchema.errors.map((e) => [e.in, e.pointer]),
    [['query', '/to']],
    'the schema names the parameter, in the query',
  )
  t.match(bySchema.detail, /^query \/to: /, 'the detail says the same')
  t.notMatch(JSON.stringify(bySchema), /querystring/)

  const byService = await problemsOf('/v1/blackouts/periods?from=2022-01-01T00:00:00Z&to=2021-01-01T00:00:00Z')
  t.equal(byService.code, 'validation-failed')
  t.same(
    byService.errors.map((e) => [e.in, e.pointer]),
    [['query', '/to']],
    'the service names the parameter, in the query',
  )
})

t.test('an unknown query parameter is named in the query too', async (t) => {
  const unknown = await problemsOf('/v1/notice-deadlines?from=2021-10&to=2022-07&colour=blue')
  t.same(
    unknown.errors.map((e) => [e.in, e.pointer, e.message]),
    [['query', '/colour', 'unknown field']],
  )
})

t.test('a bad body field still says in: "body"', async (t) => {
  const res = await ctx.app.inject({ method: 'POST', url: '/v1/assessments', headers: viewer, payload: { windows: 'none' } })
  t.equal(res.statusCode, 400)
  t.same(
    (res.json().errors as FieldProblem[]).map((e) => [e.in, e.pointer]),
    [['body', '/windows']],
  )
})
