import t from 'tap'
import {
  addressBytes,
  checkEgress,
  classifyAddress,
  hostOf,
  parseEgressPolicy,
  type ResolvedAddress,
} from '../../../../src/services/webhooks/egress-guard.ts'

const v4 = (address: string): ResolvedAddress => ({ address, family: 4 })
const v6 = (address: string): ResolvedAddress => ({ address, family: 6 })
/** A resolver answering from a table; other names do not exist. */
const table =
  (answers: Record<string, ResolvedAddress[]>) =>
  async (host: string): Promise<ResolvedAddress[]> => {
    const a = answers[host]
    if (!a) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
    return a
  }
const none = table({})

t.test('every non-public range is classified, one address each; public addresses are public', async (t) => {
  const cases: [string, string][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.255', 'shared (CGNAT)'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['192.0.2.10', 'documentation'],
    ['198.51.100.1', 'documentation'],
    ['203.0.113.1', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['2001::1', 'reserved'],
    ['100::1', 'reserved'],
    ['fec0::1', 'reserved'],
    ['4000::1', 'reserved'],
    // IPv6 forms that carry an IPv4 address are judged by it
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0:0:0:0:0:ffff:a9fe:a9fe', 'link-local'],
    ['::127.0.0.1', 'loopback'],
    ['::ffff:0:10.0.0.1', 'private'],
    ['64:ff9b::169.254.169.254', 'link-local'],
    ['2002:c0a8:0101::1', 'private'],
    // public
    ['8.8.8.8', 'public'],
    ['93.184.215.14', 'public'],
    ['100.63.255.255', 'public'],
    ['172.32.0.1', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['2a00:1450:4009:81f::200e', 'public'],
  ]
  for (const [address, kind] of cases) t.equal(classifyAddress(address).kind, kind, `${address} is ${kind}`)
  t.same(classifyAddress('::ffff:127.0.0.1'), { kind: 'loopback', range: '127.0.0.0/8 (IPv4-mapped)' }, 'names the range and the form')
  t.throws(() => classifyAddress('localhost'), /not an IP address/)
})

t.test('addresses become bytes, whatever the spelling', async (t) => {
  t.same([...addressBytes('10.0.0.1')!], [10, 0, 0, 1])
  t.same([...addressBytes('::ffff:1.2.3.4')!], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4])
  t.same(addressBytes('2001:db8::8:800:200c:417a'), addressBytes('2001:0db8:0:0:8:800:200c:417a'))
  t.equal(addressBytes('example.com'), undefined)
})

t.test('numeric host spellings are normalised by URL parsing before the check', async (t) => {
  for (const spelling of ['127.0.0.1', '2130706433', '0x7f.1', '0177.0.0.1', '127.1', '0x7f000001', '127.0.0.1.'])
    t.equal(hostOf(new URL(`http://${spelling}:8080/x`)), '127.0.0.1', `${spelling} → 127.0.0.1`)
  t.equal(hostOf(new URL('http://[::ffff:127.0.0.1]/')), '::ffff:7f00:1')
  t.equal(hostOf(new URL('http://[0:0:0:0:0:0:0:1]/')), '::1')
  t.equal(hostOf(new URL('http://0/')), '0.0.0.0')
  t.equal(hostOf(new URL('http://Hooks.Example.ORG./x')), 'hooks.example.org')
  const policy = parseEgressPolicy([])
  for (const spelling of ['2130706433', '0x7f.1', '0177.0.0.1', '127.1', '[::ffff:127.0.0.1]', '[::1]', '0'])
    t.match(await checkEgress(hostOf(new URL(`http://${spelling}/`)), policy, none), { ok: false, permanent: true }, `${spelling} refused`)
})

t.test('the default (empty) policy: public addresses only', async (t) => {
  const policy = parseEgressPolicy([])
  const resolve = table({
    'hooks.example.org': [v4('93.184.215.14'), v6('2606:2800:21f:cb07:6820:80da:af6b:8b2c')],
    localhost: [v4('127.0.0.1'), v6('::1')],
    'metadata.example.org': [v4('169.254.169.254')],
    'split.example.org': [v4('93.184.215.14'), v4('10.0.0.5')],
  })
  t.same(await checkEgress('hooks.example.org', policy, resolve), {
    ok: true,
    nonPublic: false,
    addresses: [v4('93.184.215.14'), v6('2606:2800:21f:cb07:6820:80da:af6b:8b2c')],
  })
  t.match(await checkEgress('localhost', policy, resolve), {
    ok: false,
    permanent: true,
    reason: /localhost resolves to 127\.0\.0\.1 \(loopback, 127\.0\.0\.0\/8\), ::1 \(loopback, ::1\/128\)/,
  })
  t.match(await checkEgress('metadata.example.org', policy, resolve), { ok: false, reason: /169\.254\.169\.254 \(link-local/ })
  t.match(
    await checkEgress('split.example.org', policy, resolve),
    { ok: false, reason: /10\.0\.0\.5 \(private/ },
    'one bad address refuses all',
  )
  t.same(await checkEgress('8.8.8.8', policy, resolve), { ok: true, nonPublic: false, addresses: [v4('8.8.8.8')] })
  t.match(await checkEgress('nowhere.example.org', policy, resolve), { ok: false, permanent: false, reason: /cannot resolve.*ENOTFOUND/ })
  t.match(await checkEgress('empty.example.org', policy, async () => []), { ok: false, permanent: false, reason: /resolves to nothing/ })
  const slow = await checkEgress('slow.example.org', policy, () => new Promise(() => {}), { timeoutMs: 20 })
  t.match(slow, { ok: false, permanent: false, reason: /took longer than 0\.02 s/ })
})

t.test('a CIDR entry opens that range, and says the destination is not public', async (t) => {
  const policy = parseEgressPolicy(['127.0.0.0/8', '::1/128'])
  const resolve = table({ 'dev.example.test': [v4('127.0.0.1')], 'mapped.example.test': [v6('::ffff:127.0.0.2')] })
  t.same(await checkEgress('127.0.0.1', policy, resolve), { ok: true, nonPublic: true, addresses: [v4('127.0.0.1')] })
  t.same(await checkEgress('::1', policy, resolve), { ok: true, nonPublic: true, addresses: [v6('::1')] })
  t.match(await checkEgress('dev.example.test', policy, resolve), { ok: true, nonPublic: true })
  t.match(
    await checkEgress('mapped.example.test', policy, resolve),
    { ok: true, nonPublic: true },
    'an IPv4-mapped form of an opened range',
  )
  t.match(await checkEgress('10.0.0.1', policy, resolve), { ok: false }, 'other ranges stay closed')
  t.match(await checkEgress('169.254.169.254', policy, resolve), { ok: false })
  t.same(await checkEgress('8.8.8.8', policy, resolve), { ok: true, nonPublic: false, addresses: [v4('8.8.8.8')] }, 'public stays open')
})

t.test('listed host names restrict the names, never lift the address check (DNS rebinding)', async (t) => {
  const policy = parseEgressPolicy(['hooks.example.com', 'Other.Example.com.'])
  const resolve = table({
    'hooks.example.com': [v4('127.0.0.1')],
    'other.example.com': [v4('93.184.215.14')],
    'evil.example.net': [v4('93.184.215.15')],
  })
  t.match(
    await checkEgress('hooks.example.com', policy, resolve),
    { ok: false, permanent: true, reason: /hooks\.example\.com resolves to 127\.0\.0\.1 \(loopback/ },
    'a listed name resolving to loopback is refused',
  )
  t.match(
    await checkEgress('other.example.com', policy, resolve),
    { ok: true, nonPublic: false },
    'names compare without case or trailing dot',
  )
  t.match(await checkEgress('evil.example.net', policy, resolve), {
    ok: false,
    permanent: true,
    reason: /evil\.example\.net is not one of the host names/,
  })
  t.match(
    await checkEgress('93.184.215.14', policy, resolve),
    { ok: false, reason: /with host names listed/ },
    'a literal address is no name',
  )
  const both = parseEgressPolicy(['hooks.example.com', '10.20.0.0/16'])
  t.match(await checkEgress('10.20.1.1', both, resolve), { ok: true, nonPublic: true }, 'unless it is in a listed range')
})

t.test('bad WEBHOOK_ALLOWED_HOSTS entries are named', async (t) => {
  t.throws(() => parseEgressPolicy(['10.0.0.0/33']), /"10\.0\.0\.0\/33" is not a CIDR range/)
  t.throws(() => parseEgressPolicy(['::1/129']), /not a CIDR range/)
  t.throws(() => parseEgressPolicy(['10.0.0.0/-1']), /not a CIDR range/)
  t.throws(() => parseEgressPolicy(['host_name/8']), /neither a host name nor a CIDR range/)
  t.same(parseEgressPolicy(['', ' ']).names.size, 0)
})
