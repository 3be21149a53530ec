/**
 * Small RFC 5545 primitives: TEXT escaping, line folding at 75 octets, UTC and Europe/London
 * date-times (London wall times from the domain's zone clock, the same table `vtimezone.ts` writes
 * the VTIMEZONE from). Pure and allocation-light, because a feed of 10,000 windows must render in
 * well under 100 ms.
 *
 * Why hand-written: ical-generator writes a floating DTSTAMP once a time zone is set (stack notes §7).
 *
 * @example dateTimeLine('DTSTART', new Date('2022-07-01T08:00:00Z'), 'europe-london') // 'DTSTART;TZID=Europe/London:20220701T090000'
 */
import { DAY_MS, LONDON_ZONE, MINUTE_MS, zoneClock } from '../domain/time.ts'

/** A content line's name, e.g. 'DTSTART' or 'X-MAINTNOTE-IMPACT'. */
export type PropertyName = string

/** Parameters of a content line, written in insertion order: `{ TZID: 'Europe/London' }`. */
export type PropertyParams = Readonly<Record<string, string>>

export const CRLF = '\r\n'

/** The IANA zone the writer can emit wall times in (the only one the service plans in). */
export const LONDON_TZID = LONDON_ZONE

const london = zoneClock(LONDON_ZONE)

// True when `escapeText` would change the string: written as "anything but the characters it keeps"
// (HTAB, printable ASCII except `,` `;` `\`, and all non-surrogate units), which V8 runs faster
// than the positive class.
const TEXT_SPECIAL = /[^\t\u0020-\u002b\u002d-\u003a\u003c-\u005b\u005d-\u007e\u0080-\ud7ff\ue000-\uffff]/

/** True when a UTF-16 unit needs escaping, dropping or replacing in TEXT. */
function isTextSpecial(c: number): boolean {
  return c < 0x20 ? c !== 0x09 : c === 0x5c || c === 0x3b || c === 0x2c || c === 0x7f || (c >= 0xd800 && c <= 0xdfff)
}

/**
 * Escapes a TEXT value (RFC 5545 §3.3.11): `\` `;` `,` and line breaks (CRLF, CR or LF become `\n`);
 * drops control characters other than HTAB (not allowed in TEXT) and replaces lone surrogates with
 * U+FFFD (not encodable in UTF-8).
 *
 * @example escapeText('a, b; c\\d\ne') // 'a\\, b\\; c\\\\d\\ne'
 */
export function escapeText(value: string): string {
  const n = value.length
  if (n > 32 && !TEXT_SPECIAL.test(value)) return value
  let i = 0
  while (i < n && !isTextSpecial(value.charCodeAt(i))) i++
  if (i === n) return value
  let out = value.slice(0, i)
  let from = i
  for (; i < n; i++) {
    const c = value.charCodeAt(i)
    if (!isTextSpecial(c)) continue
    let rep: string
    if (c === 0x5c) rep = '\\\\'
    else if (c === 0x3b) rep = '\\;'
    else if (c === 0x2c) rep = '\\,'
    else if (c === 0x0a) rep = '\\n'
    else if (c === 0x0d) {
      rep = '\\n'
      if (value.charCodeAt(i + 1) === 0x0a) {
        out += value.slice(from, i) + rep
        i++
        from = i + 1
        continue
      }
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const d = value.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++ // a valid pair: keep both units
        continue
      }
      rep = '\ufffd'
    } else if (c >= 0xdc00 && c <= 0xdfff) rep = '\ufffd'
    else rep = '' // control character
    out += value.slice(from, i) + rep
    from = i + 1
  }
  return out + value.slice(from)
}

/**
 * Escapes each item of a multi-valued TEXT property (CATEGORIES) and joins them with commas.
 *
 * @example escapeTextList(['outage', 'a,b']) // 'outage,a\\,b'
 */
export function escapeTextList(values: readonly string[]): string {
  return values.map(escapeText).join(',')
}

const NON_ASCII = /[^\u0000-\u007f]/

/**
 * Folds a content line so that no line exceeds 75 octets of UTF-8 (excluding CRLF), never splitting
 * a character's UTF-8 sequence. Continuation lines start with one space (so carry 74 octets).
 *
 * @example foldLine('DESCRIPTION:' + 'x'.repeat(70)).split('\r\n ') // ['DESCRIPTION:' + 'x'.repeat(63), 'xxxxxxx']
 */
export function foldLine(line: string): string {
  const n = line.length
  // At most 3 octets per UTF-16 unit (a surrogate pair is 4 octets for 2 units): 25 units always fit.
  if (n <= 25) return line
  if (!NON_ASCII.test(line)) {
    // One octet per unit: slice 75, then 74 after each continuation space.
    if (n <= 75) return line
    let out = line.slice(0, 75)
    for (let i = 75; i < n; i += 74) out += `\r\n ${line.slice(i, i + 74)}`
    return out
  }
  let out = ''
  let start = 0
  let len = 0
  let limit = 75
  for (let i = 0; i < n; i++) {
    const c = line.charCodeAt(i)
    let w: number
    let units = 1
    if (c < 0x80) w = 1
    else if (c < 0x800) w = 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = line.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        w = 4
        units = 2
      } else w = 3 // a lone surrogate encodes as U+FFFD
    } else w = 3
    if (len + w > limit) {
      out += line.slice(start, i) + '\r\n '
      start = i
      len = 0
      limit = 74
    }
    len += w
    i += units - 1
  }
  return start === 0 ? line : out + line.slice(start)
}

/**
 * Quotes a parameter value when it contains `:` `;` or `,` (RFC 5545 §3.2); DQUOTE and control
 * characters are not allowed in a parameter value and are dropped.
 *
 * @example paramValue('Europe/London') // 'Europe/London'
 * @example paramValue('a;b') // '"a;b"'
 */
export function paramValue(value: string): string {
  const clean = value.replace(/["\u0000-\u0008\u000a-\u001f\u007f]/g, '')
  return /[:;,]/.test(clean) ? `"${clean}"` : clean
}

/**
 * One folded content line (no trailing CRLF). `value` is written as given: escape TEXT values first.
 *
 * @example contentLine('DTSTART', '20211031T003000Z') // 'DTSTART:20211031T003000Z'
 * @example contentLine('REFRESH-INTERVAL', 'PT1H', { VALUE: 'DURATION' }) // 'REFRESH-INTERVAL;VALUE=DURATION:PT1H'
 */
export function contentLine(name: PropertyName, value: string, params?: PropertyParams): string {
  if (params === undefined) return foldLine(`${name}:${value}`)
  let head = name
  for (const key in params) head += `;${key}=${paramValue(params[key] as string)}`
  return foldLine(`${head}:${value}`)
}

/**
 * One folded TEXT content line: the value is escaped, then the line folded.
 *
 * @example textLine('SUMMARY', 'a, b') // 'SUMMARY:a\\, b'
 */
export function textLine(name: PropertyName, value: string, params?: PropertyParams): string {
  return contentLine(name, escapeText(value), params)
}

const DIGITS2: readonly string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : `${i}`))

function checkedTime(d: Date): number {
  const t = d.getTime()
  if (!Number.isFinite(t)) throw new RangeError('iCalendar date-time: invalid Date')
  return t
}

function formatFields(y: number, mo: number, day: number, h: number, mi: number, s: number): string {
  if (y < 1000 || y > 9999) throw new RangeError(`iCalendar date-time: year ${y} outside 1000-9999`)
  return `${y}${DIGITS2[mo]}${DIGITS2[day]}T${DIGITS2[h]}${DIGITS2[mi]}${DIGITS2[s]}`
}

// Memo tables: a feed repeats few days and fewer times of day. Both are bounded (days are cleared
// past 100,000 entries; there are 86,400 seconds in a day), and invisible to callers.
const dayText = new Map<number, string>()
const timeText = new Map<number, string>()

/** `YYYYMMDDTHHMMSS` of epoch ms read as UTC fields. */
function formatEpochFields(t: number): string {
  const days = Math.floor(t / DAY_MS)
  const sod = Math.floor((t - days * DAY_MS) / 1000)
  let ymd = dayText.get(days)
  if (ymd === undefined) {
    const d = new Date(days * DAY_MS)
    ymd = formatFields(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), 0, 0, 0).slice(0, 8)
    if (dayText.size >= 100_000) dayText.clear()
    dayText.set(days, ymd)
  }
  let hms = timeText.get(sod)
  if (hms === undefined) {
    hms = `T${DIGITS2[Math.floor(sod / 3600)]}${DIGITS2[Math.floor(sod / 60) % 60]}${DIGITS2[sod % 60]}`
    timeText.set(sod, hms)
  }
  return ymd + hms
}

/**
 * Formats an instant as an RFC 5545 UTC DATE-TIME (form #2), seconds truncated.
 *
 * @example formatUtcDateTime(new Date('2021-10-31T00:30:00Z')) // '20211031T003000Z'
 */
export function formatUtcDateTime(d: Date): string {
  return `${formatEpochFields(checkedTime(d))}Z`
}

/**
 * The Europe/London UTC offset in minutes (0 or 60) at an instant.
 *
 * @example londonOffsetMinutes(new Date('2022-03-27T01:00:00Z')) // 60
 */
export function londonOffsetMinutes(d: Date): number {
  return london.offsetAt(checkedTime(d))
}

/**
 * True when the instant's London wall time is repeated (01:00–01:59 on the last Sunday of October).
 * RFC 5545 reads such a wall time as its first occurrence, and ical.js and khal read it as the
 * second, so such instants are better written in UTC.
 *
 * @example isAmbiguousLondonWallTime(new Date('2021-10-31T01:30:00Z')) // true
 */
export function isAmbiguousLondonWallTime(d: Date): boolean {
  return london.isAmbiguousWall(checkedTime(d))
}

/**
 * Formats an instant as a Europe/London wall time (RFC 5545 DATE-TIME form #3, to be written with
 * `;TZID=Europe/London`). Arithmetic only: no luxon or Intl per event.
 *
 * @example formatLondonWallTime(new Date('2022-07-01T08:00:00Z')) // '20220701T090000'
 */
export function formatLondonWallTime(d: Date): string {
  const t = checkedTime(d)
  return formatEpochFields(t + london.offsetAt(t) * MINUTE_MS)
}

/** How date-times are written: UTC (`Z`) or `TZID=Europe/London` wall times plus the VTIMEZONE. */
export type TimeMode = 'utc' | 'europe-london'

/**
 * A DATE-TIME content line in the chosen mode. In 'europe-london' mode, instants whose wall time is
 * ambiguous are written in UTC (clients disagree on them); never a floating time.
 *
 * @example dateTimeLine('DTSTART', new Date('2022-07-01T08:00:00Z'), 'europe-london') // 'DTSTART;TZID=Europe/London:20220701T090000'
 */
export function dateTimeLine(name: PropertyName, d: Date, mode: TimeMode = 'utc'): string {
  if (mode === 'europe-london' && !isAmbiguousLondonWallTime(d)) {
    return `${name};TZID=${LONDON_TZID}:${formatLondonWallTime(d)}`
  }
  return `${name}:${formatUtcDateTime(d)}`
}

const DURATION = /^[+-]?P(?:\d+W|(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+S)?)?)$/

/**
 * True for an RFC 5545 DURATION (`PT1H`, `P1D`, `P1W`); ISO 8601 years and months are not allowed.
 *
 * @example isIcsDuration('PT1H') // true
 * @example isIcsDuration('P1M') // false
 */
export function isIcsDuration(value: string): boolean {
  return value !== 'P' && value !== '+P' && value !== '-P' && DURATION.test(value)
}

const MAX_LINE = 75
const encoder = new TextEncoder()
const utf8Decoder = new TextDecoder()
/**
 * A fast streaming writer producing the same bytes as the string primitives above (`escapeText`,
 * `foldLine`, CRLF). A content line is UTF-8 encoded unfolded (natively, by `TextEncoder`), then
 * folded in place at `end()`, so a large feed costs no intermediate strings. Call `end()` after each
 * content line.
 *
 * @example
 * const w = new IcsWriter()
 * w.raw('SUMMARY:').text('a, b').end()
 * w.toString() // 'SUMMARY:a\\, b\r\n'
 */
export class IcsWriter {
  #buf: Uint8Array
  #pos = 0
  #lineStart = 0

  constructor(initialBytes = 1 << 16) {
    this.#buf = new Uint8Array(initialBytes)
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#pos
  }

  #reserve(bytes: number): void {
    const need = this.#pos + bytes
    if (need <= this.#buf.length) return
    const next = new Uint8Array(Math.max(need, this.#buf.length * 2))
    next.set(this.#buf.subarray(0, this.#pos))
    this.#buf = next
  }

  #append(s: string): this {
    const n = s.length
    this.#reserve(n * 3)
    const buf = this.#buf
    let p = this.#pos
    if (n < 24) {
      // Short strings: a JS loop beats the call into the encoder, while they are ASCII.
      let i = 0
      for (; i < n; i++) {
        const c = s.charCodeAt(i)
        if (c >= 0x80) break
        buf[p++] = c
      }
      if (i === n) {
        this.#pos = p
        return this
      }
      p = this.#pos
    }
    this.#pos = p + encoder.encodeInto(s, buf.subarray(p)).written
    return this
  }

  /** Writes a value as is (names, parameters, URIs, dates), UTF-8 encoded; folded at `end()`. */
  raw(s: string): this {
    return this.#append(s)
  }

  /** Writes a TEXT value, escaped as by `escapeText`, UTF-8 encoded; folded at `end()`. */
  text(s: string): this {
    return this.#append(TEXT_SPECIAL.test(s) ? escapeText(s) : s)
  }

  /**
   * Ends the content line: folds it in place (CRLF + space before the first character that would
   * take a line past 75 octets; a cut never lands on a UTF-8 continuation octet), then CRLF.
   */
  end(): this {
    const start = this.#lineStart
    const end = this.#pos
    if (end - start > MAX_LINE) {
      const cuts: number[] = []
      let cut = start + MAX_LINE
      while (cut < end) {
        while (((this.#buf[cut] as number) & 0xc0) === 0x80) cut--
        cuts.push(cut)
        cut += MAX_LINE - 1
      }
      this.#reserve(cuts.length * 3 + 2)
      const buf = this.#buf
      // Move the chunks right, last first, opening 3 octets before each cut.
      let chunkEnd = end
      for (let j = cuts.length - 1; j >= 0; j--) {
        const c = cuts[j] as number
        const shift = 3 * (j + 1)
        buf.copyWithin(c + shift, c, chunkEnd)
        buf[c + shift - 3] = 13
        buf[c + shift - 2] = 10
        buf[c + shift - 1] = 32
        chunkEnd = c
      }
      this.#pos = end + cuts.length * 3
    } else this.#reserve(2)
    this.#buf[this.#pos++] = 13
    this.#buf[this.#pos++] = 10
    this.#lineStart = this.#pos
    return this
  }

  /**
   * Writes complete content lines given as is, each already ending in CRLF and known to be at most
   * 75 octets (dates, enumerated values): one encoder call for several lines, no folding.
   */
  lines(s: string): this {
    this.#append(s)
    this.#lineStart = this.#pos
    return this
  }

  /** Writes a complete content line given as is, then CRLF. */
  line(s: string): this {
    return this.#append(s).end()
  }

  /** A copy of the bytes written. */
  toBytes(): Uint8Array {
    return this.#buf.slice(0, this.#pos)
  }

  /** The text written (UTF-8 decoded). */
  toString(): string {
    return utf8Decoder.decode(this.#buf.subarray(0, this.#pos))
  }
}
