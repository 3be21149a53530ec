import type { ChangeNotifications } from '../db/change-notifications.ts'
import type { Db, DbOrTx } from '../db/database.ts'
import { referenceRepository } from '../db/repositories/reference-repository.ts'
import type { Actor } from '../domain/lifecycle.ts'
import type { Party, Region, Service } from '../domain/reference.ts'
import { appendAudit } from './audit-service.ts'
import { ChangeAwareCache } from './change-aware-cache.ts'
import { type Clock, systemClock } from './clock.ts'
import { AppError, bodyField, type FieldProblem } from './errors.ts'

export interface ReferenceData {
  parties: Party[]
  regions: Region[]
  services: Service[]
}

/**
 * Parties, regions and services: listing, extending (admin) and checking the ids a request names.
 *
 * @example const problems = await reference.checkIds({ party: 'DSP', services: ['nope'] }) // [{ pointer: '/services/0', ... }]
 */
export function createReferenceService(deps: { db: Db; clock?: Clock; changes?: ChangeNotifications }) {
  const { db } = deps
  const cache = new ChangeAwareCache<'all', ReferenceData>(deps.changes, ['parties', 'regions', 'services'])
  /** Inside a transaction pass it: the embedded database has one connection, so `db` would wait for ever. */
  function all(trx: DbOrTx = db): Promise<ReferenceData> {
    return cache.get('all', async () => {
      const parties = await referenceRepository.parties(trx)
      const regions = await referenceRepository.regions(trx)
      const services = await referenceRepository.services(trx)
      return { parties, regions, services }
    })
  }

  /** Inserts and appends the audit entry in one transaction; a duplicate id is 409 (and nothing is appended). */
  async function insertUnique(kind: string, id: string, insert: (trx: DbOrTx) => Promise<void>, actor: Actor | null, payload: unknown) {
    try {
      await db.transaction().execute(async (trx) => {
        await insert(trx)
        await appendAudit(trx, deps.clock ?? systemClock, {
          actor,
          action: `reference.${kind.toLowerCase()}-added`,
          entityType: kind.toLowerCase(),
          entityId: id,
          payload,
        })
      })
    } catch (err) {
      if ((err as { code?: string }).code === '23505')
        throw new AppError('conflict', 409, `${kind} already exists`, `A ${kind.toLowerCase()} with id ${id} already exists.`)
      throw err
    }
  }

  return {
    all,
    parties: async (trx: DbOrTx = db) => (await all(trx)).parties,
    regions: async (trx: DbOrTx = db) => (await all(trx)).regions,
    services: async (trx: DbOrTx = db) => (await all(trx)).services,

    async addParty(p: Party, actor: Actor | null = null): Promise<Party> {
      const known = new Set((await referenceRepository.regions(db)).map((r) => r.id))
      const bad = p.regions.flatMap((r, i) => (known.has(r) ? [] : [bodyField(`/regions/${i}`, `unknown region "${r}"`)]))
      if (bad.length) throw unknownIds(bad)
      await insertUnique('Party', p.id, (trx) => referenceRepository.insertParty(trx, p), actor, p)
      return p
    },
    async addRegion(r: Region, actor: Actor | null = null): Promise<Region> {
      await insertUnique('Region', r.id, (trx) => referenceRepository.insertRegion(trx, r), actor, r)
      return r
    },
    async addService(s: Service, actor: Actor | null = null): Promise<Service> {
      await insertUnique('Service', s.id, (trx) => referenceRepository.insertService(trx, s), actor, s)
      return s
    },

    /** Every unknown id in the request, as field problems (empty when all are known). */
    async checkIds(ids: { party?: string; services?: readonly string[]; regions?: readonly string[] }, prefix = '', trx: DbOrTx = db) {
      const ref = await all(trx)
      return checkIdsAgainst(ref, ids, prefix)
    },
  }
}

export function checkIdsAgainst(
  ref: ReferenceData,
  ids: { party?: string; services?: readonly string[]; regions?: readonly string[] },
  prefix = '',
): FieldProblem[] {
  const out: FieldProblem[] = []
  const parties = new Set(ref.parties.map((p) => p.id))
  const services = new Set(ref.services.map((s) => s.id))
  const regions = new Set(ref.regions.map((r) => r.id))
  if (ids.party !== undefined && !parties.has(ids.party))
    out.push(bodyField(`${prefix}/party`, `unknown party "${ids.party}"; known: ${[...parties].join(', ')}`))
  ids.services?.forEach((s, i) => {
    if (!services.has(s)) out.push(bodyField(`${prefix}/services/${i}`, `unknown service "${s}"`))
  })
  ids.regions?.forEach((r, i) => {
    if (!regions.has(r)) out.push(bodyField(`${prefix}/regions/${i}`, `unknown region "${r}"; known: ${[...regions].join(', ')}`))
  })
  return out
}

export const unknownIds = (errors: FieldProblem[]) =>
  new AppError(
    'unknown-reference',
    400,
    'The request names ids that do not exist',
    errors.map((e) => `${e.pointer}: ${e.message}`).join('; '),
    { errors },
  )

export type ReferenceService = ReturnType<typeof createReferenceService>
