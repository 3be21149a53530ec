/** The one canonical JSON of the project: audit hashes, idempotency request hashes, transfer files. */

/**
 * JSON with object keys sorted (by UTF-16 code units) at every depth and no white space; arrays keep
 * their order. Two values that are equal as JSON serialise to the same string.
 *
 * @example canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }) // '{"a":[2,{"c":4,"d":3}],"b":1}'
 */
export function canonicalJson(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`
  if (v instanceof Date) return JSON.stringify(v.toISOString())
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`
  }
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null'
  return JSON.stringify(v) ?? 'null'
}
