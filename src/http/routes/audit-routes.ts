import { z } from 'zod'
import { parseExpectedHead } from '../../services/audit-chain.ts'
import type { AuditService } from '../../services/audit-service.ts'
import { AppError } from '../../services/errors.ts'
import type { AppInstance } from '../app.ts'
import { Instant, problemResponses } from '../schemas/common.ts'

/** Who reads the audit log: admins and OPSG reviewers. */
const AUDITORS = ['admin', 'reviewer'] as const

const Hash = z.string().regex(/^[0-9a-f]{64}$/)
const Head = z
  .object({ seq: z.number().int(), hash: Hash })
  .meta({ description: 'The last entry of the chain (seq 0 and 64 zeros while the log is empty)' })

const AuditEntryOut = z.object({
  seq: z.number().int(),
  recordedAt: z.string(),
  actorKeyId: z.string().nullable().meta({ description: 'The API key that wrote; null for the command line and the system' }),
  action: z.string().meta({ example: 'window.created' }),
  entityType: z.string(),
  entityId: z.string(),
  payload: z.unknown(),
  prevHash: Hash,
  hash: Hash,
})

const AuditQuery = z
  .object({
    from: Instant.optional().meta({ description: 'entries recorded at or after this instant' }),
    to: Instant.optional().meta({ description: 'entries recorded before this instant' }),
    after: z.coerce
      .number()
      .int()
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .optional()
      .meta({ description: 'entries after this seq (the cursor)' }),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict()

const VerifyQuery = z
  .object({
    expectHead: z
      .string()
      .max(100)
      .optional()
      .meta({ description: 'a head taken earlier, HASH or SEQ:HASH (e.g. from a report provenance): catches a deleted or rewritten tail' }),
  })
  .strict()

const VerifyOut = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  head: Head,
  broken: z
    .object({ seq: z.number().int().nullable(), kind: z.enum(['altered', 'missing', 'relinked', 'head']), message: z.string() })
    .optional(),
})

/** The tamper-evident audit log: pages of entries with the current head, and verification of the chain. */
export function auditRoutes(app: AppInstance, deps: { audit: AuditService; baseUrl: string }) {
  const tags = ['audit']
  app.get(
    '/v1/audit',
    {
      config: { access: AUDITORS },
      schema: {
        tags,
        summary: 'Audit log entries in seq order, recorded in [from, to); pagination by seq with Link rel="next"',
        description:
          'Every write appends one entry in its own transaction, hash-chained to the one before (SHA-256 of the canonical JSON of seq, recordedAt, actor, action, entityType, entityId, payload, prevHash). `head` is the chain head when read.',
        querystring: AuditQuery,
        response: { 200: z.object({ items: z.array(AuditEntryOut), next: z.string().nullable(), head: Head }), ...problemResponses(400) },
      },
    },
    async (req, reply) => {
      const q = req.query
      if (q.from && q.to && q.from >= q.to)
        throw new AppError('validation-failed', 400, 'Empty interval', '`from` must be before `to`.', {
          errors: [{ pointer: '/to', in: 'query', message: 'must be after from' }],
        })
      const { items, head } = await deps.audit.list({ from: q.from, to: q.to, after: q.after, limit: q.limit + 1 })
      let next: string | null = null
      if (items.length > q.limit) {
        items.length = q.limit
        const params = new URLSearchParams(req.url.split('?')[1] ?? '')
        params.set('after', String(items[items.length - 1]!.seq))
        next = `${deps.baseUrl}/v1/audit?${params.toString()}`
        reply.header('link', `<${next}>; rel="next"`)
      }
      return { items: items.map((e) => ({ ...e, recordedAt: e.recordedAt.toISOString() })), next, head }
    },
  )

  app.get(
    '/v1/audit/verify',
    {
      config: { access: AUDITORS },
      schema: {
        tags,
        summary: 'Walk the whole chain and recompute every hash: the first edited, missing or relinked entry, or a lost head',
        querystring: VerifyQuery,
        response: { 200: VerifyOut, ...problemResponses(400) },
      },
    },
    async (req) => {
      const raw = req.query.expectHead
      const expectHead = raw === undefined ? undefined : parseExpectedHead(raw)
      if (raw !== undefined && !expectHead)
        throw new AppError('validation-failed', 400, 'Bad head', 'expectHead is a 64-hex SHA-256 hash, or SEQ:HASH.', {
          errors: [{ pointer: '/expectHead', in: 'query', message: 'must be HASH or SEQ:HASH' }],
        })
      return deps.audit.verify(expectHead)
    },
  )
}
