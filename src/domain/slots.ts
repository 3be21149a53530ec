/**
 * Slot finding and programme re-planning: where can a window go without a finding above the
 * tolerated severity, and why is there nowhere when there is nowhere.
 *
 * The search is exact on a 15-minute grid of instants (every candidate start ≡ 0 mod 15 minutes
 * UTC; every real zone offset is a multiple of 15 minutes, so these are also the local quarter
 * hours, both passes of an autumn fold included and the spring gap excluded). A slot lasts
 * `durationMinutes` of real time. It is cheap because each candidate is first classified by
 * constraints that never need the engine:
 * - per month (per day in per-window mode): NOTICE_PERIOD, by one engine probe per month;
 * - per candidate, by a sweep: blackout layers (the same expansion the engine uses), permitted
 *   hours, clock-change nights, duration;
 * - per candidate against the plan: MONTHLY_CAP (union minutes per month), MIN_SPACING, OVERLAP.
 * SCHEDULE_CONTENT is about what a window says, not when it is (e.g. a missing changeRef): it
 * never rules a time out, in the search or in a re-plan.
 * A classifier only ever says "fails" when the engine would; every candidate it lets through is
 * assessed by the engine (`assess`) before it is returned, in rank order, lazily: ranking uses a
 * lower bound of the expected failed top-ups from prefix sums and resolves exact values with
 * `assessImpact` only for the candidates that reach the front.
 *
 * @example
 * const r = findSlots({ durationMinutes: 360, from, to, count: 3, notifiedAt,
 *   template: { party: 'DSP', services: ['service-requests'], regions: ['N', 'C', 'S'], impact: 'outage' } },
 *   { ...assessContext, impact: impactContext })
 * r.slots.map((s) => s.localStart) // ['2022-04-10 01:00', …]; r.explanation when fewer than 3
 */
import { type AssessContext, assess, type MonthAggregate, type WindowAssessment } from './assess.ts'
import { type BlackoutLayer, expandLayer, layerApplies, layerCode } from './blackouts.ts'
import { calendarsForRegions } from './calendars.ts'
import { type Finding, type FindingCode, SEVERITY_RANK, type Severity } from './findings.ts'
import { assessImpact, type ImpactContext, type WindowImpact } from './impact/index.ts'
import { attemptsPerCustomer, prepareContext, resolveRegions } from './impact/window-impact.ts'
import { DEFAULT_REGIONS } from './reference.ts'
import { overriddenSeverity } from './ruleset.ts'
import { ownWindows, warningCount } from './slot-preferences.ts'
import { DAY_MS, HOUR_MS, MINUTE_MS, monthIndexOfDay, monthKeyOf, parseHhMm, weekdayOf, type ZoneClock, zoneClock } from './time.ts'
import type { WindowPlan } from './window.ts'

/** Candidate starts lie on this grid. */
export const GRID_MINUTES = 15
const GRID_MS = GRID_MINUTES * MINUTE_MS

/** The fixed order in which constraints are charged for the time they remove (marginal counting). */
export const CONSTRAINT_ORDER: readonly FindingCode[] = [
  'NOTICE_PERIOD',
  'WINTER',
  'PREPAYMENT_PEAK',
  'BANK_HOLIDAY',
  'RELEASE_FREEZE',
  'BLACKOUT',
  'PERMITTED_HOURS',
  'CLOCK_CHANGE_NIGHT',
  'MAX_DURATION',
  'MONTHLY_CAP',
  'MIN_SPACING',
  'OVERLAP',
  'SCHEDULE_CONTENT',
  'OVERRUN',
  'REDUNDANCY_LOSS',
]
const BIT = new Map<FindingCode, number>(CONSTRAINT_ORDER.map((c, i) => [c, 1 << i]))
const bitOf = (c: FindingCode): number => BIT.get(c) ?? 0

/** The most severe severity still tolerated ('none': not even info). */
export const TOLERANCES = ['none', 'info', 'warning', 'objection'] as const
export type Tolerance = (typeof TOLERANCES)[number]
const TOLERANCE_RANK: Record<Tolerance, number> = { none: 4, info: 3, warning: 2, objection: 1 }

/** What a slot is for: everything of a window but its times. */
export type SlotTemplate = Pick<WindowPlan, 'party' | 'services' | 'regions' | 'impact'> &
  Partial<Pick<WindowPlan, 'id' | 'reference' | 'title' | 'description' | 'justification' | 'riskToService' | 'changeRef' | 'programmeId'>>

export interface SearchLimits {
  /** Grid points considered at most (default 100,000: a two-year range is 70,080). */
  maxCandidates?: number
  /** Engine assessments at most (default 2,000). */
  maxAssessments?: number
  /** Wall-clock budget, read from `clock` (the domain never reads the time itself). */
  timeBudgetMs?: number
  clock?: () => number
}

export interface SlotRequest {
  durationMinutes: number
  /** Slots lie inside [from, to). */
  from: Date
  to: Date
  template: SlotTemplate
  /** When the slot would be notified; null = judged as if notified at ctx.now. */
  notifiedAt: Date | null
  count: number
  /** Default 'warning': no breach and no objection. */
  tolerate?: Tolerance
  /** Finding codes ignored, as if waived. */
  waive?: readonly FindingCode[]
  /** Default true: no slot shares time with the party's own planned windows (charged to OVERLAP). */
  avoidOwnWindows?: boolean
  limits?: SearchLimits
}

/** The engine's context (background = the stored plan) plus the impact model for ranking. */
export interface SlotContext extends AssessContext {
  impact?: ImpactContext
}

export interface Slot {
  start: Date
  end: Date
  /** 'YYYY-MM-DD HH:MM' in the ruleset zone. */
  localStart: string
  localEnd: string
  expectedFailedTopUps: number
  metersAffected: number
  assessment: WindowAssessment & { months: MonthAggregate[] }
  impact: WindowImpact | null
}

export interface RemovedTime {
  code: FindingCode
  /** Minutes of candidate start time charged to this constraint (15 per grid point), marginally. */
  minutes: number
  starts: number
  /** Local date-time of the first candidate start that does NOT fail this constraint, when it removed every start before it. */
  removedEverythingBefore: string | null
  /** Local months ('YYYY-MM') left without any start, where this constraint removed the most. */
  monthsEmptied: string[]
  message: string
}

export interface WaivedAlternative {
  code: FindingCode
  start: Date
  end: Date
  localStart: string
  expectedFailedTopUps: number
}

export interface Explanation {
  from: Date
  to: Date
  gridMinutes: number
  candidates: number
  /** Starts that pass every constraint (some may share a day with a better slot). */
  passing: number
  removed: RemovedTime[]
  /** For each constraint, the earliest start that would pass were it alone waived. */
  ifWaived: WaivedAlternative[]
  nearest: WaivedAlternative | null
  message: string
}

export type StoppedBy = 'max-candidates' | 'max-assessments' | 'time-budget'

export interface SearchProgress {
  candidates: number
  assessed: number
  searchedFrom: Date
  /** The last candidate start classified. */
  searchedUntil: Date | null
  stoppedBy: StoppedBy | null
  detail: string | null
}

export interface SlotsResult {
  slots: Slot[]
  complete: boolean
  progress: SearchProgress
  explanation: Explanation | null
}

export class SlotRequestError extends Error {
  readonly code = 'invalid-slot-request'
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message)
    this.name = 'SlotRequestError'
  }
}

const NOT_COUNTED = new Set(['draft', 'rejected', 'cancelled'])

function lowerBound(a: Float64Array | readonly number[], x: number, strict: boolean, n = a.length): number {
  let lo = 0
  let hi = n
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (strict ? a[mid]! <= x : a[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Sorted, merged [s, e) intervals. */
function merge(ivs: [number, number][]): { s: Float64Array; e: Float64Array } {
  ivs.sort((a, b) => a[0] - b[0])
  const s: number[] = []
  const e: number[] = []
  for (const [a, b] of ivs) {
    if (!(b > a)) continue
    if (s.length && a <= e[e.length - 1]!) e[e.length - 1] = Math.max(e[e.length - 1]!, b)
    else {
      s.push(a)
      e.push(b)
    }
  }
  return { s: Float64Array.from(s), e: Float64Array.from(e) }
}

function coveredMs(m: { s: Float64Array; e: Float64Array }, a: number, b: number): number {
  let i = lowerBound(m.e, a, true) // first interval ending after a
  let sum = 0
  for (; i < m.s.length && m.s[i]! < b; i++) sum += Math.min(b, m.e[i]!) - Math.max(a, m.s[i]!)
  return sum
}

/** A min-heap of (key, index) pairs ordered by key then index; `exact` flags resolved keys. */
class Heap {
  private keys: number[] = []
  private idx: number[] = []
  private exact: boolean[] = []
  get size() {
    return this.keys.length
  }
  private less(i: number, j: number): boolean {
    const a = this.keys[i]!
    const b = this.keys[j]!
    return a < b || (a === b && this.idx[i]! < this.idx[j]!)
  }
  private swap(i: number, j: number) {
    ;[this.keys[i], this.keys[j]] = [this.keys[j]!, this.keys[i]!]
    ;[this.idx[i], this.idx[j]] = [this.idx[j]!, this.idx[i]!]
    ;[this.exact[i], this.exact[j]] = [this.exact[j]!, this.exact[i]!]
  }
  private down(i: number) {
    const n = this.keys.length
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < n && this.less(l, m)) m = l
      if (r < n && this.less(r, m)) m = r
      if (m === i) return
      this.swap(i, m)
      i = m
    }
  }
  /** Builds the heap in O(n). */
  static of(keys: number[], idx: number[], exact: boolean): Heap {
    const h = new Heap()
    h.keys = keys
    h.idx = idx
    h.exact = new Array(keys.length).fill(exact)
    for (let i = (keys.length >>> 1) - 1; i >= 0; i--) h.down(i)
    return h
  }
  push(key: number, index: number, exact: boolean) {
    this.keys.push(key)
    this.idx.push(index)
    this.exact.push(exact)
    let i = this.keys.length - 1
    while (i > 0) {
      const p = (i - 1) >>> 1
      if (!this.less(i, p)) break
      this.swap(i, p)
      i = p
    }
  }
  pop(): { key: number; index: number; exact: boolean } {
    const top = { key: this.keys[0]!, index: this.idx[0]!, exact: this.exact[0]! }
    const lk = this.keys.pop()!
    const li = this.idx.pop()!
    const le = this.exact.pop()!
    if (this.keys.length) {
      this.keys[0] = lk
      this.idx[0] = li
      this.exact[0] = le
      this.down(0)
    }
    return top
  }
}

interface CapGroup {
  limit: number
  merged: { s: Float64Array; e: Float64Array }
  totals: Map<number, number>
}

/**
 * Everything known about one (template, duration, range): the grid, the static constraint masks,
 * the ranking bounds, and the engine calls. Shared by findSlots and replan.
 */
class Search {
  readonly clock: ZoneClock
  readonly D: number
  readonly starts: Float64Array
  readonly n: number
  /** Background-independent failing constraints per candidate (bit per CONSTRAINT_ORDER code). */
  readonly stat: Int32Array
  /** Local day and month index of each start. */
  readonly day: Int32Array
  readonly month: Int32Array
  private readonly tol: number
  readonly waived: ReadonlySet<FindingCode>
  /** Codes that rule a candidate out whatever their severity (replan: spacing and overlap). */
  readonly strict: ReadonlySet<FindingCode>
  assessed = 0
  private readonly exactKeys = new Map<number, { failed: number; impact: WindowImpact }>()
  private prefix: Float64Array | null = null
  private boundsOk = true
  truncated = false

  constructor(
    readonly tpl: WindowPlan,
    durationMs: number,
    readonly ctx: SlotContext,
    tolerate: Tolerance,
    waive: readonly FindingCode[],
    from: number,
    to: number,
    maxCandidates: number,
    strict: readonly FindingCode[] = [],
  ) {
    this.strict = new Set(strict)
    this.clock = zoneClock(ctx.ruleset.zone)
    this.D = durationMs
    this.tol = TOLERANCE_RANK[tolerate]
    this.waived = new Set(waive)
    const first = Math.ceil(from / GRID_MS) * GRID_MS
    const last = to - durationMs
    let n = last >= first ? Math.floor((last - first) / GRID_MS) + 1 : 0
    if (n > maxCandidates) {
      n = maxCandidates
      this.truncated = true
    }
    this.n = n
    this.starts = new Float64Array(n)
    this.day = new Int32Array(n)
    this.month = new Int32Array(n)
    for (let k = 0; k < n; k++) {
      const s = first + k * GRID_MS
      this.starts[k] = s
      const d = Math.floor(this.clock.toWall(s) / DAY_MS)
      this.day[k] = d
      this.month[k] = monthIndexOfDay(d)
    }
    this.stat = new Int32Array(n)
    if (n > 0) this.classifyStatic()
  }

  /** True when a finding of this code and severity rules a candidate out. */
  bad(code: FindingCode, severity: Severity): boolean {
    return !this.waived.has(code) && (SEVERITY_RANK[severity] < this.tol || this.strict.has(code))
  }

  plan(k: number): WindowPlan {
    const s = this.starts[k]!
    return { ...this.tpl, start: new Date(s), end: new Date(s + this.D) }
  }

  /** Failing constraints of engine findings. */
  maskOf(findings: readonly Finding[]): number {
    let m = 0
    for (const f of findings) if (!f.waiver && f.code !== 'SCHEDULE_CONTENT' && this.bad(f.code, f.severity)) m |= bitOf(f.code) || 1 << 30
    return m
  }

  private classifyStatic() {
    const r = this.ctx.ruleset
    const { n, starts, D, stat, clock } = this
    // Notice: one engine probe per month (monthly schedule) or per day (per-window notice).
    const perWindow = r.notice.mode.value === 'per-window'
    const notice = new Map<number, number>()
    for (let k = 0; k < n; k++) {
      const key = perWindow ? this.day[k]! : this.month[k]!
      let m = notice.get(key)
      if (m === undefined) {
        const probe = assess([this.plan(k)], { ...this.ctx, background: [], waivers: [] })
        m = 0
        for (const f of probe.windows[0]!.findings)
          if (f.code === 'NOTICE_PERIOD' && this.bad(f.code, f.severity)) m = bitOf('NOTICE_PERIOD')
        notice.set(key, m)
      }
      stat[k]! |= m
    }
    // Permitted hours (outside: the rule's severity; inside on a non-preferred weekday: info).
    const ph = r.permittedHours
    const phFrom = parseHhMm(ph.from.value) * MINUTE_MS
    const phTo = parseHhMm(ph.to.value) * MINUTE_MS
    const outsideBad = this.bad('PERMITTED_HOURS', r.severities.PERMITTED_HOURS ?? 'warning')
    const infoBad = this.bad('PERMITTED_HOURS', 'info') && ph.preferredWeekdays.value.length > 0
    const ccBad = r.clockChange.forbidNights.value && this.bad('CLOCK_CHANGE_NIGHT', r.severities.CLOCK_CHANGE_NIGHT ?? 'warning')
    const durBad = D / MINUTE_MS > r.duration.maxWindowMinutes.value && this.bad('MAX_DURATION', r.severities.MAX_DURATION ?? 'warning')
    if (outsideBad || infoBad || ccBad || durBad) {
      for (let k = 0; k < n; k++) {
        const s = starts[k]!
        const e = s + D
        if (outsideBad || infoBad) {
          const day0 = this.day[k]! * DAY_MS
          const sWall = clock.toWall(s)
          const eWall = clock.toWall(e)
          const inside = sWall >= day0 + phFrom && eWall <= day0 + phTo && eWall > sWall
          if (!inside ? outsideBad : infoBad && !ph.preferredWeekdays.value.includes(weekdayOf(this.day[k]!)))
            stat[k]! |= bitOf('PERMITTED_HOURS')
        }
        if (ccBad && clock.firstTransitionBetween(s, e) !== null) stat[k]! |= bitOf('CLOCK_CHANGE_NIGHT')
        if (durBad) stat[k]! |= bitOf('MAX_DURATION')
      }
    }
    // Blackout layers: the periods the engine would expand, swept against the sorted candidates.
    const lo = starts[0]!
    const hi = starts[n - 1]! + D
    const y0 = new Date(lo - DAY_MS).getUTCFullYear()
    const y1 = new Date(hi + DAY_MS).getUTCFullYear()
    const f = new Date(Date.UTC(y0, 0, 1) - 2 * DAY_MS)
    const t = new Date(Date.UTC(y1 + 1, 0, 1) + 2 * DAY_MS)
    const regions = this.ctx.regions ?? DEFAULT_REGIONS
    for (const layer of this.ctx.blackouts as readonly BlackoutLayer[]) {
      const code = layerCode(layer)
      if (!this.bad(code, overriddenSeverity(this.ctx.ruleset, code, layer.severity)) || !layerApplies(layer, this.tpl)) continue
      const periods = expandLayer(layer, f, t, {
        calendars: this.ctx.calendars,
        ...(layer.holidays ? { holidayCalendars: calendarsForRegions(this.tpl.regions, regions) } : {}),
      })
      const ps = Float64Array.from(periods.map((p) => p.start.getTime()))
      const maxEnd = new Float64Array(periods.length)
      let m = -Infinity
      periods.forEach((p, i) => {
        m = Math.max(m, p.end.getTime())
        maxEnd[i] = m
      })
      const bit = bitOf(code)
      let j = 0
      for (let k = 0; k < n; k++) {
        const s = starts[k]!
        const e = s + D
        while (j < ps.length && ps[j]! < e) j++
        if (j > 0 && maxEnd[j - 1]! > s) stat[k]! |= bit
      }
    }
  }

  /** Background windows for the engine: those that can change a candidate's findings. */
  relevant(background: readonly WindowPlan[], s: number, e: number): WindowPlan[] {
    const r = this.ctx.ruleset
    const spacing = r.spacing.minHoursBetweenStarts.value * HOUR_MS
    const lo = Math.min(this.clock.startOfMonthIndex(this.clock.monthIndex(s)), s - spacing)
    const hi = Math.max(this.clock.startOfMonthIndex(this.clock.monthIndex(e - 1) + 1), s + spacing, e)
    return background.filter((w) => w.end.getTime() > lo && w.start.getTime() < hi)
  }

  /** Assesses one candidate with the engine; returns its failing mask and the assessment. */
  verify(k: number, background: readonly WindowPlan[]): { mask: number; assessment: WindowAssessment & { months: MonthAggregate[] } } {
    this.assessed++
    const p = this.plan(k)
    const a = assess([p], { ...this.ctx, background: this.relevant(background, p.start.getTime(), p.end.getTime()) })
    const w = a.windows[0]!
    const months = a.months.filter((m) => m.windows > 0 && monthsTouched(p, this.clock).includes(m.month))
    return { mask: this.maskOf(w.findings), assessment: { ...w, months } }
  }

  /** Exact ranking key: expected failed top-ups (assessImpact), cached. */
  exact(k: number): { failed: number; impact: WindowImpact | null } {
    const ictx = this.ctx.impact
    if (!ictx) return { failed: 0, impact: null }
    let v = this.exactKeys.get(k)
    if (!v) {
      const impact = assessImpact(this.plan(k), ictx)
      v = { failed: impact.expectedFailedTopUps, impact }
      this.exactKeys.set(k, v)
    }
    return v
  }

  /** A lower bound of exact(k).failed from prefix sums over grid cells (one impact-model call per local hour). */
  lowerBound(k: number): number {
    const ictx = this.ctx.impact
    if (!ictx || !this.boundsOk) return Number.NEGATIVE_INFINITY
    if (!this.prefix) {
      const probe = assessImpact(this.plan(0), ictx)
      if (!probe.stopsTopUps) {
        this.prefix = new Float64Array(this.n + Math.ceil(this.D / GRID_MS) + 1)
        return 0
      }
      const share = this.tpl.impact === 'outage' ? ictx.profile.failureShare.value.outage : ictx.profile.failureShare.value.degraded
      const p = prepareContext(ictx)
      const regions = resolveRegions(this.tpl, p)
      const ppm = regions.map((id) => {
        const r = ictx.estate.regions[id]
        return r ? r.premises.value * r.prepaymentShare.value : 0
      })
      const cells = this.n + Math.floor(this.D / GRID_MS)
      const prefix = new Float64Array(cells + 1)
      let lastHour = Number.NaN
      let cellValue = 0
      for (let j = 0; j < cells; j++) {
        const t = this.starts[0]! + j * GRID_MS
        const hour = Math.floor(this.clock.toWall(t) / HOUR_MS)
        if (hour !== lastHour) {
          lastHour = hour
          const per = attemptsPerCustomer(p, t, t + GRID_MS, regions)
          cellValue = 0
          for (let i = 0; i < regions.length; i++) cellValue += ppm[i]! * per[i]!
          cellValue *= share
        }
        prefix[j + 1] = prefix[j]! + cellValue
      }
      this.prefix = prefix
    }
    const q = Math.floor(this.D / GRID_MS)
    const hiV = this.prefix[k + q]!
    const v = hiV - this.prefix[k]!
    return v - (1e-9 * hiV + 1e-6)
  }

  /**
   * Visits `indices` in rank order (expected failed top-ups, then earliest); `visit` returns true to stop.
   * Keys are lower bounds until a candidate reaches the front, then exact.
   */
  walk(indices: readonly number[], visit: (k: number) => boolean): void {
    const keys = indices.map((k) => this.lowerBound(k))
    const heap = Heap.of(keys, [...indices], !this.ctx.impact)
    while (heap.size) {
      const top = heap.pop()
      if (!top.exact) {
        const x = this.exact(top.index).failed
        if (x < top.key) this.boundsOk = false // never expected; ranking falls back to exact keys
        heap.push(x, top.index, true)
        continue
      }
      if (!this.boundsOk) {
        // A bound was wrong: redo the walk with exact keys for everything not yet visited.
        this.boundsOk = false
        const rest = [top.index]
        while (heap.size) rest.push(heap.pop().index)
        const exactKeys = rest.map((k) => this.exact(k).failed)
        const h2 = Heap.of(exactKeys, rest, true)
        while (h2.size) if (visit(h2.pop().index)) return
        return
      }
      if (visit(top.index)) return
    }
  }

  local(ms: number): string {
    return new Date(this.clock.toWall(ms)).toISOString().slice(0, 16).replace('T', ' ')
  }
}

function monthsTouched(w: WindowPlan, clock: ZoneClock): string[] {
  const out: string[] = []
  const e = w.end.getTime()
  for (let m = clock.monthIndex(w.start.getTime()); clock.startOfMonthIndex(m) < e; m++) out.push(monthKeyOf(m))
  return out
}

/**
 * The background-dependent constraints (cap, spacing, overlap) for one plan, exactly as the engine
 * counts them: union minutes per local month, same-party starts, shared-region overlaps.
 */
class PlanConstraints {
  private readonly caps: CapGroup[] = []
  private capHead = 0
  private capBad: { breach: boolean; warning: boolean } = { breach: false, warning: false }
  private readonly spacingStarts: Float64Array | null = null
  private readonly spacingMs: number
  private readonly overlap: { s: Float64Array; e: Float64Array; maxEnd: Float64Array; regions: (readonly string[])[] } | null = null

  constructor(
    private readonly search: Search,
    background: readonly WindowPlan[],
  ) {
    const r = search.ctx.ruleset
    const tpl = search.tpl
    const clock = search.clock
    const counted = background.filter((w) => !NOT_COUNTED.has(w.status))
    // Cap groups the template belongs to.
    const capImpacts = r.cap.impacts.value
    const breachSev = r.severities.MONTHLY_CAP ?? 'breach'
    this.capBad = {
      breach: search.bad('MONTHLY_CAP', breachSev),
      warning: search.bad('MONTHLY_CAP', overriddenSeverity(r, 'MONTHLY_CAP', 'warning')),
    }
    if (capImpacts.includes(tpl.impact) && (this.capBad.breach || this.capBad.warning)) {
      const capWins = counted.filter((w) => w.kind !== 'emergency' && capImpacts.includes(w.impact) && w.end.getTime() > w.start.getTime())
      const groups: [number, WindowPlan[]][] = [[r.cap.minutesPerMonth.value, capWins]]
      for (const [party, lim] of Object.entries(r.cap.perParty.value))
        if (tpl.party === party) groups.push([lim, capWins.filter((w) => w.party === party)])
      for (const [service, lim] of Object.entries(r.cap.perService.value))
        if (tpl.services.includes(service)) groups.push([lim, capWins.filter((w) => w.services.includes(service))])
      for (const [limit, wins] of groups) {
        const merged = merge(wins.map((w) => [w.start.getTime(), w.end.getTime()]))
        const totals = new Map<number, number>()
        for (let i = 0; i < merged.s.length; i++) {
          let a = merged.s[i]!
          const ce = merged.e[i]!
          let m = clock.monthIndex(a)
          while (a < ce) {
            const boundary = clock.startOfMonthIndex(m + 1)
            const b = Math.min(ce, boundary)
            totals.set(m, (totals.get(m) ?? 0) + (b - a) / MINUTE_MS)
            a = boundary
            m++
          }
        }
        this.caps.push({ limit, merged, totals })
      }
      this.capHead = r.cap.headroomMinutes.value
    }
    // Spacing: same-party planned outages with a spacing impact.
    const sp = r.spacing
    this.spacingMs = sp.minHoursBetweenStarts.value * HOUR_MS
    if (this.spacingMs > 0 && sp.impacts.value.includes(tpl.impact) && search.bad('MIN_SPACING', r.severities.MIN_SPACING ?? 'warning')) {
      const st = counted
        .filter((w) => w.kind !== 'emergency' && w.party === tpl.party && sp.impacts.value.includes(w.impact))
        .map((w) => w.start.getTime())
      this.spacingStarts = Float64Array.from(st.sort((a, b) => a - b))
    }
    // Overlap: any counted window with an overlap impact sharing a region (empty = everywhere).
    const ov = r.overlap.impacts.value
    if (ov.includes(tpl.impact) && search.bad('OVERLAP', r.severities.OVERLAP ?? 'warning')) {
      const list = counted
        .filter((w) => w.end.getTime() > w.start.getTime() && ov.includes(w.impact))
        .sort((a, b) => a.start.getTime() - b.start.getTime())
      const maxEnd = new Float64Array(list.length)
      let m = -Infinity
      list.forEach((w, i) => {
        m = Math.max(m, w.end.getTime())
        maxEnd[i] = m
      })
      this.overlap = {
        s: Float64Array.from(list.map((w) => w.start.getTime())),
        e: Float64Array.from(list.map((w) => w.end.getTime())),
        maxEnd,
        regions: list.map((w) => w.regions),
      }
    }
  }

  /** Failing background-dependent constraints of candidate k. */
  mask(k: number): number {
    const search = this.search
    const s = search.starts[k]!
    const e = s + search.D
    let out = 0
    if (this.caps.length) {
      const clock = search.clock
      const m0 = search.month[k]!
      const last = e <= clock.startOfMonthIndex(m0 + 1) ? m0 : clock.monthIndex(e - 1)
      outer: for (const g of this.caps) {
        const head = Math.min(this.capHead, g.limit)
        for (let m = search.month[k]!; m <= last; m++) {
          const ms = clock.startOfMonthIndex(m)
          const me = clock.startOfMonthIndex(m + 1)
          const a = Math.max(s, ms)
          const b = Math.min(e, me)
          if (!(b > a)) continue
          const total = (g.totals.get(m) ?? 0) + (b - a - coveredMs(g.merged, a, b)) / MINUTE_MS
          if (total <= g.limit - head) continue
          if (total > g.limit ? this.capBad.breach : this.capBad.warning) {
            out |= bitOf('MONTHLY_CAP')
            break outer
          }
        }
      }
    }
    const st = this.spacingStarts
    if (st?.length) {
      const lo = lowerBound(st, s - this.spacingMs, true)
      if (lo < st.length && st[lo]! < s + this.spacingMs) out |= bitOf('MIN_SPACING')
    }
    const ov = this.overlap
    if (ov?.s.length) {
      const mine = search.tpl.regions
      let j = lowerBound(ov.s, e, false) - 1
      for (; j >= 0 && ov.maxEnd[j]! > s; j--) {
        if (!(ov.e[j]! > s)) continue
        const theirs = ov.regions[j]!
        if (mine.length === 0 || theirs.length === 0 || theirs.some((x) => mine.includes(x))) {
          out |= bitOf('OVERLAP')
          break
        }
      }
    }
    return out
  }
}

function templatePlan(t: SlotTemplate, zone: string, notifiedAt: Date | null): WindowPlan {
  return {
    reference: t.reference ?? 'SLOT',
    title: t.title ?? 'Candidate slot',
    description: t.description ?? '',
    justification: t.justification ?? null,
    riskToService: t.riskToService ?? null,
    party: t.party,
    changeRef: t.changeRef ?? null,
    programmeId: t.programmeId ?? null,
    kind: 'planned',
    impact: t.impact,
    services: t.services,
    regions: t.regions,
    start: new Date(0),
    end: new Date(0),
    zone,
    notifiedAt,
    status: 'proposed',
    ...(t.id ? { id: t.id } : {}),
  }
}

class Budget {
  stoppedBy: StoppedBy | null = null
  private readonly t0: number
  constructor(private readonly limits: SearchLimits) {
    this.t0 = limits.clock ? limits.clock() : 0
  }
  exceeded(assessed: number): boolean {
    if (this.stoppedBy) return true
    if (assessed >= (this.limits.maxAssessments ?? 2000)) this.stoppedBy = 'max-assessments'
    else if (this.limits.clock && this.limits.timeBudgetMs !== undefined && this.limits.clock() - this.t0 > this.limits.timeBudgetMs)
      this.stoppedBy = 'time-budget'
    return this.stoppedBy !== null
  }
}

function validateRequest(req: SlotRequest): void {
  if (!(req.durationMinutes > 0) || !Number.isFinite(req.durationMinutes))
    throw new SlotRequestError('duration', 'the duration must be positive')
  if (!(req.to.getTime() > req.from.getTime())) throw new SlotRequestError('to', 'to must be after from')
  if (!Number.isInteger(req.count) || req.count < 1) throw new SlotRequestError('count', 'count must be a positive integer')
}

/**
 * Up to `count` slots of `durationMinutes` inside [from, to) raising no finding above the tolerated
 * severity against the plan in `ctx.background`, none on top of the party's own planned windows
 * (unless `avoidOwnWindows: false`); ranked by fewer warning codes, then expected failed top-ups,
 * then earliest; not overlapping one another and at most one starting per local day.
 * Each slot is an alternative on its own (they are not assessed together). With fewer than `count`,
 * `explanation` says which constraints removed the time.
 *
 * @example findSlots({ durationMinutes: 360, from, to, count: 14, notifiedAt: null, template }, ctx).slots.length
 */
export function findSlots(req: SlotRequest, ctx: SlotContext): SlotsResult {
  validateRequest(req)
  const limits = req.limits ?? {}
  const tpl = templatePlan(req.template, ctx.ruleset.zone, req.notifiedAt)
  const search = new Search(
    tpl,
    req.durationMinutes * MINUTE_MS,
    ctx,
    req.tolerate ?? 'warning',
    req.waive ?? [],
    req.from.getTime(),
    req.to.getTime(),
    limits.maxCandidates ?? 100_000,
  )
  const background = ctx.background ?? []
  const plan = new PlanConstraints(search, background)
  const own = req.avoidOwnWindows === false || search.waived.has('OVERLAP') ? null : ownWindows(tpl.party, background)
  const ownMask = (k: number) => (own?.overlaps(search.starts[k]!, search.starts[k]! + search.D) ? bitOf('OVERLAP') : 0)
  const budget = new Budget(limits)
  const n = search.n
  const dyn = new Int32Array(n)
  const eng = new Int32Array(n).fill(-1)
  const survivors: number[] = []
  for (let k = 0; k < n; k++) {
    if (search.stat[k] !== 0) continue
    dyn[k] = plan.mask(k) | ownMask(k)
    if (dyn[k] === 0) survivors.push(k)
  }
  const chosen: { k: number; assessment: WindowAssessment & { months: MonthAggregate[] } }[] = []
  const usedDays = new Set<number>()
  const visit = (k: number): boolean => {
    if (budget.exceeded(search.assessed)) return true
    const s = search.starts[k]!
    if (usedDays.has(search.day[k]!)) return false
    for (const c of chosen) {
      const cs = search.starts[c.k]!
      if (cs < s + search.D && s < cs + search.D) return false
    }
    const v = search.verify(k, background)
    eng[k] = v.mask
    if (v.mask !== 0) return false
    chosen.push({ k, assessment: v.assessment })
    usedDays.add(search.day[k]!)
    return chosen.length >= req.count
  }
  // Fewer warnings first: tiers by the warning codes the classifiers see, each walked in impact order.
  let done = false
  for (const tier of warningTiers(search, req, ctx, background, survivors)) {
    if (!done) search.walk(tier, (k) => (done = visit(k)))
  }
  const rank = (c: (typeof chosen)[number]) => [
    warningCount(c.assessment.findings, search.waived),
    search.exact(c.k).failed,
    search.starts[c.k]!,
  ]
  chosen.sort((a, b) => {
    const [x, y] = [rank(a), rank(b)]
    return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!
  })
  const slots: Slot[] = chosen.map(({ k, assessment }) => {
    const ex = search.exact(k)
    const s = search.starts[k]!
    return {
      start: new Date(s),
      end: new Date(s + search.D),
      localStart: search.local(s),
      localEnd: search.local(s + search.D),
      expectedFailedTopUps: ex.failed,
      metersAffected: ex.impact?.metersAffected ?? 0,
      assessment,
      impact: ex.impact,
    }
  })
  const stoppedBy: StoppedBy | null = search.truncated ? 'max-candidates' : budget.stoppedBy
  const progress: SearchProgress = {
    candidates: n,
    assessed: search.assessed,
    searchedFrom: req.from,
    searchedUntil: n > 0 ? new Date(search.starts[n - 1]!) : null,
    stoppedBy,
    detail:
      stoppedBy === 'max-candidates'
        ? `stopped after ${n} grid points; starts up to ${n > 0 ? search.local(search.starts[n - 1]!) : '-'} were searched`
        : stoppedBy
          ? `stopped after ${search.assessed} engine assessments (${stoppedBy}); the ${slots.length} slot(s) found are the best of the candidates assessed so far`
          : null,
  }
  const explanation =
    slots.length < req.count
      ? explain(
          search,
          req.from,
          req.to,
          (k) => search.stat[k]! | (search.stat[k] === 0 ? dyn[k]! : plan.mask(k) | ownMask(k)) | Math.max(0, eng[k]!),
          background,
          budget,
        )
      : null
  return { slots, complete: stoppedBy === null, progress, explanation }
}

/**
 * The survivors grouped by how many codes above info (warnings, and objections when tolerated) the
 * classifiers find, fewest first, by a second classification that counts every such finding as
 * failing. One tier when the tolerance already rules warnings out.
 */
function warningTiers(
  search: Search,
  req: SlotRequest,
  ctx: SlotContext,
  background: readonly WindowPlan[],
  survivors: number[],
): number[][] {
  if (TOLERANCE_RANK[req.tolerate ?? 'warning'] >= TOLERANCE_RANK.info || survivors.length === 0) return [survivors]
  const strict = new Search(search.tpl, search.D, ctx, 'info', req.waive ?? [], req.from.getTime(), req.to.getTime(), search.n)
  const strictPlan = new PlanConstraints(strict, background)
  const tiers: number[][] = []
  for (const k of survivors) {
    let m = strict.stat[k]! | strictPlan.mask(k)
    let c = 0
    for (; m; m &= m - 1) c++
    ;(tiers[c] ??= []).push(k)
  }
  return tiers.filter(Boolean)
}

/**
 * Charges each failing candidate to the first failing constraint in CONSTRAINT_ORDER and finds,
 * per constraint, the earliest candidate that fails only it (confirmed by the engine with it waived).
 */
function explain(
  search: Search,
  from: Date,
  to: Date,
  maskOf: (k: number) => number,
  background: readonly WindowPlan[],
  budget: Budget,
  kEnd = search.n,
): Explanation {
  const n = kEnd
  const masks = new Int32Array(n)
  for (let k = 0; k < n; k++) masks[k] = maskOf(k)
  const removed = new Map<FindingCode, { starts: number; months: Set<number> }>()
  let passing = 0
  // Per month: the constraint that took the last remaining starts, in order.
  const perMonth = new Map<number, Map<FindingCode, number>>()
  for (let k = 0; k < n; k++) {
    const m = masks[k]!
    if (m === 0) {
      passing++
      continue
    }
    const code = firstCode(m)
    const r = removed.get(code) ?? { starts: 0, months: new Set() }
    r.starts++
    removed.set(code, r)
    const pm = perMonth.get(search.month[k]!) ?? new Map<FindingCode, number>()
    pm.set(code, (pm.get(code) ?? 0) + 1)
    perMonth.set(search.month[k]!, pm)
  }
  const monthPassing = new Map<number, number>()
  for (let k = 0; k < n; k++) if (masks[k] === 0) monthPassing.set(search.month[k]!, (monthPassing.get(search.month[k]!) ?? 0) + 1)
  for (const [m, pm] of perMonth) {
    if (monthPassing.get(m)) continue
    // The month is empty; name the constraint that took most of it (marginally).
    let top: FindingCode | null = null
    for (const c of CONSTRAINT_ORDER) if (pm.has(c) && (top === null || pm.get(c)! > pm.get(top)!)) top = c
    if (top) removed.get(top)!.months.add(m)
  }
  const out: RemovedTime[] = []
  for (const code of CONSTRAINT_ORDER) {
    const r = removed.get(code)
    if (!r) continue
    const bit = bitOf(code)
    let firstFree = -1
    for (let k = 0; k < n; k++)
      if ((masks[k]! & bit) === 0) {
        firstFree = k
        break
      }
    const before = firstFree > 0 ? search.local(search.starts[firstFree]!) : firstFree === -1 && n > 0 ? search.local(to.getTime()) : null
    const months = [...r.months].sort((a, b) => a - b).map(monthKeyOf)
    const minutes = r.starts * GRID_MINUTES
    const parts = [`${code} removed ${fmtDuration(minutes)} of start times`]
    if (before) parts.push(`every start before ${before}`)
    if (months.length) parts.push(`left no start in ${months.join(', ')}`)
    out.push({ code, minutes, starts: r.starts, removedEverythingBefore: before, monthsEmptied: months, message: parts.join('; ') })
  }
  // Alternatives with one constraint waived: the earliest candidate failing only that constraint.
  const ifWaived: WaivedAlternative[] = []
  const tried = new Set<FindingCode>()
  for (const { code } of out) {
    if (tried.has(code)) continue
    tried.add(code)
    const bit = bitOf(code)
    if (!bit) continue
    let attempts = 0
    for (let k = 0; k < kEnd && attempts < 50; k++) {
      if (masks[k] !== bit) continue
      if (budget.exceeded(search.assessed)) break
      attempts++
      const v = search.verify(k, background)
      if ((v.mask & ~bit) !== 0) continue
      const s = search.starts[k]!
      ifWaived.push({
        code,
        start: new Date(s),
        end: new Date(s + search.D),
        localStart: search.local(s),
        expectedFailedTopUps: search.exact(k).failed,
      })
      break
    }
  }
  ifWaived.sort((a, b) => a.start.getTime() - b.start.getTime())
  const nearest = ifWaived[0] ?? null
  const message =
    `${passing === 0 ? 'No start' : `${passing} start(s)`} in ${search.local(from.getTime())}–${search.local(to.getTime())} pass${passing === 1 ? 'es' : ''} every constraint. ` +
    out.map((r) => r.message).join('. ') +
    (nearest ? `. Nearest slot with one constraint waived: ${nearest.localStart} (waive ${nearest.code})` : '')
  return { from, to, gridMinutes: GRID_MINUTES, candidates: n, passing, removed: out, ifWaived, nearest, message }
}

function firstCode(mask: number): FindingCode {
  for (const c of CONSTRAINT_ORDER) if (mask & bitOf(c)) return c
  return 'REDUNDANCY_LOSS'
}

function fmtDuration(minutes: number): string {
  const days = Math.floor(minutes / 1440)
  const hours = Math.round(((minutes - days * 1440) / 60) * 100) / 100
  return days > 0 ? `${days} days ${hours} hours` : `${hours} hours`
}

// ---------------------------------------------------------------------------------------------
// Re-planning a programme

export interface ReplanRequest {
  /** Publication date: every window is judged as notified then. */
  publishedAt: Date
  /** Nothing may end after this instant. */
  until: Date
  tolerate?: Tolerance
  waive?: readonly FindingCode[]
  limits?: SearchLimits
  /** Try waiver sets (by finding code) when nothing fits; default true. */
  searchWaivers?: boolean
}

export interface FindingSummary {
  code: FindingCode
  severity: Severity
  message: string
}

export interface ReplanEntry {
  windowId: string | null
  reference: string
  kept: boolean
  old: { start: Date; end: Date; localStart: string }
  new: { start: Date; end: Date; localStart: string } | null
  before: { worstSeverity: Severity | null; findings: FindingSummary[] }
  after: { worstSeverity: Severity | null; findings: FindingSummary[] } | null
  expectedFailedTopUps: number | null
}

export interface ReplanResult {
  /** True when every window found a slot before `until` with nothing waived beyond `req.waive`. */
  fits: boolean
  publishedAt: Date
  until: Date
  /** Codes that must be waived for the schedule below (empty when it fits as asked). */
  waiversNeeded: FindingCode[]
  entries: ReplanEntry[]
  keptCount: number
  /** Start of the last window of the schedule. */
  finishesAt: Date | null
  explanation: Explanation | null
  progress: { assessed: number; stoppedBy: StoppedBy | null }
}

/** A programme's windows must not overlap or crowd one another (or others' windows), whatever the severity. */
const REPLAN_STRICT: readonly FindingCode[] = ['MIN_SPACING', 'OVERLAP']

const summarise = (fs: readonly Finding[]): FindingSummary[] => fs.map((f) => ({ code: f.code, severity: f.severity, message: f.message }))

/**
 * A schedule for every window of a programme that passes the breach and objection rules (or the
 * tolerance given): notice from `publishedAt`, spacing, the monthly cap including the plan in
 * `ctx.background`, blackouts. Windows whose original dates already pass (taken in programme order,
 * each against those kept before it) keep them; the others, in programme order, take the least-impact
 * slot of the earliest local month that still has one. When something does not fit before `until`,
 * the smallest set of waivable finding codes that makes it fit is searched, and that schedule returned.
 *
 * @example replan(opsg58Windows, { publishedAt: new Date('2021-10-05T17:00:00Z'), until }, ctx).finishesAt
 */
export function replan(windows: readonly WindowPlan[], req: ReplanRequest, ctx: SlotContext): ReplanResult {
  const ids = new Set(windows.flatMap((w) => (w.id ? [w.id] : [])))
  const refs = new Set(windows.map((w) => `${w.party}|${w.reference}`))
  const background = (ctx.background ?? []).filter((w) => !(w.id && ids.has(w.id)) && !refs.has(`${w.party}|${w.reference}`))
  const base = { ...ctx, background }
  const first = replanOnce(windows, req, base, req.waive ?? [])
  if (first.fits || req.searchWaivers === false) return first
  // Smallest waiver set: codes that removed time, waivable under the ruleset, by size then by time removed.
  const waivable = new Set(ctx.ruleset.waivable.value)
  const codes = (first.explanation?.removed ?? [])
    .filter((r) => waivable.has(r.code) && !(req.waive ?? []).includes(r.code))
    .sort((a, b) => b.minutes - a.minutes)
    .map((r) => r.code)
  let assessed = first.progress.assessed
  for (let size = 1; size <= Math.min(3, codes.length); size++) {
    for (const set of combinations(codes, size)) {
      const r = replanOnce(windows, req, base, [...(req.waive ?? []), ...set])
      assessed += r.progress.assessed
      if (r.fits)
        return {
          ...r,
          fits: false,
          waiversNeeded: set,
          explanation: first.explanation,
          progress: { assessed, stoppedBy: r.progress.stoppedBy },
        }
    }
  }
  return { ...first, progress: { assessed, stoppedBy: first.progress.stoppedBy } }
}

function combinations<T>(xs: readonly T[], k: number): T[][] {
  if (k === 0) return [[]]
  const out: T[][] = []
  xs.forEach((x, i) => {
    for (const rest of combinations(xs.slice(i + 1), k - 1)) out.push([x, ...rest])
  })
  return out
}

function replanOnce(windows: readonly WindowPlan[], req: ReplanRequest, ctx: SlotContext, waive: readonly FindingCode[]): ReplanResult {
  const tolerate = req.tolerate ?? 'warning'
  const tol = TOLERANCE_RANK[tolerate]
  const waived = new Set(waive)
  const bad = (f: Finding) =>
    !f.waiver &&
    f.code !== 'SCHEDULE_CONTENT' && // content, not time (see the module comment)
    !waived.has(f.code) &&
    (SEVERITY_RANK[f.severity] < tol || REPLAN_STRICT.includes(f.code))
  const clock = zoneClock(ctx.ruleset.zone)
  const local = (ms: number) => new Date(clock.toWall(ms)).toISOString().slice(0, 16).replace('T', ' ')
  const background = ctx.background ?? []
  const live = windows
    .map((w, i) => ({ w: { ...w, notifiedAt: req.publishedAt }, i }))
    .filter(({ w }) => w.status !== 'rejected' && w.status !== 'cancelled')
  const budget = new Budget(req.limits ?? {})
  let assessed = 0
  // Findings before: the programme as it stands, judged from the publication date.
  const beforeA = assess(
    live.map(({ w }) => w),
    { ...ctx, background },
  )
  assessed++
  const placed: WindowPlan[] = []
  const newStart = new Map<number, WindowPlan>()
  const kept = new Set<number>()
  const order = [...live].sort((a, b) => a.w.start.getTime() - b.w.start.getTime() || a.i - b.i)
  for (const { w, i } of order) {
    if (w.start.getTime() < req.publishedAt.getTime() || w.end.getTime() > req.until.getTime()) continue
    const a = assess([w], { ...ctx, background: [...background, ...placed] })
    assessed++
    if (a.windows[0]!.findings.some(bad)) continue
    placed.push(w)
    newStart.set(i, w)
    kept.add(i)
  }
  // The rest: earliest month with a passing slot, least impact within it.
  const searches = new Map<string, { search: Search; monthPtr: number; monthStarts: Map<number, [number, number]> }>()
  let fits = true
  let firstSearch: Search | null = null
  for (const { w, i } of order) {
    if (kept.has(i)) continue
    const D = w.end.getTime() - w.start.getTime()
    const key = JSON.stringify([w.party, w.services, w.regions, w.impact, D])
    let s = searches.get(key)
    if (!s) {
      const tpl: WindowPlan = { ...w, start: new Date(0), end: new Date(0), kind: 'planned', status: 'proposed' }
      const search = new Search(
        tpl,
        D,
        ctx,
        tolerate,
        waive,
        req.publishedAt.getTime(),
        req.until.getTime(),
        req.limits?.maxCandidates ?? 200_000,
        REPLAN_STRICT,
      )
      const monthStarts = new Map<number, [number, number]>()
      for (let k = 0; k < search.n; k++) {
        const m = search.month[k]!
        const r = monthStarts.get(m)
        if (r) r[1] = k + 1
        else monthStarts.set(m, [k, k + 1])
      }
      s = { search, monthPtr: search.n > 0 ? search.month[0]! : 0, monthStarts }
      searches.set(key, s)
    }
    firstSearch ??= s.search
    const { search } = s
    const lastMonth = search.n > 0 ? search.month[search.n - 1]! : -1
    let found: number | null = null
    while (s.monthPtr <= lastMonth && found === null) {
      const range = s.monthStarts.get(s.monthPtr)
      if (range) {
        const bgNow = [...background, ...placed]
        const plan = new PlanConstraints(search, bgNow)
        const cands: number[] = []
        for (let k = range[0]; k < range[1]; k++) if (search.stat[k] === 0 && plan.mask(k) === 0) cands.push(k)
        search.walk(cands, (k) => {
          if (budget.exceeded(search.assessed)) return true
          const v = search.verify(k, bgNow)
          if (v.mask !== 0) return false
          found = k
          return true
        })
      }
      if (budget.stoppedBy) break
      if (found === null) s.monthPtr++
    }
    if (found === null) {
      fits = false
      break
    }
    const st = search.starts[found]!
    const nw: WindowPlan = { ...w, start: new Date(st), end: new Date(st + D) }
    placed.push(nw)
    newStart.set(i, nw)
  }
  for (const { search } of searches.values()) assessed += search.assessed
  // Findings after: the whole schedule together.
  const schedule = live.filter(({ i }) => newStart.has(i)).map(({ i }) => newStart.get(i)!)
  const afterA = schedule.length ? assess(schedule, { ...ctx, background }) : null
  assessed++
  const afterBy = new Map<number, WindowAssessment>()
  for (const [j, { i }] of live.filter(({ i }) => newStart.has(i)).entries()) afterBy.set(i, afterA!.windows[j]!)
  const entries: ReplanEntry[] = live.map(({ i }, j) => {
    const nw = newStart.get(i)
    const b = beforeA.windows[j]!
    const a = afterBy.get(i)
    const orig = windows[i]!
    return {
      windowId: orig.id ?? null,
      reference: orig.reference,
      kept: kept.has(i),
      old: { start: orig.start, end: orig.end, localStart: local(orig.start.getTime()) },
      new: nw ? { start: nw.start, end: nw.end, localStart: local(nw.start.getTime()) } : null,
      before: { worstSeverity: b.worstSeverity, findings: summarise(b.findings) },
      after: a ? { worstSeverity: a.worstSeverity, findings: summarise(a.findings) } : null,
      expectedFailedTopUps: nw && ctx.impact ? assessImpact(nw, ctx.impact).expectedFailedTopUps : null,
    }
  })
  const finish = schedule.reduce<number | null>((m, w) => (m === null || w.start.getTime() > m ? w.start.getTime() : m), null)
  // Why the schedule ends where it does: the constraints over [publication, last start] with the
  // schedule itself as part of the plan (its months are then full).
  let explanation: Explanation | null = null
  const ex = firstSearch
  if (ex) {
    const endAt = fits && finish !== null ? finish : req.until.getTime()
    const kEnd = lowerBound(ex.starts, endAt, false)
    const plan = new PlanConstraints(ex, [...background, ...placed])
    explanation = explain(
      ex,
      req.publishedAt,
      new Date(endAt),
      (k) => ex.stat[k]! | plan.mask(k),
      [...background, ...placed],
      new Budget({ maxAssessments: 0 }),
      kEnd,
    )
  }
  return {
    fits,
    publishedAt: req.publishedAt,
    until: req.until,
    waiversNeeded: [],
    entries,
    keptCount: kept.size,
    finishesAt: fits && finish !== null ? new Date(finish) : null,
    explanation,
    progress: { assessed, stoppedBy: budget.stoppedBy },
  }
}
