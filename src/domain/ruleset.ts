/**
 * Rulesets: every parameter the compliance engine uses, versioned and effective-dated, each with
 * the confidence label of its source (domain.md). The SEC H8 text could not be consulted, so these
 * are configuration an operator corrects without a release, never constants.
 *
 * @example
 * validateRuleset(DEFAULT_RULESET) // []
 * validateRuleset({ ...DEFAULT_RULESET, cap: { ...DEFAULT_RULESET.cap, headroomMinutes: p(400, 'assumed') } })
 * // [{ pointer: '/cap/headroomMinutes/value', message: 'headroom (400) is larger than the cap (360)' }]
 */
import { CALENDAR_IDS, type CalendarId, isCalendarId } from './calendars.ts'
import {
  type BasisParam,
  FINDING_CODE_LIST,
  FINDING_CODES,
  type FindingCode,
  isFindingCode,
  isProvenance,
  isSeverity,
  type Provenance,
  SEVERITY_RANK,
  type Severity,
} from './findings.ts'
import { dayIndexOf, isHhMm, isIsoDate, isValidZone, parseHhMm } from './time.ts'
import { IMPACTS, type Impact } from './window.ts'

/** A ruleset parameter: its value and where the value comes from. */
export interface Param<T> {
  value: T
  provenance: Provenance
  /** Short citation: 'SEC H8 (recalled)', 'OPSG 58 minutes', 'design default'. */
  source?: string
}

/** Shorthand for a Param. */
export function p<T>(value: T, provenance: Provenance, source?: string): Param<T> {
  return source === undefined ? { value, provenance } : { value, provenance, source }
}

export type NoticeMode = 'monthly-schedule' | 'per-window'
export const SCHEDULE_ITEMS = ['activity', 'services', 'times', 'impact', 'riskToService'] as const
export type ScheduleItem = (typeof SCHEDULE_ITEMS)[number]

/** A yearly high top-up period, inclusive local dates 'MM-DD' (may cross the year end). */
export interface SeasonalPeriod {
  id: string
  from: string
  to: string
  why: string
  /** This period's own label; absent: the label of the list (seasonal.highTopUp). */
  provenance?: Provenance
  /** This period's own citation; absent: the list's. */
  source?: string
}

/**
 * A high top-up period's label and source: its own, else the list's.
 * @example periodProvenance(DEFAULT_RULESET, DEFAULT_RULESET.seasonal.highTopUp.value[1]) // 'assumed'
 */
export function periodProvenance(
  r: Pick<Ruleset, 'seasonal'>,
  per: SeasonalPeriod,
): { provenance: Provenance; source: string | undefined } {
  return { provenance: per.provenance ?? r.seasonal.highTopUp.provenance, source: per.source ?? r.seasonal.highTopUp.source }
}

export interface Ruleset {
  id: string
  version: string
  /** Local date (in `zone`) from which this version is in force. */
  effectiveFrom: string
  /** Zone of every wall-clock and day rule. */
  zone: string
  status?: string
  description?: string
  workingDays: {
    primaryCalendar: Param<CalendarId>
    /** Checked too when notice.strict is on; a miss only there is a warning. */
    strictCalendar: Param<CalendarId>
  }
  notice: {
    mode: Param<NoticeMode>
    /** monthly-schedule: before the month; per-window: before the window's start date. */
    workingDays: Param<number>
    strict: Param<boolean>
    emergencyRequiresJustification: Param<boolean>
  }
  scheduleContent: {
    required: Param<readonly ScheduleItem[]>
    /**
     * An outage or degraded window, proposed or later, must name its DCC Change Request (changeRef).
     * Optional: a ruleset without it (2021.1 and earlier files) does not check it.
     */
    changeRefRequired?: Param<boolean>
  }
  permittedHours: {
    /** 'HH:MM' local; from < to. */
    from: Param<string>
    to: Param<string>
    /** 0 = Sunday … 6 = Saturday; a window elsewhere gets an info finding. */
    preferredWeekdays: Param<readonly number[]>
  }
  clockChange: { forbidNights: Param<boolean> }
  duration: { maxWindowMinutes: Param<number> }
  cap: {
    minutesPerMonth: Param<number>
    headroomMinutes: Param<number>
    /** Impacts that count as "disrupting the Services". */
    impacts: Param<readonly Impact[]>
    /** Optional extra caps per party id / service id (minutes per month). */
    perParty: Param<Readonly<Record<string, number>>>
    perService: Param<Readonly<Record<string, number>>>
  }
  spacing: { minHoursBetweenStarts: Param<number>; impacts: Param<readonly Impact[]> }
  overlap: { impacts: Param<readonly Impact[]> }
  /** Parameters of the default blackout layers (see blackouts.ts defaultBlackoutLayers). */
  seasonal: {
    winter: { from: Param<string>; to: Param<string> }
    highTopUp: Param<readonly SeasonalPeriod[]>
    eveningPeak: { from: Param<string>; to: Param<string> }
  }
  holidays: { bufferDaysEitherSide: Param<number>; preHolidayDays: Param<number> }
  releases: { dates: Param<readonly string[]>; bufferDays: Param<number> }
  /**
   * Severity overrides per code (defaults: findings.ts FINDING_CODES), obeyed for every code wherever
   * it is produced (the rules, the blackout layers, REDUNDANCY_LOSS and OVERRUN; see overriddenSeverity).
   * An override replaces the code's main severity. A case the code deliberately makes milder than its
   * default stays as mild unless the override is milder still:
   * - NOTICE_PERIOD: main = late under the primary calendar; milder = late only under the strict
   *   calendar (warning) and an emergency window without justification (warning);
   * - MONTHLY_CAP: main = over the cap; milder = within the headroom (warning);
   * - PERMITTED_HOURS: main = outside the hours; milder = a non-preferred weekday (info);
   * - PREPAYMENT_PEAK: main = the high top-up periods (objection); milder = the evening peak and the
   *   days before a bank holiday (warning);
   * - WINTER, BANK_HOLIDAY, RELEASE_FREEZE, BLACKOUT: a layer's own severity is its main severity
   *   unless it is milder than the code's default (then it is a milder case, as above);
   * - REDUNDANCY_LOSS (objection) and OVERRUN (breach): one case each.
   * E.g. `{ MONTHLY_CAP: 'objection' }` makes a cap overrun an objection and leaves the headroom
   * warning a warning; `{ MONTHLY_CAP: 'info' }` makes both info.
   */
  severities: Partial<Record<FindingCode, Severity>>
  /** Codes a Panel/OPSG waiver may accept ("overridable"). */
  waivable: Param<readonly FindingCode[]>
}

/**
 * The first default ruleset, 2021.1, kept as it shipped so that assessments citing it can be
 * reproduced. Superseded by DEFAULT_RULESET (same rules, honest labels, the change-reference check).
 */
export const DEFAULT_RULESET_2021_1: Ruleset = {
  id: 'sec-planned-maintenance-default',
  version: '2021.1',
  effectiveFrom: '2018-07-01',
  zone: 'Europe/London',
  status: 'research-draft',
  description: 'SEC H8 Planned Maintenance as recalled and inferred in domain.md; confirm RECALLED/ASSUMED items.',
  workingDays: {
    primaryCalendar: p('england-and-wales', 'assumed', 'DCC and SECAS operate from England (domain.md §4)'),
    strictCalendar: p('gb', 'assumed', "R23: 'any part of the UK' reading"),
  },
  notice: {
    mode: p('monthly-schedule', 'recalled', 'SEC H8 (recalled), consistent with OPSG 58'),
    workingDays: p(20, 'recalled', 'SEC H8 (recalled)'),
    strict: p(true, 'assumed', 'domain.md §4'),
    emergencyRequiresJustification: p(true, 'assumed'),
  },
  scheduleContent: {
    required: p(['activity', 'services', 'times', 'impact', 'riskToService'], 'recalled', 'SEC H8 schedule content (recalled)'),
  },
  permittedHours: {
    from: p('00:00', 'assumed', 'R15, R16 friendly-credit hours'),
    to: p('06:00', 'assumed', 'R15, R16 friendly-credit hours'),
    preferredWeekdays: p([0], 'assumed', 'Sunday morning preferred'),
  },
  clockChange: { forbidNights: p(true, 'assumed', 'domain.md §3.4') },
  duration: { maxWindowMinutes: p(360, 'assumed', 'design default: the permitted 6-hour night') },
  cap: {
    minutesPerMonth: p(360, 'assumed', 'cap exists (DCC 2017, verified); value assumed'),
    headroomMinutes: p(60, 'assumed'),
    impacts: p(['degraded', 'outage'], 'assumed'),
    perParty: p({}, 'assumed'),
    perService: p({}, 'assumed'),
  },
  spacing: { minHoursBetweenStarts: p(168, 'assumed'), impacts: p(['outage'], 'assumed') },
  overlap: { impacts: p(['reduced-redundancy', 'degraded', 'outage'], 'assumed') },
  seasonal: {
    winter: { from: p('10-01', 'verified', 'R17 winter moratorium; OPSG 58'), to: p('03-31', 'verified', 'R17') },
    highTopUp: p(
      [
        { id: 'november-top-up', from: '11-01', to: '11-30', why: 'OPSG 58: November is busy and important for prepayment top-ups' },
        { id: 'christmas-new-year', from: '12-15', to: '01-05', why: 'Christmas/New Year top-up volumes (R18)' },
      ],
      'paraphrase',
      'OPSG 58 minutes (November); R18 + assumed bounds (15 Dec–5 Jan)',
    ),
    eveningPeak: { from: p('16:00', 'assumed'), to: p('22:00', 'assumed') },
  },
  holidays: { bufferDaysEitherSide: p(1, 'assumed'), preHolidayDays: p(3, 'assumed') },
  releases: { dates: p(['2021-11-04'], 'verified', 'November 2021 SEC Release (R12)'), bufferDays: p(7, 'assumed') },
  severities: {},
  waivable: p(
    [
      'NOTICE_PERIOD',
      'MONTHLY_CAP',
      'MAX_DURATION',
      'PERMITTED_HOURS',
      'CLOCK_CHANGE_NIGHT',
      'WINTER',
      'PREPAYMENT_PEAK',
      'BANK_HOLIDAY',
      'RELEASE_FREEZE',
      'BLACKOUT',
      'MIN_SPACING',
    ],
    'recalled',
    "'unless the Panel agrees otherwise' (R4); seasonal/blackout objections assumed waivable by the same decision",
  ),
}

/**
 * The default SEC Planned Maintenance ruleset (domain.md §5, issue 3 where they differ).
 */
export const DEFAULT_RULESET: Ruleset = {
  id: 'sec-planned-maintenance-default',
  version: '2021.1.1',
  effectiveFrom: '2018-07-01',
  zone: 'Europe/London',
  status: 'research-draft',
  description:
    'SEC H8 Planned Maintenance as recalled and inferred in domain.md; confirm RECALLED/ASSUMED items. ' +
    '2021.1 relabelled (each value by its weakest part) with the change-reference check (issue 18).',
  workingDays: {
    primaryCalendar: p('england-and-wales', 'assumed', 'DCC and SECAS operate from England (domain.md §4)'),
    strictCalendar: p('gb', 'assumed', "R23: 'any part of the UK' reading"),
  },
  notice: {
    mode: p('monthly-schedule', 'recalled', 'SEC H8 (recalled), consistent with OPSG 58'),
    workingDays: p(20, 'recalled', 'SEC H8 (recalled)'),
    strict: p(true, 'assumed', 'domain.md §4'),
    emergencyRequiresJustification: p(true, 'assumed', 'design default: emergency work is not Planned Maintenance (domain.md §2)'),
  },
  scheduleContent: {
    required: p(['activity', 'services', 'times', 'impact', 'riskToService'], 'recalled', 'SEC H8 schedule content (recalled)'),
    changeRefRequired: p(
      true,
      'inferred',
      'OPSG 58 item 3: Category 2 Incidents from planned maintenance changes (CRQ000000134669); a window names its change so an Incident can be traced to it',
    ),
  },
  permittedHours: {
    from: p('00:00', 'assumed', 'R15, R16 friendly-credit hours'),
    to: p('06:00', 'assumed', 'R15, R16 friendly-credit hours'),
    preferredWeekdays: p([0], 'assumed', 'Sunday morning preferred'),
  },
  clockChange: { forbidNights: p(true, 'assumed', 'domain.md §3.4') },
  duration: { maxWindowMinutes: p(360, 'assumed', 'design default: the permitted 6-hour night') },
  cap: {
    minutesPerMonth: p(360, 'assumed', 'cap exists (DCC 2017, verified); value assumed'),
    headroomMinutes: p(60, 'assumed', 'design default: room for routine maintenance'),
    impacts: p(['degraded', 'outage'], 'assumed', "domain.md §5 aggregate: 'all Planned Maintenance affecting a service'"),
    perParty: p({}, 'assumed', 'design default: none'),
    perService: p({}, 'assumed', 'design default: none'),
  },
  spacing: {
    minHoursBetweenStarts: p(168, 'assumed', "design default: a week between a party's outages"),
    impacts: p(['outage'], 'assumed', 'design default'),
  },
  overlap: { impacts: p(['reduced-redundancy', 'degraded', 'outage'], 'assumed', 'design default') },
  seasonal: {
    // OPSG 58 objects to 'the winter season' without dates; 1 Oct–31 Mar is another regime's winter
    // (the disconnection moratorium, R17, verified as that regime's): inferred here.
    winter: {
      from: p('10-01', 'inferred', "OPSG 58 'winter season' (no dates); bounds of the winter moratorium (R17) / NG ESO outlook"),
      to: p('03-31', 'inferred', "OPSG 58 'winter season' (no dates); bounds of the winter moratorium (R17) / NG ESO outlook"),
    },
    highTopUp: p(
      [
        {
          id: 'november-top-up',
          from: '11-01',
          to: '11-30',
          why: 'OPSG 58: November is busy and important for prepayment top-ups',
          provenance: 'paraphrase',
          source: "OPSG 58 minutes: 'November was a busy and important period for prepayment top ups'",
        },
        {
          id: 'christmas-new-year',
          from: '12-15',
          to: '01-05',
          why: 'Christmas/New Year top-up volumes (R18)',
          provenance: 'assumed',
          source: 'R18 holiday top-up volumes (PayPoint 2014/15); the bounds 15 Dec–5 Jan are assumed',
        },
      ],
      'assumed',
      'each period gives its own label; the list as a whole rests on assumed bounds',
    ),
    eveningPeak: {
      from: p('16:00', 'assumed', 'domain.md §4 top-up profile; evening vend peak before friendly-credit hours (R16)'),
      to: p('22:00', 'assumed', 'domain.md §4 top-up profile; evening vend peak before friendly-credit hours (R16)'),
    },
  },
  holidays: {
    bufferDaysEitherSide: p(1, 'assumed', 'domain.md §5 holidays.bufferDaysEitherSide'),
    preHolidayDays: p(3, 'assumed', 'domain.md §4 top-up profile: the 3 days before a bank holiday'),
  },
  releases: {
    dates: p(['2021-11-04'], 'verified', 'November 2021 SEC Release go-live 4 Nov 2021 (R12); the June 2022 date was not found'),
    bufferDays: p(7, 'assumed', 'domain.md §4: ±7 calendar days around a go-live'),
  },
  severities: {},
  waivable: p(
    [
      'NOTICE_PERIOD',
      'MONTHLY_CAP',
      'MAX_DURATION',
      'PERMITTED_HOURS',
      'CLOCK_CHANGE_NIGHT',
      'WINTER',
      'PREPAYMENT_PEAK',
      'BANK_HOLIDAY',
      'RELEASE_FREEZE',
      'BLACKOUT',
      'MIN_SPACING',
    ],
    'assumed',
    "'unless the Panel agrees otherwise' (R4, recalled); seasonal/blackout objections assumed waivable by the same decision",
  ),
}

/**
 * The rulesets that ship with the service, oldest first: what a fresh database knows. On equal
 * effectiveFrom the later one is in force (rulesetInForce), so 2021.1.1 supersedes 2021.1.
 */
export const BUILT_IN_RULESETS: readonly Ruleset[] = [DEFAULT_RULESET_2021_1, DEFAULT_RULESET]

/** A ruleset parameter as the rules hold it: a value and its confidence label. */
interface Labelled {
  provenance: Provenance
}

/**
 * The basis of a finding: ruleset parameters by JSON pointer, each with its label. Made once per
 * rule run, so findings share it.
 *
 * @example basisOf(ruleset, '/cap/minutesPerMonth') // [{ parameter: '/cap/minutesPerMonth', provenance: 'assumed' }]
 */
export function basisOf(ruleset: Ruleset, ...pointers: string[]): readonly BasisParam[] {
  return pointers.map((parameter) => {
    let v: unknown = ruleset as unknown
    for (const part of parameter.split('/').slice(1)) v = (v as Record<string, unknown> | undefined)?.[part]
    const label = (v as Labelled | undefined)?.provenance
    if (label === undefined) throw new Error(`basisOf: no labelled ruleset parameter at ${parameter}`)
    return { parameter, provenance: label }
  })
}

/**
 * Severity of a code's main case under a ruleset: its override, else `fallback` (the code's default).
 * @example severityOf({ severities: { WINTER: 'warning' } }, 'WINTER') // 'warning'
 */
export function severityOf(r: Pick<Ruleset, 'severities'>, code: FindingCode, fallback: Severity = FINDING_CODES[code]): Severity {
  return r.severities[code] ?? fallback
}

/**
 * The severity a finding of `code` gets under the ruleset's overrides, from the severity its rule
 * gave it (see Ruleset.severities): a severity milder than the code's default marks a deliberately
 * milder case, which keeps it unless the override is milder still; any other takes the override.
 *
 * @example
 * overriddenSeverity({ severities: { MONTHLY_CAP: 'objection' } }, 'MONTHLY_CAP', 'breach') // 'objection'
 * overriddenSeverity({ severities: { MONTHLY_CAP: 'objection' } }, 'MONTHLY_CAP', 'warning') // 'warning' (headroom)
 * overriddenSeverity({ severities: { MONTHLY_CAP: 'info' } }, 'MONTHLY_CAP', 'warning') // 'info'
 */
export function overriddenSeverity(r: Pick<Ruleset, 'severities'>, code: FindingCode, given: Severity): Severity {
  const o = r.severities[code]
  if (o === undefined || o === given) return given
  const milderCase = SEVERITY_RANK[given] > SEVERITY_RANK[FINDING_CODES[code]]
  return milderCase && SEVERITY_RANK[o] <= SEVERITY_RANK[given] ? given : o
}

export interface RulesetProblem {
  /** RFC 6901 JSON pointer into the ruleset. */
  pointer: string
  message: string
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const MMDD = /^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/

/**
 * Checks a ruleset (possibly untrusted JSON) for missing, malformed and contradictory parameters.
 * Returns [] when it is usable.
 * @example validateRuleset({ ...DEFAULT_RULESET, zone: 'Europe/Londn' }) // [{ pointer: '/zone', … }]
 */
export function validateRuleset(input: unknown): RulesetProblem[] {
  const out: RulesetProblem[] = []
  const add = (pointer: string, message: string) => out.push({ pointer, message })
  if (!isObj(input)) return [{ pointer: '', message: 'a ruleset must be an object' }]
  const r = input

  const str = (ptr: string, v: unknown) => {
    if (typeof v !== 'string' || v.trim() === '') add(ptr, 'missing or empty string')
  }
  str('/id', r.id)
  str('/version', r.version)
  if (!isIsoDate(r.effectiveFrom)) add('/effectiveFrom', 'missing or not an ISO date (YYYY-MM-DD)')
  if (typeof r.zone !== 'string' || !isValidZone(r.zone)) add('/zone', `unknown IANA zone '${String(r.zone)}'`)

  /** Returns the param's value when the param is well-formed, else undefined (and records problems). */
  const param = <T>(ptr: string, v: unknown, check: (x: unknown) => string | null): T | undefined => {
    if (!isObj(v)) {
      add(ptr, 'missing parameter ({ value, provenance })')
      return undefined
    }
    if (!isProvenance(v.provenance)) add(`${ptr}/provenance`, 'provenance must be verified | paraphrase | inferred | recalled | assumed')
    if (!('value' in v)) {
      add(`${ptr}/value`, 'missing value')
      return undefined
    }
    const problem = check(v.value)
    if (problem) {
      add(`${ptr}/value`, problem)
      return undefined
    }
    return v.value as T
  }
  const section = (name: string): Obj => {
    const v = r[name]
    if (!isObj(v)) {
      add(`/${name}`, 'missing section')
      return {}
    }
    return v
  }
  const nonNegInt = (x: unknown) => (Number.isInteger(x) && (x as number) >= 0 ? null : 'must be a non-negative integer')
  const posInt = (x: unknown) => (Number.isInteger(x) && (x as number) > 0 ? null : 'must be a positive integer')
  const bool = (x: unknown) => (typeof x === 'boolean' ? null : 'must be true or false')
  const cal = (x: unknown) => (isCalendarId(x) ? null : `unknown calendar; known: ${CALENDAR_IDS.join(', ')}`)
  const hhmm = (x: unknown) => (isHhMm(x) ? null : "must be 'HH:MM'")
  const mmdd = (x: unknown) => (typeof x === 'string' && MMDD.test(x) ? null : "must be 'MM-DD'")
  const impacts = (x: unknown) =>
    Array.isArray(x) && x.every((i) => (IMPACTS as readonly unknown[]).includes(i)) ? null : `must be a list of ${IMPACTS.join(' | ')}`
  const minuteMap = (x: unknown) =>
    isObj(x) && Object.values(x).every((n) => Number.isInteger(n) && (n as number) >= 0)
      ? null
      : 'must map ids to non-negative integer minutes'

  const wd = section('workingDays')
  param('/workingDays/primaryCalendar', wd.primaryCalendar, cal)
  param('/workingDays/strictCalendar', wd.strictCalendar, cal)

  const notice = section('notice')
  param('/notice/mode', notice.mode, (x) =>
    x === 'monthly-schedule' || x === 'per-window' ? null : "must be 'monthly-schedule' or 'per-window'",
  )
  param('/notice/workingDays', notice.workingDays, nonNegInt)
  param('/notice/strict', notice.strict, bool)
  param('/notice/emergencyRequiresJustification', notice.emergencyRequiresJustification, bool)

  const sc = section('scheduleContent')
  param('/scheduleContent/required', sc.required, (x) =>
    Array.isArray(x) && x.every((i) => (SCHEDULE_ITEMS as readonly unknown[]).includes(i))
      ? null
      : `must be a list of ${SCHEDULE_ITEMS.join(' | ')}`,
  )
  if (sc.changeRefRequired !== undefined) param('/scheduleContent/changeRefRequired', sc.changeRefRequired, bool)

  const ph = section('permittedHours')
  const phFrom = param<string>('/permittedHours/from', ph.from, hhmm)
  const phTo = param<string>('/permittedHours/to', ph.to, hhmm)
  if (phFrom !== undefined && phTo !== undefined && parseHhMm(phFrom) >= parseHhMm(phTo)) {
    add('/permittedHours/to/value', `permitted hours end (${phTo}) must be after their start (${phFrom})`)
  }
  param('/permittedHours/preferredWeekdays', ph.preferredWeekdays, (x) =>
    Array.isArray(x) && x.every((d) => Number.isInteger(d) && d >= 0 && d <= 6) ? null : 'must be a list of weekdays 0 (Sunday) … 6',
  )

  param('/clockChange/forbidNights', section('clockChange').forbidNights, bool)
  const maxWin = param<number>('/duration/maxWindowMinutes', section('duration').maxWindowMinutes, posInt)

  const cap = section('cap')
  const capMin = param<number>('/cap/minutesPerMonth', cap.minutesPerMonth, nonNegInt)
  const head = param<number>('/cap/headroomMinutes', cap.headroomMinutes, nonNegInt)
  if (capMin !== undefined && head !== undefined && head > capMin) {
    add('/cap/headroomMinutes/value', `headroom (${head}) is larger than the cap (${capMin})`)
  }
  param('/cap/impacts', cap.impacts, impacts)
  param('/cap/perParty', cap.perParty, minuteMap)
  param('/cap/perService', cap.perService, minuteMap)
  void maxWin

  const sp = section('spacing')
  param('/spacing/minHoursBetweenStarts', sp.minHoursBetweenStarts, nonNegInt)
  param('/spacing/impacts', sp.impacts, impacts)
  param('/overlap/impacts', section('overlap').impacts, impacts)

  const seasonal = section('seasonal')
  const winter = isObj(seasonal.winter) ? seasonal.winter : (add('/seasonal/winter', 'missing section'), {} as Obj)
  const wFrom = param<string>('/seasonal/winter/from', winter.from, mmdd)
  const wTo = param<string>('/seasonal/winter/to', winter.to, mmdd)
  if (wFrom !== undefined && wFrom === wTo) add('/seasonal/winter/to/value', 'winter must not start and end on the same day')
  param('/seasonal/highTopUp', seasonal.highTopUp, (x) => {
    if (!Array.isArray(x)) return 'must be a list of { id, from, to, why }'
    const ids = new Set<string>()
    for (const [i, e] of x.entries()) {
      if (!isObj(e) || typeof e.id !== 'string' || !e.id || mmdd(e.from) || mmdd(e.to) || typeof e.why !== 'string') {
        return `entry ${i} must be { id, from: 'MM-DD', to: 'MM-DD', why }`
      }
      if (e.provenance !== undefined && !isProvenance(e.provenance))
        return `entry ${i}: provenance must be verified | paraphrase | inferred | recalled | assumed`
      if (e.source !== undefined && typeof e.source !== 'string') return `entry ${i}: source must be a string`
      if (ids.has(e.id)) return `duplicate id '${e.id}'`
      ids.add(e.id)
    }
    return null
  })
  const ep = isObj(seasonal.eveningPeak) ? seasonal.eveningPeak : (add('/seasonal/eveningPeak', 'missing section'), {} as Obj)
  const epFrom = param<string>('/seasonal/eveningPeak/from', ep.from, hhmm)
  const epTo = param<string>('/seasonal/eveningPeak/to', ep.to, hhmm)
  if (epFrom !== undefined && epTo !== undefined && parseHhMm(epFrom) >= parseHhMm(epTo)) {
    add('/seasonal/eveningPeak/to/value', `evening peak end (${epTo}) must be after its start (${epFrom})`)
  }

  const hol = section('holidays')
  param('/holidays/bufferDaysEitherSide', hol.bufferDaysEitherSide, nonNegInt)
  param('/holidays/preHolidayDays', hol.preHolidayDays, nonNegInt)

  const rel = section('releases')
  param('/releases/dates', rel.dates, (x) =>
    Array.isArray(x) && x.every((d) => isIsoDate(d)) ? null : 'must be a list of ISO dates (YYYY-MM-DD)',
  )
  param('/releases/bufferDays', rel.bufferDays, nonNegInt)

  if (!isObj(r.severities)) add('/severities', 'missing section (use {} for the defaults)')
  else {
    for (const [code, sev] of Object.entries(r.severities)) {
      if (!isFindingCode(code)) add(`/severities/${code}`, `unknown finding code; known: ${FINDING_CODE_LIST.join(', ')}`)
      else if (!isSeverity(sev)) add(`/severities/${code}`, 'severity must be breach | objection | warning | info')
    }
  }
  param('/waivable', r.waivable, (x) => {
    if (!Array.isArray(x)) return 'must be a list of finding codes'
    const bad = x.filter((c) => !isFindingCode(c))
    return bad.length ? `unknown finding codes: ${bad.join(', ')}` : null
  })
  return out
}

/** Throws a RangeError listing the problems when a ruleset is invalid. */
export function assertValidRuleset(r: unknown): asserts r is Ruleset {
  const problems = validateRuleset(r)
  if (problems.length) throw new RangeError(`invalid ruleset: ${problems.map((x) => `${x.pointer} ${x.message}`).join('; ')}`)
}

/**
 * The version in force on a local date: the latest effectiveFrom ≤ date among rulesets of one id;
 * on equal effectiveFrom the one listed later (recorded later: a correction supersedes).
 * @example rulesetInForce([v1, v2], '2021-11-14') // v2 if v2.effectiveFrom ≤ 2021-11-14
 */
export function rulesetInForce(rulesets: readonly Ruleset[], localDate: string): Ruleset | null {
  const day = dayIndexOf(localDate)
  let best: Ruleset | null = null
  for (const r of rulesets) {
    if (dayIndexOf(r.effectiveFrom) > day) continue
    if (!best || r.effectiveFrom >= best.effectiveFrom) best = r
  }
  return best
}
