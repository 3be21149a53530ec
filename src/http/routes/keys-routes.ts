import { z } from 'zod'
import { capabilitiesOf } from '../../domain/lifecycle.ts'
import type { KeysService } from '../../services/keys-service.ts'
import type { AppInstance } from '../app.ts'
import { ANY_ROLE, actorOf } from '../plugins/auth.ts'
import { IdParams, PartyId, problemResponses } from '../schemas/common.ts'

const Role = z.enum(['admin', 'reviewer', 'submitter', 'viewer'])
const KeyCreate = z
  .object({ name: z.string().trim().min(1).max(200), role: Role, party: PartyId.optional(), parties: z.array(PartyId).max(20).optional() })
  .strict()
const KeyOut = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  parties: z.array(z.string()),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
})
const Me = z
  .object({
    keyId: z.string(),
    name: z.string(),
    role: Role,
    parties: z.array(z.string()).meta({ description: 'The parties a submitter key acts for; empty for other roles' }),
    may: z
      .object({
        planWindows: z.boolean(),
        decideWindows: z.boolean(),
        recordWaivers: z.boolean(),
        manageRules: z.boolean(),
        manageKeys: z.boolean(),
      })
      .meta({ description: 'What the role may do, for a client to offer only that; the server still decides each request' }),
  })
  .meta({ id: 'Me' })
const KeyCreated = KeyOut.extend({ key: z.string().meta({ description: 'The secret, shown only in this answer' }) })

const dto = (k: { id: string; name: string; role: z.infer<typeof Role>; parties: string[]; createdAt: Date; revokedAt: Date | null }) => ({
  id: k.id,
  name: k.name,
  role: k.role,
  parties: k.parties,
  createdAt: k.createdAt.toISOString(),
  revokedAt: k.revokedAt?.toISOString() ?? null,
})

/** API keys (admin only): issue, list, revoke; and `GET /v1/me`, the calling key's own role and parties. */
export function keysRoutes(app: AppInstance, deps: { keys: KeysService; baseUrl: string }) {
  const tags = ['keys']
  app.get(
    '/v1/me',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags,
        summary: 'The calling key: its name, role, parties and what the role may do',
        response: { 200: Me, ...problemResponses(401) },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req)
      const k = await deps.keys.whoAmI(actor)
      reply.header('cache-control', 'private, no-store')
      return { keyId: k.id, name: k.name, role: k.role, parties: k.parties, may: capabilitiesOf(k.role) }
    },
  )
  app.post(
    '/v1/keys',
    {
      config: { access: ['admin'] },
      schema: {
        tags,
        summary: 'Issue an API key (the secret is shown once)',
        body: KeyCreate,
        response: { 201: KeyCreated, ...problemResponses(400, 401, 403) },
      },
    },
    async (req, reply) => {
      const k = await deps.keys.create(req.body, actorOf(req).keyId)
      return reply
        .code(201)
        .header('location', `${deps.baseUrl}/v1/keys/${k.id}`)
        .header('cache-control', 'no-store')
        .send({ ...dto(k), key: k.key })
    },
  )
  app.get(
    '/v1/keys',
    { config: { access: ['admin'] }, schema: { tags, summary: 'List API keys', response: { 200: z.object({ items: z.array(KeyOut) }) } } },
    async () => ({
      items: (await deps.keys.list()).map(dto),
    }),
  )
  app.delete(
    '/v1/keys/:id',
    {
      config: { access: ['admin'] },
      schema: { tags, summary: 'Revoke an API key', params: IdParams, response: { 204: z.null(), ...problemResponses(404, 409) } },
    },
    async (req, reply) => {
      await deps.keys.revoke(req.params.id, actorOf(req))
      return reply.code(204).send(null)
    },
  )
}
