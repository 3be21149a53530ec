/**
 * The table of every parameter the service ships: the default ruleset, the default blackout layers
 * and the default reference data, each value with its confidence label and source, as Markdown.
 * `npm run docs:parameters` writes it to docs/parameters.md; a test fails when that file is stale.
 *
 * @example parametersTable().split('\n')[0] // '# Parameters, values and confidence labels'
 */
import { defaultBlackoutLayers } from '../domain/blackouts.ts'
import {
  DEFAULT_ESTATE,
  DEFAULT_IMPACT_THRESHOLDS,
  DEFAULT_TOP_UP_PROFILE,
  type Estate,
  type ImpactThresholds,
  type TopUpProfile,
} from '../domain/impact/reference-data.ts'
import { DEFAULT_RULESET, periodProvenance, type Ruleset } from '../domain/ruleset.ts'

interface ParametersInput {
  ruleset: Ruleset
  estate: Estate
  profile: TopUpProfile
  thresholds: ImpactThresholds
}

const DEFAULTS: ParametersInput = {
  ruleset: DEFAULT_RULESET,
  estate: DEFAULT_ESTATE,
  profile: DEFAULT_TOP_UP_PROFILE,
  thresholds: DEFAULT_IMPACT_THRESHOLDS,
}

type Row = [parameter: string, value: string, label: string, source: string]

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A value as the table shows it: JSON, long lists summarised. */
function show(v: unknown): string {
  if (typeof v === 'string') return v
  if (Array.isArray(v) && v.length > 12) return `${v.length} values, ${JSON.stringify(v.slice(0, 6)).slice(0, -1)}, …]`
  return JSON.stringify(v)
}

/** Escapes a Markdown table cell. */
function cell(s: string): string {
  return s.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll('\n', ' ')
}

/** Rows of every `{ value, provenance }` under a ruleset, by JSON pointer. */
function rulesetRows(r: Ruleset): Row[] {
  const rows: Row[] = []
  const walk = (v: unknown, ptr: string) => {
    if (!isObj(v)) return
    if ('value' in v && 'provenance' in v) {
      if (ptr === '/seasonal/highTopUp') {
        rows.push([ptr, `${(v.value as unknown[]).length} periods (below)`, String(v.provenance), String(v.source ?? '')])
        for (const per of r.seasonal.highTopUp.value) {
          const own = periodProvenance(r, per)
          rows.push([`${ptr}/${per.id}`, `${per.from} to ${per.to}`, own.provenance, own.source ?? ''])
        }
      } else rows.push([ptr, show(v.value), String(v.provenance), String(v.source ?? '')])
      return
    }
    for (const [k, x] of Object.entries(v)) walk(x, `${ptr}/${k}`)
  }
  walk(r, '')
  return rows
}

function figureRows(prefix: string, o: Record<string, unknown>): Row[] {
  const rows: Row[] = []
  const walk = (v: unknown, ptr: string) => {
    if (!isObj(v)) return
    if ('value' in v && 'confidence' in v) {
      rows.push([ptr, show(v.value), String(v.confidence), String(v.source ?? '')])
      return
    }
    for (const [k, x] of Object.entries(v)) walk(x, `${ptr}/${k}`)
  }
  walk(o, prefix)
  return rows
}

function table(rows: readonly Row[]): string {
  return [
    '| parameter | value | label | source |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| \`${cell(r[0])}\` | ${cell(r[1])} | ${cell(r[2])} | ${cell(r[3])} |`),
  ].join('\n')
}

/**
 * The Markdown document: one table per source of parameters.
 * @example parametersTable().includes('| `/seasonal/winter/from` | 10-01 | inferred |') // true
 */
export function parametersTable(input: ParametersInput = DEFAULTS): string {
  const r = input.ruleset
  const layers = defaultBlackoutLayers(r).map((l): Row => [l.id, `${l.name}; ${l.severity}`, l.provenance, l.legalBasis])
  const { source: tSource, confidence: tLabel, ...thresholds } = input.thresholds
  const thresholdRows = Object.entries(thresholds).map(([k, v]): Row => [`/${k}`, show(v), tLabel, tSource])
  return [
    '# Parameters, values and confidence labels',
    '',
    'Generated from the code by `npm run docs:parameters` (src/reports/parameters-table.ts); do not edit by hand.',
    'Labels (domain.md): `verified` (quoted from the cited source), `paraphrase`, `inferred`, `recalled`',
    '(recalled, unverified), `assumed` (a design default, not a fact about the SEC). A value resting on several',
    'parts carries the label of its weakest part.',
    '',
    `## Default ruleset \`${r.id}@${r.version}\` (effective from ${r.effectiveFrom})`,
    '',
    table(rulesetRows(r)),
    '',
    '## Default blackout layers',
    '',
    'Built from the ruleset (src/domain/blackouts.ts defaultBlackoutLayers); a finding from a layer carries its label.',
    '',
    table(layers),
    '',
    `## Reference data: estate \`${input.estate.version}\` (as of ${input.estate.asOf})`,
    '',
    table(figureRows('', input.estate.regions as unknown as Record<string, unknown>)),
    '',
    `## Reference data: top-up profile \`${input.profile.version}\``,
    '',
    table(figureRows('', input.profile as unknown as Record<string, unknown>)),
    '',
    '## Reference data: impact thresholds',
    '',
    table(thresholdRows),
    '',
  ].join('\n')
}
