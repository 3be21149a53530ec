import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import t from 'tap'
import { buildCalendars, complianceOf, DEFAULT_RULESET, type Finding } from '../../../src/domain/index.ts'
import { buildComplianceReport, type ReportInput, type ReportWindowInput } from '../../../src/reports/compliance-report.ts'
import { renderCsv } from '../../../src/reports/csv.ts'
import { esc, renderHtml } from '../../../src/reports/html.ts'

const HOSTILE = `<script>alert("x")</script> & 'quoted' <img src=http://evil.example/x.png>`
const ID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`

function finding(
  windowId: string,
  reference: string,
  code: Finding['code'],
  severity: Finding['severity'],
  waived = false,
  certainty: Finding['certainty'] = 'confirmed',
): Finding {
  const provenance = certainty === 'confirmed' ? 'recalled' : 'assumed'
  return {
    key: `${windowId}:${code}:rule`,
    code,
    severity,
    certainty,
    windowId,
    reference,
    message: `${reference}: ${code} ${HOSTILE}`,
    evidence: {},
    rule: { id: 'rule', version: '2021.1', provenance, rulesetId: DEFAULT_RULESET.id, basis: [{ parameter: '/x', provenance }] },
    waivable: true,
    ...(waived
      ? {
          waiver: {
            findingKey: `${windowId}:${code}:rule`,
            approvedBy: 'sec-panel',
            decisionRef: `Panel <b>7</b>`,
            decidedAt: new Date('2021-10-12T10:00:00Z'),
            reason: 'ok',
          },
        }
      : {}),
  }
}

function aWindow(
  n: number,
  party: string,
  start: string,
  end: string,
  findings: Finding[],
  impactRating: 'red' | 'amber' | 'green',
): ReportWindowInput {
  const id = ID(n)
  return {
    window: {
      id,
      version: 1,
      reference: `W-${n}`,
      title: n === 1 ? HOSTILE : `Window ${n}`,
      description: '',
      justification: null,
      riskToService: null,
      party,
      changeRef: null,
      programmeId: null,
      kind: 'planned',
      impact: 'outage',
      services: ['service-requests'],
      regions: ['N'],
      start: new Date(start),
      end: new Date(end),
      zone: 'Europe/London',
      notifiedAt: new Date('2021-10-05T17:00:00Z'),
      status: 'notified',
    },
    findings: findings.map((f) => ({ ...f, windowId: id, key: f.key.replace(/^[^:]+/, id) })),
    worstSeverity: findings[0]?.severity ?? null,
    compliance: complianceOf(findings),
    realMinutes: (Date.parse(end) - Date.parse(start)) / 60_000,
    ruleset: { id: DEFAULT_RULESET.id, version: DEFAULT_RULESET.version },
    impact: { rating: { rating: impactRating, reasons: [] } } as unknown as ReportWindowInput['impact'],
  }
}

function input(): ReportInput {
  const windows = [
    aWindow(
      1,
      'DSP',
      '2021-11-14T00:00:00Z',
      '2021-11-14T06:00:00Z',
      [finding('x', 'W-1', 'NOTICE_PERIOD', 'breach'), finding('x', 'W-1', 'WINTER', 'objection')],
      'red',
    ),
    aWindow(2, 'DSP', '2021-11-28T00:00:00Z', '2021-11-28T06:00:00Z', [finding('x', 'W-2', 'NOTICE_PERIOD', 'breach', true)], 'amber'),
    aWindow(3, 'CSP-N', '2022-03-27T00:00:00Z', '2022-03-27T03:00:00Z', [], 'green'),
    aWindow(
      4,
      'CSP-N',
      '2021-12-27T01:00:00Z',
      '2021-12-27T02:00:00Z',
      [finding('x', 'W-4', 'MONTHLY_CAP', 'breach', false, 'unconfirmed'), finding('x', 'W-4', 'BANK_HOLIDAY', 'warning')],
      'green',
    ),
  ]
  return {
    from: new Date('2021-11-01T00:00:00Z'),
    to: new Date('2022-05-01T00:00:00+01:00'),
    party: null,
    programme: null,
    asOf: new Date('2021-10-05T17:00:00Z'),
    generatedAt: new Date('2021-10-06T09:00:00Z'),
    zone: 'Europe/London',
    windows,
    waivers: [],
    remediated: [],
    gbMonths: [],
    parties: ['CSP-N', 'DSP'],
    rulesets: [DEFAULT_RULESET],
    calendars: buildCalendars(),
    publications: [{ month: '2021-11', publishedAt: new Date('2021-10-05T17:00:00Z'), parties: ['DSP'] }],
    engineProvenance: [],
    referenceData: { estate: 'estate-v1' },
    tzdbVersion: '2025b',
    notes: [HOSTILE],
  }
}

const report = buildComplianceReport(input())
const html = renderHtml(report).text()
const count = (re: RegExp) => (html.match(re) ?? []).length

t.test('self-contained: nothing fetched from another host', async (t) => {
  t.match(html, /^<!doctype html>\n<html lang="en-GB">/)
  t.notMatch(html, /<script/i, 'no scripts (hostile text is escaped)')
  t.notMatch(html, /<link\b/i, 'no external stylesheets')
  // Inside real tags only (escaped text such as &lt;img src=…&gt; is not markup).
  t.notMatch(html, /<[^<>]*\s(src|href|xlink:href)\s*=\s*["']?(https?:)?\/\//i, 'no src/href to another host')
  t.notMatch(html, /<[^<>]*\ssrc\s*=/i, 'nothing loaded at all')
  t.notMatch(html, /url\(\s*["']?(https?:)?\/\//i, 'no CSS url() to another host')
  t.notMatch(html, /@import|@font-face/i, 'no imported CSS or web fonts')
  t.match(html, /@page\{size:A4 landscape/, 'prints on A4 landscape')
  t.match(html, /@media print/)
})

t.test('escapes every text', async (t) => {
  t.equal(esc(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;')
  t.notOk(html.includes(HOSTILE), 'the raw hostile text never appears')
  t.notMatch(html, /<img/i)
  t.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &#39;quoted&#39;/)
  t.match(html, /Panel &lt;b&gt;7&lt;\/b&gt;/, 'waiver references too')
})

t.test('timeline: one bar per window, shaded periods, breach markers, text alternatives, legend', async (t) => {
  t.equal(count(/<rect class="bar /g), 4, 'one bar per window')
  // Coloured by compliance: W-1 an open confirmed breach (red); W-4 only a breach on an assumed
  // limit (amber); W-2 its breach waived, W-3 nothing (green). Impact ratings do not colour the bars.
  t.equal(count(/<rect class="bar rag-red[^>]*data-compliance="red"/g), 1)
  t.equal(count(/<rect class="bar rag-amber[^>]*data-compliance="amber"/g), 1)
  t.equal(count(/<rect class="bar rag-green[^>]*data-compliance="green"/g), 2)
  t.equal(count(/class="breach-marker"/g), 1, 'open confirmed breach: solid marker')
  t.equal(count(/class="breach-marker unconfirmed"/g), 1, 'open breach on an assumed limit: hollow marker')
  t.equal(count(/class="breach-marker waived"/g), 1, 'waived breach marked differently')
  t.equal(count(/<rect class="shade shade-winter"/g), 1, 'winter 1 Nov – 31 Mar within the period')
  t.equal(count(/<rect class="shade shade-top-up-peak"/g), 2, 'November and Christmas/New Year')
  const holidays = report.shading.filter((s) => s.kind === 'bank-holiday').map((s) => s.start.slice(0, 10))
  t.ok(holidays.includes('2021-12-27'), 'Christmas substitute day shaded')
  t.ok(holidays.includes('2021-11-30'), 'St Andrew’s Day (GB calendar) shaded')
  t.equal(count(/<rect class="shade shade-bank-holiday"/g), holidays.length)
  t.match(html, /<svg [^>]*role="img" aria-labelledby="tl-title tl-desc"/)
  t.match(html, /<title id="tl-title">Timeline of maintenance windows, November 2021 to April 2022<\/title>/)
  t.equal(report.title, 'Planned Maintenance compliance report, November 2021 to April 2022', 'the inclusive last month, in words')
  t.match(html, /<desc id="tl-desc">[^<]*4 window\(s\) in 2 lane\(s\) \(CSP-N, DSP\)/)
  t.match(html, /<ul class="legend"/)
  t.equal(count(/<text class="month"/g), 6, 'Nov–Apr on the axis')
  t.equal(count(/<text class="lane-label"/g), 2)
})

/** The month labels of a timeline: text, centre and the width the renderer allows them (6.5 px a character). */
function monthLabels(page: string): { text: string; lo: number; hi: number }[] {
  return [...page.matchAll(/<text class="month" x="([\d.]+)"[^>]*>([^<]*)<\/text>/g)].map((m) => {
    const w = m[2]!.length * 6.5
    return { text: m[2]!, lo: Number(m[1]) - w / 2, hi: Number(m[1]) + w / 2 }
  })
}

t.test('month labels are whole, inside the axis and apart; the title names the inclusive last month', async (t) => {
  const axis = { lo: 90, hi: 1190 } // left and left + width of the timeline
  // Ends at midnight UTC: 01:00 BST, so the period holds the first hour of August 2022.
  const utc = buildComplianceReport({ ...input(), from: new Date('2021-10-01T00:00:00Z'), to: new Date('2022-08-01T00:00:00Z') })
  t.equal(
    utc.title,
    'Planned Maintenance compliance report, October 2021 to August 2022 (2021-10-01 01:00 BST to 2022-08-01 01:00 BST, end exclusive)',
    'a month touched in part is named, with the exact ends',
  )
  const local = buildComplianceReport({
    ...input(),
    from: new Date('2021-10-01T00:00:00+01:00'),
    to: new Date('2022-08-01T00:00:00+01:00'),
  })
  t.equal(local.title, 'Planned Maintenance compliance report, October 2021 to July 2022', 'whole local months: just the months')
  const long = buildComplianceReport({ ...input(), from: new Date('2021-01-01T00:00:00Z'), to: new Date('2025-12-01T00:00:00Z') })
  for (const [name, r, first, last] of [
    ['to midnight UTC', utc, 'Oct 2021', 'Jul 2022'],
    ['whole months', local, 'Oct 2021', 'Jul 2022'],
    ['five years', long, 'Jan 2021', undefined],
  ] as const) {
    const labels = monthLabels(renderHtml(r).text())
    t.ok(labels.length >= 10, `${name}: ${labels.length} labels`)
    t.equal(labels[0]!.text, first, `${name}: first label`)
    if (last) t.equal(labels.at(-1)!.text, last, `${name}: last label whole, the one-hour sliver of August unlabelled`)
    for (const l of labels)
      t.ok(/^[A-Z][a-z]{2} \d{4}$/.test(l.text) && l.lo >= axis.lo && l.hi <= axis.hi, `${name}: ${l.text} whole and inside`)
    t.ok(
      labels.every((l, i) => i === 0 || l.lo >= labels[i - 1]!.hi),
      `${name}: no label overlaps the one before`,
    )
  }
})

t.test('tables with headers; local times with GMT/BST', async (t) => {
  t.equal(count(/<tr data-window=/g), 4, 'one row per window')
  const register = html.slice(html.indexOf('<table id="register"'), html.indexOf('</table>', html.indexOf('<table id="register"')))
  t.equal((register.match(/<tr><th scope="row">/g) ?? []).length, 4, 'three breaches and one objection in the register')
  t.match(register, /st-waived/)
  t.equal((register.match(/breach \(limit assumed\)/g) ?? []).length, 1, 'the unconfirmed breach says so')
  const summaryTable = html.slice(html.indexOf('<table id="summary"'), html.indexOf('</table>', html.indexOf('<table id="summary"')))
  t.match(summaryTable, /Breaches \(confirmed\)<\/th><td class="num">1<\/td><td class="num">1<\/td>/, 'W-1 open, W-2 waived')
  t.match(summaryTable, /Breaches on an assumed limit \(unconfirmed\)<\/th><td class="num">1<\/td>/, 'W-4 apart')
  t.match(html, /<th scope="col">Party<\/th>/)
  t.match(html, /2021-11-14 00:00 GMT/)
  t.match(html, /2022-03-27 00:00 GMT<br>2022-03-27 04:00 BST/, 'across the spring change: GMT then BST')
  t.match(html, /As of <strong>2021-10-05 18:00 BST<\/strong>/)
})

t.test('CSV: RFC 4180 quoting, CRLF, BOM, formula guard', async (t) => {
  const csv = renderCsv(report).text()
  t.ok(csv.startsWith('\uFEFFwindow_id,'))
  t.ok(csv.endsWith('\r\n'))
  t.notOk(/[^\r]\n/.test(csv))
  t.match(
    csv,
    /"<script>alert\(""x""\)<\/script> & 'quoted' <img src=http:\/\/evil.example\/x.png>"/,
    'quotes doubled inside a quoted field',
  )
  t.equal(csv.split('\r\n').length - 2, 2 + 1 + 1 + 2, 'one row per finding, one for a window without findings')
  const header = csv.split('\r\n')[0]!.replace('\uFEFF', '').split(',')
  const rows = csv
    .split('\r\n')
    .slice(1, -1)
    .map((l) => l.split(','))
  const col = (name: string) => header.indexOf(name)
  t.same(
    rows.filter((r) => r[col('code')] === 'MONTHLY_CAP').map((r) => [r[col('certainty')], r[col('compliance')]]),
    [['unconfirmed', 'amber']],
    'certainty per finding, compliance per window',
  )
  const guarded = renderCsv({ ...report, windows: [{ ...report.windows[2]!, title: '=HYPERLINK("x")' }] }).text()
  t.match(guarded, /,"'=HYPERLINK\(""x""\)",/, 'a formula is neutralised')
})

t.test('writes the page for a look (test/artifacts)', async (t) => {
  const dir = new URL('../../artifacts/', import.meta.url)
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true })
  writeFileSync(new URL('report-unit.html', dir), html)
  t.pass('test/artifacts/report-unit.html')
})
