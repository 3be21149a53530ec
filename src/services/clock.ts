/** The service's sense of time, injected so that tests can fix it. @example clock.now() */
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }
