import { canonicalJson } from '../../../src/domain/canonical-json.ts'
import { createHash } from 'node:crypto'
import t from 'tap'
import {
  type AuditEntry,
  chainVerifier,
  entryHash,
  entryHashParts,
  GENESIS_HASH,
  normalisePayload,
  parseExpectedHead,
} from '../../../src/services/audit-chain.ts'

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

/** A chain of `n` valid entries built the way the writer builds them. */
function chain(n: number, start = new Date('2021-10-05T09:00:00Z')): AuditEntry[] {
  const out: AuditEntry[] = []
  let prev = GENESIS_HASH
  for (let i = 1; i <= n; i++) {
    const content = {
      seq: i,
      recordedAt: new Date(start.getTime() + i * 1000),
      actor: i % 2 ? '7d0f5d3e-6a54-4f3c-9d6a-2a4a8d1b9c01' : null,
      action: i % 3 ? 'window.created' : 'window.changed',
      entityType: 'window',
      entityId: `w-${i}`,
      payload: { version: i, changes: [{ field: 'title', old: null, new: `T${i}` }] },
      prevHash: prev,
    }
    const hash = entryHash(content)
    out.push({ ...content, hash })
    prev = hash
  }
  return out
}

function verify(entries: AuditEntry[], expectHead?: { seq?: number; hash: string }) {
  const v = chainVerifier({ expectHead })
  for (const e of entries) if (!v.push(e)) break
  return v.result()
}

/** Re-hashes entries from index `from` on, as someone rewriting the tail would. */
function rehash(entries: AuditEntry[], from: number): AuditEntry[] {
  const out = entries.slice(0, from).map((e) => ({ ...e }))
  let prev = from === 0 ? GENESIS_HASH : out[from - 1]!.hash
  for (const [i, e] of entries.slice(from).entries()) {
    const content = { ...e, seq: from + i + 1, prevHash: prev }
    const hash = entryHash(content)
    out.push({ ...content, hash })
    prev = hash
  }
  return out
}

t.test('canonical JSON: keys sorted at every depth, arrays in order, no white space', async (t) => {
  t.equal(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }), '{"a":[2,{"c":4,"d":3}],"b":1}')
  t.equal(
    canonicalJson({ z: 'x', a: { y: null, b: true } }),
    canonicalJson({ a: { b: true, y: null }, z: 'x' }),
    'key order does not matter',
  )
  t.not(canonicalJson([1, 2]), canonicalJson([2, 1]), 'array order does')
  t.equal(canonicalJson({ at: new Date('2021-11-14T00:00:00Z') }), '{"at":"2021-11-14T00:00:00.000Z"}')
  t.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}', 'undefined members are left out')
  t.equal(canonicalJson('é"\n'), JSON.stringify('é"\n'), 'strings as JSON.stringify writes them')
})

t.test('the hash is SHA-256 of the canonical serialisation of the eight fields', async (t) => {
  const e = {
    seq: 7,
    recordedAt: new Date('2021-10-05T09:00:00.123Z'),
    actor: null,
    action: 'key.created',
    entityType: 'api-key',
    entityId: 'k1',
    payload: { role: 'submitter', parties: ['DSP'], at: { z: 1, a: 2 } },
    prevHash: GENESIS_HASH,
  }
  const written =
    '{"action":"key.created","actor":null,"entityId":"k1","entityType":"api-key",' +
    '"payload":{"at":{"a":2,"z":1},"parties":["DSP"],"role":"submitter"},' +
    `"prevHash":"${GENESIS_HASH}","recordedAt":"2021-10-05T09:00:00.123Z","seq":7}`
  t.equal(entryHash(e), sha256(written))
  t.match(entryHash(e), /^[0-9a-f]{64}$/)
  for (const [field, value] of [
    ['seq', 8],
    ['recordedAt', new Date('2021-10-05T09:00:00.124Z')],
    ['actor', '7d0f5d3e-6a54-4f3c-9d6a-2a4a8d1b9c01'],
    ['action', 'key.revoked'],
    ['entityType', 'window'],
    ['entityId', 'k2'],
    ['payload', { role: 'viewer', parties: ['DSP'], at: { z: 1, a: 2 } }],
    ['prevHash', 'f'.repeat(64)],
  ] as const)
    t.not(entryHash({ ...e, [field]: value }), entryHash(e), `${field} is covered`)
})

t.test('the pieces the database joins around the previous hash and seq make the same hash', async (t) => {
  for (const e of [
    ...chain(5),
    {
      seq: 123_456_789,
      recordedAt: new Date('2022-03-27T01:00:00.999Z'),
      actor: null,
      action: 'window.changed',
      entityType: 'window',
      entityId: 'é–€😀',
      payload: { title: 'Ünïcödé – “quoted” \\ back\nslash', list: [], nested: { b: [1, { a: null }] } },
      prevHash: 'a'.repeat(64),
    },
  ]) {
    const p = entryHashParts(e)
    const joined = `${p.beforePrev}${e.prevHash}${p.beforeSeq}${e.seq}}`
    t.equal(sha256(joined), entryHash(e), `seq ${e.seq}`)
    const { seq, recordedAt, actor, action, entityType, entityId, payload, prevHash } = e
    const fields = { seq, recordedAt: recordedAt.toISOString(), actor, action, entityType, entityId, payload, prevHash }
    t.equal(joined, canonicalJson(fields), 'the text is the canonical JSON of the eight fields')
  }
})

t.test('payloads are normalised to what jsonb gives back', async (t) => {
  t.same(normalisePayload({ at: new Date('2021-11-14T00:00:00Z'), gone: undefined, n: Number.NaN }), {
    at: '2021-11-14T00:00:00.000Z',
    n: null,
  })
  t.same(normalisePayload({ 'k\u0000': 'a\u0000b', lone: 'x\uD800y', low: '\uDC00', pair: '😀' }), {
    'k\uFFFD': 'a\uFFFDb',
    lone: 'x\uFFFDy',
    low: '\uFFFD',
    pair: '😀',
  })
  t.same(normalisePayload(undefined), null)
})

t.test('an intact chain verifies, and so does an empty one', async (t) => {
  const c = chain(5)
  const r = verify(c)
  t.equal(r.ok, true)
  t.equal(r.checked, 5)
  t.same(r.head, { seq: 5, hash: c[4]!.hash })
  t.same(verify([]), { ok: true, checked: 0, head: { seq: 0, hash: GENESIS_HASH } })
  t.equal(verify([], { seq: 0, hash: GENESIS_HASH }).ok, true, 'the empty head of an empty log')
})

t.test('an edited row: its hash no longer matches (altered)', async (t) => {
  const c = chain(6)
  c[2] = { ...c[2]!, payload: { version: 3, changes: [{ field: 'title', old: null, new: 'forged' }] } }
  const r = verify(c)
  t.equal(r.ok, false)
  t.same(r.broken && { seq: r.broken.seq, kind: r.broken.kind }, { seq: 3, kind: 'altered' })
  t.match(r.broken?.message, /entry 3 \(window\.changed window w-3\) was altered/)
  t.equal(r.checked, 2)
  const actor = chain(4)
  actor[1] = { ...actor[1]!, actor: '7d0f5d3e-6a54-4f3c-9d6a-2a4a8d1b9c01' }
  t.equal(verify(actor).broken?.seq, 2, 'a changed actor too')
})

t.test('an edited row re-hashed in place breaks the next link (relinked)', async (t) => {
  const c = chain(5)
  const forged = { ...c[1]!, payload: { version: 2, forged: true } }
  c[1] = { ...forged, hash: entryHash(forged) }
  const r = verify(c)
  t.same(r.broken && { seq: r.broken.seq, kind: r.broken.kind }, { seq: 3, kind: 'relinked' })
  t.match(r.broken?.message, /entry 3 does not link to entry 2/)
})

t.test('a deleted row in the middle, or the first row, is a gap (missing)', async (t) => {
  const c = chain(6)
  const middle = verify([...c.slice(0, 3), ...c.slice(4)])
  t.same(middle.broken && { seq: middle.broken.seq, kind: middle.broken.kind }, { seq: 4, kind: 'missing' })
  t.match(middle.broken?.message, /entry 4 is missing: entry 5 follows entry 3/)
  const two = verify([...c.slice(0, 2), ...c.slice(4)])
  t.match(two.broken?.message, /entry 3–4 is missing/)
  const first = verify(c.slice(1))
  t.same(first.broken && { seq: first.broken.seq, kind: first.broken.kind }, { seq: 1, kind: 'missing' })
})

t.test('a deleted middle row with the rest renumbered and re-hashed: only an earlier head shows it', async (t) => {
  const c = chain(6)
  const head = { seq: 6, hash: c[5]!.hash }
  const rewritten = rehash([...c.slice(0, 3), ...c.slice(4)], 3)
  t.equal(verify(rewritten).ok, true, 'a consistent rewrite verifies on its own')
  const r = verify(rewritten, head)
  t.equal(r.ok, false)
  t.same(r.broken && { seq: r.broken.seq, kind: r.broken.kind }, { seq: 6, kind: 'head' })
  t.match(r.broken?.message, /the chain ends at entry 5, before entry 6/)
})

t.test('a deleted tail: caught against a head taken earlier', async (t) => {
  const c = chain(8)
  const head = { seq: 8, hash: c[7]!.hash }
  t.equal(verify(c, head).ok, true, 'the head is there')
  t.equal(verify(c.slice(0, 6)).ok, true, 'without a head a shorter chain is still a chain')
  const r = verify(c.slice(0, 6), head)
  t.same(r.broken && { seq: r.broken.seq, kind: r.broken.kind }, { seq: 7, kind: 'head' })
  const byHash = verify(c.slice(0, 6), { hash: head.hash })
  t.equal(byHash.ok, false)
  t.equal(byHash.broken?.seq, null, 'a hash alone cannot say where')
  t.match(byHash.broken?.message, /no entry has the hash/)
  t.equal(verify([...c, ...chain(9).slice(8)].slice(0, 8), { hash: c[4]!.hash }).ok, true, 'an older head anywhere in the chain')
})

t.test('a rewritten tail with recomputed hashes: caught against a head taken earlier', async (t) => {
  const c = chain(8)
  const head = { seq: 8, hash: c[7]!.hash }
  const forged = c.map((e, i) => (i >= 5 ? { ...e, payload: { forged: i } } : e))
  const rewritten = rehash(forged, 5)
  t.equal(verify(rewritten).ok, true, 'consistent on its own')
  const r = verify(rewritten, head)
  t.same(r.broken && { seq: r.broken.seq, kind: r.broken.kind }, { seq: 8, kind: 'head' })
  t.match(r.broken?.message, /entry 8 now has the hash [0-9a-f]{12}…, not [0-9a-f]{12}…/)
  const longer = rehash([...forged, ...chain(10).slice(8)], 5)
  t.equal(verify(longer, head).ok, false, 'also when the forger appends more entries')
  t.equal(verify(longer, { hash: head.hash }).ok, false, 'and by hash alone')
})

t.test('--expect-head parses a hash or SEQ:HASH', async (t) => {
  const h = 'AB'.repeat(32)
  t.same(parseExpectedHead(h), { hash: h.toLowerCase() })
  t.same(parseExpectedHead(`42:${h}`), { seq: 42, hash: h.toLowerCase() })
  t.same(parseExpectedHead(` 7@${h} `), { seq: 7, hash: h.toLowerCase() })
  t.equal(parseExpectedHead('abc'), undefined)
  t.equal(parseExpectedHead(`x:${h}`), undefined)
})
