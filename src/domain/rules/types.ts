/**
 * What every rule family sees: the plan's windows prepared once (instants, wall times, local day and
 * month), the ruleset, calendars, blackouts and a `emit` that builds stable findings.
 */
import type { PreparedBlackouts } from '../blackouts.ts'
import type { CalendarSet } from '../calendars.ts'
import type { Evidence, Finding, FindingCode, Provenance, Severity } from '../findings.ts'
import type { Region } from '../reference.ts'
import type { Ruleset } from '../ruleset.ts'
import type { ZoneClock } from '../time.ts'
import type { WindowPlan } from '../window.ts'

export interface PreparedWindow {
  w: WindowPlan
  /** Index in the subjects list, or -1 for a background window. */
  index: number
  /** window id, else reference: the subject part of finding keys. */
  subject: string
  /** Start and end, epoch ms. */
  s: number
  e: number
  /** Wall-clock start and end in the ruleset zone (UTC-encoded ms). */
  sWall: number
  eWall: number
  /** Local day index and month index (year*12 + month-1) of the start. */
  startDay: number
  startMonth: number
  /** Takes part in cap, overlap and spacing. */
  participates: boolean
  /** Planned Maintenance (not emergency). */
  planned: boolean
  /** Scratch slot a rule may use for its own index (set per rule run; -1 when unused). */
  slot: number
}

export interface EmitArgs {
  code: FindingCode
  severity: Severity
  ruleId: string
  provenance: Provenance
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
  /** Subjects (index ≥ 0), rejected and cancelled ones excluded. */
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

const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'))
const DAY = 86_400_000
const dayStrings = new Map<number, string>()

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

/** 'YYYY-MM-DD HH:MM' of a wall time (cached per day; no Date on the hot path). */
export function fmtWall(wall: number): string {
  const d = Math.floor(wall / DAY)
  const m = Math.floor((wall - d * DAY) / 60_000)
  return `${dayString(d)} ${PAD2[Math.floor(m / 60)]}:${PAD2[m % 60]}`
}

/** 'YYYY-MM-DD' of a wall time. */
export function fmtWallDate(wall: number): string {
  return dayString(Math.floor(wall / DAY))
}

/** 'HH:MM' of a wall time. */
export function fmtWallTime(wall: number): string {
  const d = Math.floor(wall / DAY)
  const m = Math.floor((wall - d * DAY) / 60_000)
  return `${PAD2[Math.floor(m / 60)]}:${PAD2[m % 60]}`
}
