/**
 * The OPSG compliance report as data: pure (assessed windows in, report model out), rendered to
 * JSON as is, to CSV by csv.ts and to one HTML page by html.ts.
 *
 * What each part says:
 * - summary: windows by compliance and by impact rating, findings by code, severity and certainty, open /
 *   waived / remediated breaches (confirmed, and apart those on an assumed limit) and objections;
 * - months: one row per party and local month of the period: planned minutes (real minutes, union of the
 *   party's counted Planned Maintenance windows whose impact counts toward the cap) against the monthly
 *   cap, windows with a WINTER or PREPAYMENT_PEAK finding, and the availability effect (PM 2.1 style:
 *   downtime minutes of outage windows; "if not agreed" counts every one as Unscheduled Downtime);
 * - gbMonths: the engine's GB-wide month totals (the cap rule's own figures);
 * - windows: one row per window with its findings, waivers and impact;
 * - breachRegister: every breach and objection, open, waived (with the waiver reference), remediated
 *   (found on an earlier stored assessment of a window version that had been put forward: notified or
 *   later for a notice finding, proposed or later for others; no longer found) or resolved before
 *   notice (gone before it mattered: listed, never counted as remediated);
 * - shading: winter, top-up peaks and bank holidays inside the period, for the timeline;
 * - provenance: rulesets, calendar versions, reference data, tz database, generated-at, asOf.
 *
 * @example
 * const report = buildComplianceReport({ from, to, zone: 'Europe/London', windows, ... })
 * report.months.find((m) => m.party === 'DSP' && m.month === '2021-11')?.plannedMinutes // 720
 */
import type { CalendarId, CalendarSet } from '../domain/calendars.ts'
import type { Compliance, ComplianceRating } from '../domain/compliance.ts'
import {
  type Certainty,
  type Finding,
  FINDING_CODE_LIST,
  type FindingCode,
  findingCertainty,
  noticeState,
  SEVERITIES,
  type Severity,
} from '../domain/findings.ts'
import type { AssessmentProvenance, MonthAggregate } from '../domain/assess.ts'
import { type AvailabilityWindow, availabilityBasis, availabilityByMonth } from '../domain/impact/availability.ts'
import type { ImpactRating, ImpactRatingLevel } from '../domain/impact/impact-rating.ts'
import type { WindowImpact } from '../domain/impact/window-impact.ts'
import type { Ruleset } from '../domain/ruleset.ts'
import { type ProgrammeTotals, programmeTotals } from './programme-totals.ts'
import { DAY_MS, dayIndexOf, isIsoDate, monthIndexOf, monthKeyOf, monthLabel, zoneClock } from '../domain/time.ts'
import type { Impact, WindowPlan, WindowStatus } from '../domain/window.ts'

export const REPORT_KIND = 'mwp.compliance-report'
export const REPORT_FORMAT_VERSION = 1

/** The sentence every report carries about what asOf means. */
export const AS_OF_STATEMENT =
  'asOf works on business time: each window is taken at its latest version whose effectiveAt is at or before asOf, ' +
  'with the schedule publications (publishedAt), waivers (decidedAt, not lapsed by asOf) and ruleset versions (effectiveAt) ' +
  'in effect then; when the service recorded a record (recordedAt) does not matter. Without asOf the report shows the current state.'

/** A waiver as the report needs it (the stored record, instants as Date). */
export interface ReportWaiver {
  id: string
  windowId: string
  findingKey: string
  code: string
  approvedBy: 'sec-panel' | 'opsg-delegated'
  decisionRef: string
  decidedAt: Date
  reason: string
  expiresAt: Date | null
  lapsedAt: Date | null
}

/**
 * A breach or objection seen on an earlier stored assessment of the window and no longer found:
 * `remediated` when that assessment was of a version put forward (notified or later for a notice
 * finding, proposed or later for the others), else `resolved-before-notice` (never counted).
 */
export interface RemediatedFinding {
  key: string
  code: string
  severity: Severity
  certainty: Certainty
  kind: 'remediated' | 'resolved-before-notice'
  windowId: string
  reference: string
  message: string
  lastSeenAt: Date
}

/** One assessed window: what the service hands the report. */
export interface ReportWindowInput {
  window: WindowPlan & { id: string; version: number | null }
  findings: readonly Finding[]
  worstSeverity: Severity | null
  compliance: Compliance
  realMinutes: number
  ruleset: { id: string; version: string }
  impact?: (WindowImpact & { rating?: ImpactRating }) | undefined
}

/**
 * A webhook notice about a window, from the delivery log: per subscription and notice event
 * (window.proposed, schedule.published, window.changed), when it was first sent and first acknowledged (2xx).
 */
export interface ReportNotice {
  windowId: string
  subscriptionId: string
  /** The subscription owner's key: its name and the parties it is bound to (none for reviewers, viewers, admins). */
  owner: string
  parties: readonly string[]
  event: string
  firstSentAt: Date
  acknowledgedAt: Date | null
}

export interface ReportInput {
  from: Date
  to: Date
  party: string | null
  programme: string | null
  asOf: Date | null
  generatedAt: Date
  /** Zone of months, local times and the Performance Measurement Period. */
  zone: string
  /** Windows in scope (period, party, programme), any order; the report sorts them. */
  windows: readonly ReportWindowInput[]
  /** Every waiver in effect (as of asOf) for the windows in scope. */
  waivers: readonly ReportWaiver[]
  remediated: readonly RemediatedFinding[]
  /** GB-wide month totals from the engine. */
  gbMonths: readonly MonthAggregate[]
  /** Lanes of the timeline and parties of the month table (all parties, or the one asked for). */
  parties: readonly string[]
  /** Ruleset versions judging the windows, plus the one in force at the start of the period (first). */
  rulesets: readonly Ruleset[]
  calendars: CalendarSet
  publications: readonly { month: string; publishedAt: Date; parties: readonly string[] }[]
  engineProvenance: readonly AssessmentProvenance[]
  referenceData: Record<string, string>
  tzdbVersion: string
  /** The audit log's head when the report was generated: every write up to it is in the chain it seals. */
  auditHead?: { seq: number; hash: string } | undefined
  /** What the report could not take as of asOf (e.g. reference data is the current version). */
  notes: readonly string[]
  /** Webhook notices of the windows in scope, sent by asOf (acknowledgements after asOf left out). */
  notices?: readonly ReportNotice[]
}

export type FindingStatus = 'open' | 'waived'
export type RegisterStatus = 'open' | 'waived' | 'remediated' | 'resolved-before-notice'

export interface WaiverRef {
  id: string
  decisionRef: string
  approvedBy: string
  decidedAt: string
  expiresAt: string | null
  reason: string
}

export interface ReportFinding {
  key: string
  code: string
  severity: Severity
  certainty: Certainty
  status: FindingStatus
  message: string
  rule: { id: string; version: string; provenance: string; rulesetId: string }
  waiver: WaiverRef | null
}

export interface ReportWindowRow {
  id: string
  version: number | null
  reference: string
  title: string
  party: string
  programmeId: string | null
  changeRef: string | null
  status: WindowStatus
  kind: string
  impact: Impact
  services: string[]
  regions: string[]
  start: string
  end: string
  startLocal: string
  endLocal: string
  zone: string
  notifiedAt: string | null
  realMinutes: number
  worstSeverity: Severity | null
  /** The window's colour by its open findings (domain/compliance.ts). */
  compliance: ComplianceRating
  complianceReasons: string[]
  /** How hard the window hits customers, from its impact alone (null without impact). */
  impactRating: ImpactRatingLevel | null
  impactRatingReasons: string[]
  ruleset: { id: string; version: string }
  findings: ReportFinding[]
  waivers: WaiverRef[]
  /** Who was sent the window's notice events by webhook and when they acknowledged them (first 2xx), by first sending. */
  notices: NoticeRow[]
  impactSummary: {
    metersAffected: number
    premisesAffected: number
    prepaymentCustomersAffected: number
    expectedFailedTopUps: number
    downtimeMinutes: number
    availabilityIfNotAgreedPercent: number
  } | null
}

export interface NoticeRow {
  subscriptionId: string
  owner: string
  parties: string[]
  event: string
  firstSentAt: string
  acknowledgedAt: string | null
}

export interface PartyMonthRow {
  party: string
  month: string
  monthMinutes: number
  windows: number
  services: string[]
  plannedMinutes: number
  capMinutes: number
  remainingMinutes: number
  overCap: boolean
  windowsInWinter: number
  windowsInTopUpPeak: number
  downtimeMinutes: number
  /** Every downtime minute counted as Unscheduled Downtime (nothing agreed). */
  availabilityIfNotAgreedPercent: number
  /** Agreed windows excluded, the rest counted (the plan as it stands). */
  availabilityAsPlannedPercent: number
}

export interface BreachRegisterEntry {
  key: string
  windowId: string
  reference: string
  party: string
  code: string
  severity: Severity
  certainty: Certainty
  status: RegisterStatus
  message: string
  waiver: WaiverRef | null
  /** Remediated or resolved before notice: when the finding was last seen. */
  remediatedAt: string | null
}

/** Register entries by status; `resolvedBeforeNotice` is never part of `remediated`. */
export interface RegisterCounts {
  open: number
  waived: number
  remediated: number
  resolvedBeforeNotice: number
}

export interface ShadedPeriod {
  kind: 'winter' | 'top-up-peak' | 'bank-holiday'
  label: string
  start: string
  end: string
}

export interface ComplianceReport {
  kind: typeof REPORT_KIND
  formatVersion: number
  title: string
  period: { from: string; to: string; zone: string; months: string[] }
  filters: { party: string | null; programme: string | null }
  asOf: string | null
  generatedAt: string
  summary: {
    windows: number
    windowsByCompliance: Record<ComplianceRating, number>
    windowsByImpactRating: { red: number; amber: number; green: number; unrated: number }
    findings: {
      total: number
      bySeverity: Record<Severity, number>
      byCertainty: Record<Certainty, Record<Severity, number>>
      byCode: Partial<Record<FindingCode, Record<Severity, number>>>
    }
    /** Confirmed breaches: their limit has a source. */
    breaches: RegisterCounts
    /** Breaches whose limit is assumed (e.g. the monthly cap's value): counted apart. */
    unconfirmedBreaches: RegisterCounts
    objections: RegisterCounts
  }
  /** Per programme with windows in scope: its totals over those windows (programme-totals.ts). */
  programmes: { programmeId: string; totals: ProgrammeTotals }[]
  months: PartyMonthRow[]
  gbMonths: { month: string; plannedMinutes: number; capMinutes: number; remainingMinutes: number; status: string; windows: number }[]
  windows: ReportWindowRow[]
  breachRegister: BreachRegisterEntry[]
  shading: ShadedPeriod[]
  publications: { month: string; publishedAt: string; parties: string[] }[]
  provenance: {
    rulesets: { id: string; version: string; effectiveFrom: string; status: string }[]
    calendars: Record<string, string>
    referenceData: Record<string, string>
    tzdbVersion: string
    /** The audit log's head (seq and SHA-256) at generation: `mwp audit verify --expect-head SEQ:HASH` proves nothing before it changed. */
    auditHead: { seq: number; hash: string } | null
    blackoutLayers: { id: string; version: string | null }[]
    generatedAt: string
    asOf: string | null
    timeBasis: string
    notes: string[]
  }
}

const COUNTED: ReadonlySet<WindowStatus> = new Set<WindowStatus>(['proposed', 'notified', 'agreed', 'in-progress', 'completed'])
const round2 = (x: number) => Math.round(x * 100) / 100

/** Per zone: epoch ms → local label (windows share a few thousand distinct instants). */
const labelCache = new Map<string, Map<number, string>>()

/** Local time with the zone's abbreviation: `2021-11-14 00:00 GMT` (Europe/London: GMT or BST). */
export function localLabel(d: Date, zone: string): string {
  const ms = d.getTime()
  let byMs = labelCache.get(zone)
  if (!byMs) labelCache.set(zone, (byMs = new Map()))
  let v = byMs.get(ms)
  if (v === undefined) {
    if (byMs.size >= 100_000) byMs.clear()
    byMs.set(ms, (v = formatLocalLabel(d, zone)))
  }
  return v
}

function formatLocalLabel(d: Date, zone: string): string {
  const offset = zoneClock(zone).offsetAt(d.getTime())
  const l = new Date(d.getTime() + offset * 60_000)
  const abs = Math.abs(offset)
  const abbr =
    zone === 'Europe/London'
      ? offset === 0
        ? 'GMT'
        : 'BST'
      : offset === 0
        ? 'UTC'
        : `UTC${offset < 0 ? '-' : '+'}${p2(Math.floor(abs / 60))}:${p2(abs % 60)}`
  return `${l.getUTCFullYear()}-${p2(l.getUTCMonth() + 1)}-${p2(l.getUTCDate())} ${p2(l.getUTCHours())}:${p2(l.getUTCMinutes())} ${abbr}`
}

const p2 = (n: number) => (n < 10 ? `0${n}` : String(n))

/**
 * The period [from, to) in words, its last month the one holding its last instant (the end is
 * exclusive). When an end is not a local month boundary the exact local ends follow, so a month
 * touched only in part is seen to be.
 *
 * @example periodInWords(new Date('2021-10-01T00:00:00+01:00'), new Date('2022-08-01T00:00:00+01:00'), 'Europe/London') // 'October 2021 to July 2022'
 * @example periodInWords(new Date('2021-10-01T00:00:00Z'), new Date('2022-08-01T00:00:00Z'), 'Europe/London')
 *   // 'October 2021 to August 2022 (2021-10-01 01:00 BST to 2022-08-01 01:00 BST, end exclusive)'
 */
export function periodInWords(from: Date, to: Date, zone: string): string {
  const clock = zoneClock(zone)
  const first = clock.monthIndex(from.getTime())
  const last = clock.monthIndex(Math.max(from.getTime(), to.getTime() - 1))
  const months = first === last ? monthLabel(first) : `${monthLabel(first)} to ${monthLabel(last)}`
  const whole = clock.startOfMonthIndex(first) === from.getTime() && clock.startOfMonthIndex(last + 1) === to.getTime()
  return whole ? months : `${months} (${localLabel(from, zone)} to ${localLabel(to, zone)}, end exclusive)`
}

/** Local months ('YYYY-MM') touched by [from, to). */
export function monthsBetween(from: Date, to: Date, zone: string): string[] {
  const clock = zoneClock(zone)
  const out: string[] = []
  const end = to.getTime()
  for (let mi = clock.monthIndex(from.getTime()); clock.startOfMonthIndex(mi) < end; mi++) out.push(monthKeyOf(mi))
  return out
}

/** Start and end instants of a local month 'YYYY-MM'. */
function monthSpan(month: string, zone: string): [number, number] {
  const clock = zoneClock(zone)
  const mi = monthIndexOf(month)
  return [clock.startOfMonthIndex(mi), clock.startOfMonthIndex(mi + 1)]
}

/** Length of the union of spans, clipped to [lo, hi). */
function unionWithin(spans: [number, number][], lo: number, hi: number): number {
  const xs = spans
    .map(([s, e]) => [Math.max(s, lo), Math.min(e, hi)] as [number, number])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0])
  let total = 0
  let cs = Number.NaN
  let ce = Number.NaN
  for (const [s, e] of xs) {
    if (Number.isNaN(cs) || s > ce) {
      if (!Number.isNaN(cs)) total += ce - cs
      cs = s
      ce = e
    } else if (e > ce) ce = e
  }
  if (!Number.isNaN(cs)) total += ce - cs
  return total / 60_000
}

const isoCache = new Map<number, string>()
/** `d.toISOString()`, cached per instant (starts and ends repeat across windows). */
const iso = (d: Date): string => {
  const ms = d.getTime()
  let v = isoCache.get(ms)
  if (v === undefined) {
    if (isoCache.size >= 100_000) isoCache.clear()
    isoCache.set(ms, (v = d.toISOString()))
  }
  return v
}

function waiverRef(w: {
  id?: string
  decisionRef: string
  approvedBy: string
  decidedAt: Date
  expiresAt?: Date | null | undefined
  reason: string
}): WaiverRef {
  return {
    id: w.id ?? '',
    decisionRef: w.decisionRef,
    approvedBy: w.approvedBy,
    decidedAt: iso(w.decidedAt),
    expiresAt: w.expiresAt ? iso(w.expiresAt) : null,
    reason: w.reason,
  }
}

/** Winter, top-up peaks (ruleset) and bank holidays (primary and strict calendars) inside [from, to). */
export function shadedPeriods(ruleset: Ruleset, calendars: CalendarSet, from: Date, to: Date, zone: string): ShadedPeriod[] {
  const out: ShadedPeriod[] = []
  const clock = zoneClock(zone)
  const firstYear = Math.floor(clock.monthIndex(from.getTime()) / 12)
  const lastYear = Math.floor(clock.monthIndex(to.getTime()) / 12)
  /** Local days [startDay, endDay) clipped to the period. */
  const clip = (kind: ShadedPeriod['kind'], label: string, startDay: number, endDay: number) => {
    const a = Math.max(clock.startOfDay(startDay), from.getTime())
    const b = Math.min(clock.startOfDay(endDay), to.getTime())
    if (b > a) out.push({ kind, label, start: new Date(a).toISOString(), end: new Date(b).toISOString() })
  }
  /** A yearly MM-DD..MM-DD range (inclusive days, may cross the new year) starting in `year`; a date the year lacks (02-29) skips that year. */
  const yearly = (kind: ShadedPeriod['kind'], label: string, fromMd: string, toMd: string) => {
    for (let y = firstYear - 1; y <= lastYear; y++) {
      const s = `${y}-${fromMd}`
      const e = `${y}-${toMd}`
      if (!isIsoDate(s) || !isIsoDate(e)) continue
      const startDay = dayIndexOf(s)
      let endDay = dayIndexOf(e) + 1
      if (endDay <= startDay) endDay = sameDayNextYear(endDay)
      clip(kind, label, startDay, endDay)
    }
  }
  yearly('winter', 'Winter (OPSG objection)', ruleset.seasonal.winter.from.value, ruleset.seasonal.winter.to.value)
  for (const p of ruleset.seasonal.highTopUp.value) yearly('top-up-peak', `Top-up peak: ${p.id}`, p.from, p.to)
  const seen = new Map<string, string>()
  const ids: CalendarId[] = [ruleset.workingDays.primaryCalendar.value, ruleset.workingDays.strictCalendar.value]
  for (const id of ids)
    for (let y = firstYear; y <= lastYear; y++)
      for (const h of calendars.get(id).holidays(y)) if (!seen.has(h.date)) seen.set(h.date, h.name)
  for (const [date, name] of [...seen].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const day = dayIndexOf(date)
    clip('bank-holiday', name, day, day + 1)
  }
  out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0))
  return out
}

/** The same month and day a year later (29 February becomes 28 February). @example sameDayNextYear(dayIndexOf('2024-02-29')) // dayIndexOf('2025-02-28') */
function sameDayNextYear(day: number): number {
  const d = new Date(day * DAY_MS)
  const y = d.getUTCFullYear() + 1
  const m = d.getUTCMonth()
  const lastOfMonth = new Date(Date.UTC(y, m + 1, 0)).getUTCDate()
  return Date.UTC(y, m, Math.min(d.getUTCDate(), lastOfMonth)) / DAY_MS
}

/**
 * A finding's rule as the report gives it: id, version, label, ruleset (its basis of parameters is
 * in the assessment API and docs/parameters.md; repeated on every finding it made a 10,000-window
 * JSON report 30 % larger). The engine shares one rule object per (basis, rule, version), so the
 * report's copies are shared too.
 */
const reportRules = new WeakMap<object, ReportFinding['rule']>()
function reportRule(rule: Finding['rule']): ReportFinding['rule'] {
  let r = reportRules.get(rule)
  if (r === undefined) {
    r = { id: rule.id, version: rule.version, provenance: rule.provenance, rulesetId: rule.rulesetId }
    reportRules.set(rule, r)
  }
  return r
}

const emptySeverities = (): Record<Severity, number> => ({ breach: 0, objection: 0, warning: 0, info: 0 })
const emptyRegisterCounts = (): RegisterCounts => ({ open: 0, waived: 0, remediated: 0, resolvedBeforeNotice: 0 })

/** The summary counts a register entry goes into: objections, confirmed breaches or unconfirmed ones. */
function registerCounts(summary: ComplianceReport['summary'], severity: Severity, certainty: Certainty): RegisterCounts {
  if (severity !== 'breach') return summary.objections
  return certainty === 'confirmed' ? summary.breaches : summary.unconfirmedBreaches
}

/**
 * Builds the report model. Deterministic: the same input gives the same report (windows by start,
 * party, reference; findings in the engine's order; register by window then key).
 */
export function buildComplianceReport(input: ReportInput): ComplianceReport {
  const zone = input.zone
  const months = monthsBetween(input.from, input.to, zone)
  const waiversByKey = new Map(input.waivers.map((w) => [w.findingKey, w]))
  const byWindow = new Map<string, ReportWaiver[]>()
  for (const w of input.waivers) {
    const list = byWindow.get(w.windowId)
    if (list) list.push(w)
    else byWindow.set(w.windowId, [w])
  }

  const noticesByWindow = new Map<string, NoticeRow[]>()
  for (const n of input.notices ?? []) {
    const row: NoticeRow = {
      subscriptionId: n.subscriptionId,
      owner: n.owner,
      parties: [...n.parties],
      event: n.event,
      firstSentAt: iso(n.firstSentAt),
      acknowledgedAt: n.acknowledgedAt ? iso(n.acknowledgedAt) : null,
    }
    const list = noticesByWindow.get(n.windowId)
    if (list) list.push(row)
    else noticesByWindow.set(n.windowId, [row])
  }
  for (const list of noticesByWindow.values())
    list.sort(
      (a, b) =>
        cmp(a.firstSentAt, b.firstSentAt) || cmp(a.owner, b.owner) || cmp(a.subscriptionId, b.subscriptionId) || cmp(a.event, b.event),
    )

  // Sorted by start (read once per window, not per comparison), party, reference, id.
  const starts = input.windows.map((x) => x.window.start.getTime())
  const sorted = input.windows
    .map((_, i) => i)
    .sort((i, j) => {
      const a = input.windows[i]!.window
      const b = input.windows[j]!.window
      return starts[i]! - starts[j]! || cmp(a.party, b.party) || cmp(a.reference, b.reference) || cmp(a.id, b.id)
    })
    .map((i) => input.windows[i]!)
  const summary: ComplianceReport['summary'] = {
    windows: sorted.length,
    windowsByCompliance: { red: 0, amber: 0, green: 0, unrated: 0 },
    windowsByImpactRating: { red: 0, amber: 0, green: 0, unrated: 0 },
    findings: {
      total: 0,
      bySeverity: emptySeverities(),
      byCertainty: { confirmed: emptySeverities(), unconfirmed: emptySeverities() },
      byCode: {},
    },
    breaches: emptyRegisterCounts(),
    unconfirmedBreaches: emptyRegisterCounts(),
    objections: emptyRegisterCounts(),
  }
  // The register in row order: each row's breaches and objections (and remediated findings of the
  // window; of a window out of scope: with the first row), each group by severity, code and key.
  const registerGroups: BreachRegisterEntry[][] = Array.from({ length: Math.max(sorted.length, 1) }, () => [])
  const rows: ReportWindowRow[] = sorted.map((x, position) => {
    const w = x.window
    const group = registerGroups[position]!
    const findings: ReportFinding[] = x.findings.map((f) => {
      const stored = f.waiver ? waiversByKey.get(f.key) : undefined
      const waiver = f.waiver ? waiverRef({ ...f.waiver, ...(stored ? { id: stored.id } : {}) }) : null
      const status: FindingStatus = waiver ? 'waived' : 'open'
      const certainty = findingCertainty(f)
      summary.findings.total++
      summary.findings.bySeverity[f.severity]++
      summary.findings.byCertainty[certainty][f.severity]++
      const byCode = (summary.findings.byCode[f.code] ??= emptySeverities())
      byCode[f.severity]++
      if (f.severity === 'breach' || f.severity === 'objection') {
        registerCounts(summary, f.severity, certainty)[status]++
        group.push({
          key: f.key,
          windowId: w.id,
          reference: w.reference,
          party: w.party,
          code: f.code,
          severity: f.severity,
          certainty,
          status,
          message: f.message,
          waiver,
          remediatedAt: null,
        })
      }
      return {
        key: f.key,
        code: f.code,
        severity: f.severity,
        certainty,
        status,
        message: f.message,
        rule: reportRule(f.rule),
        waiver,
      }
    })
    const impactRated = x.impact?.rating ?? null
    summary.windowsByImpactRating[impactRated?.rating ?? 'unrated']++
    summary.windowsByCompliance[x.compliance.rating]++
    const av = x.impact?.availability
    return {
      id: w.id,
      version: w.version,
      reference: w.reference,
      title: w.title,
      party: w.party,
      programmeId: w.programmeId,
      changeRef: w.changeRef,
      status: w.status,
      kind: w.kind,
      impact: w.impact,
      services: w.services.slice(),
      regions: w.regions.slice(),
      start: iso(w.start),
      end: iso(w.end),
      startLocal: localLabel(w.start, zone),
      endLocal: localLabel(w.end, zone),
      zone: w.zone,
      notifiedAt: w.notifiedAt ? iso(w.notifiedAt) : null,
      realMinutes: x.realMinutes,
      worstSeverity: x.worstSeverity,
      compliance: x.compliance.rating,
      complianceReasons: x.compliance.reasons.map((r) => r.message),
      impactRating: impactRated?.rating ?? null,
      impactRatingReasons: impactRated?.reasons.map((r) => r.message) ?? [],
      ruleset: x.ruleset,
      findings,
      waivers: (byWindow.get(w.id) ?? []).map(waiverRef),
      notices: noticesByWindow.get(w.id) ?? [],
      impactSummary: x.impact
        ? {
            metersAffected: Math.round(x.impact.metersAffected),
            premisesAffected: Math.round(x.impact.premisesAffected),
            prepaymentCustomersAffected: Math.round(x.impact.prepaymentCustomersAffected),
            expectedFailedTopUps: Math.round(x.impact.expectedFailedTopUps),
            downtimeMinutes: av ? av.minutes : 0,
            availabilityIfNotAgreedPercent: av ? round2(av.percentIfNotAgreed) : 100,
          }
        : null,
    }
  })
  // Row positions by window id, for the remediated findings only (most reports have none).
  const positionOf = new Map(input.remediated.length > 0 ? sorted.map((x, i) => [x.window.id, i]) : [])
  for (const r of [...input.remediated].sort((a, b) => cmp(a.windowId, b.windowId) || cmp(a.key, b.key))) {
    if (r.severity !== 'breach' && r.severity !== 'objection') continue
    const position = positionOf.get(r.windowId)
    const w = position === undefined ? undefined : sorted[position]!.window
    const status = r.kind
    registerCounts(summary, r.severity, r.certainty)[status === 'remediated' ? 'remediated' : 'resolvedBeforeNotice']++
    registerGroups[position ?? 0]!.push({
      key: r.key,
      windowId: r.windowId,
      reference: r.reference,
      party: w?.party ?? '',
      code: r.code,
      severity: r.severity,
      certainty: r.certainty,
      status,
      message: r.message,
      waiver: null,
      remediatedAt: iso(r.lastSeenAt),
    })
  }
  const register: BreachRegisterEntry[] = []
  for (const group of registerGroups) {
    if (group.length > 1) group.sort(compareRegisterEntries)
    for (const e of group) register.push(e)
  }
  // Findings by code in a fixed order (the engine's list).
  summary.findings.byCode = Object.fromEntries(
    FINDING_CODE_LIST.filter((c) => summary.findings.byCode[c]).map((c) => [c, summary.findings.byCode[c]!]),
  )

  const primary = input.rulesets[0]
  return {
    kind: REPORT_KIND,
    formatVersion: REPORT_FORMAT_VERSION,
    title: `Planned Maintenance compliance report, ${periodInWords(input.from, input.to, zone)}${input.party ? ` (${input.party})` : ''}`,
    period: { from: iso(input.from), to: iso(input.to), zone, months },
    filters: { party: input.party, programme: input.programme },
    asOf: input.asOf ? iso(input.asOf) : null,
    generatedAt: iso(input.generatedAt),
    summary,
    programmes: programmeRows(sorted, zone),
    months: partyMonths(input, sorted, months),
    gbMonths: input.gbMonths
      .filter((m) => months.includes(m.month))
      .map((m) => ({
        month: m.month,
        plannedMinutes: m.plannedMinutes,
        capMinutes: m.capMinutes,
        remainingMinutes: m.remainingMinutes,
        status: m.status,
        windows: m.windows,
      })),
    windows: rows,
    breachRegister: register,
    shading: primary ? shadedPeriods(primary, input.calendars, input.from, input.to, zone) : [],
    publications: [...input.publications]
      .sort((a, b) => cmp(a.month, b.month) || a.publishedAt.getTime() - b.publishedAt.getTime())
      .map((p) => ({ month: p.month, publishedAt: iso(p.publishedAt), parties: [...p.parties] })),
    provenance: {
      rulesets: uniqueBy(input.rulesets, (r) => `${r.id}@${r.version}`).map((r) => ({
        id: r.id,
        version: r.version,
        effectiveFrom: r.effectiveFrom,
        status: r.status ?? '',
      })),
      calendars: { ...input.calendars.versions() },
      referenceData: { ...input.referenceData },
      tzdbVersion: input.tzdbVersion,
      auditHead: input.auditHead ? { seq: input.auditHead.seq, hash: input.auditHead.hash } : null,
      blackoutLayers: uniqueBy(
        input.engineProvenance.flatMap((p) => p.blackoutLayers),
        (l) => `${l.id}@${l.version}`,
      ),
      generatedAt: iso(input.generatedAt),
      asOf: input.asOf ? iso(input.asOf) : null,
      timeBasis: AS_OF_STATEMENT,
      notes: [...input.notes],
    },
  }
}

function partyMonths(input: ReportInput, windows: readonly ReportWindowInput[], months: readonly string[]): PartyMonthRow[] {
  const zone = input.zone
  const out: PartyMonthRow[] = []
  const spans = months.map((m) => monthSpan(m, zone))
  const rulesetById = new Map<string, Map<string, Ruleset>>()
  for (const r of input.rulesets) {
    const versions = rulesetById.get(r.id) ?? new Map<string, Ruleset>()
    versions.set(r.version, r)
    rulesetById.set(r.id, versions)
  }
  const capImpactsOf = new Map<Ruleset | undefined, ReadonlySet<string>>()
  const capImpacts = (r: Ruleset | undefined): ReadonlySet<string> => {
    let v = capImpactsOf.get(r)
    if (!v) capImpactsOf.set(r, (v = new Set<string>(r?.cap.impacts.value ?? ['degraded', 'outage'])))
    return v
  }
  const byParty = new Map<string, ReportWindowInput[]>()
  for (const x of windows) {
    const list = byParty.get(x.window.party)
    if (list) list.push(x)
    else byParty.set(x.window.party, [x])
  }
  const now = input.asOf ?? input.generatedAt
  for (const party of input.parties) {
    const mine = byParty.get(party) ?? []
    // Windows of the party by month index (a window touching two months is in both), with the
    // ruleset that judged each (when it is one of the report's): months are consecutive, so a
    // window's months are found by search, not by testing every month.
    const buckets: ReportWindowInput[][] = months.map(() => [])
    const bucketRuleset: (Ruleset | undefined)[] = months.map(() => undefined)
    // Per month, the windows with a WINTER finding and those with a PREPAYMENT_PEAK one.
    const inWinter = new Int32Array(months.length)
    const inTopUpPeak = new Int32Array(months.length)
    for (const x of mine) {
      let winter = 0
      let topUpPeak = 0
      for (const f of x.findings) {
        if (f.code === 'WINTER') winter = 1
        else if (f.code === 'PREPAYMENT_PEAK') topUpPeak = 1
      }
      const s = x.window.start.getTime()
      const e = x.window.end.getTime()
      const ruleset = rulesetById.get(x.ruleset.id)?.get(x.ruleset.version)
      for (let i = firstSpanEndingAfter(spans, s); i < spans.length && spans[i]![0] < e; i++) {
        if (!(e > spans[i]![0] && s < spans[i]![1])) continue
        buckets[i]!.push(x)
        bucketRuleset[i] ??= ruleset
        inWinter[i]! += winter
        inTopUpPeak[i]! += topUpPeak
      }
    }
    const counted = mine.filter((x) => COUNTED.has(x.window.status))
    const avWindows = (agreedAsIs: boolean): AvailabilityWindow[] =>
      counted.map((x) => ({
        id: x.window.id,
        party,
        impact: x.window.impact,
        start: x.window.start,
        end: x.window.end,
        // As planned: agreed Planned Maintenance only when agreed with its notice met or waived (R6).
        agreed:
          agreedAsIs &&
          availabilityBasis({ kind: x.window.kind, status: x.window.status, notice: noticeState(x.findings) }).basis ===
            'agreed-planned-maintenance',
      }))
    const view = { zone, now, party, listWindowIds: false }
    const ifNot = new Map(availabilityByMonth(avWindows(false), view).rows.map((r) => [r.month, r]))
    const asPlanned = new Map(availabilityByMonth(avWindows(true), view).rows.map((r) => [r.month, r]))
    for (const [mi, month] of months.entries()) {
      const [lo, hi] = spans[mi]!
      const touching = buckets[mi]!
      // The first touching window's known ruleset judges the month, else the one in force at the start.
      const ruleset = bucketRuleset[mi] ?? input.rulesets[0]
      const impacts = capImpacts(ruleset)
      const cap = ruleset ? (ruleset.cap.perParty.value[party] ?? ruleset.cap.minutesPerMonth.value) : 0
      const planned = unionWithin(
        touching
          .filter((x) => COUNTED.has(x.window.status) && x.window.kind === 'planned' && impacts.has(x.window.impact))
          .map((x) => [x.window.start.getTime(), x.window.end.getTime()]),
        lo,
        hi,
      )
      const a = ifNot.get(month)
      const b = asPlanned.get(month)
      out.push({
        party,
        month,
        monthMinutes: (hi - lo) / 60_000,
        windows: touching.length,
        services: servicesOf(touching),
        plannedMinutes: round2(planned),
        capMinutes: cap,
        remainingMinutes: round2(cap - planned),
        overCap: planned > cap,
        windowsInWinter: inWinter[mi]!,
        windowsInTopUpPeak: inTopUpPeak[mi]!,
        downtimeMinutes: round2(a ? a.plannedNotAgreedMinutes + a.plannedAgreedMinutes : 0),
        availabilityIfNotAgreedPercent: round2(a?.availabilityPercent ?? 100),
        availabilityAsPlannedPercent: round2(b?.availabilityPercent ?? 100),
      })
    }
  }
  return out
}

/** Index of the first of the consecutive, sorted spans whose end is after `ms` (spans.length if none). */
function firstSpanEndingAfter(spans: readonly [number, number][], ms: number): number {
  let lo = 0
  let hi = spans.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (spans[mid]![1] > ms) hi = mid
    else lo = mid + 1
  }
  return lo
}

/** Distinct services of the windows, sorted. */
function servicesOf(windows: readonly ReportWindowInput[]): string[] {
  const seen = new Set<string>()
  for (const x of windows) for (const s of x.window.services) seen.add(s)
  return [...seen].sort()
}

const SEV_RANK: Record<Severity, number> = Object.fromEntries(SEVERITIES.map((s, i) => [s, i])) as Record<Severity, number>
const severityRank = (s: Severity) => SEV_RANK[s]

/** Within one window's register entries: severity, code, key. */
function compareRegisterEntries(a: BreachRegisterEntry, b: BreachRegisterEntry): number {
  return severityRank(a.severity) - severityRank(b.severity) || cmp(a.code, b.code) || cmp(a.key, b.key)
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function uniqueBy<T>(xs: readonly T[], key: (x: T) => string): T[] {
  const seen = new Set<string>()
  return xs.filter((x) => {
    const k = key(x)
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

/** The totals of each programme with windows in the report, by programme id. */
function programmeRows(sorted: readonly ReportWindowInput[], zone: string): { programmeId: string; totals: ProgrammeTotals }[] {
  const byProgramme = new Map<string, ReportWindowInput[]>()
  for (const x of sorted) {
    const id = x.window.programmeId
    if (!id) continue
    const list = byProgramme.get(id)
    if (list) list.push(x)
    else byProgramme.set(id, [x])
  }
  return [...byProgramme.keys()]
    .sort()
    .map((programmeId) => ({ programmeId, totals: programmeTotals(byProgramme.get(programmeId)!, zone) }))
}
