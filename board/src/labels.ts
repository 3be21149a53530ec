/** Words and symbols the board shows beside colour (never colour alone). */
import type { Severity, Shown } from './types.ts'

export const RATING_SYMBOL: Record<Shown, string> = { red: '✖', amber: '▲', green: '✓', unrated: '–', pending: '…' }
export const RATING_TEXT: Record<Shown, string> = {
  pending: 'being judged',
  red: 'red: an open confirmed breach',
  amber: 'amber: an open objection, or a breach on an assumed limit',
  green: 'green: nothing open above warning',
  unrated: 'unrated: not assessed',
}
export const SEVERITIES: readonly Severity[] = ['breach', 'objection', 'warning', 'info']
export const SEVERITY_TEXT: Record<Severity, string> = {
  breach: 'Breaches',
  objection: 'Objections',
  warning: 'Warnings',
  info: 'Information',
}
export const SEVERITY_SYMBOL: Record<Severity, string> = { breach: '✖', objection: '▲', warning: '·', info: 'i' }
export const NATION_TEXT: Record<string, string> = {
  'england-and-wales': 'England and Wales',
  scotland: 'Scotland',
  'northern-ireland': 'Northern Ireland',
}

/** A number with thousands separators. @example grouped(16300000) // '16,300,000' */
export const grouped = (n: number) => Math.round(n).toLocaleString('en-GB')
