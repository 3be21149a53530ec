/**
 * The rule families the engine runs, in a fixed order. Findings do not depend on this order (each
 * window's findings are sorted), but keeping it fixed keeps messages reproducible.
 */
import { blackoutRule } from './blackout-rule.ts'
import { clockChangeRule } from './clock-change-rule.ts'
import { durationRule } from './duration-rule.ts'
import { monthlyCapRule } from './monthly-cap-rule.ts'
import { noticeRule } from './notice-rule.ts'
import { overlapRule } from './overlap-rule.ts'
import { permittedHoursRule } from './permitted-hours-rule.ts'
import { scheduleContentRule } from './schedule-content-rule.ts'
import { spacingRule } from './spacing-rule.ts'
import type { RuleFamily } from './types.ts'

export const RULE_FAMILIES: readonly RuleFamily[] = [
  noticeRule,
  scheduleContentRule,
  permittedHoursRule,
  clockChangeRule,
  durationRule,
  monthlyCapRule,
  blackoutRule,
  overlapRule,
  spacingRule,
]

export type { RuleFamily } from './types.ts'
