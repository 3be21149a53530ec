import { type MaintenanceWindow, SUBMITTER_FIELDS } from './window.ts'

/** A field's value before and after a change, as stored in the window's history. */
export interface FieldChange {
  field: string
  old: unknown
  new: unknown
}

/** What a window's history records: the submitter's fields, then what the service and the lifecycle set. */
const TRACKED = [
  ...SUBMITTER_FIELDS,
  'notifiedAt',
  'status',
  'actualStart',
  'actualEnd',
] as const satisfies readonly (keyof MaintenanceWindow)[]

const plain = (v: unknown): unknown => (v instanceof Date ? v.toISOString() : Array.isArray(v) ? [...v] : v)

/**
 * The fields that differ between two versions of a window, in a fixed order.
 *
 * @example diffWindows(w, { ...w, title: 'New' }) // [{ field: 'title', old: 'Old', new: 'New' }]
 */
export function diffWindows(before: MaintenanceWindow | undefined, after: MaintenanceWindow): FieldChange[] {
  const out: FieldChange[] = []
  for (const f of TRACKED) {
    const a = plain(before?.[f] ?? null)
    const b = plain(after[f] ?? null)
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ field: f, old: a, new: b })
  }
  return out
}

/** The window as plain JSON (instants as RFC 3339 UTC), for history snapshots. */
export function snapshotOf(w: MaintenanceWindow): Record<string, unknown> {
  return Object.fromEntries(Object.entries(w).map(([k, v]) => [k, plain(v)]))
}

/** RFC 5545 SEQUENCE must increase when start, end, status or the summary change. */
export function bumpsSequence(changes: readonly FieldChange[]): boolean {
  const fields = new Set(['start', 'end', 'status', 'party', 'reference', 'impact', 'title'])
  return changes.some((c) => fields.has(c.field))
}
