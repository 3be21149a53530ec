import type { MaintenanceWindow } from '../domain/window.ts'

const iso = (d: Date | null) => d?.toISOString() ?? null

/**
 * A stored window as JSON values: instants in UTC beside the planning zone, lists copied. The one
 * place that says how a window is written out; the API's window (`toWindowDto` in
 * http/schemas/windows.ts) adds the local wall times, and event payloads take `windowSummary`.
 *
 * @example windowJson(w).start // '2021-11-14T00:00:00.000Z'
 */
export function windowJson(w: MaintenanceWindow) {
  return {
    id: w.id,
    reference: w.reference,
    title: w.title,
    description: w.description,
    justification: w.justification,
    riskToService: w.riskToService,
    party: w.party,
    changeRef: w.changeRef,
    programmeId: w.programmeId,
    kind: w.kind,
    impact: w.impact,
    services: [...w.services],
    regions: [...w.regions],
    start: w.start.toISOString(),
    end: w.end.toISOString(),
    zone: w.zone,
    durationMinutes: (w.end.getTime() - w.start.getTime()) / 60_000,
    notifiedAt: iso(w.notifiedAt),
    status: w.status,
    actualStart: iso(w.actualStart),
    actualEnd: iso(w.actualEnd),
    createdBy: w.createdBy,
    version: w.version,
    sequence: w.sequence,
    effectiveAt: w.effectiveAt.toISOString(),
    recordedAt: w.recordedAt.toISOString(),
    createdAt: w.createdAt.toISOString(),
    updatedAt: w.updatedAt.toISOString(),
  }
}

/**
 * The window as webhook payloads carry it: a compact, stable picture, a fixed subset of `windowJson`
 * (no wall times: the zone is there for the receiver to use).
 *
 * @example windowSummary(w) // { id, reference, title, party, status, kind, impact, services, regions, start, end, zone, notifiedAt, version, sequence }
 */
export function windowSummary(w: MaintenanceWindow) {
  const { id, reference, title, party, status, kind, impact, services, regions, start, end, zone, notifiedAt, version, sequence } =
    windowJson(w)
  return { id, reference, title, party, status, kind, impact, services, regions, start, end, zone, notifiedAt, version, sequence }
}
