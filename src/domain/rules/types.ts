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

/** 'YYYY-MM-DD HH:MM' of a wall time. */
export function fmtWall(wall: number): string {
  return new Date(wall).toISOString().slice(0, 16).replace('T', ' ')
}

/** 'YYYY-MM-DD' of a wall time. */
export function fmtWallDate(wall: number): string {
  return new Date(wall).toISOString().slice(0, 10)
}
