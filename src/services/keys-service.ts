import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { ChangeNotifications } from '../db/change-notifications.ts'
import type { Db } from '../db/database.ts'
import { feedsRepository } from '../db/repositories/feeds-repository.ts'
import { type ApiKeyRecord, keysRepository } from '../db/repositories/keys-repository.ts'
import type { Actor, Role } from '../domain/lifecycle.ts'
import { ChangeAwareCache } from './change-aware-cache.ts'
import { appendAudit } from './audit-service.ts'
import type { Clock } from './clock.ts'
import { AppError, bodyField, invalid, notFound } from './errors.ts'
import { checkIdsAgainst, type ReferenceService } from './reference-service.ts'
import { inTransaction } from './transactions.ts'

/** What a key looks like from the outside: never its secret. */
export interface ApiKeyView {
  id: string
  name: string
  role: Role
  parties: string[]
  createdAt: Date
  revokedAt: Date | null
}

const KEY_FORMAT = /^mwp_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{32,})$/

const sha256 = (s: string) => createHash('sha256').update(s).digest()

/** Keys we issue carry a public lookup part; a key given by the operator (ADMIN_API_KEY) is looked up by a hash prefix. */
function lookupOf(token: string): string {
  const m = KEY_FORMAT.exec(token)
  return m ? m[1]! : `h${sha256(`lookup:${token}`).toString('hex').slice(0, 24)}`
}

const view = (k: ApiKeyRecord): ApiKeyView => ({
  id: k.id,
  name: k.name,
  role: k.role,
  parties: k.parties,
  createdAt: k.createdAt,
  revokedAt: k.revokedAt,
})

/**
 * API keys: issuing, listing, revoking, and turning a bearer token into an Actor.
 * Secrets are shown once at creation and stored only as SHA-256 hashes, compared in constant time.
 *
 * @example const { key } = await keys.create({ name: 'DSP planner', role: 'submitter', parties: ['DSP'] }, admin)
 */
export function createKeysService(deps: { db: Db; clock: Clock; reference: ReferenceService; changes?: ChangeNotifications }) {
  const { db, clock } = deps
  // Active keys by lookup; a revocation anywhere clears it at commit. Unknown keys are not kept.
  const active = new ChangeAwareCache<string, ApiKeyRecord | undefined>(deps.changes, ['api_keys'], { keep: (k) => k !== undefined })

  async function issue(input: { name: string; role: Role; parties: string[] }, createdBy: string | null, token?: string) {
    const secret =
      token ?? `mwp_${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12)}_${randomBytes(24).toString('base64url')}`
    const rec = await inTransaction(db, undefined, async (trx) => {
      const stored = await keysRepository.insert(trx, {
        lookup: lookupOf(secret),
        secretHash: sha256(secret),
        name: input.name,
        role: input.role,
        parties: input.parties,
        createdBy,
      })
      // Never the secret nor its hash.
      await appendAudit(trx, clock, {
        actor: createdBy ? { keyId: createdBy } : null,
        action: 'key.created',
        entityType: 'api-key',
        entityId: stored.id,
        payload: { name: stored.name, role: stored.role, parties: stored.parties },
      })
      return stored
    })
    return { ...view(rec), key: secret }
  }

  return {
    /** Issues a key (admin only; the route checks the role). Submitters must name at least one known party. */
    async create(input: { name: string; role: Role; party?: string; parties?: string[] }, createdBy: string | null) {
      const parties = [...new Set([...(input.parties ?? []), ...(input.party ? [input.party] : [])])]
      if (input.role === 'submitter' && parties.length === 0)
        throw invalid([bodyField('/parties', 'a submitter key must be bound to at least one party (party or parties)')])
      if (input.role !== 'submitter' && parties.length > 0)
        throw invalid([bodyField(input.party ? '/party' : '/parties', `a ${input.role} key is not bound to parties`)])
      const ref = await deps.reference.all()
      const problems = parties.flatMap((p) => checkIdsAgainst(ref, { party: p }))
      if (problems.length) throw invalid(problems.map((p, i) => ({ ...p, pointer: input.party ? '/party' : `/parties/${i}` })))
      return issue({ name: input.name, role: input.role, parties }, createdBy)
    },

    /** The key making a request, as its holder may see it (never the secret). */
    async whoAmI(actor: Actor): Promise<ApiKeyView> {
      const rec = await keysRepository.findById(db, actor.keyId)
      if (!rec) throw notFound('API key', actor.keyId)
      return view(rec)
    },

    async list(): Promise<ApiKeyView[]> {
      return (await keysRepository.list(db)).map(view)
    },

    async revoke(id: string, actor: Actor): Promise<void> {
      if (id === actor.keyId) throw new AppError('conflict', 409, 'Cannot revoke the key in use', 'Revoke this key with another admin key.')
      // The key's calendar feeds go with it, in the same transaction.
      const now = clock.now()
      await inTransaction(db, undefined, async (trx) => {
        if (!(await keysRepository.revoke(trx, id, now))) throw notFound('API key', id)
        const feeds = await feedsRepository.revokeByOwner(trx, id, now)
        await appendAudit(trx, clock, {
          actor,
          action: 'key.revoked',
          entityType: 'api-key',
          entityId: id,
          payload: { revokedAt: now, feedsRevoked: feeds },
        })
      })
    },

    /** The actor holding `token`, or undefined when the token is unknown or revoked. */
    async authenticate(token: string): Promise<Actor | undefined> {
      const lookup = lookupOf(token)
      const rec = await active.get(lookup, () => keysRepository.findActiveByLookup(db, lookup))
      if (!rec) return undefined
      const given = sha256(token)
      if (given.length !== rec.secretHash.length || !timingSafeEqual(given, rec.secretHash)) return undefined
      return { keyId: rec.id, role: rec.role, parties: rec.parties }
    },

    /**
     * Makes sure an admin can get in: the operator's ADMIN_API_KEY is registered once; with none
     * configured and no admin key stored, a new one is generated and returned to print once.
     */
    async ensureBootstrapAdmin(adminApiKey: string | undefined): Promise<{ generated?: string }> {
      if (adminApiKey) {
        const known = await keysRepository.findActiveByLookup(db, lookupOf(adminApiKey))
        if (!known) await issue({ name: 'bootstrap admin (ADMIN_API_KEY)', role: 'admin', parties: [] }, null, adminApiKey)
        return {}
      }
      if ((await keysRepository.countActiveAdmins(db)) > 0) return {}
      const created = await issue({ name: 'bootstrap admin (generated)', role: 'admin', parties: [] }, null)
      return { generated: created.key }
    },
  }
}

export type KeysService = ReturnType<typeof createKeysService>
