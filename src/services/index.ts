import type { ChangeNotifications } from '../db/change-notifications.ts'
import type { Db } from '../db/database.ts'
import { createAuditService } from './audit-service.ts'
import type { Clock } from './clock.ts'
import { createComplianceService } from './compliance-service.ts'
import { createEventsService } from './events-service.ts'
import { createFeedsService } from './feeds-service.ts'
import { createIdempotencyService } from './idempotency-service.ts'
import { impactAttacher } from './impact-attacher.ts'
import { createImpactService } from './impact-service.ts'
import { createKeysService } from './keys-service.ts'
import { createProgrammesService } from './programmes-service.ts'
import { createReferenceService } from './reference-service.ts'
import { createReportsService } from './reports-service.ts'
import { createRulesAdminService } from './rules-admin-service.ts'
import { createSchedulesService } from './schedules-service.ts'
import { createSlotsService } from './slots-service.ts'
import { createWaiversService } from './waivers-service.ts'
import { createWebhooksService, type WebhooksOptions } from './webhooks/index.ts'
import { createWindowsService } from './windows-service.ts'

/**
 * The composition of every use case over one database and clock.
 *
 * @example const services = createServices({ db, clock: systemClock, maxWindowHours: 72 })
 */
export function createServices(deps: {
  db: Db
  clock: Clock
  maxWindowHours: number
  tzdbVersion?: string
  webhooks?: Partial<WebhooksOptions>
  /** Committed changes heard from the database: lets keys, rules and reference data be cached. */
  changes?: ChangeNotifications
}) {
  const { changes } = deps
  const reference = createReferenceService({ db: deps.db, clock: deps.clock, ...(changes ? { changes } : {}) })
  const keys = createKeysService({ db: deps.db, clock: deps.clock, reference, ...(changes ? { changes } : {}) })
  // Public addresses only unless the configuration (WEBHOOK_ALLOWED_HOSTS) opens a range.
  const webhooks = createWebhooksService({
    db: deps.db,
    clock: deps.clock,
    reference,
    options: { allowedHosts: [], ...deps.webhooks },
  })
  const compliance = createComplianceService({
    db: deps.db,
    clock: deps.clock,
    reference,
    tzdbVersion: deps.tzdbVersion ?? 'unknown',
    events: webhooks.outbox,
    ...(changes ? { changes } : {}),
  })
  const windows = createWindowsService({
    db: deps.db,
    clock: deps.clock,
    reference,
    maxWindowHours: deps.maxWindowHours,
    ...(changes ? { changes } : {}),
    hooks: {
      afterWrite: (trx, ws, opts) => compliance.assessAndStore(trx, ws, undefined, opts),
      afterMaterialChange: async (trx, w) => void (await compliance.lapseWaivers(trx, w.id, 'material change to the window')),
      afterChange: (trx, change) => webhooks.outbox.windowChanged(trx, change),
    },
  })
  const impact = createImpactService({ db: deps.db, clock: deps.clock, windows, reference, ...(changes ? { changes } : {}) })
  compliance.setImpactAttacher(impactAttacher(impact))
  const schedules = createSchedulesService({ db: deps.db, clock: deps.clock, reference, windows, events: webhooks.outbox })
  const waivers = createWaiversService({ db: deps.db, clock: deps.clock, compliance, events: webhooks.outbox })
  const programmes = createProgrammesService({ db: deps.db, clock: deps.clock, windows, compliance })
  const rulesAdmin = createRulesAdminService({ db: deps.db, clock: deps.clock, compliance })
  const feeds = createFeedsService({ db: deps.db, clock: deps.clock, reference, compliance, changes })
  const reports = createReportsService({
    db: deps.db,
    clock: deps.clock,
    compliance,
    impact,
    reference,
    tzdbVersion: deps.tzdbVersion ?? 'unknown',
    changes,
  })
  const slots = createSlotsService({
    db: deps.db,
    clock: deps.clock,
    compliance,
    impact,
    reference,
    windows,
    maxWindowHours: deps.maxWindowHours,
  })
  const audit = createAuditService({ db: deps.db })
  const idempotency = createIdempotencyService({ db: deps.db, clock: deps.clock })
  return {
    reference,
    keys,
    compliance,
    windows,
    impact,
    schedules,
    waivers,
    programmes,
    rulesAdmin,
    feeds,
    reports,
    webhooks,
    slots,
    audit,
    idempotency,
    events: createEventsService(changes ? { changes } : {}),
  }
}

export type Services = ReturnType<typeof createServices>
