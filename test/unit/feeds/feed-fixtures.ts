/**
 * Builders and fixed inputs for the feed tests and the feed benchmark.
 *
 * @example const w = aWindow({ id: 'w1', status: 'proposed' })
 */
import type { FeedBlackout, FeedMeta } from '../../../src/feeds/index.ts'
import type { Impact, MaintenanceWindow, WindowStatus } from '../../../src/domain/window.ts'

/** The fixed generation instant of every test feed. */
export const GENERATED_AT = new Date('2022-04-01T12:00:00Z')

export const META: FeedMeta = {
  name: 'DCC maintenance: all parties',
  description: 'Planned maintenance windows, blackout periods and their status',
  prodId: '-//DCC//Maintenance Window Planner 0.1//EN',
  refreshInterval: 'PT1H',
  generatedAt: GENERATED_AT,
  baseUrl: 'https://mwp.example.org',
}

/** A stored window with sensible defaults; override any field. */
export function aWindow(over: Partial<MaintenanceWindow> = {}): MaintenanceWindow {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    reference: 'DSP-TR-01',
    title: 'Technical refresh',
    description: 'Replace the message broker cluster.',
    justification: null,
    riskToService: null,
    party: 'DSP',
    changeRef: 'CHG-1001',
    programmeId: null,
    kind: 'planned',
    impact: 'outage',
    services: ['service-requests', 'prepayment-top-up'],
    regions: ['N', 'C', 'S'],
    start: new Date('2022-01-16T00:00:00Z'),
    end: new Date('2022-01-16T04:00:00Z'),
    zone: 'Europe/London',
    notifiedAt: new Date('2021-12-01T09:00:00Z'),
    status: 'agreed',
    actualStart: null,
    actualEnd: null,
    createdBy: 'key-1',
    version: 3,
    sequence: 2,
    effectiveAt: new Date('2021-12-02T10:00:00Z'),
    recordedAt: new Date('2021-12-02T10:00:00Z'),
    createdAt: new Date('2021-11-20T08:00:00Z'),
    updatedAt: new Date('2021-12-02T10:00:00Z'),
    ...over,
  }
}

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`

/** The windows of the golden feeds: DST nights, every status, hostile texts. */
export function goldenWindows(): MaintenanceWindow[] {
  return [
    // The October 2021 change: 00:30Z–03:00Z spans 01:00 BST → 01:00 GMT (wall 01:30–03:00).
    aWindow({
      id: uuid(1),
      reference: 'DSP-TR-01',
      start: new Date('2021-10-31T00:30:00Z'),
      end: new Date('2021-10-31T03:00:00Z'),
      status: 'completed',
      sequence: 4,
    }),
    // Starts in the second 01:xx hour (GMT) of the October night.
    aWindow({
      id: uuid(2),
      reference: 'CSP-N-77',
      party: 'CSP-N',
      title: 'SM WAN core patching',
      impact: 'degraded',
      services: ['sm-wan'],
      regions: ['N'],
      start: new Date('2021-10-31T01:15:00Z'),
      end: new Date('2021-10-31T02:45:00Z'),
      status: 'agreed',
      sequence: 3,
      changeRef: null,
      updatedAt: new Date('2021-10-20T16:00:00Z'),
    }),
    // The March 2022 change: 00:30Z–02:30Z spans the gap (wall 00:30 GMT → 03:30 BST).
    aWindow({
      id: uuid(3),
      reference: 'SMKI-22-03',
      party: 'SMKI',
      title: 'Repository certificate rollover',
      impact: 'reduced-redundancy',
      services: ['smki'],
      start: new Date('2022-03-27T00:30:00Z'),
      end: new Date('2022-03-27T02:30:00Z'),
      status: 'notified',
      sequence: 0,
    }),
    aWindow({
      id: uuid(4),
      reference: 'DCO-2022-05',
      party: 'DCO',
      title: 'Hostile text: commas, semicolons; back\\slashes',
      description:
        'Line one, with a comma; and a semicolon.\nLine two \\ backslash\r\nLine three 🔧⚡ emoji 👩‍👩‍👧 and ' +
        `${'Ü'.repeat(3)}${'x'.repeat(197)}` +
        ' end. ' +
        '日本語のテキストも折り返す必要があります。'.repeat(3),
      impact: 'no-impact',
      services: ['self-service-interface'],
      regions: ['C'],
      start: new Date('2022-05-10T18:00:00Z'),
      end: new Date('2022-05-10T20:00:00Z'),
      status: 'proposed',
      sequence: 1,
      changeRef: 'CHG;2022,05\\x',
    }),
    aWindow({
      id: uuid(5),
      reference: 'CSP-S-12',
      party: 'CSP-S',
      title: 'Antenna swap',
      impact: 'outage',
      services: ['sm-wan', 'alerts'],
      regions: ['S'],
      start: new Date('2022-04-20T22:00:00Z'),
      end: new Date('2022-04-21T03:00:00Z'),
      status: 'rejected',
      sequence: 2,
    }),
    aWindow({
      id: uuid(6),
      reference: 'DSP-IP-02',
      title: 'Firmware distribution upgrade',
      impact: 'degraded',
      services: ['firmware-updates'],
      start: new Date('2022-04-01T10:00:00Z'),
      end: new Date('2022-04-01T14:00:00Z'),
      status: 'in-progress',
      sequence: 5,
    }),
    // Cancelled 17 days before GENERATED_AT: still in the feed, as CANCELLED.
    aWindow({
      id: uuid(9),
      reference: 'CSP-C-31',
      party: 'CSP-C',
      title: 'Hub firmware trial',
      impact: 'reduced-redundancy',
      services: ['firmware-updates', 'install-and-commission'],
      regions: ['C'],
      start: new Date('2022-03-15T01:00:00Z'),
      end: new Date('2022-03-15T05:00:00Z'),
      status: 'cancelled',
      sequence: 6,
      updatedAt: new Date('2022-03-10T11:30:00Z'),
    }),
    // Never in a feed.
    aWindow({ id: uuid(7), reference: 'DSP-DRAFT', status: 'draft', start: new Date('2022-06-01T00:00:00Z') }),
    // Cancelled and ended more than 30 days before GENERATED_AT: dropped.
    aWindow({
      id: uuid(8),
      reference: 'DSP-OLD',
      status: 'cancelled',
      start: new Date('2022-02-01T00:00:00Z'),
      end: new Date('2022-02-01T04:00:00Z'),
    }),
  ]
}

export const FINDINGS = new Map<string, string>([
  [uuid(1), '1 warning: notice period 28 days (minimum 30)'],
  [uuid(4), 'Breach: overlaps blackout "Christmas, New Year; freeze"'],
])

export const BLACKOUTS: FeedBlackout[] = [
  {
    id: 'xmas-2021',
    name: 'Christmas, New Year; change freeze',
    category: 'change-freeze',
    start: new Date('2021-12-20T00:00:00Z'),
    end: new Date('2022-01-04T00:00:00Z'),
    description: 'No planned maintenance over the holidays.',
    sequence: 1,
    updatedAt: new Date('2021-09-01T08:00:00Z'),
  },
  {
    id: 'switch-2022-04',
    name: 'Price cap switchover',
    category: 'industry-event',
    start: new Date('2022-03-31T21:00:00Z'),
    end: new Date('2022-04-02T21:00:00Z'),
  },
]

const PARTIES = ['DSP', 'CSP-N', 'CSP-C', 'CSP-S', 'DCO', 'SMKI']
const SERVICES = ['service-requests', 'prepayment-top-up', 'alerts', 'sm-wan', 'firmware-updates', 'smki']
const IMPACTS: Impact[] = ['no-impact', 'reduced-redundancy', 'degraded', 'outage']
const STATUSES: WindowStatus[] = ['proposed', 'notified', 'agreed', 'in-progress', 'completed', 'cancelled', 'rejected']

/** `n` varied, realistic windows (deterministic) for the benchmark and the large parse test. */
export function manyWindows(n: number): MaintenanceWindow[] {
  const out: MaintenanceWindow[] = []
  const base = Date.UTC(2021, 0, 3, 0, 30)
  for (let i = 0; i < n; i++) {
    const start = new Date(base + (i % 2000) * 6 * 3_600_000 + Math.floor(i / 2000) * 17 * 60_000)
    const party = PARTIES[i % PARTIES.length] as string
    out.push(
      aWindow({
        id: uuid(100_000 + i),
        reference: `${party}-${2021 + (i % 3)}-${String(i).padStart(5, '0')}`,
        title: `Planned work ${i}: patching, restarts; failover`,
        description: `Routine maintenance of cluster ${i % 40}. Expect brief interruptions to the listed services.`,
        party,
        impact: IMPACTS[i % IMPACTS.length] as Impact,
        services: [SERVICES[i % SERVICES.length] as string, SERVICES[(i + 2) % SERVICES.length] as string],
        regions: i % 2 ? ['N'] : ['N', 'C', 'S'],
        start,
        end: new Date(start.getTime() + (2 + (i % 5)) * 3_600_000),
        status: STATUSES[i % STATUSES.length] as WindowStatus,
        sequence: i % 7,
        changeRef: i % 3 ? `CHG-${i}` : null,
      }),
    )
  }
  return out
}
