import { randomUUID } from 'node:crypto'
import type { ChangeNotifications } from '../db/change-notifications.ts'
import type { Db, DbOrTx } from '../db/database.ts'
import { type WindowFilter, windowsRepository } from '../db/repositories/windows-repository.ts'
import { type Actor, actsFor, checkTransition, isMaterialChange } from '../domain/lifecycle.ts'
import { bumpsSequence, diffWindows, type FieldChange, snapshotOf } from '../domain/window-changes.ts'
import { type MaintenanceWindow, type SubmittedWindow, submittedPlan, type WindowStatus } from '../domain/window.ts'
import { appendAudit } from './audit-service.ts'
import { ChangeAwareCache } from './change-aware-cache.ts'
import type { Clock } from './clock.ts'
import { AppError, bodyField, type FieldProblem, forbidden, invalid, notFound } from './errors.ts'
import { checkIdsAgainst, type ReferenceService, unknownIds } from './reference-service.ts'
import { inTransaction } from './transactions.ts'

/** A window as a submitter writes it (POST body, after schema validation): it enters as draft or proposed. */
export type WindowInput = SubmittedWindow & { status?: 'draft' | 'proposed' | undefined }

/** A JSON Merge Patch (RFC 7396) of a window: every field optional, `null` clears a nullable one. */
export type WindowPatch = { [K in keyof Omit<WindowInput, 'status'>]?: WindowInput[K] | null }

export interface StatusChange {
  to: WindowStatus
  reason: string
  decisionRef?: string | undefined
}

/** Hooks run inside the write transaction: storing the assessment, lapsing waivers. */
export interface WindowWriteHooks {
  /** Returns each written window's assessment by id, to be carried in the answer. */
  /** `created`: the windows were created in this transaction (nothing about them is stored yet). */
  afterWrite?(trx: DbOrTx, windows: MaintenanceWindow[], opts: { created: boolean }): Promise<Map<string, unknown>>
  /** A material change takes the window's waivers away. */
  afterMaterialChange?(trx: DbOrTx, window: MaintenanceWindow): Promise<void>
  /**
   * Every stored change of a window (created, updated, status, published, actuals), inside the
   * write's transaction: the place for an outbox of events, so no change goes unannounced and no
   * rolled-back change is announced.
   */
  afterChange?(trx: DbOrTx, change: WindowChange): Promise<void>
}

/** One stored change of a window, with the fields that changed. */
export interface WindowChange {
  action: string
  before: MaintenanceWindow | undefined
  after: MaintenanceWindow
  changes: FieldChange[]
  actor: Actor
  reason: string | null
}

/** A written window with the assessment stored with it. */
export type AssessedWindow = MaintenanceWindow & { assessment?: unknown }

/**
 * Use cases on windows: create, read, list, edit with optimistic concurrency, move through the
 * lifecycle, read history. Each write is one short transaction that also appends the version row.
 *
 * @example const w = await windows.create({ reference: 'DSP-TR-01', ... }, actor)
 */
export function createWindowsService(deps: {
  db: Db
  clock: Clock
  reference: ReferenceService
  maxWindowHours: number
  hooks?: WindowWriteHooks
  /** Committed changes heard from the database: lets windows read by id be kept in memory. */
  changes?: ChangeNotifications
}) {
  const { db, clock } = deps
  // Windows read by id, kept until any window changes (in this instance or another): reading a
  // window is the commonest request, and a stored window changes far less often than it is read.
  const byId = new ChangeAwareCache<string, MaintenanceWindow | undefined>(deps.changes, ['windows'], {
    keep: (w) => w !== undefined,
  })

  /** Runs the afterWrite hook and attaches each window's assessment. */
  async function assessed(trx: DbOrTx, windows: MaintenanceWindow[], created = false): Promise<AssessedWindow[]> {
    const found = (await deps.hooks?.afterWrite?.(trx, windows, { created })) ?? new Map<string, unknown>()
    return windows.map((w) => (found.has(w.id) ? { ...w, assessment: found.get(w.id) } : w))
  }

  async function validate(trx: DbOrTx, w: MaintenanceWindow, prefix = ''): Promise<void> {
    const problems: FieldProblem[] = []
    if (w.end.getTime() <= w.start.getTime()) problems.push(bodyField(`${prefix}/end`, 'end must be after start'))
    const hours = (w.end.getTime() - w.start.getTime()) / 3_600_000
    if (hours > deps.maxWindowHours)
      problems.push(
        bodyField(`${prefix}/end`, `the window lasts ${hours.toFixed(2)} hours; the limit is ${deps.maxWindowHours} (MAX_WINDOW_HOURS)`),
      )
    if (w.kind === 'emergency' && !w.justification?.trim())
      problems.push(bodyField(`${prefix}/justification`, 'an emergency window needs a justification'))
    if (problems.length) throw invalid(problems)
    const ref = await deps.reference.all(trx)
    const unknown = checkIdsAgainst(ref, { party: w.party, services: w.services, regions: w.regions }, prefix)
    if (unknown.length) throw unknownIds(unknown)
  }

  async function load(trx: DbOrTx, id: string): Promise<MaintenanceWindow> {
    const w = await windowsRepository.findById(trx, id)
    if (!w) throw notFound('Window', id)
    return w
  }

  async function checkProgramme(trx: DbOrTx, w: MaintenanceWindow, prefix = '') {
    if (!w.programmeId) return
    const p = await trx.selectFrom('programmes').select(['id', 'party']).where('id', '=', w.programmeId).executeTakeFirst()
    if (!p) throw invalid([bodyField(`${prefix}/programmeId`, `unknown programme ${w.programmeId}`)])
    if (p.party !== w.party)
      throw invalid([bodyField(`${prefix}/programmeId`, `programme ${w.programmeId} belongs to ${p.party}, not ${w.party}`)])
  }

  /** One audit entry per stored version, in the write's transaction (`window.created`, `window.changed`, …). */
  function auditWindow(trx: DbOrTx, w: MaintenanceWindow, action: string, actor: Actor, reason: string | null, changes: FieldChange[]) {
    return appendAudit(trx, clock, {
      actor,
      action: `window.${WINDOW_AUDIT_ACTIONS[action] ?? action}`,
      entityType: 'window',
      entityId: w.id,
      payload: {
        reference: w.reference,
        party: w.party,
        version: w.version,
        historyAction: action,
        reason,
        effectiveAt: w.effectiveAt,
        changes,
      },
    })
  }

  /** Stores a new version of `after` if `before` is still current; 412 when someone else got there first. */
  async function save(
    trx: DbOrTx,
    before: MaintenanceWindow,
    after: MaintenanceWindow,
    action: string,
    actor: Actor,
    reason: string | null,
    effectiveAt?: Date,
  ): Promise<MaintenanceWindow> {
    const changes = diffWindows(before, after)
    if (changes.length === 0) return before
    const now = clock.now()
    const next: MaintenanceWindow = {
      ...after,
      version: before.version + 1,
      sequence: before.sequence + (bumpsSequence(changes) ? 1 : 0),
      effectiveAt: effectiveAt ?? now,
      recordedAt: now,
      updatedAt: now,
    }
    const stored = await windowsRepository.updateIfVersion(trx, next, before.version)
    if (!stored) throw staleVersion(before.id)
    await windowsRepository.insertVersion(trx, next.id, {
      version: next.version,
      action,
      reason,
      changedBy: actor.keyId,
      effectiveAt: next.effectiveAt,
      recordedAt: now,
      changes,
      snapshot: snapshotOf(next),
    })
    await auditWindow(trx, stored, action, actor, reason, changes)
    await deps.hooks?.afterChange?.(trx, { action, before, after: stored, changes, actor, reason })
    return stored
  }

  /**
   * Refuses a key that may not plan for `party`: 400 naming `/party` (with the known parties) when no
   * such party exists, so a typo is not answered as a permission problem; else 403 saying whose key it takes.
   */
  async function checkMayPlan(dbOrTx: DbOrTx, actor: Actor, party: string, prefix: string): Promise<void> {
    if (actsFor(actor, party)) return
    const unknown = checkIdsAgainst(await deps.reference.all(dbOrTx), { party }, prefix)
    if (unknown.length > 0) throw invalid(unknown)
    throw forbidden(
      `This key may not plan windows for ${party}${actor.role === 'submitter' ? ` (it plans for ${actor.parties.join(', ')})` : ''}: use a submitter key for ${party}, or an admin key.`,
    )
  }

  async function createUnassessed(input: WindowInput, actor: Actor, trx: DbOrTx, prefix = ''): Promise<MaintenanceWindow> {
    await checkMayPlan(trx, actor, input.party, prefix)
    const ref = await deps.reference.all(trx)
    const party = ref.parties.find((p) => p.id === input.party)
    const w = buildWindow(input, actor, { partyRegions: party?.regions ?? [] }, clock.now())
    await validate(trx, w, prefix)
    await checkProgramme(trx, w, prefix)
    const stored = await windowsRepository
      .insertWithVersion(trx, w, {
        version: 1,
        action: 'created',
        reason: null,
        changedBy: actor.keyId,
        effectiveAt: w.effectiveAt,
        recordedAt: w.recordedAt,
        changes: diffWindows(undefined, w),
        snapshot: snapshotOf(w),
      })
      .catch((e) => insertReferenceConflict(e, w, prefix))
    await auditWindow(trx, stored, 'created', actor, null, diffWindows(undefined, w))
    await deps.hooks?.afterChange?.(trx, {
      action: 'created',
      before: undefined,
      after: stored,
      changes: diffWindows(undefined, w),
      actor,
      reason: null,
    })
    return stored
  }

  function insertReferenceConflict(err: unknown, w: MaintenanceWindow, prefix = ''): never {
    if ((err as { code?: string; constraint?: string }).code === '23505')
      throw new AppError(
        'duplicate-reference',
        409,
        'Reference already used',
        `${w.party} already has a window with reference ${w.reference}.`,
        {
          errors: [bodyField(`${prefix}/reference`, `duplicate reference "${w.reference}" for party ${w.party}`)],
        },
      )
    throw err
  }

  return {
    build: buildWindow,

    /** Creates and assesses one window (201 answer carries the assessment). */
    async create(input: WindowInput, actor: Actor, opts: { trx?: DbOrTx; prefix?: string } = {}): Promise<AssessedWindow> {
      await checkMayPlan(opts.trx ?? db, actor, input.party, opts.prefix ?? '')
      return inTransaction(
        db,
        opts.trx,
        async (trx) => (await assessed(trx, [await createUnassessed(input, actor, trx, opts.prefix ?? '')], true))[0]!,
      )
    },

    /** Creates one window inside the caller's transaction without assessing it (programmes assess them together). */
    createUnassessed,

    /** The stored window (from memory while no window has changed since it was read). */
    async get(id: string): Promise<MaintenanceWindow> {
      // Frozen: one object serves many requests, so nobody may change it.
      const w = await byId.get(id, async () => {
        const found = await windowsRepository.findById(db, id)
        return found && Object.freeze(found)
      })
      if (!w) throw notFound('Window', id)
      return w
    },

    async list(filter: WindowFilter): Promise<MaintenanceWindow[]> {
      return windowsRepository.list(db, filter)
    },

    async history(id: string) {
      await load(db, id)
      return windowsRepository.history(db, id)
    },

    /** Applies a JSON Merge Patch if the window is still at `ifMatchVersion`. */
    async patch(id: string, patch: WindowPatch, ifMatchVersion: number, actor: Actor, opts: { trx?: DbOrTx } = {}) {
      return inTransaction(db, opts.trx, async (trx) => {
        const before = await load(trx, id)
        if (!actsFor(actor, before.party)) throw forbidden(`This key may not change windows of ${before.party}.`)
        if (before.version !== ifMatchVersion) throw staleVersion(id)
        if (patch.party !== undefined && patch.party !== before.party)
          throw invalid([bodyField('/party', 'a window cannot move to another party; cancel it and create a new one')])
        if (['in-progress', 'completed', 'cancelled', 'rejected'].includes(before.status))
          throw new AppError('window-closed', 409, 'Window can no longer be edited', `A ${before.status} window cannot be edited.`)
        const merged: MaintenanceWindow = { ...before }
        for (const [k, v] of Object.entries(patch)) {
          if (v === undefined) continue
          ;(merged as unknown as Record<string, unknown>)[k] = v === null ? nullFor(k) : v
        }
        await validate(trx, merged)
        await checkProgramme(trx, merged)
        let after = merged
        const material = isMaterialChange(before, merged)
        if ((before.status === 'notified' || before.status === 'agreed') && material)
          after = { ...merged, status: 'proposed', notifiedAt: null }
        const stored = await save(trx, before, after, 'updated', actor, null).catch((e) => insertReferenceConflict(e, merged))
        if (stored === before) return stored
        if (material) await deps.hooks?.afterMaterialChange?.(trx, stored)
        return (await assessed(trx, [stored]))[0]!
      })
    },

    /** Moves a window through the lifecycle by hand; 409 names the allowed next states. */
    async changeStatus(id: string, change: StatusChange, actor: Actor): Promise<MaintenanceWindow> {
      return inTransaction(db, undefined, async (trx) => {
        const before = await load(trx, id)
        const verdict = checkTransition(actor, before.party, before.status, change.to, change.decisionRef)
        if (!verdict.ok) {
          if (verdict.reason === 'forbidden') throw forbidden(verdict.detail)
          if (verdict.reason === 'decision-ref-required')
            throw invalid([bodyField('/decisionRef', `a decision (${change.to}) must cite the decision reference, e.g. the OPSG meeting`)])
          if (verdict.reason === 'publication-only')
            throw new AppError(
              'illegal-transition',
              409,
              'Status change not allowed',
              "A window becomes notified only when its month's schedule is published: POST /v1/schedules/{YYYY-MM}/publish.",
              { allowed: ['cancelled'] },
            )
          throw new AppError(
            'illegal-transition',
            409,
            'Status change not allowed',
            `A ${before.status} window cannot become ${change.to}; allowed next: ${verdict.allowed.join(', ') || 'none (final state)'}.`,
            { allowed: verdict.allowed },
          )
        }
        const now = clock.now()
        const after: MaintenanceWindow = { ...before, status: change.to }
        if (change.to === 'in-progress' && !before.actualStart) after.actualStart = now
        if (change.to === 'completed' && !before.actualEnd) after.actualEnd = now
        const reason = change.decisionRef ? `${change.reason} [${change.decisionRef}]` : change.reason
        const stored = await save(trx, before, after, 'status', actor, reason)
        return (await assessed(trx, [stored]))[0]!
      })
    },

    /** Store a new version (used by publication and actuals). */
    save,
    /** Assess written windows through the hook and attach the assessments. */
    assessed,
  }
}

/** History actions → audit verbs: a publication or a decision is a transition like any other status change. */
const WINDOW_AUDIT_ACTIONS: Record<string, string> = {
  created: 'created',
  updated: 'changed',
  status: 'transitioned',
  published: 'transitioned',
  actuals: 'actuals-recorded',
  replanned: 'replanned',
}

/** Builds the stored form of a new window (no I/O). */
export function buildWindow(input: WindowInput, actor: Actor, ref: { partyRegions?: readonly string[] }, now: Date): MaintenanceWindow {
  return {
    id: randomUUID(),
    ...submittedPlan(input, { regions: ref.partyRegions ?? [] }),
    notifiedAt: null,
    status: input.status ?? 'proposed',
    actualStart: null,
    actualEnd: null,
    createdBy: actor.keyId,
    version: 1,
    sequence: 0,
    effectiveAt: now,
    recordedAt: now,
    createdAt: now,
    updatedAt: now,
  }
}

function nullFor(field: string): unknown {
  if (field === 'services' || field === 'regions') return []
  if (field === 'description') return ''
  return null
}

export const staleVersion = (id: string) =>
  new AppError(
    'stale-version',
    412,
    'The window has changed',
    `Window ${id} has changed since you read it: GET it again and reapply your change with the new ETag.`,
  )

export type WindowsService = ReturnType<typeof createWindowsService>
