/**
 * Working-day calendars: `england-and-wales`, `scotland`, `northern-ireland` from date-holidays
 * (types `public` and `bank` are non-working; observances are working days), and the unions `gb`
 * (E&W ∪ Scotland) and `uk` (gb ∪ NI). Saturdays and Sundays are never Working Days.
 *
 * Holidays are proclaimed at short notice (19 Sep 2022 was announced nine days ahead), so each
 * calendar takes an override list (add or remove a non-working day, with a reason). Overrides of a
 * nation's calendar flow into the unions that contain it. Every calendar has a version string:
 * the date-holidays data version plus a digest of the overrides that reach it, so an assessment can
 * record exactly which calendar it used.
 *
 * Lookups work on day indexes (days since 1970-01-01 of the local date) against per-year tables,
 * built lazily, so `isWorkingDay` is an array read.
 *
 * @example
 * const cals = buildCalendars()
 * cals.get('england-and-wales').countBack('2021-11-01', 20) // '2021-10-04'
 * cals.get('gb').countBack('2021-12-01', 20)                // '2021-11-02' (St Andrew's Day)
 */
import Holidays from 'date-holidays'
import { DEFAULT_REGIONS, type Nation, type Region } from './reference.ts'
import { DAY_MS, dayIndexOf, dayKey, isIsoDate, weekdayOf } from './time.ts'

export const NATION_CALENDAR_IDS = ['england-and-wales', 'scotland', 'northern-ireland'] as const
export const CALENDAR_IDS = [...NATION_CALENDAR_IDS, 'gb', 'uk'] as const
export type NationCalendarId = (typeof NATION_CALENDAR_IDS)[number]
export type CalendarId = (typeof CALENDAR_IDS)[number]

/** date-holidays package version whose data the base calendars use (package.json pins it). */
const DATE_HOLIDAYS_VERSION = '3.37.0'

const STATES: Record<NationCalendarId, readonly string[]> = {
  'england-and-wales': ['ENG', 'WLS'],
  scotland: ['SCT'],
  'northern-ireland': ['NIR'],
}

const UNION_PARTS: Record<'gb' | 'uk', readonly NationCalendarId[]> = {
  gb: ['england-and-wales', 'scotland'],
  uk: ['england-and-wales', 'scotland', 'northern-ireland'],
}

/** An admin's correction to a calendar: add a non-working day or remove one. */
export interface CalendarOverride {
  calendar: CalendarId
  /** Local date 'YYYY-MM-DD'. */
  date: string
  action: 'add' | 'remove'
  /** Holiday name shown in messages when adding (defaults to the reason). */
  name?: string
  reason: string
}

export interface CalendarHoliday {
  date: string
  name: string
  source: 'date-holidays' | 'override'
}

export class UnknownCalendarError extends Error {
  readonly code = 'unknown-calendar'
  constructor(readonly calendar: string) {
    super(`unknown calendar '${calendar}'; known: ${CALENDAR_IDS.join(', ')}`)
    this.name = 'UnknownCalendarError'
  }
}

export function isCalendarId(s: unknown): s is CalendarId {
  return typeof s === 'string' && (CALENDAR_IDS as readonly string[]).includes(s)
}

/** A working-day calendar. Dates are local ISO dates ('YYYY-MM-DD') or day indexes. */
export interface WorkingDayCalendar {
  readonly id: CalendarId
  /** e.g. 'date-holidays@3.37.0+ovr:0' or 'date-holidays@3.37.0+ovr:2:1a2b3c4d'. */
  readonly version: string
  isWorkingDay(date: string | number): boolean
  /** Holiday name (or 'Saturday'/'Sunday') when not a Working Day, else null. */
  nonWorkingReason(date: string | number): string | null
  /** Bank/public holidays (after overrides) of a year, sorted, weekends excluded only if not listed. */
  holidays(year: number): readonly CalendarHoliday[]
  /**
   * Moves n Working Days from a date (n > 0 forwards, n < 0 backwards), not counting the date
   * itself. The result is always a Working Day (for n ≠ 0).
   * @example addWorkingDays('2021-11-01', -20) // '2021-10-04' (england-and-wales)
   */
  addWorkingDays(date: string, n: number): string
  /** The Working Day lying n Working Days before `date` (the date itself not counted). */
  countBack(date: string, n: number): string
  /** Day-index variant of countBack. */
  countBackIndex(dayIdx: number, n: number): number
  /** Working Days d with from < d < to (both excluded). */
  workingDaysBetween(from: string, to: string): number
}

/** The set of calendars an assessment uses. */
export interface CalendarSet {
  get(id: CalendarId): WorkingDayCalendar
  versions(): Record<CalendarId, string>
  readonly overrides: readonly CalendarOverride[]
}

export interface BuildCalendarsOptions {
  overrides?: readonly CalendarOverride[]
  /** Version label of the holiday data (defaults to DATE_HOLIDAYS_VERSION). */
  holidaysDataVersion?: string
}

/** FNV-1a 32-bit digest, hex (no node:crypto in the domain). */
export function digest(text: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(16).padStart(8, '0')
}

/** Problems in an override list (unknown calendar, bad date, bad action, empty reason). */
export function validateOverrides(overrides: readonly CalendarOverride[]): { pointer: string; message: string }[] {
  const out: { pointer: string; message: string }[] = []
  overrides.forEach((o, i) => {
    if (!isCalendarId(o.calendar)) out.push({ pointer: `/${i}/calendar`, message: `unknown calendar '${String(o.calendar)}'` })
    if (!isIsoDate(o.date)) out.push({ pointer: `/${i}/date`, message: `not an ISO date: '${String(o.date)}'` })
    if (o.action !== 'add' && o.action !== 'remove') out.push({ pointer: `/${i}/action`, message: `action must be 'add' or 'remove'` })
    if (typeof o.reason !== 'string' || o.reason.trim() === '') out.push({ pointer: `/${i}/reason`, message: 'a reason is required' })
  })
  return out
}

const holidayEngines = new Map<string, Holidays>()
function engine(state: string): Holidays {
  let h = holidayEngines.get(state)
  if (!h) {
    h = new Holidays('GB', state)
    holidayEngines.set(state, h)
  }
  return h
}

/** Base (date-holidays) non-working days of a nation calendar for a year: date → name. */
const baseCache = new Map<string, Map<string, string>>()
function baseHolidays(cal: NationCalendarId, year: number): Map<string, string> {
  const key = `${cal}:${year}`
  let m = baseCache.get(key)
  if (m) return m
  m = new Map()
  for (const state of STATES[cal]) {
    for (const h of engine(state).getHolidays(year)) {
      if (h.type !== 'public' && h.type !== 'bank') continue
      const date = h.date.slice(0, 10)
      if (!m.has(date)) m.set(date, h.name)
    }
  }
  baseCache.set(key, m)
  return m
}

interface YearTable {
  /** Per day of year: holiday name or undefined. */
  names: Map<string, CalendarHoliday>
  /** 1 = non-working (weekend or holiday), 0 = working; index = dayIdx - firstDay. */
  flags: Uint8Array
  firstDay: number
}

class Calendar implements WorkingDayCalendar {
  private readonly tables = new Map<number, YearTable>()
  constructor(
    readonly id: CalendarId,
    readonly version: string,
    private readonly parts: readonly NationCalendarId[],
    private readonly overrides: readonly CalendarOverride[],
  ) {}

  private table(year: number): YearTable {
    let t = this.tables.get(year)
    if (t) return t
    // Each nation's holidays after that nation's overrides; the union of them; then this
    // calendar's own overrides (for a union calendar), in list order.
    const names = new Map<string, CalendarHoliday>()
    const inYear = (o: CalendarOverride) => o.date.startsWith(`${year}-`)
    const apply = (m: Map<string, CalendarHoliday>, o: CalendarOverride) => {
      if (o.action === 'add') m.set(o.date, { date: o.date, name: o.name ?? o.reason, source: 'override' })
      else m.delete(o.date)
    }
    for (const part of this.parts) {
      const own = new Map<string, CalendarHoliday>()
      for (const [date, name] of baseHolidays(part, year)) own.set(date, { date, name, source: 'date-holidays' })
      for (const o of this.overrides) if (o.calendar === part && inYear(o)) apply(own, o)
      for (const [date, h] of own) if (!names.has(date)) names.set(date, h)
    }
    if (!(this.parts as readonly string[]).includes(this.id)) {
      for (const o of this.overrides) if (o.calendar === this.id && inYear(o)) apply(names, o)
    }
    const firstDay = Date.UTC(year, 0, 1) / DAY_MS
    const len = Date.UTC(year + 1, 0, 1) / DAY_MS - firstDay
    const flags = new Uint8Array(len)
    for (let i = 0; i < len; i++) {
      const wd = weekdayOf(firstDay + i)
      flags[i] = wd === 0 || wd === 6 ? 1 : 0
    }
    for (const date of names.keys()) flags[dayIndexOf(date) - firstDay] = 1
    t = { names, flags, firstDay }
    this.tables.set(year, t)
    return t
  }

  private yearOf(dayIdx: number): number {
    return new Date(dayIdx * DAY_MS).getUTCFullYear()
  }

  private lastTable: YearTable | null = null
  private nonWorkingIdx(dayIdx: number): boolean {
    const lt = this.lastTable
    if (lt && dayIdx >= lt.firstDay && dayIdx < lt.firstDay + lt.flags.length) return lt.flags[dayIdx - lt.firstDay] === 1
    const y = this.yearOf(dayIdx)
    const t = this.table(y)
    this.lastTable = t
    return t.flags[dayIdx - t.firstDay] === 1
  }

  isWorkingDay(date: string | number): boolean {
    return !this.nonWorkingIdx(typeof date === 'number' ? date : dayIndexOf(date))
  }

  nonWorkingReason(date: string | number): string | null {
    const idx = typeof date === 'number' ? date : dayIndexOf(date)
    if (!this.nonWorkingIdx(idx)) return null
    const key = dayKey(idx)
    const h = this.table(this.yearOf(idx)).names.get(key)
    if (h) return h.name
    return weekdayOf(idx) === 0 ? 'Sunday' : 'Saturday'
  }

  holidays(year: number): readonly CalendarHoliday[] {
    return [...this.table(year).names.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))
  }

  countBackIndex(dayIdx: number, n: number): number {
    let d = dayIdx
    let left = n
    let guard = 0
    while (left > 0) {
      d--
      if (!this.nonWorkingIdx(d)) left--
      if (++guard > 100_000) throw new RangeError('countBack: no Working Days found')
    }
    return d
  }

  addWorkingDays(date: string, n: number): string {
    if (!Number.isInteger(n)) throw new RangeError(`addWorkingDays: n must be an integer, got ${n}`)
    let d = dayIndexOf(date)
    if (n < 0) return dayKey(this.countBackIndex(d, -n))
    let left = n
    let guard = 0
    while (left > 0) {
      d++
      if (!this.nonWorkingIdx(d)) left--
      if (++guard > 100_000) throw new RangeError('addWorkingDays: no Working Days found')
    }
    return dayKey(d)
  }

  countBack(date: string, n: number): string {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`countBack: n must be a non-negative integer, got ${n}`)
    return dayKey(this.countBackIndex(dayIndexOf(date), n))
  }

  workingDaysBetween(from: string, to: string): number {
    const a = dayIndexOf(from)
    const b = dayIndexOf(to)
    let n = 0
    for (let d = a + 1; d < b; d++) if (!this.nonWorkingIdx(d)) n++
    return n
  }
}

/**
 * Builds the five calendars with their overrides.
 * @example buildCalendars({ overrides: [{ calendar: 'england-and-wales', date: '2021-10-20', action: 'add', reason: 'test' }] })
 */
export function buildCalendars(options: BuildCalendarsOptions = {}): CalendarSet {
  const overrides = [...(options.overrides ?? [])]
  const problems = validateOverrides(overrides)
  if (problems.length > 0)
    throw new RangeError(`invalid calendar overrides: ${problems.map((p) => `${p.pointer} ${p.message}`).join('; ')}`)
  const dataVersion = options.holidaysDataVersion ?? DATE_HOLIDAYS_VERSION
  const map = new Map<CalendarId, Calendar>()
  for (const id of CALENDAR_IDS) {
    const parts: readonly NationCalendarId[] = id === 'gb' || id === 'uk' ? UNION_PARTS[id] : [id]
    const reaching = overrides.filter((o) => o.calendar === id || (parts as readonly string[]).includes(o.calendar))
    const canon = reaching.map((o) => `${o.calendar}|${o.date}|${o.action}|${o.name ?? ''}|${o.reason}`).join('\n')
    const version = `date-holidays@${dataVersion}+ovr:${reaching.length}${reaching.length ? `:${digest(canon)}` : ''}`
    map.set(id, new Calendar(id, version, parts, reaching))
  }
  return {
    overrides,
    get(id: CalendarId): WorkingDayCalendar {
      const c = map.get(id)
      if (!c) throw new UnknownCalendarError(String(id))
      return c
    },
    versions() {
      const out = {} as Record<CalendarId, string>
      for (const id of CALENDAR_IDS) out[id] = map.get(id)!.version
      return out
    },
  }
}

const NATION_TO_CALENDAR: Record<Nation, NationCalendarId> = {
  england: 'england-and-wales',
  wales: 'england-and-wales',
  scotland: 'scotland',
  'northern-ireland': 'northern-ireland',
}

/** The calendar whose bank holidays a nation keeps. */
function calendarForNation(nation: Nation): NationCalendarId {
  return NATION_TO_CALENDAR[nation]
}

/**
 * Nations covered by a set of regions (unknown region ids are ignored).
 * @example nationsForRegions(['N']) // ['scotland', 'england']
 */
export function nationsForRegions(regionIds: readonly string[], regions: readonly Region[] = DEFAULT_REGIONS): Nation[] {
  const out: Nation[] = []
  for (const id of regionIds) {
    const r = regions.find((x) => x.id === id)
    if (!r) continue
    for (const n of r.nations) if (!out.includes(n)) out.push(n)
  }
  return out
}

/**
 * Nation calendars whose bank holidays apply to a set of regions, in a fixed order.
 * @example calendarsForRegions(['N']) // ['england-and-wales', 'scotland']; (['S']) → ['england-and-wales']
 */
export function calendarsForRegions(regionIds: readonly string[], regions: readonly Region[] = DEFAULT_REGIONS): NationCalendarId[] {
  const set = new Set(nationsForRegions(regionIds, regions).map(calendarForNation))
  return NATION_CALENDAR_IDS.filter((c) => set.has(c))
}
