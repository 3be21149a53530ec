import type { Db, DbOrTx } from '../db/database.ts'
import { referenceRepository } from '../db/repositories/reference-repository.ts'
import type { Party, Region, Service } from '../domain/reference.ts'
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
export function createReferenceService(deps: { db: Db }) {
  const { db } = deps
  /** Inside a transaction pass it: the embedded database has one connection, so `db` would wait for ever. */
  async function all(trx: DbOrTx = db): Promise<ReferenceData> {
    const parties = await referenceRepository.parties(trx)
    const regions = await referenceRepository.regions(trx)
    const services = await referenceRepository.services(trx)
    return { parties, regions, services }
  }

  async function insertUnique(kind: string, id: string, insert: () => Promise<void>) {
    try {
      await insert()
    } catch (err) {
      if ((err as { code?: string }).code === '23505')
        throw new AppError('conflict', 409, `${kind} already exists`, `A ${kind.toLowerCase()} with id ${id} already exists.`)
      throw err
    }
  }

  return {
    all,
    parties: (trx: DbOrTx = db) => referenceRepository.parties(trx),
    regions: (trx: DbOrTx = db) => referenceRepository.regions(trx),
    services: (trx: DbOrTx = db) => referenceRepository.services(trx),

    async addParty(p: Party): Promise<Party> {
      const known = new Set((await referenceRepository.regions(db)).map((r) => r.id))
      const bad = p.regions.flatMap((r, i) => (known.has(r) ? [] : [bodyField(`/regions/${i}`, `unknown region "${r}"`)]))
      if (bad.length) throw unknownIds(bad)
      await insertUnique('Party', p.id, () => referenceRepository.insertParty(db, p))
      return p
    },
    async addRegion(r: Region): Promise<Region> {
      await insertUnique('Region', r.id, () => referenceRepository.insertRegion(db, r))
      return r
    },
    async addService(s: Service): Promise<Service> {
      await insertUnique('Service', s.id, () => referenceRepository.insertService(db, s))
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
