import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { chmod, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * Secrets at rest (webhook signing secrets): AES-256-GCM with a random 96-bit IV per value, bound to
 * what it belongs to (additional authenticated data), stored as
 * `mwp:v1:<key id>:<iv>:<ciphertext>:<tag>` (base64url). The key id is a fingerprint of the key, so a
 * value names the key that sealed it: a missing or wrong key is a clear error, never a wrong secret.
 *
 * A keyring holds the current key (seals) and older ones (open only), for rotation.
 *
 * @example
 * const ring = createKeyring([randomBytes(32)])
 * const stored = ring.seal('whsec_…', 'webhook:42')
 * ring.open(stored, 'webhook:42') // 'whsec_…'
 */
const PREFIX = 'mwp:v1:'
const KEY_FILE = 'secrets.key'

export class SecretsKeyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SecretsKeyError'
  }
}

/** A key's public id: the first 8 bytes of SHA-256 over a label and the key, in hex. */
export const keyIdOf = (key: Buffer) => createHash('sha256').update('mwp secrets key id\0').update(key).digest('hex').slice(0, 16)

export interface Keyring {
  /** Id of the key that seals. */
  readonly currentKeyId: string
  seal(plain: string, context: string): string
  /** Opens a sealed value; throws SecretsKeyError naming the problem (unknown key, failed authentication). */
  open(stored: string, context: string): string
  /** Whether a stored value is sealed (else it is an older clear-text value). */
  isSealed(stored: string): boolean
  /** The key id a sealed value names, or undefined for clear text. */
  keyIdOf(stored: string): string | undefined
}

/** A keyring over 32-byte keys; the first one seals, all of them open. */
export function createKeyring(keys: readonly Buffer[]): Keyring {
  if (keys.length === 0) throw new SecretsKeyError('a keyring needs at least one key')
  for (const k of keys) if (k.length !== 32) throw new SecretsKeyError(`a secrets key is 32 bytes, not ${k.length}`)
  const byId = new Map(keys.map((k) => [keyIdOf(k), k]))
  const current = keyIdOf(keys[0]!)
  const b64 = (b: Buffer) => b.toString('base64url')
  return {
    currentKeyId: current,
    seal(plain, context) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', byId.get(current)!, iv)
      cipher.setAAD(Buffer.from(context, 'utf8'))
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return `${PREFIX}${current}:${b64(iv)}:${b64(ct)}:${b64(cipher.getAuthTag())}`
    },
    open(stored, context) {
      if (!stored.startsWith(PREFIX)) throw new SecretsKeyError('the value is not sealed')
      const [kid, iv, ct, tag] = stored.slice(PREFIX.length).split(':')
      if (!kid || iv === undefined || ct === undefined || tag === undefined) throw new SecretsKeyError('the sealed value is malformed')
      const key = byId.get(kid)
      if (!key)
        throw new SecretsKeyError(
          `it was sealed with key ${kid}, which is not in SECRETS_KEY (this instance has ${[...byId.keys()].join(', ')}); give every instance the same SECRETS_KEY, old keys after the new one`,
        )
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
        decipher.setAAD(Buffer.from(context, 'utf8'))
        decipher.setAuthTag(Buffer.from(tag, 'base64url'))
        return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8')
      } catch {
        throw new SecretsKeyError(`it does not authenticate under key ${kid}: the stored value was altered or moved to another row`)
      }
    },
    isSealed: (stored) => stored.startsWith(PREFIX),
    keyIdOf: (stored) => (stored.startsWith(PREFIX) ? stored.slice(PREFIX.length).split(':')[0] : undefined),
  }
}

/**
 * The embedded database's key file: `DATA_DIR/secrets.key` (base64 of 32 random bytes, mode 0600),
 * created on first start and read after (`create: false`: read only, undefined when absent).
 * Returns the key, whether it was just created, and a warning when others can read the file.
 *
 * @example const { key } = await keyFileInDataDir('./data')
 */
export async function keyFileInDataDir(
  dataDir: string,
  opts: { create: boolean } = { create: true },
): Promise<{ key: Buffer; path: string; created: boolean; warning?: string } | undefined> {
  const path = join(dataDir, KEY_FILE)
  if (opts.create) {
    try {
      await writeFile(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' })
      await chmod(path, 0o600) // whatever the umask
      return { key: await readKey(path), path, created: true }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
  } else if (!(await stat(path).catch(() => undefined))) return undefined
  const key = await readKey(path)
  const mode = (await stat(path)).mode & 0o777
  return {
    key,
    path,
    created: false,
    ...(mode & 0o077 ? { warning: `${path} is readable by others (mode ${mode.toString(8)}); chmod 600 it` } : {}),
  }
}

async function readKey(path: string): Promise<Buffer> {
  const key = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64')
  if (key.length !== 32) throw new SecretsKeyError(`${path} does not hold a base64 32-byte key`)
  return key
}
