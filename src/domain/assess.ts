/**
 * The compliance engine: assesses a whole plan at once (some rules look across windows).
 *
 * Time semantics: instants are the truth; intervals are [start, end); time-of-day and day rules use
 * wall-clock time in the ruleset's zone; durations and the cap count real elapsed minutes; a window
 * crossing midnight or a month boundary splits its minutes by month.
 *
 * Who counts where:
 * - subjects are assessed; they count toward cap/overlap/spacing unless rejected or cancelled (a draft
 *   is assessed as if proposed). Rejected and cancelled subjects get no findings (`assessed: false`);
 * - background windows (the stored plan) count toward cap/overlap/spacing unless draft, rejected or
 *   cancelled, and get no findings;
 * - emergency windows are not Planned Maintenance: no notice rule (a warning when the justification is
 *   empty), not in the cap, not subject to hours/duration/blackout/spacing rules; they still overlap.
 * - a window with notifiedAt null is judged as if notified at `now`.
 *
 * @example
 * const a = assess(plan, { now, ruleset: DEFAULT_RULESET, calendars: buildCalendars(),
 *   blackouts: defaultBlackoutLayers(DEFAULT_RULESET), regions: DEFAULT_REGIONS, tzdbVersion: '2025c' })
 * a.windows[0].findings.map(f => `${f.code}/${f.severity}`) // ['NOTICE_PERIOD/breach', 'MONTHLY_CAP/breach', …]
 * a.months.find(m => m.month === '2021-11')?.plannedMinutes // 720
 */
import { type BlackoutLayer, PreparedBlackouts } from './blackouts.ts'
import type { CalendarId, CalendarSet } from './calendars.ts'
import { type Compliance, complianceRater } from './compliance.ts'
import {
  type BasisParam,
  compareFindings,
  type Finding,
  type FindingCode,
  findingKey,
  findingRank,
  type FindingRule,
  type Severity,
  type Waiver,
  weakestProvenance,
} from './findings.ts'
import { DEFAULT_REGIONS, type Region } from './reference.ts'
import { capTotals, countsTowardCap, lastMonthOf } from './rules/monthly-cap-rule.ts'
import { RULE_FAMILIES } from './rules/registry.ts'
import { type EmitArgs, flat, type PreparedWindow, type RuleContext } from './rules/types.ts'
import { overriddenSeverity, type Ruleset } from './ruleset.ts'
import { DAY_MS, MINUTE_MS, monthIndexOfDay, monthKeyOf, realMinutesInMonth, type ZoneClock, zoneClock } from './time.ts'
import type { WindowPlan } from './window.ts'

/** A waiver as the engine needs it (the stored record has more fields). */
export type WaiverLike = Pick<Waiver, 'findingKey'> & Partial<Omit<Waiver, 'findingKey'>>

export interface AssessContext {
  now: Date
  ruleset: Ruleset
  calendars: CalendarSet
  blackouts: readonly BlackoutLayer[]
  regions?: readonly Region[]
  /** The stored plan: counts toward cap, overlap and spacing; gets no findings. */
  background?: readonly WindowPlan[]
  waivers?: readonly WaiverLike[]
  /** IANA tz database version of the runtime (e.g. process.versions.tz, read by the caller). */
  tzdbVersion: string
}

export interface WindowAssessment {
  reference: string
  windowId?: string
  /** False for rejected or cancelled subjects (no findings). */
  assessed: boolean
  realMinutes: number
  worstSeverity: Severity | null
  /** The window's colour by its open findings (see complianceOf). */
  compliance: Compliance
  findings: Finding[]
}

export interface MonthAggregate {
  /** 'YYYY-MM' in the ruleset zone. */
  month: string
  /** GB-wide union of counted windows' minutes (overlaps once), real minutes. */
  plannedMinutes: number
  capMinutes: number
  headroomMinutes: number
  /** cap − planned (negative when over). */
  remainingMinutes: number
  status: 'ok' | 'warning' | 'breach'
  /** Real minutes of the month (October 2021: 44,700). */
  realMinutesInMonth: number
  /** Counted windows (subjects and background) with minutes in the month. */
  windows: number
}

export interface AssessmentProvenance {
  rulesetId: string
  rulesetVersion: string
  rulesetEffectiveFrom: string
  zone: string
  calendars: Record<CalendarId, string>
  tzdbVersion: string
  blackoutLayers: { id: string; version: string | null }[]
  now: string
}

/** Findings counted by severity, all of them and split by certainty. */
export interface FindingSummary {
  all: Record<Severity, number>
  confirmed: Record<Severity, number>
  unconfirmed: Record<Severity, number>
}

/** An empty FindingSummary. */
export function emptySummary(): FindingSummary {
  const zero = (): Record<Severity, number> => ({ breach: 0, objection: 0, warning: 0, info: 0 })
  return { all: zero(), confirmed: zero(), unconfirmed: zero() }
}

export interface Assessment {
  windows: WindowAssessment[]
  months: MonthAggregate[]
  summary: FindingSummary
  provenance: AssessmentProvenance
}

export class InvalidWindowError extends Error {
  readonly code = 'invalid-window'
  constructor(
    readonly reference: string,
    readonly field: string,
    message: string,
  ) {
    super(message)
    this.name = 'InvalidWindowError'
  }
}

/**
 * Characters of finding keys and messages joined into one string: 32 Ki, an ordinary heap object.
 * Strings of 128 KiB or more live in V8's large-object space, where each one is mapped and unmapped
 * on its own; on machines where fresh memory is costly (virtual machines that return freed pages to
 * the host) that cost 0.7 ms per chunk, over a third of a 10,000-window assessment. A young chunk is
 * copied by the GC instead, which is cheap at this size.
 */
const MESSAGE_CHUNK = 1 << 15

/**
 * Codes whose messages quote blackout layers: names and legal bases an operator may write in any
 * characters. The engine's own words and the holiday names are Latin-1.
 */
const WIDE_CODES: ReadonlySet<string> = new Set(['WINTER', 'PREPAYMENT_PEAK', 'BANK_HOLIDAY', 'RELEASE_FREEZE', 'BLACKOUT'])

/**
 * Collects finding keys or messages and writes them as slices of one flat string per
 * MESSAGE_CHUNK characters (see assess). `add` leaves the field empty until the chunk is flushed.
 */
class ChunkWriter {
  private text = ''
  private chars = 0
  private readonly findings: Finding[] = []
  /** Per entry: length, and 1 for a key or 0 for a message. */
  private readonly meta: number[] = []

  add(f: Finding, isKey: boolean, s: string, length: number): void {
    this.findings.push(f)
    this.meta.push(length, isKey ? 1 : 0)
    this.text = `${this.text}${s}`
    this.chars += length
    if (this.chars >= MESSAGE_CHUNK) this.flush()
  }

  flush(): void {
    const n = this.findings.length
    if (n === 0) return
    const chunk = flat(this.text)
    let off = 0
    for (let i = 0; i < n; i++) {
      const f = this.findings[i]!
      const len = this.meta[2 * i]!
      const part = chunk.slice(off, off + len)
      off += len
      if (this.meta[2 * i + 1] === 1) f.key = part
      else f.message = part
    }
    this.findings.length = 0
    this.meta.length = 0
    this.text = ''
    this.chars = 0
  }
}

/**
 * Each window's findings in compareFindings order, from all findings in emission order (`windowOf`
 * and `rankOf`, see findingRank, give each one's window and rank). A counting sort groups them by
 * window, an insertion sort orders each window's few findings by rank and, on equal ranks, by key.
 * Each list is allocated once at its final length: on 100,000 windows, growing one list per window
 * and sorting each through Array.prototype.sort allocated 60 MB of garbage per assessment, and the
 * comparisons read every finding object, scattered over the heap.
 *
 * @example findingsPerWindow(2, [f1, f2, f3], [1, 0, 1], [5, 3, 2]) // [[f2], [f3, f1]]
 */
export function findingsPerWindow(
  windows: number,
  findings: readonly Finding[],
  windowOf: readonly number[],
  rankOf: readonly number[],
): Finding[][] {
  const first = new Int32Array(windows + 1) // first[i]..first[i + 1]: window i's slots in `order`
  for (const w of windowOf) first[w + 1]!++
  for (let i = 0; i < windows; i++) first[i + 1]! += first[i]!
  const fill = first.slice(0, windows)
  const order = new Int32Array(findings.length)
  for (let k = 0; k < findings.length; k++) order[fill[windowOf[k]!]!++] = k
  const before = (k: number, j: number) =>
    rankOf[k]! < rankOf[j]! || (rankOf[k] === rankOf[j] && compareFindings(findings[k]!, findings[j]!) < 0)
  const out: Finding[][] = new Array(windows)
  for (let i = 0; i < windows; i++) {
    const from = first[i]!
    const to = first[i + 1]!
    for (let x = from + 1; x < to; x++) {
      const k = order[x]!
      let y = x - 1
      for (; y >= from && before(k, order[y]!); y--) order[y + 1] = order[y]!
      order[y + 1] = k
    }
    const list: Finding[] = to > from ? new Array(to - from) : []
    for (let x = from; x < to; x++) list[x - from] = findings[order[x]!]!
    out[i] = list
  }
  return out
}

const NOT_COUNTED_SUBJECT = new Set(['rejected', 'cancelled'])
const NOT_COUNTED_BACKGROUND = new Set(['draft', 'rejected', 'cancelled'])

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Order of windows with the same start and end: reference, id, then subject index. */
function compareTies(a: PreparedWindow, b: PreparedWindow): number {
  return compareTieFields(a.w, a.index, b.w, b.index)
}

function compareTieFields(a: WindowPlan, aIndex: number, b: WindowPlan, bIndex: number): number {
  return cmpStr(a.reference, b.reference) || cmpStr(a.id ?? '', b.id ?? '') || aIndex - bIndex
}

/** A participating window as the rules see it (index: subject index, or -1 for background). */
function prepareWindow(w: WindowPlan, index: number, s: number, e: number, clock: ZoneClock): PreparedWindow {
  const sWall = clock.toWall(s)
  const eWall = clock.toWall(e)
  const startDay = Math.floor(sWall / DAY_MS)
  return {
    w,
    index,
    subject: w.id ?? w.reference,
    reference: w.reference,
    id: w.id,
    party: w.party,
    impact: w.impact,
    regions: w.regions,
    services: w.services,
    s,
    e,
    sWall,
    eWall,
    startDay,
    startMonth: monthIndexOfDay(startDay),
    planned: w.kind !== 'emergency',
    sText: null,
    eText: null,
    listText: null,
  }
}

/**
 * The windows sorted by (start, end, reference, id, subject index), as
 * `windows.sort((a, b) => a.s - b.s || a.e - b.e || compareTies(a, b))` (stable) would.
 *
 * @example inStartOrder([w0900, w0800]) // [w0800, w0900]
 */
export function inStartOrder(windows: readonly PreparedWindow[]): PreparedWindow[] {
  const order = startOrder(
    Float64Array.from(windows, (p) => p.s),
    Float64Array.from(windows, (p) => p.e),
    (a, b) => compareTies(windows[a]!, windows[b]!),
  )
  return Array.from(order, (k) => windows[k]!)
}

/**
 * Positions 0..n-1 ordered by (s, e), then by `tie` within a run of equal (s, e); `tie` must be a
 * total order. Equal under all three, positions keep their order (stable).
 *
 * Instants are whole milliseconds (Date.getTime), so the usual path is an LSD radix sort on
 * integer keys (start, then duration, in the plan's common unit: minutes for most plans) in a few
 * linear passes over typed arrays; only runs of equal (s, e) read the windows themselves (`tie`).
 * A comparator sort over window objects read two objects scattered over the heap per comparison,
 * which made the 100,000-window plan 20× slower to order than the 10,000-window one.
 *
 * @example startOrder(Float64Array.of(9, 8), Float64Array.of(10, 10), () => 0) // Int32Array [1, 0]
 */
export function startOrder(s: Float64Array, e: Float64Array, tie: (a: number, b: number) => number): Int32Array {
  const n = s.length
  let pos: Int32Array = new Int32Array(n)
  for (let i = 0; i < n; i++) pos[i] = i
  if (n < 2) return pos
  // Keys: start and duration (e − s) from their minimums, in the largest unit dividing them all.
  let minS = Infinity
  let minD = Infinity
  let integral = true
  for (let i = 0; i < n; i++) {
    const a = s[i]!
    const d = e[i]! - a
    if (a < minS) minS = a
    if (d < minD) minD = d
    // Whole milliseconds within ±2^51 (year ±71,000): every difference below is exact.
    if (!Number.isInteger(a) || !Number.isInteger(e[i]!) || Math.abs(a) > 2 ** 51 || Math.abs(e[i]!) > 2 ** 51) integral = false
  }
  const keys = integral ? radixKeys(s, e, minS, minD) : null
  if (keys !== null) {
    // Least significant key first: by duration, then (stable) by start.
    pos = radixPasses(radixPasses(pos, keys.duration), keys.start)
  } else {
    pos = mergeByStartEnd(pos, s, e)
  }
  // Runs of equal (s, e), in the order of `tie` (insertion sort: runs are short).
  for (let k = 1; k < n; k++) {
    const p = pos[k]!
    const ps = s[p]!
    const pe = e[p]!
    let y = k - 1
    for (; y >= 0 && s[pos[y]!] === ps && e[pos[y]!] === pe && tie(p, pos[y]!) < 0; y--) pos[y + 1] = pos[y]!
    pos[y + 1] = p
  }
  return pos
}

/**
 * Start and duration of each window from their minimums, in the largest of minute, second and
 * millisecond that divides them all; null when a key would not fit in 31 bits (then merge sort).
 */
function radixKeys(s: Float64Array, e: Float64Array, minS: number, minD: number): { start: Int32Array; duration: Int32Array } | null {
  const n = s.length
  for (const unit of [60_000, 1_000, 1]) {
    let fits = true
    for (let i = 0; i < n && fits; i++) {
      const ks = (s[i]! - minS) / unit
      const kd = (e[i]! - s[i]! - minD) / unit
      fits = ks === Math.floor(ks) && kd === Math.floor(kd) && ks < 2 ** 31 && kd < 2 ** 31
    }
    if (!fits) continue
    const start = new Int32Array(n)
    const duration = new Int32Array(n)
    for (let i = 0; i < n; i++) {
      start[i] = (s[i]! - minS) / unit
      duration[i] = (e[i]! - s[i]! - minD) / unit
    }
    return { start, duration }
  }
  return null
}

/** Stable LSD radix sort of positions by non-negative 31-bit keys (`key[position]`), ≤ 11 bits a pass. */
function radixPasses(pos: Int32Array, key: Int32Array): Int32Array {
  const n = pos.length
  let max = 0
  for (let i = 0; i < n; i++) if (key[i]! > max) max = key[i]!
  const bits = 32 - Math.clz32(max)
  if (bits === 0) return pos
  const passes = Math.ceil(bits / 11)
  const width = Math.ceil(bits / passes)
  const mask = (1 << width) - 1
  const count = new Int32Array(mask + 1)
  let from: Int32Array = pos
  let to: Int32Array = new Int32Array(n)
  for (let shift = 0; shift < bits; shift += width) {
    count.fill(0)
    for (let i = 0; i < n; i++) count[(key[from[i]!]! >>> shift) & mask]!++
    for (let d = 0, sum = 0; d <= mask; d++) {
      const c = count[d]!
      count[d] = sum
      sum += c
    }
    for (let i = 0; i < n; i++) {
      const p = from[i]!
      to[count[(key[p]! >>> shift) & mask]!++] = p
    }
    ;[from, to] = [to, from]
  }
  return from
}

/** Stable bottom-up merge sort of positions by (s, e): the path for instants that are not whole milliseconds. */
function mergeByStartEnd(pos: Int32Array, s: Float64Array, e: Float64Array): Int32Array {
  const n = pos.length
  let from: Int32Array = pos
  let to: Int32Array = new Int32Array(n)
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n)
      const hi = Math.min(lo + 2 * width, n)
      let i = lo
      let j = mid
      let k = lo
      while (i < mid && j < hi) {
        const a = from[i]!
        const b = from[j]!
        to[k++] = s[b]! < s[a]! || (s[b] === s[a] && e[b]! < e[a]!) ? from[j++]! : from[i++]!
      }
      while (i < mid) to[k++] = from[i++]!
      while (j < hi) to[k++] = from[j++]!
    }
    ;[from, to] = [to, from]
  }
  return from
}

/**
 * Assesses `subjects` against a ruleset; answers in the same order as `subjects`.
 * Pure: the same inputs give the same answer, whatever the order of the windows.
 */
export function assess(subjects: readonly WindowPlan[], ctx: AssessContext): Assessment {
  const r = ctx.ruleset
  const clock = zoneClock(r.zone)
  const now = ctx.now.getTime()

  // Instants of the subjects, then of the counted background windows, validated in that order.
  const counted = (ctx.background ?? []).filter((w) => !NOT_COUNTED_BACKGROUND.has(w.status))
  const nSubjects = subjects.length
  const planOf = (i: number): WindowPlan => (i < nSubjects ? subjects[i]! : counted[i - nSubjects]!)
  const starts = new Float64Array(nSubjects + counted.length)
  const ends = new Float64Array(nSubjects + counted.length)
  const participating = new Uint8Array(nSubjects)
  let nParticipants = counted.length
  for (let i = 0; i < starts.length; i++) {
    const w = planOf(i)
    const s = w.start instanceof Date ? w.start.getTime() : Number.NaN
    const e = w.end instanceof Date ? w.end.getTime() : Number.NaN
    if (!Number.isFinite(s)) throw new InvalidWindowError(w.reference, 'start', `window ${w.reference}: start is not a valid instant`)
    if (!Number.isFinite(e)) throw new InvalidWindowError(w.reference, 'end', `window ${w.reference}: end is not a valid instant`)
    starts[i] = s
    ends[i] = e
    if (i < nSubjects && !NOT_COUNTED_SUBJECT.has(w.status)) {
      participating[i] = 1
      nParticipants++
    }
  }

  // Participants (participating subjects, then background) ordered by start (see startOrder); their
  // prepared windows are made in that order, so the cross-window rules, which walk the plan in start
  // order, read them in memory order.
  const from = new Int32Array(nParticipants) // participant slot → position in starts/ends
  for (let i = 0, k = 0; i < starts.length; i++) if (i >= nSubjects || participating[i] === 1) from[k++] = i
  const fromStarts = new Float64Array(nParticipants)
  const fromEnds = new Float64Array(nParticipants)
  for (let k = 0; k < nParticipants; k++) {
    fromStarts[k] = starts[from[k]!]!
    fromEnds[k] = ends[from[k]!]!
  }
  const order = startOrder(fromStarts, fromEnds, (a, b) =>
    compareTieFields(planOf(from[a]!), from[a]! < nSubjects ? from[a]! : -1, planOf(from[b]!), from[b]! < nSubjects ? from[b]! : -1),
  )
  const participants: PreparedWindow[] = new Array(nParticipants)
  for (let k = 0; k < nParticipants; k++) {
    const i = from[order[k]!]!
    participants[k] = prepareWindow(planOf(i), i < nSubjects ? i : -1, starts[i]!, ends[i]!, clock)
  }
  const active = participants.filter((p) => p.index >= 0) // subjects, in start order

  let lo = Infinity
  let hi = -Infinity
  for (let i = 0; i < nSubjects; i++) {
    if (participating[i] === 0) continue
    if (starts[i]! < lo) lo = starts[i]!
    if (ends[i]! > hi) hi = ends[i]!
  }
  if (!(hi > lo)) {
    lo = now
    hi = now + 1
  }
  const blackouts = new PreparedBlackouts(
    ctx.blackouts,
    new Date(lo - DAY_MS),
    new Date(hi + DAY_MS),
    ctx.calendars,
    ctx.regions ?? DEFAULT_REGIONS,
  )

  const waivers = new Map<string, WaiverLike>()
  for (const wv of ctx.waivers ?? []) {
    const exp = wv.expiresAt
    if (exp && exp.getTime() <= now) continue
    waivers.set(wv.findingKey, wv)
  }
  const waivable = new Set(r.waivable.value)
  // Subjects' findings in emission order, with their window and rank; grouped per window at the end.
  const emitted: Finding[] = []
  const emittedWindow: number[] = []
  const emittedRank: number[] = []
  const summary = emptySummary()

  // One rule object per (basis, rule id, version): findings share them (read-only data). Rules
  // interleave (a blackout layer per hit), so the last one is remembered and the rest looked up in
  // nested maps (no key string per finding).
  const rules = new Map<readonly BasisParam[], Map<string, Map<string, FindingRule>>>()
  let lastRule: FindingRule | null = null
  const ruleOf = (id: string, version: string, basis: readonly BasisParam[]): FindingRule => {
    const l = lastRule
    if (l !== null && l.basis === basis && l.id === id && l.version === version) return l
    let byId = rules.get(basis)
    if (!byId) rules.set(basis, (byId = new Map()))
    let byVersion = byId.get(id)
    if (!byVersion) byId.set(id, (byVersion = new Map()))
    let v = byVersion.get(version)
    if (!v) {
      const provenance = weakestProvenance(basis.map((b) => b.provenance))
      byVersion.set(version, (v = { id, version, provenance, rulesetId: r.id, basis }))
    }
    return (lastRule = v)
  }

  // Keys and messages are written in chunks: up to MESSAGE_CHUNK characters of them are
  // concatenated and flattened into one string and each finding gets slices of it. The messages are the bulk of an
  // assessment's memory; as tens of thousands of separate strings (and the rope parts they are
  // built from) every young-generation GC had to copy them (twice), while a chunk is one flat string
  // and a slice is a small fixed-size object. A retained message keeps at most its chunk alive.
  // Two chunk streams: keys and the messages of rules that write only Latin-1 go to `narrow` (a
  // one-byte string, half the memory), messages that quote blackout layers to `wide` (two-byte only
  // when a layer's text holds a character beyond Latin-1). A slice has its chunk's width, so one wide
  // character would otherwise make every key and message two-byte, for the engine and for every
  // consumer (JSON, CSV, HTML). A message in the wrong stream only costs memory, never changes a value.
  const narrow = new ChunkWriter()
  const wide = new ChunkWriter()
  // findingKey(subject, code, ruleId, qualifier) is `${subject}${findingKey('', code, ruleId, qualifier)}`:
  // the part after the subject is built once per (code, rule, qualifier), so a key is a rope of two.
  const keyTails = new Map<string, Map<string, Map<string, string>>>()
  const keyTail = (code: FindingCode, ruleId: string, qualifier = ''): string => {
    let byRule = keyTails.get(code)
    if (!byRule) keyTails.set(code, (byRule = new Map()))
    let byQualifier = byRule.get(ruleId)
    if (!byQualifier) byRule.set(ruleId, (byQualifier = new Map()))
    let v = byQualifier.get(qualifier)
    if (v === undefined) byQualifier.set(qualifier, (v = flat(findingKey('', code, ruleId, qualifier))))
    return v
  }
  // The ruleset's severity overrides, applied here so that they hold for every code and every rule
  // (blackout layers included); see Ruleset.severities.
  const overrides = Object.keys(r.severities).length > 0
  const emit = (p: PreparedWindow, a: EmitArgs): Finding => {
    if (overrides) a = { ...a, severity: overriddenSeverity(r, a.code, a.severity) }
    // The key stays a rope until the chunk is written (it goes into the chunk too).
    const key = `${p.subject}${keyTail(a.code, a.ruleId, a.qualifier)}`
    const ref = p.reference
    const len = ref.length + 2 + a.message.length
    const id = p.id
    const rule = ruleOf(a.ruleId, a.version ?? r.version, a.basis)
    // The rule's label is the weakest of its basis: assumed exactly when a part is (certaintyOf).
    const certainty = rule.provenance === 'assumed' ? 'unconfirmed' : 'confirmed'
    const canWaive = waivable.has(a.code)
    // windowId is written in the literal, not added afterwards: an added property gives each finding
    // a separate properties array (one more heap object per finding). The key order is the same.
    const f: Finding =
      id === undefined
        ? {
            key,
            code: a.code,
            severity: a.severity,
            certainty,
            reference: ref,
            message: '',
            evidence: a.evidence,
            rule,
            waivable: canWaive,
          }
        : {
            key,
            code: a.code,
            severity: a.severity,
            certainty,
            reference: ref,
            message: '',
            evidence: a.evidence,
            rule,
            waivable: canWaive,
            windowId: id,
          }
    const wv = f.waivable && waivers.size > 0 ? waivers.get(key) : undefined
    if (wv) f.waiver = wv as Waiver
    if (p.index >= 0) {
      emitted.push(f)
      emittedWindow.push(p.index)
      emittedRank.push(findingRank(a.severity, a.code))
      summary.all[a.severity]++
      summary[certainty][a.severity]++
    }
    narrow.add(f, true, key, key.length)
    const text = `${ref}: ${a.message}`
    if (WIDE_CODES.has(a.code)) wide.add(f, false, text, len)
    else narrow.add(f, false, text, len)
    return f
  }

  const rc: RuleContext = {
    now,
    ruleset: r,
    calendars: ctx.calendars,
    regions: ctx.regions ?? DEFAULT_REGIONS,
    clock,
    blackouts,
    subjects: active,
    participants,
    emit,
    cache: new Map(),
  }
  for (const family of RULE_FAMILIES) family.run(rc)
  narrow.flush()
  wide.flush()

  const perWindow = findingsPerWindow(nSubjects, emitted, emittedWindow, emittedRank)
  const complianceOf = complianceRater()
  const windows: WindowAssessment[] = subjects.map((w, i) => {
    const findings = perWindow[i]!
    const reference = w.reference
    const assessed = participating[i] === 1
    const minutes = ends[i]! > starts[i]! ? (ends[i]! - starts[i]!) / MINUTE_MS : 0
    // A whole number as a small integer: a fraction computed by division is stored as a separate
    // heap number per window (100,000 more objects for the GC on the large plan).
    const realMinutes = minutes === (minutes | 0) ? minutes | 0 : minutes
    const worst = findings[0]?.severity ?? null // sorted by severity first
    // windowId in the literal, as for findings.
    const id = w.id
    const compliance = complianceOf(findings, assessed)
    return id === undefined
      ? { reference, assessed, realMinutes, worstSeverity: worst, compliance, findings }
      : { reference, assessed, realMinutes, worstSeverity: worst, compliance, findings, windowId: id }
  })

  // Month aggregates: every month with counted minutes or touched by an assessed planned subject.
  const totals = capTotals(rc)
  const cap = r.cap.minutesPerMonth.value
  const headroom = Math.min(r.cap.headroomMinutes.value, cap)
  const monthSet = new Set<number>(totals.keys())
  const counts = new Map<number, number>() // windows counted toward the cap, per month
  // In start order, which is memory order (see participants).
  for (const p of participants) {
    if (!(p.e > p.s)) continue
    const subject = p.index >= 0
    const toCap = countsTowardCap(p, r)
    if (!toCap && !(subject && p.planned)) continue
    for (let m = p.startMonth, last = lastMonthOf(p, clock); m <= last; m++) {
      if (subject && p.planned) monthSet.add(m)
      if (toCap) counts.set(m, (counts.get(m) ?? 0) + 1)
    }
  }
  const months: MonthAggregate[] = [...monthSet]
    .sort((a, b) => a - b)
    .map((m) => {
      const planned = totals.get(m) ?? 0
      return {
        month: monthKeyOf(m),
        plannedMinutes: planned,
        capMinutes: cap,
        headroomMinutes: headroom,
        remainingMinutes: cap - planned,
        status: planned > cap ? 'breach' : planned > cap - headroom ? 'warning' : 'ok',
        realMinutesInMonth: realMinutesInMonth(Math.floor(m / 12), (m % 12) + 1, r.zone),
        windows: counts.get(m) ?? 0,
      }
    })

  return {
    windows,
    months,
    summary,
    provenance: {
      rulesetId: r.id,
      rulesetVersion: r.version,
      rulesetEffectiveFrom: r.effectiveFrom,
      zone: r.zone,
      calendars: ctx.calendars.versions(),
      tzdbVersion: ctx.tzdbVersion,
      blackoutLayers: ctx.blackouts.map((l) => ({ id: l.id, version: l.version ?? null })),
      now: ctx.now.toISOString(),
    },
  }
}
