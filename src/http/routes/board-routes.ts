import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { REPORT_CSS } from '../../reports/html.ts'
import { AppError } from '../../services/errors.ts'
import type { AppInstance } from '../app.ts'

/**
 * The HTML compliance report's stylesheet, allowed by its hash: "Print report" (board/src/print.tsx)
 * opens the report as a Blob URL, which keeps the board's policy, and nothing else inline is allowed.
 */
const REPORT_STYLE_SOURCE = `'sha256-${createHash('sha256').update(REPORT_CSS).digest('base64')}'`

/**
 * The planning board's policy: its own script and stylesheet, API calls to this origin, nothing
 * inline, nothing framed, no form posted anywhere (the sign-in form is handled by the script).
 */
export const BOARD_CSP =
  `default-src 'none'; script-src 'self'; style-src 'self' ${REPORT_STYLE_SOURCE}; connect-src 'self'; img-src 'self' data:; ` +
  "base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.html': 'text/html; charset=utf-8',
}
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$/

interface Asset {
  body: Buffer
  gzip: Buffer | null
  type: string
  etag: string
}

/**
 * The folder `npm run build` writes the board into (board/build.mjs): `dist/board` under the
 * package root, found from this file whether it runs from src/ (tsx, tests) or dist/src/.
 *
 * @example boardDir() // '/app/dist/board'
 */
export function boardDir(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir) return join(from, 'board')
    dir = up
  }
  return join(dir, 'dist', 'board')
}

function load(dir: string): Map<string, Asset> | null {
  if (!existsSync(join(dir, 'index.html'))) return null
  const assets = new Map<string, Asset>()
  const read = (name: string, path: string) => {
    const ext = name.slice(name.lastIndexOf('.'))
    const type = TYPES[ext]
    if (!type) return
    const body = readFileSync(path)
    const gz = `${path}.gz`
    assets.set(name, {
      body,
      gzip: existsSync(gz) ? readFileSync(gz) : null,
      type,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    })
  }
  read('index.html', join(dir, 'index.html'))
  const assetDir = join(dir, 'assets')
  if (existsSync(assetDir)) for (const f of readdirSync(assetDir)) read(`assets/${f}`, join(assetDir, f))
  return assets
}

function send(req: FastifyRequest, reply: FastifyReply, a: Asset, cacheControl: string) {
  reply.header('content-type', a.type).header('cache-control', cacheControl).header('etag', a.etag).header('vary', 'accept-encoding')
  if (req.headers['if-none-match'] === a.etag) return reply.code(304).send()
  if (a.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(a.gzip)
  return reply.send(a.body)
}

/**
 * GET /board (the planning board's page) and its hashed assets under /board/assets/. Public: the
 * page holds no data, every API call it makes needs the key the user signs in with. The files are
 * read once, at the first request after they exist (`npm run build` writes them).
 */
export function boardRoutes(app: AppInstance, deps: { dir?: string } = {}) {
  const dir = deps.dir ?? boardDir()
  let assets: Map<string, Asset> | null = null
  const get = () => {
    assets ??= load(dir)
    if (!assets)
      throw new AppError(
        'not-found',
        404,
        'The planning board is not built',
        'This installation has no built board: run `npm run build` (npm ci does it), then reload.',
      )
    return assets
  }
  const config = { access: 'public' as const }
  const schema = { hide: true }

  app.get('/board', { config, schema }, async (req, reply) => {
    const page = get().get('index.html')!
    reply.header('content-security-policy', BOARD_CSP)
    return send(req, reply, page, 'no-cache')
  })
  app.get('/board/assets/:file', { config, schema }, async (req, reply) => {
    const file = (req.params as { file: string }).file
    const a = ASSET_NAME.test(file) ? get().get(`assets/${file}`) : undefined
    if (!a) throw new AppError('not-found', 404, 'Not found', `No board asset named ${file.slice(0, 120)}.`)
    reply.header('content-security-policy', BOARD_CSP)
    // Names carry a hash of their content: a new build is a new name.
    return send(req, reply, a, 'public, max-age=31536000, immutable')
  })
}
