/**
 * The board's address: `/board?from=2021-10-01&to=2022-08-01&party=DSP` (local dates in
 * Europe/London, `to` exclusive; `party` a comma list). Anything missing or malformed falls back to
 * a default, so a link always opens a board.
 *
 * @example parseQuery('?from=2021-10-01&to=2022-08-01&party=DSP', '2026-12-07') // { from: '2021-10-01', to: '2022-08-01', parties: ['DSP'] }
 */
import { DAY_MS, dayIndexOf, isIsoDate } from '../../src/domain/time.ts'

export interface BoardQuery {
  from: string
  to: string
  parties: string[]
}

/** The longest range the board asks for: the blackout periods route's limit (3653 days). */
export const MAX_RANGE_DAYS = 3653
const PARTY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/

const addMonths = (isoDate: string, months: number) => {
  const d = new Date(dayIndexOf(isoDate) * DAY_MS)
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1)).toISOString().slice(0, 10)
}

/** The default range: the month before today's to ten months on. */
export function defaultQuery(today: string): BoardQuery {
  return { from: addMonths(today, -1), to: addMonths(today, 10), parties: [] }
}

/** `today` is asked for only when a date is missing (it costs the zone clock a year's table). */
export function parseQuery(search: string, today: string | (() => string)): BoardQuery {
  const p = new URLSearchParams(search)
  const from = p.get('from')
  const to = p.get('to')
  const given = (v: string | null): v is string => v !== null && isIsoDate(v)
  const d = given(from) && given(to) ? null : defaultQuery(typeof today === 'string' ? today : today())
  const q: BoardQuery = {
    from: given(from) ? from : d!.from,
    to: given(to) ? to : d!.to,
    parties: (p.get('party') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => PARTY.test(s)),
  }
  const days = dayIndexOf(q.to) - dayIndexOf(q.from)
  if (days <= 0) q.to = addMonths(q.from, 11)
  else if (days > MAX_RANGE_DAYS) q.to = new Date((dayIndexOf(q.from) + MAX_RANGE_DAYS) * DAY_MS).toISOString().slice(0, 10)
  return q
}

/** The search part of the board's address for a query. @example formatQuery({ from: '2021-10-01', to: '2022-08-01', parties: ['DSP'] }) // '?from=2021-10-01&to=2022-08-01&party=DSP' */
export function formatQuery(q: BoardQuery): string {
  const p = new URLSearchParams({ from: q.from, to: q.to })
  if (q.parties.length) p.set('party', q.parties.join(','))
  return `?${p.toString()}`
}

/** `all` for the list of programmes, a programme's id, or null (programme view closed). */
export type ProgrammeView = 'all' | string | null
const PROGRAMME = /^(all|[0-9a-fA-F-]{36})$/

/** The programme view a board address opens (`&programme=all` or `&programme=<id>`). @example programmeOf('?programme=all') // 'all' */
export function programmeOf(search: string): ProgrammeView {
  const v = new URLSearchParams(search).get('programme')
  return v && PROGRAMME.test(v) ? v : null
}

/** A board address's search with the programme view set (or removed). @example withProgramme('?from=2021-10-01', 'all') // '?from=2021-10-01&programme=all' */
export function withProgramme(search: string, view: ProgrammeView): string {
  const p = new URLSearchParams(search)
  if (view) p.set('programme', view)
  else p.delete('programme')
  const s = p.toString()
  return s ? `?${s}` : ''
}
