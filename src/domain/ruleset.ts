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
import type { CalendarId } from './calendars.ts'
import { type BasisParam, FINDING_CODES, type FindingCode, type Provenance, SEVERITY_RANK, type Severity } from './findings.ts'
import { dayIndexOf, LONDON_ZONE } from './time.ts'
import type { Impact } from './window.ts'

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
 * The codes a Panel/OPSG waiver may accept, the same list in both built-in rulesets (their labels
 * and sources differ).
 */
const PANEL_WAIVABLE: readonly FindingCode[] = [
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
]

// Sections 2021.1.1 keeps from 2021.1 as they shipped (values, labels and sources).
const WORKING_DAYS_2021: Ruleset['workingDays'] = {
  primaryCalendar: p('england-and-wales', 'assumed', 'DCC and SECAS operate from England (domain.md §4)'),
  strictCalendar: p('gb', 'assumed', "R23: 'any part of the UK' reading"),
}
const PERMITTED_HOURS_2021: Ruleset['permittedHours'] = {
  from: p('00:00', 'assumed', 'R15, R16 friendly-credit hours'),
  to: p('06:00', 'assumed', 'R15, R16 friendly-credit hours'),
  preferredWeekdays: p([0], 'assumed', 'Sunday morning preferred'),
}
const CLOCK_CHANGE_2021: Ruleset['clockChange'] = { forbidNights: p(true, 'assumed', 'domain.md §3.4') }
const DURATION_2021: Ruleset['duration'] = { maxWindowMinutes: p(360, 'assumed', 'design default: the permitted 6-hour night') }

/**
 * The first default ruleset, 2021.1, kept as it shipped so that assessments citing it can be
 * reproduced. Superseded by DEFAULT_RULESET (same rules, honest labels, the change-reference check).
 */
export const DEFAULT_RULESET_2021_1: Ruleset = {
  id: 'sec-planned-maintenance-default',
  version: '2021.1',
  effectiveFrom: '2018-07-01',
  zone: LONDON_ZONE,
  status: 'research-draft',
  description: 'SEC H8 Planned Maintenance as recalled and inferred in domain.md; confirm RECALLED/ASSUMED items.',
  workingDays: WORKING_DAYS_2021,
  notice: {
    mode: p('monthly-schedule', 'recalled', 'SEC H8 (recalled), consistent with OPSG 58'),
    workingDays: p(20, 'recalled', 'SEC H8 (recalled)'),
    strict: p(true, 'assumed', 'domain.md §4'),
    emergencyRequiresJustification: p(true, 'assumed'),
  },
  scheduleContent: {
    required: p(['activity', 'services', 'times', 'impact', 'riskToService'], 'recalled', 'SEC H8 schedule content (recalled)'),
  },
  permittedHours: PERMITTED_HOURS_2021,
  clockChange: CLOCK_CHANGE_2021,
  duration: DURATION_2021,
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
    PANEL_WAIVABLE,
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
  zone: LONDON_ZONE,
  status: 'research-draft',
  description:
    'SEC H8 Planned Maintenance as recalled and inferred in domain.md; confirm RECALLED/ASSUMED items. ' +
    '2021.1 relabelled (each value by its weakest part) with the change-reference check (issue 18).',
  workingDays: WORKING_DAYS_2021,
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
  permittedHours: PERMITTED_HOURS_2021,
  clockChange: CLOCK_CHANGE_2021,
  duration: DURATION_2021,
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
    PANEL_WAIVABLE,
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
