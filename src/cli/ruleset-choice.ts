import { existsSync, readFileSync } from 'node:fs'
import type { Ruleset } from '../domain/ruleset.ts'
import { RulesetChoiceError, rulesetByName, rulesetFromJson } from '../services/offline-assessment.ts'

/**
 * `--ruleset FILE|NAME` of the offline commands (check, slots): a ruleset JSON file when one is
 * there by that name (checked with the domain's validator), else a built-in ruleset's name
 * (`default`, or `id@version`). Throws RulesetChoiceError, or the file's read error.
 *
 * @example rulesetChoice('default').version // '2021.1.1'
 */
export function rulesetChoice(choice: string): Ruleset {
  return existsSync(choice) ? rulesetFromJson(readFileSync(choice, 'utf8'), choice) : rulesetByName(choice)
}

/** The message for a ruleset that could not be used, problems listed one a line. */
export function rulesetProblem(command: string, choice: string | undefined, err: unknown): string {
  if (err instanceof RulesetChoiceError)
    return `mwp ${command}: --ruleset: ${err.message}\n${err.problems.map((p) => `  ${p.pointer || '/'}: ${p.message}\n`).join('')}`
  return `mwp ${command}: --ruleset ${choice}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`
}
