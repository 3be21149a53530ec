/**
 * Renders a subscribable iCalendar feed (RFC 5545 + RFC 7986, maintnote BCOP properties) of
 * maintenance windows and blackout periods. Pure: the generation instant is an argument.
 */
import type { ComplianceRating } from '../domain/compliance.ts'
import { DEFAULT_PARTIES, DEFAULT_REGIONS, DEFAULT_SERVICES } from '../domain/reference.ts'
import type { Party, Region, Service } from '../domain/reference.ts'
import type { Impact, MaintenanceWindow, WindowStatus } from '../domain/window.ts'
import { DAY_MS } from '../domain/time.ts'
import {
  CRLF,
  IcsWriter,
  escapeText,
  formatLondonWallTime,
  LONDON_TZID,
  type TimeMode,
  dateTimeLine,
  formatUtcDateTime,
  isIcsDuration,
} from './ics-writer.ts'
import { vtimezoneLines } from './vtimezone.ts'

/** Calendar-level data of one feed. */
export interface FeedMeta {
  /** Calendar name (NAME and X-WR-CALNAME). */
  name: string
  /** Calendar description (DESCRIPTION and X-WR-CALDESC). */
  description?: string
  /** PRODID, e.g. '-//DCC//Maintenance Window Planner 0.1//EN'. */
  prodId: string
  /** Suggested minimum poll interval as an RFC 5545 duration, e.g. 'PT1H' (REFRESH-INTERVAL, X-PUBLISHED-TTL). */
  refreshInterval: string
  /** The generation instant: DTSTAMP of every event, and the clock for the cancelled-window retention. */
  generatedAt: Date
  /** Public API base URL without trailing slash, e.g. 'https://mwp.example.org'; links are `${baseUrl}/v1/windows/{id}`. */
  baseUrl: string
  /** 'utc' (default): `Z` date-times. 'europe-london': `TZID=Europe/London` wall times with a VTIMEZONE. */
  timeMode?: TimeMode
  /** The subscriber's account, written as X-MAINTNOTE-ACCOUNT when given. */
  account?: string
}

/** A blackout period, rendered as a transparent (free-time) event. */
export interface FeedBlackout {
  id: string
  name: string
  category: string
  start: Date
  end: Date
  description?: string
  /** SEQUENCE; 0 when absent. */
  sequence?: number
  /** LAST-MODIFIED when given. */
  updatedAt?: Date
  /**
   * When given, the event is a recurring series (see `blackoutSeries`): `start`/`end` are its first
   * occurrence, written with `recurrence.tzid` (the only zone written is Europe/London, whose
   * VTIMEZONE the feed then carries in either time mode: a local recurrence has no UTC form).
   */
  recurrence?: FeedRecurrence
}

/** The recurrence of a series event: RRULE and EXDATE in its zone's wall time (RFC 5545 §3.8.5). */
export interface FeedRecurrence {
  /** The rule without DTSTART, COUNT or UNTIL, e.g. 'FREQ=DAILY'. */
  rrule: string
  /** Zone of DTSTART, DTEND and EXDATE. */
  tzid: typeof LONDON_TZID
  /** The last occurrence's start (RRULE UNTIL, in UTC). */
  until: Date
  /** Starts of the rule's occurrences left out (EXDATE), each at the rule's wall time. */
  exdates?: readonly Date[]
}

/** Reference data used for names in descriptions; each defaults to the shipped list. */
export interface FeedReference {
  parties?: readonly Party[]
  services?: readonly Service[]
  regions?: readonly Region[]
}

export interface CalendarFeedInput {
  meta: FeedMeta
  /** Windows already filtered for the subscriber; drafts and expired cancellations are dropped here. */
  windows: readonly MaintenanceWindow[]
  /** One-line compliance findings summary per window id, e.g. '2 warnings: notice period, blackout'. */
  findingsSummary?: ReadonlyMap<string, string>
  /** Compliance colour per window id (domain/compliance.ts), written as the event's COLOR (RFC 7986). */
  complianceRatings?: ReadonlyMap<string, ComplianceRating>
  blackouts?: readonly FeedBlackout[]
  reference?: FeedReference
}

/** RFC 7986 COLOR (a CSS3 colour name) of each compliance rating. */
const ICS_COLOUR: Record<Exclude<ComplianceRating, 'unrated'>, string> = { red: 'red', amber: 'orange', green: 'green' }

/** iCalendar VEVENT STATUS. */
export type IcsStatus = 'TENTATIVE' | 'CONFIRMED' | 'CANCELLED'

/** Days a cancelled or rejected window stays in a feed after its end. */
export const CANCELLED_RETENTION_DAYS = 30
const RETENTION_MS = CANCELLED_RETENTION_DAYS * DAY_MS

const ICS_STATUS: Record<Exclude<WindowStatus, 'draft'>, IcsStatus> = {
  proposed: 'TENTATIVE',
  notified: 'CONFIRMED',
  agreed: 'CONFIRMED',
  'in-progress': 'CONFIRMED',
  completed: 'CONFIRMED',
  cancelled: 'CANCELLED',
  rejected: 'CANCELLED',
}

const MAINTNOTE_STATUS: Record<Exclude<WindowStatus, 'draft'>, string> = {
  proposed: 'TENTATIVE',
  notified: 'CONFIRMED',
  agreed: 'CONFIRMED',
  'in-progress': 'IN-PROCESS',
  completed: 'COMPLETED',
  cancelled: 'CANCELLED',
  rejected: 'CANCELLED',
}

const MAINTNOTE_IMPACT: Record<Impact, string> = {
  'no-impact': 'NO-IMPACT',
  'reduced-redundancy': 'REDUCED-REDUNDANCY',
  degraded: 'DEGRADED',
  outage: 'OUTAGE',
}

const IMPACT_LABEL: Record<Impact, string> = {
  'no-impact': 'no impact',
  'reduced-redundancy': 'reduced redundancy',
  degraded: 'degraded',
  outage: 'outage',
}

/**
 * The VEVENT STATUS of a window status; `undefined` for drafts, which never appear in a feed.
 *
 * @example icsStatus('proposed') // 'TENTATIVE'
 * @example icsStatus('rejected') // 'CANCELLED'
 */
export function icsStatus(status: WindowStatus): IcsStatus | undefined {
  return status === 'draft' ? undefined : ICS_STATUS[status]
}

/**
 * Whether a window belongs in a feed generated at `generatedAt`: never a draft; a cancelled or
 * rejected window only until 30 days after its end (inclusive).
 *
 * @example isWindowInFeed({ ...w, status: 'cancelled', end: new Date('2022-01-01T00:00:00Z') }, new Date('2022-02-01T00:00:00Z')) // false
 */
export function isWindowInFeed(w: Pick<MaintenanceWindow, 'status' | 'end'>, generatedAt: Date): boolean {
  const status = icsStatus(w.status)
  if (status === undefined) return false
  if (status !== 'CANCELLED') return true
  return generatedAt.getTime() <= w.end.getTime() + RETENTION_MS
}

/**
 * The stable UID of a window's event: the window id and a fixed domain, revealing no host.
 *
 * @example windowUid('0b7c…') // '0b7c…@mwp'
 */
export function windowUid(windowId: string): string {
  return `${windowId}@mwp`
}

/**
 * The stable UID of a blackout period's event.
 *
 * @example blackoutUid('xmas-2021') // 'blackout-xmas-2021@mwp'
 */
export function blackoutUid(blackoutId: string): string {
  return `blackout-${blackoutId}@mwp`
}

/**
 * The SUMMARY of a window: party, reference, impact and title; the party is left out when the
 * reference already starts with it (a whole word, any case), so it is never written twice.
 * Cancelled and rejected windows are prefixed, for clients that ignore STATUS in subscribed calendars.
 *
 * @example windowSummary({ party: 'DSP', reference: 'DSP-TR-01', impact: 'outage', title: 'Technical refresh', status: 'agreed' })
 * // 'DSP-TR-01: outage — Technical refresh'
 * @example windowSummary({ party: 'DSP', reference: 'TR-01', impact: 'outage', title: 'Technical refresh', status: 'agreed' })
 * // 'DSP TR-01: outage — Technical refresh'
 */
export function windowSummary(w: Pick<MaintenanceWindow, 'party' | 'reference' | 'impact' | 'title' | 'status'>): string {
  const prefix = w.status === 'cancelled' ? 'Cancelled: ' : w.status === 'rejected' ? 'Rejected: ' : ''
  const ref = referenceNamesParty(w.reference, w.party) ? w.reference : `${w.party} ${w.reference}`
  return `${prefix}${ref}: ${IMPACT_LABEL[w.impact]} — ${w.title}`
}

/** True when `reference` starts with `party` as a whole word ('DSP-TR-01', 'dsp 7'; not 'DSPX-1'). */
function referenceNamesParty(reference: string, party: string): boolean {
  if (party === '' || reference.length < party.length) return false
  if (reference.slice(0, party.length).toLowerCase() !== party.toLowerCase()) return false
  return reference.length === party.length || !/[\p{L}\p{N}]/u.test(reference.charAt(party.length))
}

/** Memoises escaped "Name (id), Name (id)" TEXT: windows repeat the same few lists. */
class NameLists {
  readonly #names: ReadonlyMap<string, string>
  readonly #cache = new Map<string, string>()
  constructor(list: readonly { id: string; name: string }[]) {
    this.#names = new Map(list.map((x) => [x.id, x.name]))
  }
  /** Escaped 'Name (id)' when the name is known, else the escaped id. */
  one(id: string): string {
    let t = this.#cache.get(id)
    if (t === undefined) {
      const name = this.#names.get(id)
      t = escapeText(name === undefined ? id : `${name} (${id})`)
      this.#cache.set(id, t)
    }
    return t
  }
  /** The escaped names of a list joined with '\\, ', or 'none' when empty. */
  list(ids: readonly string[]): string {
    if (ids.length === 0) return 'none'
    if (ids.length === 1) return this.one(ids[0] as string)
    const key = ids.join('\u0000')
    let t = this.#cache.get(key)
    if (t === undefined) {
      t = ids.map((id) => this.one(id)).join('\\, ')
      this.#cache.set(key, t)
    }
    return t
  }
}

type Item =
  | { start: number; uid: string; window: MaintenanceWindow; status: IcsStatus }
  | { start: number; uid: string; blackout: FeedBlackout }

function byStartThenUid(a: Item, b: Item): number {
  return a.start - b.start || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0)
}

/**
 * Renders the feed as UTF-8 bytes: a VCALENDAR with one VEVENT per window (drafts and expired
 * cancellations left out) and one transparent VEVENT per blackout, sorted by start then UID, CRLF
 * line ends, folded at 75 octets. Deterministic for the same input. Send these bytes as
 * `text/calendar; charset=utf-8` (and hash them for an ETag) without re-encoding.
 *
 * @example
 * const body = renderCalendarFeedBytes({ meta, windows })
 * new TextDecoder().decode(body.subarray(0, 17)) // 'BEGIN:VCALENDAR\r\n'
 */
export function renderCalendarFeedBytes(input: CalendarFeedInput): Uint8Array {
  return writeFeed(input).toBytes()
}

/**
 * Renders the feed as a string; same content as `renderCalendarFeedBytes`.
 *
 * @example
 * const ics = renderCalendarFeed({
 *   meta: { name: 'DSP outages', prodId: '-//DCC//MWP//EN', refreshInterval: 'PT1H',
 *     generatedAt: new Date('2022-01-10T12:00:00Z'), baseUrl: 'https://mwp.example.org' },
 *   windows,
 * })
 * ics.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n') // true
 */
export function renderCalendarFeed(input: CalendarFeedInput): string {
  return writeFeed(input).toString()
}

/** What every event of one feed shares: its time mode, DTSTAMP, links, account and name lists. */
interface EventContext {
  mode: TimeMode
  dtstamp: string
  baseUrl: string
  baseUrlText: string
  account: string | undefined
  parties: NameLists
  services: NameLists
  regions: NameLists
  findingsSummary: ReadonlyMap<string, string> | undefined
  complianceRatings: ReadonlyMap<string, ComplianceRating> | undefined
}

function writeFeed(input: CalendarFeedInput): IcsWriter {
  const { meta, windows, blackouts = [], reference = {} } = input
  if (!isIcsDuration(meta.refreshInterval)) {
    throw new RangeError(`refreshInterval must be an RFC 5545 duration such as PT1H: ${meta.refreshInterval}`)
  }
  const mode: TimeMode = meta.timeMode ?? 'utc'
  const generatedAt = meta.generatedAt.getTime()
  const baseUrl = meta.baseUrl.replace(/\/+$/, '')
  const ev: EventContext = {
    mode,
    dtstamp: `DTSTAMP:${formatUtcDateTime(meta.generatedAt)}`,
    baseUrl,
    baseUrlText: escapeText(baseUrl),
    account: meta.account === undefined ? undefined : `X-MAINTNOTE-ACCOUNT:${escapeText(meta.account)}`,
    parties: new NameLists(reference.parties ?? DEFAULT_PARTIES),
    services: new NameLists(reference.services ?? DEFAULT_SERVICES),
    regions: new NameLists(reference.regions ?? DEFAULT_REGIONS),
    findingsSummary: input.findingsSummary,
    complianceRatings: input.complianceRatings,
  }

  const items: Item[] = []
  for (const w of windows) {
    const status = icsStatus(w.status)
    if (status === undefined) continue
    if (status === 'CANCELLED' && generatedAt > w.end.getTime() + RETENTION_MS) continue
    items.push({ start: w.start.getTime(), uid: windowUid(w.id), window: w, status })
  }
  for (const b of blackouts) items.push({ start: b.start.getTime(), uid: blackoutUid(b.id), blackout: b })
  items.sort(byStartThenUid)

  const out = new IcsWriter(4096 + items.length * 1400)
  writeCalendarHeader(out, meta, mode === 'europe-london' || blackouts.some((b) => b.recurrence))
  for (const item of items) {
    out.lines(`BEGIN:VEVENT${CRLF}`)
    out.raw(`UID:${escapeText(item.uid)}`).end()
    if ('window' in item) writeWindowEvent(out, item.window, item.status, ev)
    else writeBlackoutEvent(out, item.blackout, ev)
  }
  return out.line('END:VCALENDAR')
}

/** The VCALENDAR's own properties, and the Europe/London VTIMEZONE when an event is written in it. */
function writeCalendarHeader(out: IcsWriter, meta: FeedMeta, withLondonZone: boolean): void {
  out.line('BEGIN:VCALENDAR').line('VERSION:2.0')
  out.raw('PRODID:').text(meta.prodId).end()
  out.line('CALSCALE:GREGORIAN')
  out.raw('NAME:').text(meta.name).end()
  out.raw('X-WR-CALNAME:').text(meta.name).end()
  if (meta.description) {
    out.raw('DESCRIPTION:').text(meta.description).end()
    out.raw('X-WR-CALDESC:').text(meta.description).end()
  }
  out.line(`REFRESH-INTERVAL;VALUE=DURATION:${meta.refreshInterval}`)
  out.line(`X-PUBLISHED-TTL:${meta.refreshInterval}`)
  if (meta.timeMode === 'europe-london') out.line(`X-WR-TIMEZONE:${LONDON_TZID}`)
  if (withLondonZone) {
    // The zone's rule in the year the feed is generated, as the clock that wrote the wall times has it.
    for (const l of vtimezoneLines(LONDON_TZID, meta.generatedAt.getUTCFullYear())) out.line(l)
  }
}

/** A window's VEVENT after its UID. Short fixed lines (all under 75 octets) go out as one chunk. */
function writeWindowEvent(out: IcsWriter, w: MaintenanceWindow, status: IcsStatus, ev: EventContext): void {
  const mode = ev.mode
  const path = `/v1/windows/${encodeURIComponent(w.id)}` // no TEXT specials survive encoding
  const impact = IMPACT_LABEL[w.impact]
  out.lines(
    `${ev.dtstamp}${CRLF}${dateTimeLine('DTSTART', w.start, mode)}${CRLF}${dateTimeLine('DTEND', w.end, mode)}${CRLF}` +
      `SEQUENCE:${Math.max(0, Math.trunc(w.sequence))}${CRLF}STATUS:${status}${CRLF}` +
      `LAST-MODIFIED:${formatUtcDateTime(w.updatedAt)}${CRLF}`,
  )
  out.raw(`SUMMARY:${escapeText(windowSummary(w))}`).end()
  // DESCRIPTION in one append: escaped pieces joined by '\n' (written already escaped).
  let d = `DESCRIPTION:${escapeText(w.title)}`
  if (w.description) d += `\\n${escapeText(w.description)}`
  d +=
    `\\n\\nParty: ${ev.parties.one(w.party)}\\nImpact: ${impact}\\nStatus: ${w.status}` +
    `\\nServices: ${ev.services.list(w.services)}\\nRegions: ${ev.regions.list(w.regions)}`
  if (w.changeRef) d += `\\nChange reference: ${escapeText(w.changeRef)}`
  const findings = ev.findingsSummary?.get(w.id)
  if (findings) d += `\\nFindings: ${escapeText(findings)}`
  out.raw(`${d}\\nDetails: ${ev.baseUrlText}${path}`).end()
  const party = escapeText(w.party)
  out.raw(`CATEGORIES:${impact},${party}`).end()
  out.raw(`URL;VALUE=URI:${ev.baseUrl}${path}`).end()
  const colour = ev.complianceRatings?.get(w.id)
  if (colour !== undefined && colour !== 'unrated') out.raw(`COLOR:${ICS_COLOUR[colour]}`).end()
  out.raw(`X-MAINTNOTE-PROVIDER:${party}`).end()
  if (ev.account !== undefined) out.raw(ev.account).end()
  out.raw(`X-MAINTNOTE-MAINTENANCE-ID:${escapeText(w.reference)}`).end()
  for (const s of w.services) out.raw(`X-MAINTNOTE-OBJECT-ID:${escapeText(s)}`).end()
  out.lines(
    `X-MAINTNOTE-IMPACT:${MAINTNOTE_IMPACT[w.impact]}${CRLF}` +
      `X-MAINTNOTE-STATUS:${MAINTNOTE_STATUS[w.status as Exclude<WindowStatus, 'draft'>]}${CRLF}END:VEVENT${CRLF}`,
  )
}

/** A blackout's transparent VEVENT after its UID: a single period, or a recurring series in London wall time. */
function writeBlackoutEvent(out: IcsWriter, b: FeedBlackout, ev: EventContext): void {
  const r = b.recurrence
  const times = r
    ? `DTSTART;TZID=${r.tzid}:${formatLondonWallTime(b.start)}${CRLF}DTEND;TZID=${r.tzid}:${formatLondonWallTime(b.end)}${CRLF}`
    : `${dateTimeLine('DTSTART', b.start, ev.mode)}${CRLF}${dateTimeLine('DTEND', b.end, ev.mode)}${CRLF}`
  out.lines(`${ev.dtstamp}${CRLF}${times}SEQUENCE:${Math.max(0, Math.trunc(b.sequence ?? 0))}${CRLF}STATUS:CONFIRMED${CRLF}`)
  if (r) {
    out.raw(`RRULE:${r.rrule};UNTIL=${formatUtcDateTime(r.until)}`).end()
    if (r.exdates?.length) out.raw(`EXDATE;TZID=${r.tzid}:${r.exdates.map(formatLondonWallTime).join(',')}`).end()
  }
  if (b.updatedAt) out.line(`LAST-MODIFIED:${formatUtcDateTime(b.updatedAt)}`)
  out.raw('SUMMARY:').text(`Blackout: ${b.name}`).end()
  out.raw('DESCRIPTION:').text(b.name)
  if (b.description) out.raw('\\n').text(b.description)
  out.raw('\\n\\nCategory: ').text(b.category).end()
  out.raw('CATEGORIES:blackout,').text(b.category).end()
  out.lines(`TRANSP:TRANSPARENT${CRLF}END:VEVENT${CRLF}`)
}
