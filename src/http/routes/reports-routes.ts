import { Readable } from 'node:stream'
import type { FastifyReply } from 'fastify'
import { z } from 'zod'
import { renderCsv } from '../../reports/csv.ts'
import { renderHtml } from '../../reports/html.ts'
import { renderJson } from '../../reports/json.ts'
import { AppError } from '../../services/errors.ts'
import type { ReportsService } from '../../services/reports-service.ts'
import type { ComplianceReport } from '../../reports/compliance-report.ts'
import type { AppInstance } from '../app.ts'
import { ANY_ROLE } from '../plugins/auth.ts'
import { Instant, PartyId, problemResponses, Uuid } from '../schemas/common.ts'
import { ComplianceReportOut } from '../schemas/reports.ts'

const FORMATS = ['json', 'csv', 'html'] as const
type Format = (typeof FORMATS)[number]
const MEDIA: Record<Format, string> = { json: 'application/json', csv: 'text/csv', html: 'text/html' }
/**
 * The report's body in each format, as the UTF-8 chunks sent: rendered once for every request sharing
 * the report (the reports service keeps one rendering per function), and sent as bytes so that no
 * request encodes the text again. JSON is the model as is (the text of JSON.stringify).
 */
const BODY: Record<Format, (report: ComplianceReport) => Body> = {
  json: (report) => body(renderJson(report).bytes()),
  csv: (report) => body(renderCsv(report).bytes()),
  html: (report) => body(renderHtml(report).bytes()),
}
interface Body {
  chunks: readonly Buffer[]
  byteLength: number
}
const body = (chunks: readonly Buffer[]): Body => ({ chunks, byteLength: chunks.reduce((n, c) => n + c.length, 0) })
/**
 * Sends the body's chunks as they are, with their length (fastify does not serialize a stream; the
 * 200 schema documents the text they encode). Each request reads the shared chunks through its own stream.
 */
const sendBytes = (reply: FastifyReply, b: Body) =>
  reply.header('content-length', b.byteLength).send(Readable.from(b.chunks, { objectMode: false }))

const ReportQuery = z
  .object({
    from: Instant,
    to: Instant,
    party: PartyId.optional(),
    programme: Uuid.optional(),
    asOf: Instant.optional().meta({ description: 'Business instant the report is produced as of (RFC 3339 with offset)' }),
    format: z.enum(FORMATS).optional(),
  })
  .strict()

/**
 * The format: `format=` when given, else the Accept header (q-values honoured; JSON for none or *\/*).
 * Null when Accept names only types the report does not come in.
 */
export function negotiate(format: Format | undefined, accept: string | undefined): Format | null {
  if (format) return format
  if (!accept?.trim()) return 'json'
  const ranges = accept
    .split(',')
    .map((part, i) => {
      const [type = '', ...params] = part.trim().toLowerCase().split(';')
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
      return { type: type.trim(), q: q ? Number(q.slice(2)) : 1, i }
    })
    .filter((r) => r.q > 0 && !Number.isNaN(r.q))
    .sort((a, b) => b.q - a.q || a.i - b.i)
  for (const r of ranges) {
    if (r.type === '*/*' || r.type === 'application/*' || r.type === 'application/json') return 'json'
    if (r.type === 'text/csv') return 'csv'
    if (r.type === 'text/html') return 'html'
    if (r.type === 'text/*') return 'html'
  }
  return null
}

/** OPSG compliance reports as JSON, CSV or one self-contained HTML page. */
export function reportsRoutes(app: AppInstance, deps: { reports: ReportsService }) {
  app.get(
    '/v1/reports/compliance',
    {
      config: { access: ANY_ROLE },
      schema: {
        tags: ['reports'],
        summary: 'OPSG compliance report of a period: breach register, monthly outage budget, windows, provenance',
        description:
          'format=json|csv|html, else by Accept (application/json, text/csv, text/html). asOf (business time) reconstructs the plan, publications, waivers and rulesets in effect at that instant. Periods up to five years.',
        querystring: ReportQuery,
        response: {
          200: {
            description: 'The report, as negotiated: the report model (JSON), RFC 4180 CSV or one self-contained HTML page',
            content: {
              'application/json': { schema: ComplianceReportOut },
              'text/csv': { schema: z.string() },
              'text/html': { schema: z.string() },
            },
          },
          ...problemResponses(400, 406),
        },
      },
    },
    async (req, reply) => {
      const format = negotiate(req.query.format, req.headers.accept)
      if (!format)
        throw new AppError(
          'not-acceptable',
          406,
          'Not acceptable',
          `The report comes as ${Object.values(MEDIA).join(', ')}; Accept was "${req.headers.accept}".`,
          {
            errors: [
              { pointer: '/accept', in: 'headers', message: `use one of ${Object.values(MEDIA).join(', ')} or format=json|csv|html` },
            ],
          },
        )
      const { from, to, party, programme, asOf } = req.query
      const { report, body } = await deps.reports.renderedReport({ from, to, party, programme, asOf }, BODY[format])
      reply.header('vary', 'accept').header('cache-control', 'no-store')
      if (format === 'csv') {
        const name = `mwp-compliance-${report.period.months[0] ?? ''}-${report.period.months.at(-1) ?? ''}${report.asOf ? `-asof-${report.asOf.slice(0, 10)}` : ''}.csv`
        reply.type('text/csv; charset=utf-8; header=present').header('content-disposition', `inline; filename="${name}"`)
      } else if (format === 'html')
        reply
          .type('text/html; charset=utf-8')
          .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
      else reply.type('application/json; charset=utf-8')
      return sendBytes(reply, body)
    },
  )
}
