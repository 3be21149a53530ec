import { BlockList, isIP } from 'node:net'

/**
 * The egress guard of webhook deliveries: where the service may send a request on a key holder's
 * behalf. Pure classification of addresses, the WEBHOOK_ALLOWED_HOSTS policy, and one
 * resolve-and-check step whose answer is the only set of addresses a request may connect to.
 *
 * By default only public addresses are reachable. A CIDR entry of the policy opens that range; host
 * names in it restrict which names may be used, but never lift the address check.
 */

export interface ResolvedAddress {
  address: string
  family: number
}

/** Resolves a host name to every address it has (the system resolver in production). */
export type Resolve = (host: string) => Promise<ResolvedAddress[]>

export type AddressKind =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'shared (CGNAT)'
  | 'multicast'
  | 'documentation'
  | 'benchmarking'
  | 'reserved'

export interface AddressClass {
  kind: AddressKind
  /** The special-purpose range the address is in (absent for public addresses). */
  range?: string
}

type Rule = readonly [cidr: string, kind: Exclude<AddressKind, 'public'>]

// IANA special-purpose registries (RFC 6890 and successors), the ranges that matter for egress.
const V4_RULES: readonly Rule[] = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'shared (CGNAT)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
]
const V6_RULES: readonly Rule[] = [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['100::/64', 'reserved'],
  ['2001::/23', 'reserved'],
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
  ['5f00::/16', 'reserved'],
  ['fc00::/7', 'private'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'reserved'],
  ['ff00::/8', 'multicast'],
]
// IPv6 forms that carry an IPv4 address: the IPv4 address decides. [prefix, bits, offset of the IPv4 bytes]
const V6_EMBEDDING: readonly (readonly [string, number, number, string])[] = [
  ['::ffff:0:0', 96, 12, 'IPv4-mapped'],
  ['::ffff:0:0:0', 96, 12, 'IPv4-translated'],
  ['64:ff9b::', 96, 12, 'NAT64'],
  ['2002::', 16, 2, '6to4'],
  ['::', 96, 12, 'IPv4-compatible'],
]

/** An IPv4 or IPv6 address as bytes (4 or 16); undefined if it is not one. A zone (`%eth0`) is ignored. */
export function addressBytes(address: string): Uint8Array | undefined {
  const a = address.replace(/%.*$/, '')
  const family = isIP(a)
  if (family === 4) return Uint8Array.from(a.split('.').map(Number))
  if (family !== 6) return undefined
  let text = a
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted) {
    const [b0, b1, b2, b3] = dotted[1]!.split('.').map(Number) as [number, number, number, number]
    text = `${text.slice(0, dotted.index)}${((b0 << 8) | b1).toString(16)}:${((b2 << 8) | b3).toString(16)}`
  }
  const [head, tail] = text.split('::') as [string, string | undefined]
  const groups = (s: string | undefined) => (s ? s.split(':').map((g) => Number.parseInt(g, 16)) : [])
  const h = groups(head)
  const t = groups(tail)
  const all = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t]
  const out = new Uint8Array(16)
  all.forEach((g, i) => {
    out[2 * i] = g >> 8
    out[2 * i + 1] = g & 0xff
  })
  return out
}

function inPrefix(bytes: Uint8Array, prefix: Uint8Array, bits: number): boolean {
  if (bytes.length !== prefix.length) return false
  for (let i = 0; i < bits; i += 8) {
    const take = Math.min(8, bits - i)
    const mask = (0xff << (8 - take)) & 0xff
    if ((bytes[i / 8]! & mask) !== (prefix[i / 8]! & mask)) return false
  }
  return true
}

const compile = (rules: readonly Rule[]) =>
  rules.map(([cidr, kind]) => {
    const [net, bits] = cidr.split('/') as [string, string]
    return { cidr, kind, prefix: addressBytes(net)!, bits: Number(bits) }
  })
const V4 = compile(V4_RULES)
const V6 = compile(V6_RULES)
const EMBEDDING = V6_EMBEDDING.map(([net, bits, offset, name]) => ({ prefix: addressBytes(net)!, bits, offset, name }))
const GLOBAL_UNICAST_V6 = addressBytes('2000::')!

/** The IPv4 address an IPv6 one carries (mapped, compatible, NAT64, 6to4), as text, with the form's name. */
export function embeddedIPv4(address: string): { ipv4: string; form: string } | undefined {
  const b = addressBytes(address)
  if (b?.length !== 16) return undefined
  // :: and ::1 are themselves, not IPv4-compatible forms of 0.0.0.0 and 0.0.0.1.
  if (b.every((x, i) => i === 15 || x === 0) && b[15]! <= 1) return undefined
  const e = EMBEDDING.find((x) => inPrefix(b, x.prefix, x.bits))
  return e ? { ipv4: Array.from(b.subarray(e.offset, e.offset + 4)).join('.'), form: e.name } : undefined
}

/**
 * Which kind of address this is: public, or the special-purpose range that makes it unfit for egress.
 * IPv6 forms carrying an IPv4 address are judged by that address; IPv6 outside 2000::/3 is reserved.
 *
 * @example classifyAddress('::ffff:127.0.0.1') // { kind: 'loopback', range: '127.0.0.0/8 (IPv4-mapped)' }
 */
export function classifyAddress(address: string): AddressClass {
  const b = addressBytes(address)
  if (!b) throw new Error(`"${address}" is not an IP address`)
  if (b.length === 4) {
    const r = V4.find((x) => inPrefix(b, x.prefix, x.bits))
    return r ? { kind: r.kind, range: r.cidr } : { kind: 'public' }
  }
  const embedded = embeddedIPv4(address)
  if (embedded) {
    const c = classifyAddress(embedded.ipv4)
    return c.range ? { kind: c.kind, range: `${c.range} (${embedded.form})` } : c
  }
  const r = V6.find((x) => inPrefix(b, x.prefix, x.bits))
  if (r) return { kind: r.kind, range: r.cidr }
  return inPrefix(b, GLOBAL_UNICAST_V6, 3) ? { kind: 'public' } : { kind: 'reserved', range: 'outside 2000::/3' }
}

/** WEBHOOK_ALLOWED_HOSTS, parsed: the host names that may be used (empty: any) and the non-public ranges opened. */
export interface EgressPolicy {
  readonly names: ReadonlySet<string>
  readonly ranges: BlockList
}

/**
 * Parses WEBHOOK_ALLOWED_HOSTS entries; throws naming a bad entry.
 *
 * @example parseEgressPolicy(['127.0.0.0/8', '::1/128', 'hooks.example.org'])
 */
export function parseEgressPolicy(entries: readonly string[]): EgressPolicy {
  const names = new Set<string>()
  const ranges = new BlockList()
  for (const raw of entries) {
    const e = raw.trim().toLowerCase()
    if (!e) continue
    const [net, bits] = e.split('/') as [string, string | undefined]
    const family = isIP(net)
    if (family) {
      const max = family === 4 ? 32 : 128
      const prefix = bits === undefined ? max : Number(bits)
      if (!/^\d{1,3}$/.test(bits ?? '0') || prefix > max) throw new Error(`"${raw}" is not a CIDR range`)
      ranges.addSubnet(net, prefix, family === 4 ? 'ipv4' : 'ipv6')
    } else if (bits === undefined && /^[a-z0-9.-]{1,253}$/.test(e)) names.add(e.replace(/\.$/, ''))
    else throw new Error(`"${raw}" is neither a host name nor a CIDR range`)
  }
  return { names, ranges }
}

/** True if the policy opens a range holding the address (or the IPv4 address it carries). */
export function inAllowedRange(policy: EgressPolicy, address: string): boolean {
  const a = address.replace(/%.*$/, '')
  const family = isIP(a)
  if (!family) return false
  if (policy.ranges.check(a, family === 4 ? 'ipv4' : 'ipv6')) return true
  const embedded = embeddedIPv4(a)
  return !!embedded && policy.ranges.check(embedded.ipv4, 'ipv4')
}

/**
 * The host of a parsed URL as the guard and the connection use it: without IPv6 brackets, lower
 * case, without a trailing dot. WHATWG URL parsing has already turned every IPv4 spelling
 * (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`) into dotted decimal.
 *
 * @example hostOf(new URL('http://0x7f.1:8080/x')) // '127.0.0.1'
 */
export function hostOf(url: URL): string {
  return url.hostname
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.$/, '')
}

export type EgressVerdict =
  /** The request may go, and only to these addresses; `nonPublic` if one is in an opened range. */
  | { ok: true; addresses: ResolvedAddress[]; nonPublic: boolean }
  /** It may not. `permanent`: the policy refuses it (not a resolver failure that may pass later). */
  | { ok: false; reason: string; permanent: boolean }

/**
 * Resolves `host` once (a literal address is itself) and checks it against the policy: with host
 * names listed, the host must be one of them (a literal address must be in an opened range); every
 * address it resolves to must be public or in an opened range. The answer's addresses are the only
 * ones a request may connect to, so a name that resolves elsewhere a moment later (DNS rebinding)
 * reaches nothing new.
 *
 * @example
 * await checkEgress('hooks.example.org', parseEgressPolicy([]), resolve)
 * // { ok: true, addresses: [{ address: '93.184.215.14', family: 4 }], nonPublic: false }
 */
export async function checkEgress(
  host: string,
  policy: EgressPolicy,
  resolve: Resolve,
  opts: { timeoutMs?: number } = {},
): Promise<EgressVerdict> {
  const family = isIP(host)
  if (!family && policy.names.size > 0 && !policy.names.has(host))
    return { ok: false, permanent: true, reason: `${host} is not one of the host names in WEBHOOK_ALLOWED_HOSTS` }
  let resolved: ResolvedAddress[]
  if (family) resolved = [{ address: host, family }]
  else {
    try {
      resolved = await withTimeout(resolve(host), opts.timeoutMs ?? 5_000, `resolving ${host} took longer than`)
    } catch (err) {
      return { ok: false, permanent: false, reason: `cannot resolve ${host}: ${(err as Error).message}` }
    }
    if (resolved.length === 0) return { ok: false, permanent: false, reason: `${host} resolves to nothing` }
  }
  const refused: string[] = []
  let nonPublic = false
  for (const r of resolved) {
    const c = classifyAddress(r.address)
    if (inAllowedRange(policy, r.address)) nonPublic ||= c.kind !== 'public'
    else if (c.kind !== 'public') refused.push(`${r.address} (${c.kind}, ${c.range})`)
    else if (family && policy.names.size > 0) refused.push(`${r.address} (with host names listed, an address must be in a listed range)`)
  }
  if (refused.length) {
    const what = family ? refused.join(', ') : `${host} resolves to ${refused.join(', ')}`
    return { ok: false, permanent: true, reason: `${what}: not allowed by WEBHOOK_ALLOWED_HOSTS` }
  }
  return { ok: true, addresses: resolved, nonPublic }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} ${ms / 1000} s`)), ms)
  })
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}
