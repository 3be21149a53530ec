/**
 * The window form's pure part: a draft as typed, the POST body and the JSON Merge Patch made from it,
 * the service's field problems mapped to fields by JSON Pointer, a draft moved onto a newer version
 * after a 412, and the dry-run plan the what-if sends while the user types.
 *
 * @example problemsByField([{ pointer: '/end', message: 'end must be after start' }]).byField.end // ['end must be after start']
 */
import { type FieldProblem, groupByField } from './field-problems.ts'
import { BOARD_ZONE, fromLocalInput, monthKeys, toLocalInput } from './time.ts'
import type { WindowDto } from './types.ts'
import type { Impact, WindowKind } from '../../src/domain/window.ts'
import { type DryRunWindow, toDryRun } from './what-if.ts'

/** The outage types and kinds the API takes: the domain's own lists. */
export { IMPACTS, WINDOW_KINDS } from '../../src/domain/window.ts'

/** What the form holds: text as typed (times as datetime-local values in UK wall time). */
export interface WindowDraft {
  reference: string
  title: string
  description: string
  party: string
  kind: WindowKind
  impact: Impact
  services: string[]
  regions: string[]
  changeRef: string
  justification: string
  start: string
  end: string
}

/** The fields the form shows, each the target of the JSON Pointers that name it. */
export type FormField = keyof WindowDraft

const FIELDS: readonly FormField[] = [
  'reference',
  'title',
  'description',
  'party',
  'kind',
  'impact',
  'services',
  'regions',
  'changeRef',
  'justification',
  'start',
  'end',
]

/**
 * The service's field problems split into those beside a field and the rest (shown above the
 * buttons). `/services/2` belongs to Services, `/end` to End.
 * @example problemsByField([{ pointer: '/end', message: 'end must be after start' }]).byField.end // ['end must be after start']
 */
export function problemsByField(errors: readonly FieldProblem[]): { byField: Partial<Record<FormField, string[]>>; other: string[] } {
  return groupByField(errors, (pointer) => {
    const head = pointer.split('/')[1] as FormField | undefined
    return head && FIELDS.includes(head) ? head : undefined
  })
}

/** A stored window as the form shows it (or an empty form for `party`). */
export function draftOf(w: WindowDto | undefined, party: string): WindowDraft {
  if (!w)
    return {
      reference: '',
      title: '',
      description: '',
      party,
      kind: 'planned',
      impact: 'outage',
      services: [],
      regions: [],
      changeRef: '',
      justification: '',
      start: '',
      end: '',
    }
  return {
    reference: w.reference,
    title: w.title,
    description: w.description,
    party: w.party,
    kind: w.kind,
    impact: w.impact,
    services: [...w.services],
    regions: [...w.regions],
    changeRef: w.changeRef ?? '',
    justification: w.justification ?? '',
    start: toLocalInput(Date.parse(w.start)),
    end: toLocalInput(Date.parse(w.end)),
  }
}

/** A datetime-local value as an RFC 3339 instant; what cannot be read is sent as typed (the service names it). */
const instantOf = (local: string) => {
  const read = fromLocalInput(local)
  return read ? new Date(read.ms).toISOString() : local
}
const orNull = (s: string) => (s.trim() === '' ? null : s)

/**
 * The POST /v1/windows body of a draft; no regions means the party's own (the service's default).
 * @example createBody({ ...draftOf(undefined, 'DSP'), start: '2022-06-12T00:00' }).start // '2022-06-11T23:00:00.000Z'
 */
export function createBody(d: WindowDraft): Record<string, unknown> {
  return {
    reference: d.reference,
    title: d.title,
    description: d.description,
    party: d.party,
    kind: d.kind,
    impact: d.impact,
    services: d.services,
    ...(d.regions.length ? { regions: d.regions } : {}),
    changeRef: orNull(d.changeRef),
    justification: orNull(d.justification),
    start: instantOf(d.start),
    end: instantOf(d.end),
    zone: BOARD_ZONE,
  }
}

/** The JSON Merge Patch of a draft against the stored window: only the fields that changed. */
export function patchBody(w: WindowDto, d: WindowDraft): Record<string, unknown> {
  const body = createBody(d)
  const stored: Record<string, unknown> = { ...w, regions: w.regions }
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(body)) {
    if (k === 'zone' || k === 'party') continue
    const same =
      k === 'start' || k === 'end'
        ? Date.parse(String(body[k])) === Date.parse(String(stored[k]))
        : JSON.stringify(body[k] ?? null) === JSON.stringify(stored[k] ?? null)
    if (!same) out[k] = body[k]
  }
  if (d.regions.length === 0 && w.regions.length > 0) out.regions = null
  return out
}

/**
 * A draft moved onto a newer version (after a 412): the fields the user changed keep the user's value,
 * the others take the newer version's, so that saving again does not undo someone else's change.
 */
export function rebase(d: WindowDraft, old: WindowDto, newer: WindowDto): WindowDraft {
  const was = draftOf(old, old.party)
  const now = draftOf(newer, newer.party)
  const out = { ...d }
  for (const k of FIELDS) if (JSON.stringify(d[k]) === JSON.stringify(was[k])) (out as Record<string, unknown>)[k] = now[k]
  return out
}

/**
 * The dry-run plan of a draft: the draft (a placeholder reference and title while those are not yet
 * valid, so the times are judged as the user types) and the board's other windows of its months;
 * null while the times cannot be judged.
 */
export function draftPlan(d: WindowDraft, id: string, all: readonly WindowDto[], stored?: WindowDto): DryRunWindow[] | null {
  const a = fromLocalInput(d.start)
  const b = fromLocalInput(d.end)
  if (!a || !b || !(b.ms > a.ms)) return null
  const body = createBody(d)
  const draft: DryRunWindow = {
    id,
    reference: /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(d.reference) ? d.reference : 'NEW-WINDOW',
    title: d.title.trim() || 'New window',
    description: d.description,
    justification: orNull(d.justification),
    riskToService: stored?.riskToService ?? null,
    party: d.party,
    changeRef: /^[A-Za-z0-9._-]{1,64}$/.test(d.changeRef) ? d.changeRef : null,
    programmeId: stored?.programmeId ?? null,
    kind: d.kind,
    impact: d.impact,
    services: d.services,
    regions: (body.regions as string[] | undefined) ?? stored?.regions ?? [],
    start: String(body.start),
    end: String(body.end),
    zone: BOARD_ZONE,
    notifiedAt: stored?.notifiedAt ?? null,
    status: stored?.status ?? 'proposed',
  }
  if (!draft.regions.length) delete (draft as Partial<DryRunWindow>).regions
  const months = new Set(monthKeys(a.ms, b.ms))
  const others = all.filter((w) => w.id !== id && monthKeys(Date.parse(w.start), Date.parse(w.end)).some((m) => months.has(m)))
  return [draft, ...others.map((w) => toDryRun(w))]
}
