import { type CsvError, parse } from 'csv-parse/sync'
import { stringify } from 'csv-stringify/sync'
import { formulaGuard } from '../reports/csv.ts'

/**
 * The command line's CSV (RFC 4180: quoted fields, doubled quotes, CRLF, LF or CR line ends, line
 * breaks inside quoted fields), read with csv-parse and written with csv-stringify. Each record
 * carries the line it starts on, so a message can name "row 7,312" as a spreadsheet shows it; a
 * malformed record is reported at that line and reading resumes on the next line.
 *
 * Written text goes through the report's formula guard (`formulaGuard`: a leading = + - @ TAB CR gets
 * an apostrophe), and reading takes that apostrophe off again, so an exported plan imports unchanged.
 *
 * @example
 * parseCsv('a,b\r\n1,"x, ""y"""\r\n') // { records: [{ line: 1, fields: ['a','b'] }, { line: 2, fields: ['1', 'x, "y"'] }], problems: [] }
 * toCsv(['a'], [['=1+1']]) // "a\r\n'=1+1\r\n"
 */

interface CsvRecord {
  /** 1-based physical line the record starts on (the header is line 1). */
  line: number
  fields: string[]
}

interface CsvProblem {
  line: number
  message: string
}

const LINE_ENDS = ['\r\n', '\n', '\r']

/** The byte offset at which each physical line starts (CRLF, LF or a lone CR ends a line); entry i is line i + 1. */
function lineStarts(bytes: Uint8Array): number[] {
  const starts = [0]
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]
    if (c === 0x0a || (c === 0x0d && bytes[i + 1] !== 0x0a)) starts.push(i + 1)
  }
  return starts
}

/** Our words for csv-parse's errors (field numbers from 1). */
function problemText(err: CsvError): string {
  const field = (err as { index?: number }).index ?? 0
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') return `a quoted field (field ${field + 1}) is never closed`
  if (err.code === 'CSV_INVALID_CLOSING_QUOTE') return `text after a closing quote in field ${field + 1}`
  if (err.code === 'INVALID_OPENING_QUOTE') return `a quote inside unquoted field ${field + 1}`
  return err.message
}

/**
 * True for a cell that the formula guard changes once its leading apostrophes are set aside (`=1`,
 * `'=1`, `''-x`). Writing puts one more apostrophe in front of exactly these cells and reading takes
 * it off, so every cell reads back as it was written, `'=1` included.
 */
function formulaLike(cell: string): boolean {
  let i = 0
  while (cell.charCodeAt(i) === 0x27) i++
  const rest = i ? cell.slice(i) : cell
  return formulaGuard(rest) !== rest
}

const guarded = (cell: string) => (formulaLike(cell) ? `'${cell}` : cell)
const unguarded = (cell: string) => (cell.charCodeAt(0) === 0x27 && formulaLike(cell) ? cell.slice(1) : cell)

/** The line breaks (CRLF, LF or a lone CR, each one) inside a record's quoted fields. */
function breaksIn(fields: readonly string[]): number {
  let n = 0
  for (const f of fields) if (f.includes('\n') || f.includes('\r')) n += f.match(/\r\n|\n|\r/g)?.length ?? 0
  return n
}

/** Parses CSV text. A malformed record (a stray quote, an unterminated quote) is reported and skipped; the rest is still read. */
export function parseCsv(text: string): { records: CsvRecord[]; problems: CsvProblem[] } {
  const bytes = Buffer.from(text)
  const records: CsvRecord[] = []
  const problems: CsvProblem[] = []
  let line = 1 // the line the next record starts on: every record ends at a line end
  const take = (fields: string[]) => {
    if (fields.length > 1 || fields[0] !== '') {
      for (let i = 0; i < fields.length; i++) fields[i] = unguarded(fields[i]!)
      records.push({ line, fields })
    }
    line += 1 + breaksIn(fields)
  }
  const options = { bom: true, relax_column_count: true, record_delimiter: LINE_ENDS }
  try {
    for (const fields of parse(bytes, options) as string[][]) take(fields)
    return { records, problems }
  } catch {
    // A malformed record: read again record by record (slower), resuming on the line after each bad one.
    records.length = 0
    line = 1
  }
  const starts = lineStarts(bytes)
  let from = 0
  while (from < bytes.length) {
    try {
      parse(bytes.subarray(from), { ...options, bom: from === 0, on_record: (fields: string[]) => void take(fields) })
      break
    } catch (err) {
      problems.push({ line, message: problemText(err as CsvError) })
      from = starts[line++] ?? bytes.length
    }
  }
  return { records, problems }
}

/**
 * A whole CSV document with CRLF line ends (RFC 4180 §2). Quoted: a field holding a comma, a quote or
 * a line break (csv-stringify by itself quotes only the record delimiter, CRLF), and one with white
 * space at either end, which spreadsheets trim.
 */
export function toCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return stringify([header, ...rows], { record_delimiter: '\r\n', quoted_match: /[\r\n]|^\s|\s$/, cast: { string: guarded } })
}
