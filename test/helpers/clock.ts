import type { Clock } from '../../src/services/clock.ts'

/** A clock that stands still until moved. @example const clock = fixedClock('2021-10-05T17:00:00Z') */
export function fixedClock(at: string | Date): Clock & { set(at: string | Date): void; advance(ms: number): void } {
  let t = new Date(at)
  return {
    now: () => new Date(t),
    set: (v) => void (t = new Date(v)),
    advance: (ms) => void (t = new Date(t.getTime() + ms)),
  }
}
