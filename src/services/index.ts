import type { Db } from '../db/database.ts'
import type { Clock } from './clock.ts'
import { createImpactService } from './impact-service.ts'
import { createKeysService } from './keys-service.ts'
import { createReferenceService } from './reference-service.ts'
import { createWindowsService } from './windows-service.ts'

/**
 * The composition of every use case over one database and clock.
 *
 * @example const services = createServices({ db, clock: systemClock, maxWindowHours: 72 })
 */
export function createServices(deps: { db: Db; clock: Clock; maxWindowHours: number }) {
  const reference = createReferenceService({ db: deps.db })
  const keys = createKeysService({ db: deps.db, clock: deps.clock, reference })
  const windows = createWindowsService({ db: deps.db, clock: deps.clock, reference, maxWindowHours: deps.maxWindowHours })
  const impact = createImpactService({ db: deps.db, clock: deps.clock, windows, reference })
  return { reference, keys, windows, impact }
}

export type Services = ReturnType<typeof createServices>
