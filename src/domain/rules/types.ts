/**
 * What every rule family sees: the plan's windows prepared once (instants, wall times, local day and
 * month), the ruleset, calendars, blackouts and a `emit` that builds stable findings.
 */
import type { PreparedBlackouts } from '../blackouts.ts'
import type { CalendarSet } from '../calendars.ts'
import type { BasisParam, Evidence, Finding, FindingCode, Severity } from '../findings.ts'
import type { Region } from '../reference.ts'
import type { Ruleset } from '../ruleset.ts'
import { monthKeyOf, type ZoneClock } from '../time.ts'
import type { Impact, WindowPlan } from '../window.ts'

/** A window that takes part in the assessment (a counted subject or background window). */
export interface PreparedWindow {
  w: WindowPlan
  /** Index in the subjects list, or -1 for a background window. */
  index: number
  /** window id, else reference: the subject part of finding keys. */
  subject: string
  /** Plan fields the rules read, copied from `w`: a pass over the windows then reads one object per window. */
  reference: string
  id: string | undefined
  party: string
  impact: Impact
  regions: readonly string[]
  services: readonly string[]
  /** Start and end, epoch ms. */
  s: number
  e: number
  /** Wall-clock start and end in the ruleset zone (UTC-encoded ms). */
  sWall: number
  eWall: number
  /** Local day index and month index (year*12 + month-1) of the start. */
  startDay: number
  startMonth: number
  /** Planned Maintenance (not emergency). */
  planned: boolean
  /** Lazily cached 'YYYY-MM-DD HH:MM' of sWall and eWall, 'HH:MM' of eWall (see startText/endText). */
  sText: string | null
  eText: string | null
  /** Lazily cached 'YYYY-MM-DD HH:MM–HH:MM' of the window (see spanText). */
  spanText: string | null
}

export interface EmitArgs {
  code: FindingCode
  severity: Severity
  ruleId: string
  /**
   * The parameters this finding turns on (the limit it compares against), made once per rule run
   * with basisOf: they give the finding its label (the weakest) and its certainty.
   */
  basis: readonly BasisParam[]
  /** Layer id, month, … (part of the key). */
  qualifier?: string
  message: string
  evidence: Evidence
  /** Rule version (defaults to the ruleset version). */
  version?: string
}

export interface RuleContext {
  now: number
  ruleset: Ruleset
  calendars: CalendarSet
  regions: readonly Region[]
  clock: ZoneClock
  blackouts: PreparedBlackouts
  /** Subjects (index ≥ 0), rejected and cancelled ones excluded, in participants order. */
  subjects: readonly PreparedWindow[]
  /** Subjects and background windows that take part in cross-window rules, sorted by (s, e, reference, id). */
  participants: readonly PreparedWindow[]
  emit(p: PreparedWindow, args: EmitArgs): Finding
  /** Scratch space shared by rules and assess within one assessment (e.g. month totals). */
  cache: Map<string, unknown>
}

/** A rule family: looks at the prepared plan and emits findings for subjects. */
export interface RuleFamily {
  id: string
  codes: readonly FindingCode[]
  run(ctx: RuleContext): void
}

/**
 * `f` with its answers kept per argument: for message parts that repeat across findings.
 * @example const entryOf = memoize((q: PreparedWindow) => `${q.reference} (${q.party}, `)
 */
export function memoize<K, V>(f: (k: K) => V): (k: K) => V {
  const seen = new Map<K, V>()
  return (k) => {
    let v = seen.get(k)
    if (v === undefined) seen.set(k, (v = f(k)))
    return v
  }
}

const DAY = 86_400_000
const MIN = 60_000
const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'))
/** 'HH:MM' of every minute of the day (1440 entries). */
const HHMM: readonly string[] = Array.from({ length: 1440 }, (_, i) => `${PAD2[Math.floor(i / 60)]}:${PAD2[i % 60]}`)
const dayStrings = new Map<number, string>()
const minuteStrings = new Map<number, string>()
const isoStrings = new Map<number, string>()

/** Cached ISO date of a local day index. */
export function dayString(idx: number): string {
  let v = dayStrings.get(idx)
  if (v === undefined) {
    v = new Date(idx * DAY).toISOString().slice(0, 10)
    if (dayStrings.size > 50_000) dayStrings.clear()
    dayStrings.set(idx, v)
  }
  return v
}

/** 'YYYY-MM-DD HH:MM' of a wall time (cached per wall minute; no Date on the hot path). */
export function fmtWall(wall: number): string {
  const mi = Math.floor(wall / MIN)
  let v = minuteStrings.get(mi)
  if (v === undefined) {
    const d = Math.floor(mi / 1440)
    v = `${dayString(d)} ${HHMM[mi - d * 1440]}`
    if (minuteStrings.size > 200_000) minuteStrings.clear()
    minuteStrings.set(mi, v)
  }
  return v
}

/** 'YYYY-MM-DD' of a wall time. */
export function fmtWallDate(wall: number): string {
  return dayString(Math.floor(wall / DAY))
}

/** 'HH:MM' of a wall time. */
export function fmtWallTime(wall: number): string {
  const mi = Math.floor(wall / MIN)
  return HHMM[mi - Math.floor(mi / 1440) * 1440]!
}

/** `new Date(ms).toISOString()`, cached per instant (evidence repeats the same few instants). */
export function isoString(ms: number): string {
  let v = isoStrings.get(ms)
  if (v === undefined) {
    v = new Date(ms).toISOString()
    if (isoStrings.size > 200_000) isoStrings.clear()
    isoStrings.set(ms, v)
  }
  return v
}

const monthKeys = new Map<number, string>()

/** Cached monthKeyOf ('YYYY-MM') of a month index. */
export function monthKey(mi: number): string {
  let v = monthKeys.get(mi)
  if (v === undefined) {
    v = monthKeyOf(mi)
    if (monthKeys.size > 50_000) monthKeys.clear()
    monthKeys.set(mi, v)
  }
  return v
}

/** fmtWall(p.sWall), cached on the window. */
export function startText(p: PreparedWindow): string {
  return p.sText ?? (p.sText = fmtWall(p.sWall))
}

/** fmtWall(p.eWall), cached on the window. */
export function endText(p: PreparedWindow): string {
  return p.eText ?? (p.eText = fmtWall(p.eWall))
}

/**
 * 'YYYY-MM-DD HH:MM–HH:MM' (local start, local end time), cached on the window: the hours, blackout,
 * clock-change and overlap messages quote it, so a window's findings share one copy.
 */
export function spanText(p: PreparedWindow): string {
  return p.spanText ?? (p.spanText = `${startText(p)}–${fmtWallTime(p.eWall)}`)
}
