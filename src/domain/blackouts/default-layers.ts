/**
 * The blackout layers a ruleset implies (issue 3 §4): winter; the high top-up periods (November;
 * 15 Dec–5 Jan); the daily evening peak; bank holidays ± buffer; the days before bank holidays;
 * SEC release go-lives ± buffer. Each layer carries the ruleset parameters it is made of and is
 * labelled by the weakest of them; its severity obeys the ruleset's overrides.
 *
 * @example
 * defaultBlackoutLayers(DEFAULT_RULESET).map((l) => l.id)
 * // ['winter', 'november-top-up', 'christmas-new-year', 'evening-peak', 'bank-holidays', 'pre-bank-holiday', 'sec-release-freeze']
 */
import { DateTime } from 'luxon'
import { weakestProvenance } from '../findings.ts'
import { basisOf, overriddenSeverity, periodProvenance, type Ruleset } from '../ruleset.ts'
import { dayIndexOf, parseHhMm, zoneClock } from '../time.ts'
import type { BlackoutLayer, BlackoutRecurrence } from './layer.ts'

/** The default layers of a ruleset, in the order above. */
export function defaultBlackoutLayers(r: Ruleset): BlackoutLayer[] {
  return [winterLayer(r), ...highTopUpLayers(r), eveningPeakLayer(r), ...holidayLayers(r), releaseFreezeLayer(r)]
}

/** A layer's basis (the ruleset parameters at `pointers`) and its label, the weakest of theirs. */
function madeOf(r: Ruleset, ...pointers: string[]): Pick<BlackoutLayer, 'basis' | 'provenance'> {
  const basis = basisOf(r, ...pointers)
  return { basis, provenance: weakestProvenance(basis.map((b) => b.provenance)) }
}

const versionOf = (r: Ruleset) => `${r.id}@${r.version}`

function winterLayer(r: Ruleset): BlackoutLayer {
  const w = r.seasonal.winter
  return {
    id: 'winter',
    name: `Winter (${w.from.value} to ${w.to.value})`,
    category: 'winter',
    severity: overriddenSeverity(r, 'WINTER', 'objection'),
    scope: {},
    owner: 'OPSG',
    legalBasis:
      w.from.value === '10-01' && w.to.value === '03-31'
        ? 'OPSG 58 objection to work in the winter season (no dates given); bounds of the winter moratorium 1 Oct–31 Mar (R17)'
        : 'OPSG 58 objection to work in the winter season (no dates given); bounds from the ruleset',
    ...madeOf(r, '/seasonal/winter/from', '/seasonal/winter/to'),
    recurrence: annualRecurrence(w.from.value, w.to.value, r.zone),
    version: versionOf(r),
  }
}

function highTopUpLayers(r: Ruleset): BlackoutLayer[] {
  return r.seasonal.highTopUp.value.map((per, i) => ({
    id: per.id,
    name: `High prepayment top-up period (${per.from} to ${per.to})`,
    category: 'prepayment-peak',
    severity: overriddenSeverity(r, 'PREPAYMENT_PEAK', 'objection'),
    scope: {},
    owner: 'OPSG',
    legalBasis: per.why,
    // The matched period's own label (the Christmas bounds are assumed, November is the minutes').
    basis: [{ parameter: `/seasonal/highTopUp/value/${i}`, provenance: periodProvenance(r, per).provenance }],
    provenance: periodProvenance(r, per).provenance,
    recurrence: annualRecurrence(per.from, per.to, r.zone),
    version: versionOf(r),
  }))
}

function eveningPeakLayer(r: Ruleset): BlackoutLayer {
  const ep = r.seasonal.eveningPeak
  const minutes = parseHhMm(ep.to.value) - parseHhMm(ep.from.value)
  return {
    id: 'evening-peak',
    name: `Daily evening top-up peak (${ep.from.value}–${ep.to.value})`,
    category: 'prepayment-peak',
    severity: overriddenSeverity(r, 'PREPAYMENT_PEAK', 'warning'),
    scope: {},
    owner: 'mwp default ruleset',
    legalBasis: 'Evening vend peak before friendly-credit hours (R16); assumed',
    ...madeOf(r, '/seasonal/eveningPeak/from', '/seasonal/eveningPeak/to'),
    recurrence: { rrule: 'FREQ=DAILY', dtstart: '2000-01-01', startTime: ep.from.value, duration: `PT${minutes}M`, zone: r.zone },
    version: versionOf(r),
  }
}

/** Bank holidays ± the buffer, and the days before a bank holiday. */
function holidayLayers(r: Ruleset): BlackoutLayer[] {
  const hb = r.holidays.bufferDaysEitherSide
  const pre = r.holidays.preHolidayDays
  return [
    {
      id: 'bank-holidays',
      name: `Bank holidays of the regions' nations ± ${hb.value} day(s)`,
      category: 'bank-holiday',
      severity: overriddenSeverity(r, 'BANK_HOLIDAY', 'warning'),
      scope: {},
      owner: 'mwp default ruleset',
      legalBasis: 'Holiday top-up volumes (R18); friendly credit on public holidays (R15); assumed buffer',
      ...madeOf(r, '/holidays/bufferDaysEitherSide'),
      holidays: { daysBefore: hb.value, daysAfter: hb.value, includeHoliday: true, zone: r.zone },
      version: versionOf(r),
    },
    {
      id: 'pre-bank-holiday',
      name: `The ${pre.value} days before a bank holiday (high top-up demand)`,
      category: 'prepayment-peak',
      severity: overriddenSeverity(r, 'PREPAYMENT_PEAK', 'warning'),
      scope: {},
      owner: 'mwp default ruleset',
      legalBasis: 'Customers top up ahead of holidays (R18); assumed',
      ...madeOf(r, '/holidays/preHolidayDays'),
      holidays: { daysBefore: pre.value, daysAfter: 0, includeHoliday: false, zone: r.zone },
      version: versionOf(r),
    },
  ]
}

function releaseFreezeLayer(r: Ruleset): BlackoutLayer {
  const buf = r.releases.bufferDays.value
  const clock = zoneClock(r.zone)
  return {
    id: 'sec-release-freeze',
    name: `SEC release go-lives ± ${buf} days`,
    category: 'release-freeze',
    severity: overriddenSeverity(r, 'RELEASE_FREEZE', 'warning'),
    scope: {},
    owner: 'SECAS / DCC release management',
    legalBasis: 'SEC Release go-lives are change events (R12); freeze buffer assumed',
    ...madeOf(r, '/releases/dates', '/releases/bufferDays'),
    periods: r.releases.dates.value.map((d) => {
      const idx = dayIndexOf(d)
      return {
        start: new Date(clock.startOfDay(idx - buf)),
        end: new Date(clock.startOfDay(idx + buf + 1)),
        label: `SEC Release ${d}`,
      }
    }),
    version: versionOf(r),
  }
}

function mmddParts(s: string): [number, number] {
  return [Number(s.slice(0, 2)), Number(s.slice(3, 5))]
}

/**
 * A yearly recurrence over an inclusive local MM-DD range (may cross the year end) from midnight,
 * e.g. 10-01..03-31 → 'FREQ=YEARLY;BYMONTH=10;BYMONTHDAY=1' for 'P6M'.
 */
function annualRecurrence(from: string, to: string, zone: string): BlackoutRecurrence {
  const [m, d] = mmddParts(from)
  return {
    rrule: `FREQ=YEARLY;BYMONTH=${m};BYMONTHDAY=${d}`,
    dtstart: `2000-${from}`,
    startTime: '00:00',
    duration: annualDuration(from, to),
    zone,
  }
}

/** ISO duration from an inclusive local MM-DD range (may cross the year end), e.g. 10-01..03-31 → 'P6M'. */
function annualDuration(from: string, to: string): string {
  const [fm, fd] = mmddParts(from)
  const [tm, td] = mmddParts(to)
  const start = DateTime.utc(2021, fm, fd)
  let end = DateTime.utc(2021, tm, td).plus({ days: 1 })
  if (end <= start) end = end.plus({ years: 1 })
  const diff = end.diff(start, ['months', 'days'])
  const months = Math.round(diff.months)
  const days = Math.round(diff.days)
  return `P${months ? `${months}M` : ''}${days || !months ? `${days}D` : ''}`
}
