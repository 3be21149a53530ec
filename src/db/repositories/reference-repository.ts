import type { Party, Region, Service } from '../../domain/reference.ts'
import type { DbOrTx } from '../database.ts'

/** Parties, regions and services: the ids every window refers to. */
export const referenceRepository = {
  async parties(db: DbOrTx): Promise<Party[]> {
    const rows = await db.selectFrom('parties').select(['id', 'name', 'regions']).orderBy('id').execute()
    return rows
  },
  async regions(db: DbOrTx): Promise<Region[]> {
    const rows = await db.selectFrom('regions').select(['id', 'name', 'nations']).orderBy('id').execute()
    return rows.map((r) => ({ ...r, nations: r.nations as Region['nations'] }))
  },
  async services(db: DbOrTx): Promise<Service[]> {
    return db.selectFrom('services').select(['id', 'name', 'description', 'prepayment']).orderBy('id').execute()
  },
  async insertParty(db: DbOrTx, p: Party): Promise<void> {
    await db
      .insertInto('parties')
      .values({ id: p.id, name: p.name, regions: [...p.regions] })
      .execute()
  },
  async insertRegion(db: DbOrTx, r: Region): Promise<void> {
    await db
      .insertInto('regions')
      .values({ id: r.id, name: r.name, nations: [...r.nations] })
      .execute()
  },
  async insertService(db: DbOrTx, s: Service): Promise<void> {
    await db.insertInto('services').values(s).execute()
  },
}
