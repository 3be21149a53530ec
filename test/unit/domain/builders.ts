/** Test builders for the domain engine (not a test file: tap includes only *.test.ts). */
import type { AssessContext } from '../../../src/domain/assess.ts'
import { defaultBlackoutLayers } from '../../../src/domain/blackouts.ts'
import { buildCalendars, type CalendarOverride } from '../../../src/domain/calendars.ts'
import { DEFAULT_REGIONS } from '../../../src/domain/reference.ts'
import { DEFAULT_RULESET, type Ruleset } from '../../../src/domain/ruleset.ts'
import { wallToInstant } from '../../../src/domain/time.ts'
import type { WindowPlan } from '../../../src/domain/window.ts'

export const ZONE = 'Europe/London'

/** A window 'YYYY-MM-DD' local from..to (HH:MM; end ≤ start means next day). */
export function aWindow(date: string, from = '00:00', to = '06:00', over: Partial<WindowPlan> = {}): WindowPlan {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const [fh, fm] = from.split(':').map(Number) as [number, number]
  const [th, tm] = to.split(':').map(Number) as [number, number]
  const start = wallToInstant(y, m, d, fh, fm, ZONE)
  const nextDay = th * 60 + tm <= fh * 60 + fm
  const endDate = new Date(Date.UTC(y, m - 1, d + (nextDay ? 1 : 0)))
  const end = wallToInstant(endDate.getUTCFullYear(), endDate.getUTCMonth() + 1, endDate.getUTCDate(), th, tm, ZONE)
  return {
    id: `w-${date}-${from}`,
    reference: `MW-${date}-${from.replace(':', '')}`,
    title: 'DSP Technical Refresh',
    description: 'Full DSP service outage for the technical refresh',
    justification: 'Hardware end of life',
    riskToService: 'Low: rollback plan tested',
    party: 'DSP',
    // A Change Request named, so that the change-reference check stays out of tests about other rules.
    changeRef: 'CRQ000000000001',
    programmeId: null,
    kind: 'planned',
    impact: 'outage',
    services: ['service-requests', 'prepayment-top-up'],
    regions: ['N', 'C', 'S'],
    start,
    end,
    zone: ZONE,
    notifiedAt: new Date('2021-01-04T10:00:00Z'),
    status: 'notified',
    ...over,
  }
}

export function ctxFor(over: Partial<AssessContext> & { overrides?: CalendarOverride[]; rs?: Ruleset } = {}): AssessContext {
  const ruleset = over.rs ?? over.ruleset ?? DEFAULT_RULESET
  const { overrides, rs, ...rest } = over
  void rs
  return {
    now: new Date('2021-10-05T17:00:00Z'),
    ruleset,
    calendars: buildCalendars({ overrides: overrides ?? [] }),
    blackouts: defaultBlackoutLayers(ruleset),
    regions: DEFAULT_REGIONS,
    tzdbVersion: 'test-tz',
    ...rest,
  }
}

export const OPSG58_DATES = [
  '2021-11-14',
  '2021-11-28',
  '2021-12-05',
  '2021-12-12',
  '2022-01-16',
  '2022-01-30',
  '2022-02-13',
  '2022-02-27',
  '2022-03-13',
  '2022-04-10',
  '2022-05-15',
  '2022-06-12',
  '2022-07-10',
  '2022-07-24',
]

/** The 14 DSP Technical Refresh windows of OPSG 58, published 2021-10-05 18:00 BST. */
export function opsg58Plan(): WindowPlan[] {
  return OPSG58_DATES.map((d, i) =>
    aWindow(d, '00:00', '06:00', {
      id: `dsp-tr-${String(i + 1).padStart(2, '0')}`,
      reference: `DSP-TR-${String(i + 1).padStart(2, '0')}`,
      notifiedAt: new Date('2021-10-05T17:00:00Z'),
    }),
  )
}
