import t from 'tap'
import { buildTestApp } from '../helpers/test-app.ts'

t.test('a request that arrives while the instance stops is refused as problem+json with Retry-After', async (t) => {
  const ctx = await buildTestApp(t)
  const before = await ctx.app.inject({ url: '/v1/windows', headers: ctx.admin })
  t.equal(before.statusCode, 200, 'served while running')
  const closing = ctx.app.close()
  const res = await ctx.app.inject({ url: '/v1/windows', headers: ctx.admin })
  await closing
  t.equal(res.statusCode, 503)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.equal(res.headers['retry-after'], '1')
  t.equal(res.headers.connection, 'close')
  t.match(res.json(), { type: 'http://mwp.test/problems/shutting-down', status: 503, title: 'Shutting down' })
})
