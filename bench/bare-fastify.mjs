// The baseline: a bare fastify route on the same machine, same Node, no database, no validation.
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/hello', async () => ({ hello: 'world' }))
await app.listen({ port: Number(process.argv[2] ?? 18999), host: '127.0.0.1' })
process.on('SIGTERM', () => app.close().then(() => process.exit(0)))
