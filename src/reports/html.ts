/**
 * The compliance report as one self-contained HTML page: no external scripts, fonts, images or
 * styles; inline CSS that prints on A4 landscape; an inline SVG timeline (months along the axis, one
 * lane per party, windows as bars coloured by RAG, winter / top-up peaks / bank holidays shaded,
 * breaches marked) with <title>/<desc> text alternatives and a legend; then semantic tables with
 * headers. Local times carry GMT/BST. Every text from data is escaped.
 *
 * Hooks for tests and tools: bars are `rect.bar`, shaded periods `rect.shade`, breach markers
 * `.breach-marker`, and each table has an id (`windows`, `register`, `months`, …).
 *
 * @example renderHtml(report).text().startsWith('<!doctype html>') // true
 */
import { DateTime } from 'luxon'
import { SEVERITIES } from '../domain/findings.ts'
import { localLabel, periodInWords } from './report-format.ts'
import type { ComplianceReport, RegisterCounts, ReportWindowRow, ShadedPeriod } from './report-schema.ts'
import { TextChunks } from './text-chunks.ts'

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Escapes text for HTML element content and quoted attribute values. */
export function esc(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v)
  return /[&<>"']/.test(s) ? s.replace(/[&<>"']/g, (c) => ESCAPES[c]!) : s
}

/** The report's one stylesheet (inline): the board allows exactly this text by its hash (board-routes.ts). */
export const REPORT_CSS = `
:root{--red:#b3261e;--amber:#b86e00;--green:#2e7d32;--grey:#6b6b6b;--ink:#1b1b1b;--rule:#c8c8c8;--winter:#d9e8fb;--peak:#fde7c8;--holiday:#e4d7f5}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--ink);margin:1.5rem;max-width:1400px}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:1.6rem 0 .5rem;border-bottom:2px solid var(--ink);padding-bottom:.15rem}
.meta{color:#444;margin:.2rem 0}.statement{background:#f4f4f4;border-left:4px solid var(--ink);padding:.4rem .7rem;margin:.6rem 0}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem;font-size:12.5px}
caption{text-align:left;font-weight:600;padding:.2rem 0}
th,td{border:1px solid var(--rule);padding:.25rem .4rem;text-align:left;vertical-align:top}
thead th{background:#ececec}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.rag{display:inline-block;min-width:3.8em;padding:0 .3em;border-radius:3px;color:#fff;font-weight:600;text-align:center}
.rag-red{background:var(--red)}.rag-amber{background:var(--amber)}.rag-green{background:var(--green)}.rag-unrated{background:var(--grey)}
.st-open{color:var(--red);font-weight:600}.st-waived{color:var(--amber);font-weight:600}.st-remediated{color:var(--green);font-weight:600}
.over{color:var(--red);font-weight:600}
figure{margin:0}#timeline>svg{width:100%;height:auto;border:1px solid var(--rule);background:#fff}.legend svg{width:14px;height:10px}
svg text{font:11px system-ui,Arial,sans-serif;fill:var(--ink)}
svg .bar.rag-red{fill:var(--red)}svg .bar.rag-amber{fill:var(--amber)}svg .bar.rag-green{fill:var(--green)}svg .bar.rag-unrated{fill:var(--grey)}
svg .bar.inactive{fill-opacity:.35}
svg .shade-winter{fill:var(--winter)}svg .shade-top-up-peak{fill:var(--peak)}svg .shade-bank-holiday{fill:var(--holiday)}
svg .breach-marker{fill:#000}svg .breach-marker.unconfirmed{fill:#fff;stroke:#000;stroke-width:1.2}svg .breach-marker.waived{fill:#9e9e9e}
.st-resolved-before-notice{color:var(--grey)}.unconfirmed{font-style:italic}
svg .grid{stroke:var(--rule);stroke-width:1}svg .lane{stroke:#e6e6e6}
.legend{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;list-style:none;padding:0;margin:.4rem 0}
.legend li{display:flex;align-items:center;gap:.35rem}.sw{display:inline-block;width:1.4em;height:.9em;border:1px solid #999}
.sw-winter{background:var(--winter)}.sw-top-up-peak{background:var(--peak)}.sw-bank-holiday{background:var(--holiday)}
.sw-red{background:var(--red)}.sw-amber{background:var(--amber)}.sw-green{background:var(--green)}.sw-unrated{background:var(--grey)}
ul.findings{margin:0;padding-left:1.1em}
.small{font-size:11.5px;color:#444}
@page{size:A4 landscape;margin:10mm}
@media print{body{margin:0;max-width:none;font-size:10.5px}h2{break-after:avoid}table{font-size:9.5px}tr,figure{break-inside:avoid}thead{display:table-header-group}.noprint{display:none}a{color:inherit;text-decoration:none}}
`

/** en-GB number, at most two decimals: 16300000 → '16,300,000' (toLocaleString is ~50× slower). */
function fmt(n: number): string {
  const r = Math.round(n * 100) / 100
  if (Number.isInteger(r) && r > -1000 && r < 1000) return String(r) // no separator, no decimals
  const [int = '0', dec] = String(Math.abs(r)).split('.')
  let out = ''
  for (let i = int.length; i > 0; i -= 3) out = int.slice(Math.max(0, i - 3), i) + (out ? `,${out}` : '')
  return `${r < 0 ? '-' : ''}${out}${dec ? `.${dec}` : ''}`
}

/** The report as one self-contained HTML page, in UTF-8 chunks (`.bytes()`) or as one string (`.text()`). */
export function renderHtml(report: ComplianceReport): TextChunks {
  const zone = report.period.zone
  const out = new TextChunks('\n')
  const localOf = (isoText: string) => localLabel(new Date(isoText), zone)
  out.push(
    '<!doctype html>',
    '<html lang="en-GB">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(report.title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${esc(report.title)}</h1>`,
    `<p class="meta">Period: ${esc(localOf(report.period.from))} to ${esc(localOf(report.period.to))} (${esc(zone)})${report.filters.party ? ` · party ${esc(report.filters.party)}` : ''}${report.filters.programme ? ` · programme ${esc(report.filters.programme)}` : ''}</p>`,
    `<p class="meta">${report.asOf ? `As of <strong>${esc(localOf(report.asOf))}</strong> (${esc(report.asOf)})` : 'Current state'} · generated ${esc(localOf(report.generatedAt))} (${esc(report.generatedAt)})</p>`,
    `<p class="statement">${esc(report.provenance.timeBasis)}</p>`,
    '</header>',
    '<main>',
  )
  timeline(report, out)
  summary(report, out)
  monthsTable(report, out)
  windowsTable(report, out)
  registerTable(report, out)
  publicationsTable(report, out)
  provenance(report, out)
  out.push('</main>', '</body>', '</html>', '')
  return out
}

/** Width allowed per character of a month label ('Aug 2022'): generous for 11px system-ui. */
const MONTH_LABEL_CHAR_PX = 6.5

/** The timeline's legend, closing its figure and section. */
const TIMELINE_LEGEND = [
  '<figcaption><ul class="legend" aria-label="Legend">',
  '<li><span class="sw sw-red"></span>Red: an open confirmed breach</li>',
  '<li><span class="sw sw-amber"></span>Amber: an open objection, or an open breach on an assumed limit</li>',
  '<li><span class="sw sw-green"></span>Green: nothing open above warning</li>',
  '<li><span class="sw sw-unrated"></span>Not assessed</li>',
  '<li><svg width="14" height="10" viewBox="0 0 14 10" aria-hidden="true"><path d="M2 1L12 1L7 9Z" fill="#000"/></svg>Open breach</li>',
  '<li><svg width="14" height="10" viewBox="0 0 14 10" aria-hidden="true"><path d="M2 1L12 1L7 9Z" fill="#fff" stroke="#000"/></svg>Open breach on an assumed limit (unconfirmed)</li>',
  '<li><svg width="14" height="10" viewBox="0 0 14 10" aria-hidden="true"><path d="M2 1L12 1L7 9Z" fill="#9e9e9e"/></svg>Waived breach</li>',
  '<li><span class="sw sw-winter"></span>Winter</li>',
  '<li><span class="sw sw-top-up-peak"></span>Top-up peak</li>',
  '<li><span class="sw sw-bank-holiday"></span>Bank holiday</li>',
  '</ul></figcaption></figure>',
  '</section>',
]

function timeline(r: ComplianceReport, out: TextChunks): void {
  const from = Date.parse(r.period.from)
  const to = Date.parse(r.period.to)
  const zone = r.period.zone
  const lanes = r.months.length ? [...new Set(r.months.map((m) => m.party))] : [...new Set(r.windows.map((w) => w.party))]
  for (const w of r.windows) if (!lanes.includes(w.party)) lanes.push(w.party)
  const left = 90
  const width = 1100
  const top = 34
  const laneH = 30
  const height = top + Math.max(1, lanes.length) * laneH + 8
  const span = Math.max(1, to - from)
  const x = (t: number) => left + ((Math.min(Math.max(t, from), to) - from) / span) * width
  const px = (n: number) => (Math.round(n * 10) / 10).toString()
  const parts = out
  parts.push(sectionStart('timeline', 'Timeline'))
  const bars = r.windows.length
  const byCompliance = r.summary.windowsByCompliance
  const breaches = r.windows.filter((w) => w.findings.some((f) => f.severity === 'breach')).length
  const desc =
    `Timeline from ${localLabel(new Date(from), zone)} to ${localLabel(new Date(to), zone)}: ${bars} window(s) in ${lanes.length} lane(s) (${lanes.join(', ') || 'none'}), ` +
    `coloured by compliance (${byCompliance.red} red, ${byCompliance.amber} amber, ${byCompliance.green} green, ${byCompliance.unrated} unrated); ` +
    `${breaches} window(s) with a breach are marked with a triangle (solid: a confirmed open breach; hollow: open breaches on an assumed limit only; grey: waived); ${r.shading.length} shaded period(s): winter, top-up peaks and bank holidays. The same facts are in the tables below.`
  parts.push(
    `<figure id="timeline"><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="tl-title tl-desc" viewBox="0 0 ${left + width + 10} ${height}" preserveAspectRatio="xMinYMin meet">`,
    `<title id="tl-title">${esc(`Timeline of maintenance windows, ${periodInWords(new Date(from), new Date(to), zone)}`)}</title>`,
    `<desc id="tl-desc">${esc(desc)}</desc>`,
  )
  // Winter underneath, top-up peaks over it, bank holidays on top.
  for (const kind of ['winter', 'top-up-peak', 'bank-holiday'] as const)
    for (const s of r.shading) if (s.kind === kind) parts.push(shade(s, x, top, height - top - 4, px, zone))
  // Month grid and labels. Each label is whole and inside the axis: centred on the part of its month
  // in the period, moved in from an edge; left out when that part is a sliver at an end (less than half
  // the month and narrower than half the label) or when it would overlap the label before (months
  // narrower than their names, on a long period).
  let lastRight = Number.NEGATIVE_INFINITY
  r.period.months.forEach((m, i, months) => {
    const start = DateTime.fromFormat(m, 'yyyy-MM', { zone })
    const mx = x(start.toMillis())
    const nx = x(start.plus({ months: 1 }).toMillis())
    parts.push(`<line class="grid" x1="${px(mx)}" y1="${top - 16}" x2="${px(mx)}" y2="${height - 4}"/>`)
    const label = start.toFormat('LLL yyyy')
    const w = label.length * MONTH_LABEL_CHAR_PX
    const whole = ((start.plus({ months: 1 }).toMillis() - start.toMillis()) / span) * width
    if ((i === 0 || i === months.length - 1) && nx - mx < Math.min(w, whole) / 2) return
    const cx = Math.min(Math.max((mx + nx) / 2, left + w / 2), left + width - w / 2)
    if (cx - w / 2 < lastRight + 4) return
    lastRight = cx + w / 2
    parts.push(`<text class="month" x="${px(cx)}" y="${top - 20}" text-anchor="middle">${esc(label)}</text>`)
  })
  lanes.forEach((party, i) => {
    const y = top + i * laneH
    parts.push(`<line class="lane" x1="${left}" y1="${y + laneH}" x2="${left + width}" y2="${y + laneH}"/>`)
    parts.push(`<text class="lane-label" x="6" y="${y + laneH / 2 + 4}">${esc(party)}</text>`)
  })
  for (const w of r.windows) {
    const lane = lanes.indexOf(w.party)
    const y = top + lane * laneH + 7
    const s = x(Date.parse(w.start))
    const e = Math.max(x(Date.parse(w.end)), s + 2)
    const colour = w.compliance
    const inactive = w.status === 'cancelled' || w.status === 'rejected' ? ' inactive' : ''
    let open = 0
    let unconfirmed = 0
    let waived = 0
    for (const f of w.findings) {
      if (f.severity !== 'breach') continue
      if (f.status === 'waived') waived++
      else if (f.certainty === 'confirmed') open++
      else unconfirmed++
    }
    const counts = `${open} open breach(es), ${unconfirmed} open on an assumed limit, ${waived} waived`
    const label = `${w.reference} (${w.party}, ${w.status}): ${w.startLocal} to ${w.endLocal}; compliance ${colour}; ${counts}`
    parts.push(
      `<rect class="bar rag-${colour}${inactive}" data-window="${esc(w.id)}" data-compliance="${colour}" x="${px(s)}" y="${y}" width="${px(e - s)}" height="${laneH - 14}"><title>${esc(label)}</title></rect>`,
    )
    if (open + unconfirmed + waived > 0) {
      const cx = (s + e) / 2
      const kind = open ? '' : unconfirmed ? ' unconfirmed' : ' waived'
      parts.push(
        `<path class="breach-marker${kind}" data-window="${esc(w.id)}" d="M${px(cx - 5)} ${y - 7}L${px(cx + 5)} ${y - 7}L${px(cx)} ${y}Z"><title>${esc(`${w.reference}: ${counts}`)}</title></path>`,
      )
    }
  }
  parts.push('</svg>')
  parts.push(...TIMELINE_LEGEND)
}

function shade(s: ShadedPeriod, x: (t: number) => number, y: number, h: number, px: (n: number) => string, zone: string): string {
  const a = x(Date.parse(s.start))
  const b = Math.max(x(Date.parse(s.end)), a + 1)
  const title = `${s.label}: ${localLabel(new Date(s.start), zone)} to ${localLabel(new Date(s.end), zone)}`
  return `<rect class="shade shade-${s.kind}" data-kind="${s.kind}" x="${px(a)}" y="${y}" width="${px(b - a)}" height="${h}"${s.kind === 'bank-holiday' ? '' : ' fill-opacity="0.75"'}><title>${esc(title)}</title></rect>`
}

function summary(r: ComplianceReport, out: TextChunks): void {
  const s = r.summary
  const rows = Object.entries(s.findings.byCode).map(
    ([code, n]) =>
      `<tr><th scope="row">${esc(code)}</th>${SEVERITIES.map((sev) => `<td class="num">${n[sev]}</td>`).join('')}<td class="num">${SEVERITIES.reduce((a, sev) => a + n[sev], 0)}</td></tr>`,
  )
  out.addAll([
    sectionStart('summary', 'Summary'),
    '<table id="summary"><caption>Windows and breaches (remediated: gone after the window was put forward; resolved before notice: gone before, never counted as remediated)</caption><thead><tr><th scope="col">Measure</th><th scope="col" class="num">Open</th><th scope="col" class="num">Waived</th><th scope="col" class="num">Remediated</th><th scope="col" class="num">Resolved before notice</th></tr></thead><tbody>',
    registerRow('Breaches (confirmed)', s.breaches),
    registerRow('Breaches on an assumed limit (unconfirmed)', s.unconfirmedBreaches),
    registerRow('Objections', s.objections),
    '</tbody></table>',
    `<p>${s.windows} window(s) by compliance: <span class="rag rag-red">${s.windowsByCompliance.red}</span> red, <span class="rag rag-amber">${s.windowsByCompliance.amber}</span> amber, <span class="rag rag-green">${s.windowsByCompliance.green}</span> green, ${s.windowsByCompliance.unrated} not assessed. By impact: ${s.windowsByImpactRating.red} red, ${s.windowsByImpactRating.amber} amber, ${s.windowsByImpactRating.green} green, ${s.windowsByImpactRating.unrated} not rated. ${s.findings.total} finding(s).</p>`,
    `<table id="findings-by-code"><caption>Findings by code and severity</caption><thead><tr><th scope="col">Code</th>${SEVERITIES.map((x) => `<th scope="col" class="num">${x}</th>`).join('')}<th scope="col" class="num">total</th></tr></thead><tbody>`,
  ])
  out.addAll(rows)
  out.push('</tbody></table>')
  if (r.programmes.length) {
    out.push(
      '<table id="programmes"><caption>Programmes: totals over their windows in this report (open breaches and objections; unconfirmed: resting on an assumed parameter)</caption><thead><tr><th scope="col">Programme</th><th scope="col" class="num">Windows</th><th scope="col" class="num">Outage hours</th><th scope="col" class="num">Prepayment-customer-hours</th><th scope="col" class="num">Expected failed top-ups</th><th scope="col" class="num">Months</th><th scope="col" class="num">Breaches confirmed / unconfirmed</th><th scope="col" class="num">Objections confirmed / unconfirmed</th><th scope="col" class="num">Notified late</th></tr></thead><tbody>',
    )
    out.addAll(
      r.programmes.map(
        ({ programmeId, totals: x }) =>
          `<tr><th scope="row">${esc(programmeId)}</th><td class="num">${x.windows}</td><td class="num">${fmt(x.outageHours)}</td><td class="num">${fmt(x.prepaymentCustomerHours)}</td><td class="num">${fmt(x.expectedFailedTopUps)}</td><td class="num">${x.monthsTouched.length}</td><td class="num">${x.breaches.confirmed} / ${x.breaches.unconfirmed}</td><td class="num">${x.objections.confirmed} / ${x.objections.unconfirmed}</td><td class="num">${x.notifiedLate.windows} of ${x.windows}</td></tr>`,
      ),
    )
    out.push('</tbody></table>')
  }
  out.push('</section>')
}

/** A section's opening line: its heading, labelling it (`h-ID`). */
function sectionStart(id: string, title: string): string {
  return `<section aria-labelledby="h-${id}"><h2 id="h-${id}">${title}</h2>`
}

/**
 * A table's opening lines, `<table id><caption>` and its head up to `<tbody>`; a column named with
 * a leading '#' is numeric (right-aligned). The caller adds the rows and `</tbody></table>`.
 */
function tableStart(id: string, caption: string, columns: readonly string[]): [string, string] {
  const head = columns.map((c) => (c.startsWith('#') ? `<th scope="col" class="num">${c.slice(1)}</th>` : `<th scope="col">${c}</th>`))
  return [`<table id="${id}"><caption>${caption}</caption>`, `<thead><tr>${head.join('')}</tr></thead><tbody>`]
}

function registerRow(label: string, c: RegisterCounts): string {
  return `<tr><th scope="row">${esc(label)}</th><td class="num">${c.open}</td><td class="num">${c.waived}</td><td class="num">${c.remediated}</td><td class="num">${c.resolvedBeforeNotice}</td></tr>`
}

function monthsTable(r: ComplianceReport, out: TextChunks): void {
  const rows = r.months.map(
    (m) =>
      `<tr><th scope="row">${esc(m.party)}</th><td>${esc(m.month)}</td><td class="num">${m.windows}</td><td class="num${m.overCap ? ' over' : ''}">${fmt(m.plannedMinutes)}</td><td class="num">${fmt(m.capMinutes)}</td><td class="num${m.remainingMinutes < 0 ? ' over' : ''}">${fmt(m.remainingMinutes)}</td><td class="num">${m.windowsInWinter}</td><td class="num">${m.windowsInTopUpPeak}</td><td class="num">${fmt(m.availabilityIfNotAgreedPercent)} %</td><td class="num">${fmt(m.availabilityAsPlannedPercent)} %</td><td class="small">${esc(m.services.join(', '))}</td></tr>`,
  )
  const gb = r.gbMonths.map(
    (m) =>
      `<tr><th scope="row">${esc(m.month)}</th><td class="num">${m.windows}</td><td class="num">${fmt(m.plannedMinutes)}</td><td class="num">${fmt(m.capMinutes)}</td><td class="num">${fmt(m.remainingMinutes)}</td><td>${esc(m.status)}</td></tr>`,
  )
  out.push(sectionStart('months', 'Monthly outage budget'))
  const columns = [
    'Party',
    'Month',
    '#Windows',
    '#Planned min',
    '#Cap min',
    '#Remaining',
    '#In winter',
    '#In top-up peak',
    '#Availability if not agreed',
    '#Availability as planned',
    'Services',
  ]
  const caption = 'Per party and month: planned minutes (real minutes) against the monthly cap; availability effect (PM 2.1 style)'
  out.push(...tableStart('months', caption, columns))
  out.addAll(rows)
  out.push('</tbody></table>')
  const gbCaption = 'GB-wide totals (the cap rule’s figures; overlapping windows counted once)'
  out.push(...tableStart('gb-months', gbCaption, ['Month', '#Windows', '#Planned min', '#Cap min', '#Remaining', 'Status']))
  out.addAll(gb)
  out.push('</tbody></table></section>')
}

function windowRow(w: ReportWindowRow, zone: string): string {
  const findings = w.findings.length
    ? `<ul class="findings">${w.findings.map((f) => `<li><span class="st-${f.status}${f.certainty === 'unconfirmed' ? ' unconfirmed' : ''}">${esc(f.severity)}${f.certainty === 'unconfirmed' ? ' (limit assumed)' : ''}</span> ${esc(f.code)}${f.waiver ? ` (waived: ${esc(f.waiver.decisionRef)})` : ''}: ${esc(f.message)}</li>`).join('')}</ul>`
    : 'none'
  const i = w.impactSummary
  const impact = i
    ? `${fmt(i.metersAffected)} meters; ${fmt(i.prepaymentCustomersAffected)} prepayment customers; ${fmt(i.expectedFailedTopUps)} failed top-ups expected; ${fmt(i.downtimeMinutes)} min downtime → ${fmt(i.availabilityIfNotAgreedPercent)} % if not agreed`
    : ''
  const colour = w.compliance
  const impactRated = w.impactRating ? `<div class="small">impact ${esc(w.impactRating)}</div>` : ''
  const notices = w.notices
    .map(
      (n) =>
        `<li>${esc(n.parties.length ? n.parties.join(', ') : n.owner)} <span class="small">${esc(n.event)}</span>: ${n.acknowledgedAt ? `acknowledged ${esc(localLabel(new Date(n.acknowledgedAt), zone))}` : `<span class="st-open">not acknowledged</span> (sent ${esc(localLabel(new Date(n.firstSentAt), zone))})`}</li>`,
    )
    .join('')
  return `<tr data-window="${esc(w.id)}"><th scope="row">${esc(w.reference)}<div class="small">${esc(w.title)}</div></th><td>${esc(w.party)}</td><td>${esc(w.status)}</td><td>${esc(w.startLocal)}<br>${esc(w.endLocal)}</td><td class="num">${fmt(w.realMinutes)}</td><td>${esc(w.impact)}<div class="small">${esc(w.services.join(', '))}; ${esc(w.regions.join(', '))}</div></td><td><span class="rag rag-${colour}">${esc(colour)}</span>${impactRated}</td><td>${findings}</td><td class="small">${esc(impact)}</td><td class="notices">${notices ? `<ul class="findings">${notices}</ul>` : ''}</td></tr>`
}

function windowsTable(r: ComplianceReport, out: TextChunks): void {
  out.push(sectionStart('windows', 'Windows'))
  const columns = [
    'Window',
    'Party',
    'Status',
    'Start / end',
    '#Minutes',
    'Impact',
    'Compliance',
    'Findings',
    'Who is hurt',
    'Notice acknowledged (webhooks)',
  ]
  out.push(...tableStart('windows', 'One row per window, with its findings, waivers and impact (local times with GMT/BST)', columns))
  for (const w of r.windows) out.push(windowRow(w, r.period.zone))
  out.push('</tbody></table></section>')
}

function registerTable(r: ComplianceReport, out: TextChunks): void {
  const rows = r.breachRegister.map(
    (e) =>
      `<tr><th scope="row">${esc(e.reference)}</th><td>${esc(e.party)}</td><td>${esc(e.code)}</td><td${e.certainty === 'unconfirmed' ? ' class="unconfirmed"' : ''}>${esc(e.severity)}${e.certainty === 'unconfirmed' ? ' (limit assumed)' : ''}</td><td class="st-${e.status}">${esc(e.status)}</td><td>${e.waiver ? `${esc(e.waiver.decisionRef)} (${esc(e.waiver.approvedBy)}, ${esc(e.waiver.decidedAt)})` : e.remediatedAt ? `last seen ${esc(e.remediatedAt)}` : ''}</td><td class="small">${esc(e.message)}</td></tr>`,
  )
  out.push(sectionStart('register', 'Breach register'))
  const caption =
    'Every breach and objection: open, waived (with the waiver reference), remediated or resolved before notice; a breach on an assumed limit says so'
  out.push(...tableStart('register', caption, ['Window', 'Party', 'Code', 'Severity', 'Status', 'Waiver / remediation', 'Finding']))
  out.addAll(rows)
  out.push('</tbody></table></section>')
}

function publicationsTable(r: ComplianceReport, out: TextChunks): void {
  const zone = r.period.zone
  out.addAll([
    sectionStart('publications', 'Schedule publications'),
    '<table id="publications"><thead><tr><th scope="col">Month</th><th scope="col">Published</th><th scope="col">Parties</th></tr></thead><tbody>',
    ...r.publications.map(
      (p) =>
        `<tr><th scope="row">${esc(p.month)}</th><td>${esc(localLabel(new Date(p.publishedAt), zone))}</td><td>${esc(p.parties.join(', '))}</td></tr>`,
    ),
    '</tbody></table></section>',
  ])
}

function provenance(r: ComplianceReport, out: TextChunks): void {
  const p = r.provenance
  const row = (k: string, v: string) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`
  out.addAll([
    sectionStart('provenance', 'Provenance'),
    '<table id="provenance"><tbody>',
    row('Rulesets', p.rulesets.map((x) => `${x.id} ${x.version} (from ${x.effectiveFrom}, ${x.status})`).join('; ')),
    row(
      'Calendars',
      Object.entries(p.calendars)
        .map(([k, v]) => `${k}: ${v}`)
        .join('; '),
    ),
    row(
      'Reference data',
      Object.entries(p.referenceData)
        .map(([k, v]) => `${k}: ${v}`)
        .join('; '),
    ),
    row('tz database', p.tzdbVersion),
    row('Audit log head', p.auditHead ? `${p.auditHead.seq}:${p.auditHead.hash}` : 'not recorded'),
    row('Blackout layers', p.blackoutLayers.map((l) => `${l.id}${l.version ? ` v${l.version}` : ''}`).join('; ')),
    row('Generated at', p.generatedAt),
    row('As of', p.asOf ?? 'current state'),
    row('Time basis', p.timeBasis),
    ...p.notes.map((n) => row('Note', n)),
    '</tbody></table></section>',
  ])
}
