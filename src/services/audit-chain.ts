import { createHash } from 'node:crypto'
import { canonicalJson } from '../domain/canonical-json.ts'

/**
 * The audit log's hash chain, pure (no I/O): the canonical serialisation of an entry, its SHA-256,
 * and a verifier that walks entries in `seq` order and names the first one that breaks the chain.
 * The writer (audit-service) and both readers (GET /v1/audit/verify, `mwp audit verify`) use these.
 *
 * @example entryHash({ seq: 1, recordedAt: new Date(0), actor: null, action: 'key.created', entityType: 'api-key', entityId: 'k', payload: {}, prevHash: GENESIS_HASH })
 */

/** The `prev_hash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64)

/** What the hash covers: every column but the hash itself. */
export interface AuditEntryContent {
  seq: number
  recordedAt: Date
  /** The API key that made the write; null for the command line and the system (bootstrap). */
  actor: string | null
  action: string
  entityType: string
  entityId: string
  payload: unknown
  prevHash: string
}

export interface AuditEntry extends AuditEntryContent {
  hash: string
}

/** The head of the chain: the last entry's seq and hash (seq 0 and the genesis hash when empty). */
export interface AuditHead {
  seq: number
  hash: string
}

/** Replaces what a jsonb column cannot hold (NUL, lone surrogates) so that what is hashed is what is stored. */
function cleanString(s: string): string {
  return s.replace(/\u0000/g, '\uFFFD').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
}

/**
 * The payload as it reads back from a jsonb column: plain JSON (instants as RFC 3339 UTC strings,
 * `undefined` dropped, non-finite numbers null) with strings jsonb accepts. Hash this, store this.
 *
 * @example normalisePayload({ at: new Date(0), x: undefined }) // { at: '1970-01-01T00:00:00.000Z' }
 */
export function normalisePayload(payload: unknown): unknown {
  const json = JSON.stringify(payload ?? null, (_k, v: unknown) => (typeof v === 'string' ? cleanString(v) : v))
  const plain = JSON.parse(json) as unknown
  return fixKeys(plain)
}

function fixKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fixKeys)
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [cleanString(k), fixKeys(x)]))
  return v
}

/**
 * SHA-256 (hex) of the canonical JSON of `{seq, recordedAt, actor, action, entityType, entityId,
 * payload, prevHash}`, `recordedAt` as RFC 3339 UTC with milliseconds.
 *
 * @example entryHash(entry) // '3f1c…' (64 hex digits)
 */
export function entryHash(e: AuditEntryContent): string {
  const body = canonicalJson({
    seq: e.seq,
    recordedAt: e.recordedAt.toISOString(),
    actor: e.actor,
    action: e.action,
    entityType: e.entityType,
    entityId: e.entityId,
    payload: e.payload,
    prevHash: e.prevHash,
  })
  return createHash('sha256').update(body).digest('hex')
}

/**
 * The canonical JSON that `entryHash` hashes, in two pieces around what only the writer holding the
 * append lock knows: `${beforePrev}${prevHash}${beforeSeq}${seq}}` is that text (the database joins
 * and hashes it: migration 0008).
 *
 * @example const p = entryHashParts(e); sha256(`${p.beforePrev}${e.prevHash}${p.beforeSeq}${e.seq}}`) === entryHash(e)
 */
export function entryHashParts(e: Omit<AuditEntryContent, 'seq' | 'prevHash'>): { beforePrev: string; beforeSeq: string } {
  // The keys sort as action, actor, entityId, entityType, payload, then prevHash, recordedAt, seq.
  const first = canonicalJson({ action: e.action, actor: e.actor, entityId: e.entityId, entityType: e.entityType, payload: e.payload })
  return {
    beforePrev: `${first.slice(0, -1)},"prevHash":"`,
    beforeSeq: `","recordedAt":${JSON.stringify(e.recordedAt.toISOString())},"seq":`,
  }
}

/** What was wrong at the first broken entry. */
export type BreakKind =
  /** the entry's stored hash is not the hash of its content: the row was edited */
  | 'altered'
  /** seq does not follow the previous entry: entries were deleted */
  | 'missing'
  /** prev_hash is not the previous entry's hash: the previous entry was replaced or deleted */
  | 'relinked'
  /** the head taken earlier is not in the chain any more: the tail was deleted or rewritten */
  | 'head'

export interface ChainBreak {
  /** The first broken entry; null when a head given by hash alone is not found (where the rewrite starts cannot be known). */
  seq: number | null
  kind: BreakKind
  message: string
}

export interface VerifyResult {
  ok: boolean
  /** Entries checked (up to the first break). */
  checked: number
  /** The last entry of the chain as stored (whether or not it verifies). */
  head: AuditHead
  /** The first break, when there is one. */
  broken?: ChainBreak
}

/** An expected head: its hash, and its seq when known (`SEQ:HASH` on the command line). */
export interface ExpectedHead {
  seq?: number | undefined
  hash: string
}

/**
 * Parses `--expect-head`: a 64-hex hash, or `SEQ:HASH` as the report provenance prints it.
 *
 * @example parseExpectedHead('42:' + 'a'.repeat(64)) // { seq: 42, hash: 'aaaa…' }
 */
export function parseExpectedHead(text: string): ExpectedHead | undefined {
  const m = /^\s*(?:(\d{1,15})\s*[:@]\s*)?([0-9a-fA-F]{64})\s*$/.exec(text)
  if (!m) return undefined
  return { ...(m[1] !== undefined ? { seq: Number(m[1]) } : {}), hash: m[2]!.toLowerCase() }
}

/**
 * Checks entries fed in ascending `seq` order, batch by batch, and keeps only what it needs (the
 * previous entry and, with an expected head, whether it was seen), so a chain of any length is
 * verified in constant memory. The first break stops the walk (`push` returns false).
 *
 * @example
 * const v = chainVerifier()
 * for (const e of entries) if (!v.push(e)) break
 * v.result() // { ok: true, checked: 3, head: { seq: 3, hash: '…' } }
 */
export function chainVerifier(opts: { expectHead?: ExpectedHead | undefined } = {}) {
  let prev: AuditHead = { seq: 0, hash: GENESIS_HASH }
  let checked = 0
  let broken: ChainBreak | undefined
  let last: AuditHead = { seq: 0, hash: GENESIS_HASH }
  let headSeen = false
  let storedAtExpectedSeq: string | undefined
  const expect = opts.expectHead
  if (expect && expect.seq === 0 && expect.hash === GENESIS_HASH) headSeen = true

  return {
    /** Checks the next entry; false once the chain is broken (the rest need not be read). */
    push(e: AuditEntry): boolean {
      last = { seq: e.seq, hash: e.hash }
      if (broken) return false
      const expectedSeq = prev.seq + 1
      if (e.seq !== expectedSeq) {
        const gap = e.seq > expectedSeq
        broken = {
          seq: expectedSeq,
          kind: 'missing',
          message: gap
            ? `entry ${expectedSeq}${e.seq - expectedSeq > 1 ? `–${e.seq - 1}` : ''} is missing: entry ${e.seq} follows entry ${prev.seq} (deleted)`
            : `entry ${e.seq} is out of order after entry ${prev.seq}`,
        }
        return false
      }
      if (e.prevHash !== prev.hash) {
        broken = {
          seq: e.seq,
          kind: 'relinked',
          message: `entry ${e.seq} does not link to ${prev.seq === 0 ? 'the genesis hash' : `entry ${prev.seq}`}: its prev_hash ${short(e.prevHash)} is not ${short(prev.hash)} (entry ${prev.seq} was replaced, or entries were removed and renumbered)`,
        }
        return false
      }
      const recomputed = entryHash(e)
      if (recomputed !== e.hash) {
        broken = {
          seq: e.seq,
          kind: 'altered',
          message: `entry ${e.seq} (${e.action} ${e.entityType} ${e.entityId}) was altered: its content hashes to ${short(recomputed)}, not the stored ${short(e.hash)}`,
        }
        return false
      }
      if (expect?.seq === e.seq) storedAtExpectedSeq = e.hash
      if (expect && (expect.seq === undefined || expect.seq === e.seq) && expect.hash === e.hash) headSeen = true
      prev = { seq: e.seq, hash: e.hash }
      checked++
      return true
    },

    result(): VerifyResult {
      if (!broken && expect && !headSeen) {
        const where =
          expect.seq === undefined
            ? `no entry has the hash ${short(expect.hash)}`
            : expect.seq > prev.seq
              ? `the chain ends at entry ${prev.seq}, before entry ${expect.seq}`
              : `entry ${expect.seq} now has the hash ${short(storedAtExpectedSeq ?? '?')}, not ${short(expect.hash)}`
        broken = {
          seq: expect.seq !== undefined ? Math.min(expect.seq, prev.seq + 1) : null,
          kind: 'head',
          message: `the head taken earlier (${expect.seq !== undefined ? `seq ${expect.seq}, ` : ''}hash ${short(expect.hash)}) is not in the chain: ${where}; entries after it were deleted or rewritten`,
        }
      }
      return { ok: !broken, checked, head: last, ...(broken ? { broken } : {}) }
    },
  }
}

const short = (h: string) => (h.length > 16 ? `${h.slice(0, 12)}…` : h)
