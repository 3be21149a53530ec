import type { Db } from '../db/database.ts'
import { windowsRepository } from '../db/repositories/windows-repository.ts'
import { expandRecurrence, LONDON_ZONE, RecurrenceError } from '../domain/index.ts'
import { type Actor, actsFor } from '../domain/lifecycle.ts'
import { type ProgrammeTotals, type ProgrammeTotalsWindow, programmeTotals } from '../reports/programme-totals.ts'
import { appendAudit } from './audit-service.ts'
import type { Clock } from './clock.ts'
import type { ComplianceService } from './compliance-service.ts'
import { bodyField, forbidden, invalid, notFound } from './errors.ts'
import type { WindowInput, WindowsService } from './windows-service.ts'

export interface ProgrammeInput {
  name: string
  party: string
  description?: string | undefined
  /** An explicit list of windows (party and programme are taken from the programme)… */
  windows?: Omit<WindowInput, 'party' | 'programmeId'>[] | undefined
  /** …or a recurrence: RRULE (+EXDATE) with a local start and end time in a zone, and a template. */
  recurrence?:
    | {
        rrule: string
        dtstart: string
        startTime: string
        endTime: string
        zone: string
        exdates?: string[] | undefined
        referencePrefix: string
        template: Omit<WindowInput, 'party' | 'programmeId' | 'reference' | 'start' | 'end' | 'zone'>
      }
    | undefined
}

/**
 * Programmes: a named group of windows created in one transaction or not at all, given as a list
 * or as a recurrence expanded in the zone (spring-gap occurrences are skipped and listed).
 *
 * @example await programmes.create({ name: 'DSP Technical Refresh', party: 'DSP', windows: [...] }, actor)
 */
export function createProgrammesService(deps: { db: Db; clock: Clock; windows: WindowsService; compliance: ComplianceService }) {
  const { db, clock } = deps

  async function load(id: string) {
    const p = await db.selectFrom('programmes').selectAll().where('id', '=', id).executeTakeFirst()
    if (!p) throw notFound('Programme', id)
    return p
  }

  return {
    async create(input: ProgrammeInput, actor: Actor) {
      // Checked before the programme row is written (its party is a foreign key), and before the key's
      // parties: a mistyped party is a 400 naming /party, not a permission problem.
      const parties = (await db.selectFrom('parties').select('id').orderBy('id').execute()).map((p) => p.id)
      if (!parties.includes(input.party))
        throw invalid([bodyField('/party', `unknown party "${input.party}"; known: ${parties.join(', ')}`)])
      if (!actsFor(actor, input.party))
        throw forbidden(
          `This key may not plan windows for ${input.party}${actor.role === 'submitter' ? ` (it plans for ${actor.parties.join(', ')})` : ''}: use a submitter key for ${input.party}, or an admin key.`,
        )
      if (!!input.windows === !!input.recurrence)
        throw invalid([bodyField('/windows', 'give either windows or recurrence, not both or neither')])
      let inputs: WindowInput[]
      let skipped: { localStart: string; reason: string }[] = []
      let truncated: string | undefined
      if (input.windows) {
        inputs = input.windows.map((w) => ({ ...w, party: input.party }))
      } else {
        const r = input.recurrence!
        let expansion: ReturnType<typeof expandRecurrence>
        try {
          expansion = expandRecurrence({
            rrule: r.rrule,
            dtstart: r.dtstart,
            startTime: r.startTime,
            endTime: r.endTime,
            zone: r.zone,
            ...(r.exdates ? { exdates: r.exdates } : {}),
            maxOccurrences: 500,
            maxYears: 5,
          })
        } catch (err) {
          if (err instanceof RecurrenceError) throw invalid([bodyField(`/recurrence/${err.field}`, err.message)])
          throw err
        }
        if (expansion.occurrences.length === 0) throw invalid([bodyField('/recurrence/rrule', 'the recurrence has no occurrences')])
        skipped = expansion.skipped.map((s) => ({ localStart: s.localStart, reason: s.reason }))
        truncated = expansion.truncated ? expansion.truncatedReason : undefined
        inputs = expansion.occurrences.map((o, i) => ({
          ...r.template,
          reference: `${r.referencePrefix}-${String(i + 1).padStart(2, '0')}`,
          party: input.party,
          start: o.start,
          end: o.end,
          zone: r.zone,
        }))
      }
      if (inputs.length > 500) throw invalid([bodyField('/windows', 'at most 500 windows in one programme')])
      return db.transaction().execute(async (trx) => {
        const now = clock.now()
        const programme = await trx
          .insertInto('programmes')
          .values({
            party: input.party,
            name: input.name,
            description: input.description ?? '',
            recurrence: input.recurrence ? JSON.stringify(input.recurrence) : null,
            created_by: actor.keyId,
            created_at: now,
            updated_at: now,
            recorded_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow()
        await appendAudit(trx, clock, {
          actor,
          action: 'programme.created',
          entityType: 'programme',
          entityId: programme.id,
          payload: {
            name: programme.name,
            party: programme.party,
            description: programme.description,
            recurrence: input.recurrence ?? null,
          },
        })
        const created = []
        for (const [i, w] of inputs.entries())
          created.push(
            await deps.windows.createUnassessed(
              { ...w, programmeId: programme.id },
              actor,
              trx,
              input.windows ? `/windows/${i}` : '/recurrence',
            ),
          )
        const windows = await deps.windows.assessed(trx, created)
        return { programme: { ...programme, windowCount: windows.length }, windows, skipped, ...(truncated ? { truncated } : {}) }
      })
    },

    /**
     * Every programme, by name, with its version (what a re-plan's If-Match names) and how many
     * windows it holds.
     *
     * @example (await programmes.list())[0] // { id, name: 'DSP Technical Refresh', party: 'DSP', version: 1, windowCount: 14, … }
     */
    async list() {
      const rows = await db.selectFrom('programmes').selectAll().orderBy('name').orderBy('id').execute()
      const counts = await db
        .selectFrom('windows')
        .select(['programme_id', (eb) => eb.fn.countAll<string>().as('n')])
        .where('programme_id', 'is not', null)
        .groupBy('programme_id')
        .execute()
      const byId = new Map(counts.map((c) => [c.programme_id, Number(c.n)]))
      return rows.map((p) => ({
        id: p.id,
        name: p.name,
        party: p.party,
        description: p.description,
        version: p.version,
        windowCount: byId.get(p.id) ?? 0,
        createdAt: p.created_at,
        updatedAt: p.updated_at,
      }))
    },

    /** A programme, its windows and its totals (from assessing its windows together, as now). */
    async get(id: string) {
      const programme = await load(id)
      const windows = await windowsRepository.list(db, { programmeId: id, limit: 1000 })
      // One snapshot for the plan and its background, as the programme's assessment reads it.
      const { views } = windows.length
        ? await db.transaction().execute((trx) => deps.compliance.assessPlan(trx, windows, { withStored: true }))
        : { views: [] as Awaited<ReturnType<ComplianceService['assessPlan']>>['views'] }
      const zone = (views[0]?.provenance.zone as string | undefined) ?? LONDON_ZONE
      const totals: ProgrammeTotals = programmeTotals(
        windows.map((w, i) => ({
          window: w,
          findings: views[i]!.findings,
          impact: views[i]!.impact as ProgrammeTotalsWindow['impact'],
        })),
        zone,
      )
      return { programme: { ...programme, windowCount: windows.length }, windows, totals }
    },

    async assessment(id: string, rulesetVersion?: string) {
      await load(id)
      const windows = await windowsRepository.list(db, { programmeId: id, limit: 1000 })
      return db
        .transaction()
        .execute(async (trx) =>
          deps.compliance.assessPlan(trx, windows, { withStored: true, ...(rulesetVersion ? { rulesetVersion } : {}) }),
        )
    },
  }
}
