import { sql } from 'kysely'
import { z } from 'zod'
import type { Db } from '../../db/database.ts'
import { migrationsUpToDate } from '../../db/migrator.ts'
import type { AppInstance } from '../app.ts'
import { PROBLEM_CODES } from '../plugins/problems.ts'

const Health = z.object({ status: z.string(), database: z.string().optional(), detail: z.string().optional() })

/** Liveness, readiness (database reachable, migrations applied) and the problem-type pages. */
export function healthRoutes(app: AppInstance, deps: { db: Db; databaseKind: string }) {
  app.get(
    '/healthz',
    { config: { access: 'public' }, schema: { tags: ['health'], summary: 'The process is alive', response: { 200: Health } } },
    async () => ({ status: 'ok' }),
  )

  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: { tags: ['health'], summary: 'The database is reachable and migrated', response: { 200: Health, 503: Health } },
    },
    async (_req, reply) => {
      try {
        await sql`SELECT 1`.execute(deps.db)
        if (!(await migrationsUpToDate(deps.db)))
          return reply
            .code(503)
            .header('retry-after', '2')
            .send({ status: 'unavailable', database: deps.databaseKind, detail: 'migrations pending' })
        return { status: 'ready', database: deps.databaseKind }
      } catch (err) {
        return reply
          .code(503)
          .header('retry-after', '2')
          .send({ status: 'unavailable', database: deps.databaseKind, detail: `database unreachable: ${(err as Error).message}` })
      }
    },
  )

  app.get(
    '/problems/:code',
    {
      config: { access: 'public' },
      schema: {
        tags: ['health'],
        summary: 'What a problem type means',
        params: z.object({ code: z.string().max(64) }),
        response: { 200: z.object({ code: z.string(), description: z.string() }) },
      },
    },
    async (req, reply) => {
      const description = PROBLEM_CODES[req.params.code]
      if (!description) return reply.callNotFound()
      return { code: req.params.code, description }
    },
  )
}
