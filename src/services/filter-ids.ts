import { bodyField, type FieldProblem } from './errors.ts'
import type { ReferenceData } from './reference-service.ts'

/** A filter by party, service and region ids (a webhook subscription's, a feed's). */
interface IdFilter {
  parties?: readonly string[] | undefined
  services?: readonly string[] | undefined
  regions?: readonly string[] | undefined
}

const KINDS = ['parties', 'services', 'regions'] as const
const singular = { parties: 'party', services: 'service', regions: 'region' } as const

/**
 * The ids a filter names that the reference data does not hold, as problems at `/filter/{kind}/{i}`;
 * with `listKnown`, each message lists the known ids of its kind.
 *
 * @example unknownFilterIds(ref, { parties: ['NOPE'] }) // [{ pointer: '/filter/parties/0', in: 'body', message: 'unknown party "NOPE"' }]
 */
export function unknownFilterIds(ref: ReferenceData, filter: IdFilter, opts: { listKnown?: boolean } = {}): FieldProblem[] {
  const known = {
    parties: new Set(ref.parties.map((p) => p.id)),
    services: new Set(ref.services.map((s) => s.id)),
    regions: new Set(ref.regions.map((r) => r.id)),
  }
  const problems: FieldProblem[] = []
  for (const kind of KINDS)
    filter[kind]?.forEach((id, i) => {
      if (known[kind].has(id)) return
      const list = opts.listKnown ? `; known: ${[...known[kind]].join(', ')}` : ''
      problems.push(bodyField(`/filter/${kind}/${i}`, `unknown ${singular[kind]} "${id}"${list}`))
    })
  return problems
}
