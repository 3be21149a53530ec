/**
 * A small RFC 4180 reader and writer: quoted fields, doubled quotes, CRLF or LF line ends, line
 * breaks inside quoted fields. Each record carries the line it starts on, so a message can name
 * "row 7,312" as a spreadsheet shows it. A stopgap until a maintained parser (csv-parse) is added.
 *
 * @example
 * parseCsv('a,b\r\n1,"x, ""y"""\r\n') // { records: [{ line: 1, fields: ['a','b'] }, { line: 2, fields: ['1', 'x, "y"'] }], problems: [] }
 * toCsvLine(['1', 'x, "y"']) // '1,"x, ""y"""'
 */

export interface CsvRecord {
  /** 1-based physical line the record starts on (the header is line 1). */
  line: number
  fields: string[]
}

export interface CsvProblem {
  line: number
  message: string
}

/** Parses CSV text. A malformed record (a stray quote, an unterminated quote) is reported and skipped; the rest is still read. */
export function parseCsv(text: string): { records: CsvRecord[]; problems: CsvProblem[] } {
  const records: CsvRecord[] = []
  const problems: CsvProblem[] = []
  const n = text.length
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0 // a byte-order mark from a spreadsheet
  let line = 1
  while (i < n) {
    const startLine = line
    const fields: string[] = []
    let bad: string | null = null
    // one record
    for (;;) {
      let value: string
      if (text.charCodeAt(i) === 0x22) {
        // quoted field
        let j = i + 1
        let out = ''
        let closed = false
        while (j < n) {
          const q = text.indexOf('"', j)
          if (q < 0) break
          out += text.slice(j, q)
          for (let k = j; k < q; k++) if (text.charCodeAt(k) === 0x0a) line++
          if (text.charCodeAt(q + 1) === 0x22) {
            out += '"'
            j = q + 2
            continue
          }
          j = q + 1
          closed = true
          break
        }
        if (!closed) {
          // Recover at the next line: the rest of the file is still read.
          bad ??= `a quoted field (field ${fields.length + 1}) is never closed`
          const nl = text.indexOf('\n', i)
          i = nl < 0 ? n : nl + 1
          line = startLine + 1
          break
        }
        value = out
        i = j
        const c = text.charCodeAt(i)
        if (i < n && c !== 0x2c && c !== 0x0a && c !== 0x0d) {
          bad ??= `text after a closing quote in field ${fields.length + 1}`
          // skip to the next separator or line end
          while (i < n && text.charCodeAt(i) !== 0x2c && text.charCodeAt(i) !== 0x0a && text.charCodeAt(i) !== 0x0d) i++
        }
      } else {
        let j = i
        while (j < n) {
          const c = text.charCodeAt(j)
          if (c === 0x2c || c === 0x0a || c === 0x0d) break
          if (c === 0x22) bad ??= `a quote inside unquoted field ${fields.length + 1}`
          j++
        }
        value = text.slice(i, j)
        i = j
      }
      fields.push(value)
      if (i >= n) break
      const c = text.charCodeAt(i)
      if (c === 0x2c) {
        i++
        if (i >= n) {
          fields.push('')
          break
        }
        continue
      }
      // line end: CRLF, LF or a lone CR
      if (c === 0x0d && text.charCodeAt(i + 1) === 0x0a) i += 2
      else i++
      line++
      break
    }
    const blank = fields.length === 1 && fields[0] === ''
    if (bad) problems.push({ line: startLine, message: bad })
    else if (!blank) records.push({ line: startLine, fields })
  }
  return { records, problems }
}

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/

/** One CSV field, quoted when it must be (and when it starts or ends with white space, which spreadsheets trim). */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

/** One CSV record without its line end. */
export function toCsvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(',')
}

/** A whole CSV document with CRLF line ends (RFC 4180 §2). */
export function toCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  let out = `${toCsvLine(header)}\r\n`
  for (const r of rows) out += `${toCsvLine(r)}\r\n`
  return out
}
