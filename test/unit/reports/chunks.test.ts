import fc from 'fast-check'
import t from 'tap'
import type { ComplianceReport } from '../../../src/reports/compliance-report.ts'
import { renderJson } from '../../../src/reports/json.ts'
import { TextChunks } from '../../../src/reports/text-chunks.ts'

/** Below V8's large-object size (128 KiB): a chunk never takes fresh pages of its own. */
const LARGE_OBJECT = 128 * 1024

t.test('TextChunks: the lines joined with the separator, as one string and as UTF-8 chunks', async (t) => {
  // Lines of one- and two-byte text, with astral characters, enough to fill several chunks.
  const lines = Array.from({ length: 9000 }, (_, i) =>
    i % 7 === 0 ? `ligne ${i} — été 😀 ${'x'.repeat(i % 40)}` : `line ${i},"a",${i * 3}`,
  )
  const chunks = new TextChunks('\r\n')
  for (const l of lines) chunks.add(l)
  const expected = lines.join('\r\n')
  const bytes = chunks.bytes()
  t.ok(bytes.length > 3, `several chunks (${bytes.length})`)
  t.ok(
    bytes.every((b) => b.length < LARGE_OBJECT),
    'every chunk is smaller than a large object',
  )
  t.ok(Buffer.concat(bytes).equals(Buffer.from(expected, 'utf8')), 'the chunks are the UTF-8 bytes of the text')
  t.equal(chunks.text(), expected, 'text() is the whole text')
  t.equal(new TextChunks('\n').text(), '', 'no lines: empty text')
  const one = new TextChunks('\n')
  one.add('')
  one.add('')
  t.equal(one.text(), '\n', 'empty lines keep their separators')
})

t.test('TextChunks: any lines, any separator, give lines.join(separator)', async (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ unit: 'grapheme', maxLength: 3000 }), { maxLength: 60 }),
      fc.constantFrom('', '\n', '\r\n', ','),
      (lines, sep) => {
        const c = new TextChunks(sep)
        c.addAll(lines)
        return c.text() === lines.join(sep) && Buffer.concat(c.bytes()).equals(Buffer.from(lines.join(sep)))
      },
    ),
    { numRuns: 200 },
  )
  t.pass('200 random cases')
})

t.test('renderJson: the text of JSON.stringify, in chunks', async (t) => {
  const row = (i: number) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    title: i % 5 === 0 ? `Fenêtre « ${i} » 😀 "quoted" \\ \u2028` : `Window ${i}`,
    minutes: i * 30,
    share: i / 7,
    findings: [{ key: `k${i}`, waiver: null, dropped: undefined }],
  })
  const report = {
    kind: 'mwp.compliance-report',
    formatVersion: 1,
    title: 'Planned Maintenance compliance report',
    skipped: undefined,
    asOf: null,
    windows: Array.from({ length: 3000 }, (_, i) => row(i)),
    months: Array.from({ length: 65 }, (_, i) => (i === 3 ? undefined : { month: i })),
    shading: [],
    provenance: { notes: ['a', 'b'] },
  } as unknown as ComplianceReport
  const chunks = renderJson(report).bytes()
  t.ok(chunks.length > 1, `several chunks (${chunks.length})`)
  t.ok(
    chunks.every((b) => b.length < LARGE_OBJECT),
    'every chunk is smaller than a large object',
  )
  t.equal(Buffer.concat(chunks).toString('utf8'), JSON.stringify(report), 'identical to JSON.stringify')
  const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  t.notOk('skipped' in parsed, 'an undefined field is left out')
  t.equal(parsed.months[3], null, 'an undefined list element is null')
})
