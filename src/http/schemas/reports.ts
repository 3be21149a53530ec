import { ComplianceReportSchema } from '../../reports/report-schema.ts'

/**
 * The compliance report as `application/json`, for the OpenAPI document and the contract tests: the
 * report model's own schema (src/reports/report-schema.ts, from which its types are inferred), so the
 * document and the code cannot drift apart. The route sends the rendered bytes, so nothing is
 * serialized through it.
 *
 * @example ComplianceReportOut.parse(JSON.parse(body)).summary.breaches.open // 2 (confirmed; summary.unconfirmedBreaches.open // 10)
 */
export const ComplianceReportOut = ComplianceReportSchema.meta({ id: 'ComplianceReport' })
