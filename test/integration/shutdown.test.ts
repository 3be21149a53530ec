import t from 'tap'
import { buildTestApp } from '../helpers/test-app.ts'

t.test('a request that arrives while the instance stops gets 503 problem+json with Retry-After', async (t) => {
  const ctx = await buildTestApp(t)
  // Two requests are on their way when the instance starts stopping (SIGTERM → app.close()).
  const first = ctx.app.inject({ url: '/v1/windows', headers: ctx.admin })
  const closing = ctx.app.close()
  const second = ctx.app.inject({ url: '/v1/windows', headers: ctx.admin })
  const [a, b] = await Promise.all([first, second])
  await closing
  for (const res of [a, b]) {
    t.equal(res.statusCode, 503)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.equal(res.headers['retry-after'], '1')
    t.equal(res.headers.connection, 'close')
    t.match(res.json(), { type: 'http://mwp.test/problems/shutting-down', status: 503, title: 'Shutting down' })
  }
})
