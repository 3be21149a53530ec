import { readFileSync } from 'node:fs'
import t from 'tap'
import { z } from 'zod'
import { ComplianceReportSchema } from '../../../src/reports/report-schema.ts'

// The report's types are inferred from its schema; this holds the schema against a real report
// (the OPSG 58 golden file): every field the report writes is in the schema with its type, since
// parsing keeps only the fields the schema names.
const golden = JSON.parse(readFileSync(new URL('../../fixtures/golden/report-opsg58.json', import.meta.url), 'utf8'))
// The golden file holds the audit head's sequence number as a placeholder (it differs run to run).
golden.provenance.auditHead.seq = 41

t.test('report-schema: the OPSG 58 report parses, and parsing drops nothing (no field outside the schema)', async (t) => {
  const parsed = ComplianceReportSchema.safeParse(golden)
  t.ok(parsed.success, parsed.success ? 'parses' : z.prettifyError(parsed.error))
  t.same(parsed.data, golden, 'the parsed report is the report')
  t.ok(golden.programmes.length > 0 && golden.breachRegister.length > 0, 'the golden report has programmes and register entries to check')
})

t.test('report-schema: the OpenAPI form documents the report and its rows as open to new fields', async (t) => {
  const doc = z.toJSONSchema(ComplianceReportSchema, { io: 'output' }) as {
    additionalProperties?: unknown
    properties: Record<string, { items?: { additionalProperties?: unknown } }>
  }
  t.same(doc.additionalProperties, {}, 'the report')
  for (const list of ['windows', 'months', 'breachRegister'])
    t.same(doc.properties[list]?.items?.additionalProperties, {}, `a row of ${list}`)
})
