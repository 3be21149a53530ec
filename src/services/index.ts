import type { Db } from '../db/database.ts'
import type { Clock } from './clock.ts'
import { createComplianceService } from './compliance-service.ts'
import { createFeedsService } from './feeds-service.ts'
import { impactAttacher } from './impact-attacher.ts'
import { createImpactService } from './impact-service.ts'
import { createKeysService } from './keys-service.ts'
import { createProgrammesService } from './programmes-service.ts'
import { createReferenceService } from './reference-service.ts'
import { createRulesAdminService } from './rules-admin-service.ts'
import { createSchedulesService } from './schedules-service.ts'
import { createWaiversService } from './waivers-service.ts'
import { createWindowsService } from './windows-service.ts'

/**
 * The composition of every use case over one database and clock.
 *
 * @example const services = createServices({ db, clock: systemClock, maxWindowHours: 72 })
 */
export function createServices(deps: { db: Db; clock: Clock; maxWindowHours: number; tzdbVersion?: string }) {
  const reference = createReferenceService({ db: deps.db })
  const keys = createKeysService({ db: deps.db, clock: deps.clock, reference })
  const compliance = createComplianceService({ db: deps.db, clock: deps.clock, reference, tzdbVersion: deps.tzdbVersion ?? 'unknown' })
  const windows = createWindowsService({
    db: deps.db,
    clock: deps.clock,
    reference,
    maxWindowHours: deps.maxWindowHours,
    hooks: {
      afterWrite: (trx, ws) => compliance.assessAndStore(trx, ws),
      afterMaterialChange: async (trx, w) => void (await compliance.lapseWaivers(trx, w.id, 'material change to the window')),
    },
  })
  const impact = createImpactService({ db: deps.db, clock: deps.clock, windows, reference })
  compliance.setImpactAttacher(impactAttacher(impact))
  const schedules = createSchedulesService({ db: deps.db, clock: deps.clock, reference, windows })
  const waivers = createWaiversService({ db: deps.db, clock: deps.clock, compliance })
  const programmes = createProgrammesService({ db: deps.db, clock: deps.clock, windows, compliance })
  const rulesAdmin = createRulesAdminService({ db: deps.db, clock: deps.clock, compliance })
  const feeds = createFeedsService({ db: deps.db, clock: deps.clock, reference, compliance })
  return { reference, keys, compliance, windows, impact, schedules, waivers, programmes, rulesAdmin, feeds }
}

export type Services = ReturnType<typeof createServices>
