import { PassThrough } from 'node:stream'
import type { FastifyReply } from 'fastify'
import { z } from 'zod'
import { AppError } from '../../services/errors.ts'
import type { EventsService, LiveEvent } from '../../services/events-service.ts'
import type { AppInstance } from '../app.ts'
import type { Actor } from '../../domain/lifecycle.ts'
import { ANY_ROLE, actorOf } from '../plugins/auth.ts'
import { problemResponses } from '../schemas/common.ts'

/** Bytes an event stream may hold unread before the reader is dropped (about 30 of the largest events). */
const MAX_BUFFERED_BYTES = 256 * 1024

/** One event as the text/event-stream format writes it. @example `id: 1a2b-7\nevent: windows\ndata: {...}\n\n` */
export const formatEvent = (e: LiveEvent) => `id: ${e.id}\nevent: ${e.kind}\ndata: ${JSON.stringify(e.data)}\n\n`

/**
 * GET /v1/events: server-sent events telling what changed, fed by the database's change
 * notifications (so a change through any instance reaches streams on every instance). Each stream
 * hears only what its key may read; a comment line every 15 s keeps it open; when the instance
 * stops, every stream is ended at once (the close does not wait for them). At each heartbeat the key
 * is checked again, so a key revoked (or given another role) stops hearing within 15 s.
 */
export function eventsRoutes(
  app: AppInstance,
  deps: { events: EventsService; keys: { authenticate(token: string): Promise<Actor | undefined> } },
) {
  const { events } = deps
  const endAll = new Set<() => void>()
  app.addHook('preClose', async () => {
    for (const end of [...endAll]) end()
  })

  app.get(
    '/v1/events',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags: ['events'],
        summary: 'Live changes as server-sent events (text/event-stream)',
        description:
          'Events: `windows` (data: op, id, party, version, status), `waivers` (op, id, windowId), `programmes` (op, id, party, version), ' +
          '`schedules`, `reference` (rules, calendars, blackouts, reference data), `keys` (admin keys only), `webhooks` (the subscription’s owner and admins), ' +
          'and `stale` (changes may have been missed: reload everything). A statement changing more than 20 rows is one event with `many: true`. ' +
          'A key hears only what its GET routes let it read. Each event has an `id`: reconnect with `Last-Event-ID` to get what was missed ' +
          '(or `stale` when this instance no longer has it). A comment line is sent every 15 s. At most 5 open streams per key (429 beyond). ' +
          'Browsers: EventSource cannot send the Authorization header, read the stream with fetch.',
        headers: z.object({ 'last-event-id': z.string().max(100).optional() }).passthrough(),
        response: {
          200: {
            description: 'A stream of events that does not end until the client or the instance closes it',
            content: { 'text/event-stream': { schema: z.string() } },
          },
          ...problemResponses(401, 429),
        },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req)
      const stream = new PassThrough()
      // A reader that stops reading (or a proxy that buffers) is dropped rather than buffered for
      // without limit: the board reconnects with Last-Event-ID and gets what it missed, or `stale`.
      const write = (text: string) => {
        if (stream.writableEnded || stream.destroyed) return
        if (stream.writableLength > MAX_BUFFERED_BYTES) return void stream.destroy() // its close event ends the stream
        stream.write(text)
      }
      const lastEventId = req.headers['last-event-id']
      const stop = events.listen(actor, (e) => write(formatEvent(e)), typeof lastEventId === 'string' ? lastEventId : undefined)
      if (!stop)
        throw new AppError(
          'too-many-streams',
          429,
          'Too many open event streams',
          `This key already holds ${events.settings.maxStreamsPerKey} open event streams on this instance: close one (another tab?) and retry.`,
          { headers: { 'retry-after': '10' } },
        )
      const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? ''
      const heartbeat = setInterval(() => {
        deps.keys.authenticate(token).then(
          (now) => (now && now.keyId === actor.keyId && now.role === actor.role ? write(': heartbeat\n\n') : end()),
          () => write(': heartbeat\n\n'), // the key cannot be checked now (database away): checked again at the next beat
        )
      }, events.settings.heartbeatMs)
      heartbeat.unref()
      const end = () => {
        endAll.delete(end)
        clearInterval(heartbeat)
        stop()
        if (!stream.writableEnded) stream.end()
      }
      endAll.add(end)
      req.raw.on('close', end)
      reply.raw.on('close', end)
      stream.on('close', end)
      // A client gone while the key was being checked: its 'close' events fired before we listened.
      if (req.raw.destroyed || reply.raw.destroyed) end()
      write(`retry: ${events.settings.retryMs}\n: ${events.live ? 'live' : 'not live: changes from other instances may be late'}\n\n`)
      // The 200 schema documents the text the stream carries; fastify sends a stream as it is.
      return (
        (reply as FastifyReply)
          .type('text/event-stream; charset=utf-8')
          .header('cache-control', 'no-store')
          .header('x-accel-buffering', 'no')
          // Not kept alive once the stream ends: a shutdown would otherwise wait out the keep-alive timeout.
          .header('connection', 'close')
          .send(stream)
      )
    },
  )
}
