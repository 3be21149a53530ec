/**
 * Reads a `timestamptz` as PostgreSQL writes it in a UTC session (`2023-05-01 00:00:00+00`, with an
 * optional fraction) straight from its digits; anything else (another offset, BC, infinity, years
 * before 100) goes to the general parser. A list of 100 windows has 800 of these.
 *
 * @example parseTimestamptz('2023-05-01 06:30:00.25+00', general) // Date 2023-05-01T06:30:00.250Z
 */
export function parseTimestamptz<T>(s: string, general: (s: string) => T): Date | T {
  const n = s.length
  if (
    n < 22 ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 32 ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58 ||
    s.charCodeAt(n - 3) !== 43 ||
    s.charCodeAt(n - 2) !== 48 ||
    s.charCodeAt(n - 1) !== 48
  )
    return general(s)
  const year = digits(s, 0, 4)
  const month = digits(s, 5, 7)
  const day = digits(s, 8, 10)
  const hour = digits(s, 11, 13)
  const minute = digits(s, 14, 16)
  const second = digits(s, 17, 19)
  let ms = 0
  if (n > 22) {
    // '.ffffff' between the seconds and '+00': milliseconds are its first three digits (truncated).
    if (s.charCodeAt(19) !== 46) return general(s)
    const frac = s.slice(20, n - 3)
    ms = digits(`${frac}00`, 0, 3)
  } else if (n !== 22) return general(s)
  if (year < 100 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || ms < 0) return general(s)
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms))
}

/** The decimal number in s[from, to), or -1 when a character is not a digit. */
function digits(s: string, from: number, to: number): number {
  let v = 0
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48
    if (c < 0 || c > 9) return -1
    v = v * 10 + c
  }
  return v
}
