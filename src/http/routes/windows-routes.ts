import type { FastifyReply } from 'fastify'
import { z } from 'zod'
import type { MaintenanceWindow } from '../../domain/window.ts'
import { AppError } from '../../services/errors.ts'
import type { IdempotencyService } from '../../services/idempotency-service.ts'
import type { WindowsService } from '../../services/windows-service.ts'
import type { AppInstance } from '../app.ts'
import { idempotent } from '../idempotency.ts'
import { ANY_ROLE, actorOf, PLANNERS } from '../plugins/auth.ts'
import { IdParams, problemResponses } from '../schemas/common.ts'
import {
  HistoryEntry,
  StatusChangeBody,
  toWindowDto,
  WindowCreate,
  WindowListQuery,
  WindowOut,
  WindowPatchBody,
} from '../schemas/windows.ts'

const etagOf = (version: number) => `"${version}"`

/** Reads the version out of an If-Match header (`"3"` or `W/"3"`); undefined when it names none. */
function versionFromIfMatch(header: string | undefined): number | undefined {
  const m = header && /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(header)
  return m ? Number(m[1]) : undefined
}

function encodeCursor(w: { start: Date; id: string }): string {
  return Buffer.from(JSON.stringify({ s: w.start.toISOString(), i: w.id })).toString('base64url')
}
function decodeCursor(cursor: string): { start: Date; id: string } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown; i?: unknown }
    const start = new Date(String(v.s))
    if (typeof v.i !== 'string' || !/^[0-9a-f-]{36}$/.test(v.i) || Number.isNaN(start.getTime())) throw new Error('shape')
    return { start, id: v.i }
  } catch {
    throw new AppError('validation-failed', 400, 'Bad cursor', 'The cursor is not one this service issued; start again without it.', {
      errors: [{ pointer: '/cursor', in: 'query', message: 'not a cursor issued by this service' }],
    })
  }
}

/** Windows: create, list, read, edit (JSON Merge Patch with If-Match), status changes, history. */
export function windowsRoutes(app: AppInstance, deps: { windows: WindowsService; idempotency: IdempotencyService; baseUrl: string }) {
  const { windows, baseUrl } = deps
  const tags = ['windows']
  const location = (id: string) => `${baseUrl}/v1/windows/${id}`

  app.post(
    '/v1/windows',
    {
      config: { access: PLANNERS },
      schema: {
        tags,
        summary: 'Submit a window',
        description: 'Idempotent with an Idempotency-Key header (24 hours, per API key).',
        headers: z.object({ 'idempotency-key': z.string().max(200).optional() }).passthrough(),
        body: WindowCreate,
        response: { 201: WindowOut, ...problemResponses(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (req, reply) =>
      idempotent(deps, req, reply, async (trx) => {
        const w = await windows.create(req.body, actorOf(req), { trx })
        return { status: 201, headers: { location: location(w.id), etag: etagOf(w.version) }, body: toWindowDto(w) }
      }),
  )

  app.get(
    '/v1/windows',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: 'List windows',
        description: 'Windows overlapping [from, to), filtered; comma-separated lists; keyset pagination with Link rel="next".',
        querystring: WindowListQuery,
        response: { 200: z.object({ items: z.array(WindowOut), next: z.string().nullable() }), ...problemResponses(400) },
      },
    },
    async (req, reply) => {
      const q = req.query
      if (q.from && q.to && q.from >= q.to)
        throw new AppError('validation-failed', 400, 'Empty interval', '`from` must be before `to`.', {
          errors: [{ pointer: '/to', in: 'query', message: 'must be after from' }],
        })
      const items = await windows.list({
        from: q.from,
        to: q.to,
        parties: q.party,
        statuses: q.status,
        programmeId: q.programme,
        services: q.services,
        regions: q.regions,
        after: q.cursor ? decodeCursor(q.cursor) : undefined,
        limit: q.limit + 1,
      })
      let next: string | null = null
      if (items.length > q.limit) {
        items.length = q.limit
        const params = new URLSearchParams(req.url.split('?')[1] ?? '')
        params.set('cursor', encodeCursor(items[items.length - 1]!))
        next = `${baseUrl}/v1/windows?${params.toString()}`
        reply.header('link', `<${next}>; rel="next"`)
      }
      return { items: items.map(toWindowDto), next }
    },
  )

  app.get(
    '/v1/windows/:id',
    {
      config: { access: ANY_ROLE },
      schema: { tags, summary: 'Read a window', params: IdParams, response: { 200: WindowOut, ...problemResponses(400, 404) } },
    },
    async (req, reply) => {
      const w = await windows.get(req.params.id)
      // Written already (bodyOfRead): sent as it is.
      const raw = reply as FastifyReply
      return raw.header('etag', etagOf(w.version)).type('application/json; charset=utf-8').serializer(asIs).send(bodyOfRead(w))
    },
  )

  app.patch(
    '/v1/windows/:id',
    {
      config: { access: PLANNERS },
      schema: {
        tags,
        summary: 'Edit a window (JSON Merge Patch; If-Match required)',
        params: IdParams,
        headers: z.object({ 'if-match': z.string().max(100).optional() }).passthrough(),
        body: WindowPatchBody,
        response: { 200: WindowOut, ...problemResponses(400, 403, 404, 409, 412, 415, 428) },
      },
    },
    async (req, reply) => {
      const header = req.headers['if-match']
      if (!header)
        throw new AppError(
          'precondition-required',
          428,
          'If-Match required',
          'Send If-Match with the ETag of the version you edited (GET the window first).',
        )
      const version = versionFromIfMatch(header)
      if (version === undefined)
        throw new AppError(
          'stale-version',
          412,
          'The window has changed',
          `If-Match ${header} does not name a current version of this window.`,
        )
      const w = await windows.patch(req.params.id, req.body, version, actorOf(req))
      return reply.header('etag', etagOf(w.version)).send(toWindowDto(w))
    },
  )

  app.post(
    '/v1/windows/:id/status',
    {
      config: { access: ['admin', 'reviewer', 'submitter'] },
      schema: {
        tags,
        summary: 'Move a window through its lifecycle',
        params: IdParams,
        body: StatusChangeBody,
        response: { 200: WindowOut, ...problemResponses(400, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const w = await windows.changeStatus(req.params.id, req.body, actorOf(req))
      return reply.header('etag', etagOf(w.version)).send(toWindowDto(w))
    },
  )

  app.get(
    '/v1/windows/:id/history',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: 'Every version of a window: who, when, which fields changed',
        params: IdParams,
        response: { 200: z.object({ items: z.array(HistoryEntry) }), ...problemResponses(404) },
      },
    },
    async (req) => ({
      items: (await windows.history(req.params.id)).map((v) => ({
        version: v.version,
        action: v.action,
        reason: v.reason,
        changedBy: v.changedBy,
        effectiveAt: v.effectiveAt.toISOString(),
        recordedAt: v.recordedAt.toISOString(),
        changes: v.changes,
      })),
    }),
  )
}

const readBodies = new WeakMap<MaintenanceWindow, string>()
const asIs = (body: unknown) => body as string

/**
 * The JSON body of a window read by id, as the route's response schema writes it (zod encode, then
 * JSON.stringify, as the serializer does). A frozen window is one the service keeps in memory,
 * unchanged until it is dropped, so its body is written once and kept as long as that object lives.
 *
 * @example reply.serializer(asIs).send(bodyOfRead(await windows.get(id)))
 */
function bodyOfRead(w: MaintenanceWindow): string {
  const write = () => JSON.stringify(z.encode(WindowOut, toWindowDto(w)))
  if (!Object.isFrozen(w)) return write()
  let body = readBodies.get(w)
  if (!body) readBodies.set(w, (body = write()))
  return body
}
