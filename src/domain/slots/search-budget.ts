/**
 * How much a search may spend: engine assessments and wall time (read from the caller's clock; the
 * domain never reads the time itself). Once exceeded it stays exceeded and says by what.
 *
 * @example
 * const budget = new SearchBudget({ maxAssessments: 100 })
 * budget.exceeded(100) // true; budget.stoppedBy === 'max-assessments'
 */
import type { SearchLimits, StoppedBy } from './types.ts'

export class SearchBudget {
  stoppedBy: StoppedBy | null = null
  private readonly t0: number
  constructor(private readonly limits: SearchLimits) {
    this.t0 = limits.clock ? limits.clock() : 0
  }
  /** True (from now on) once `assessed` reaches the assessment limit or the time budget is spent. */
  exceeded(assessed: number): boolean {
    if (this.stoppedBy) return true
    if (assessed >= (this.limits.maxAssessments ?? 2000)) this.stoppedBy = 'max-assessments'
    else if (this.limits.clock && this.limits.timeBudgetMs !== undefined && this.limits.clock() - this.t0 > this.limits.timeBudgetMs)
      this.stoppedBy = 'time-budget'
    return this.stoppedBy !== null
  }
}
