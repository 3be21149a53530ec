import { z } from 'zod'
import type { ReferenceService } from '../../services/reference-service.ts'
import type { AppInstance } from '../app.ts'
import { ANY_ROLE, actorOf } from '../plugins/auth.ts'
import { PartyId, problemResponses, RegionId, ServiceId } from '../schemas/common.ts'

const PartyBody = z
  .object({ id: PartyId, name: z.string().trim().min(1).max(200), regions: z.array(RegionId).max(20).default([]) })
  .strict()
const RegionBody = z
  .object({
    id: RegionId,
    name: z.string().trim().min(1).max(200),
    nations: z
      .array(z.enum(['england', 'wales', 'scotland', 'northern-ireland']))
      .max(4)
      .default([]),
  })
  .strict()
const ServiceBody = z
  .object({
    id: ServiceId,
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).default(''),
    prepayment: z.boolean().default(false),
  })
  .strict()

/** GET lists and admin POSTs for parties, regions and services. */
export function referenceRoutes(app: AppInstance, deps: { reference: ReferenceService; baseUrl: string }) {
  const { reference } = deps
  const tags = ['reference data']
  const items = <T extends z.ZodType>(t: T) => z.object({ items: z.array(t) })

  app.get(
    '/v1/parties',
    { config: { access: ANY_ROLE }, schema: { tags, summary: 'List parties', response: { 200: items(PartyBody) } } },
    async () => ({ items: (await reference.parties()).map((p) => ({ ...p, regions: [...p.regions] })) }),
  )
  app.get(
    '/v1/regions',
    { config: { access: ANY_ROLE }, schema: { tags, summary: 'List regions', response: { 200: items(RegionBody) } } },
    async () => ({ items: (await reference.regions()).map((r) => ({ ...r, nations: [...r.nations] })) }),
  )
  app.get(
    '/v1/services',
    { config: { access: ANY_ROLE }, schema: { tags, summary: 'List services', response: { 200: items(ServiceBody) } } },
    async () => ({ items: await reference.services() }),
  )

  app.post(
    '/v1/parties',
    {
      config: { access: ['admin'] },
      schema: { tags, summary: 'Add a party', body: PartyBody, response: { 201: PartyBody, ...problemResponses(400, 409) } },
    },
    async (req, reply) =>
      reply
        .code(201)
        .header('location', `${deps.baseUrl}/v1/parties`)
        .send(await reference.addParty(req.body, actorOf(req)).then((p) => ({ ...p, regions: [...p.regions] }))),
  )
  app.post(
    '/v1/regions',
    {
      config: { access: ['admin'] },
      schema: { tags, summary: 'Add a region', body: RegionBody, response: { 201: RegionBody, ...problemResponses(400, 409) } },
    },
    async (req, reply) =>
      reply
        .code(201)
        .header('location', `${deps.baseUrl}/v1/regions`)
        .send(await reference.addRegion(req.body, actorOf(req)).then((r) => ({ ...r, nations: [...r.nations] }))),
  )
  app.post(
    '/v1/services',
    {
      config: { access: ['admin'] },
      schema: { tags, summary: 'Add a service', body: ServiceBody, response: { 201: ServiceBody, ...problemResponses(400, 409) } },
    },
    async (req, reply) =>
      reply
        .code(201)
        .header('location', `${deps.baseUrl}/v1/services`)
        .send(await reference.addService(req.body, actorOf(req))),
  )
}
