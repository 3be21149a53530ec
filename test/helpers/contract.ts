import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'

// The contract check: every answer a test gets through app.inject is held against the OpenAPI
// document the app serves. The status must be documented for the operation, the media type for
// that status, and a JSON body must match its schema. An answer the document does not describe is
// a failure of the test that got it.

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>
}
interface OpenApiDoc {
  openapi: string
  paths: Record<string, Record<string, Operation>>
}
export interface Answer {
  statusCode: number
  headers: Record<string, unknown>
  body: string
}

/** Paths that are documentation, not operations of the API: nothing to hold them against. */
// The planning board (/board and its assets) is a page, not an API operation: hidden from the document like /docs.
const DOCUMENTATION = /^\/(docs(\/|$)|openapi\.json$|board(\/|$))/

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1')
const mediaTypeOf = (ct: unknown) =>
  String(ct ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase()
const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json')

/**
 * A checker for one served document. `check` returns what is wrong with an answer (null when it
 * keeps the contract) and counts it: `validated` against an operation, `outside` (no operation: the
 * not-found handler, held against the Problem schema) or `skipped` with the reason.
 *
 * @example const c = contractChecker(app.swagger()); c.check('GET', '/v1/windows', res) // null
 */
export function contractChecker(doc: OpenApiDoc, tally: ContractTally = newTally()) {
  if (!doc.openapi.startsWith('3.1')) throw new Error(`the contract check reads OpenAPI 3.1 (JSON Schema 2020-12), not ${doc.openapi}`)
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true })
  addFormats(ajv)
  ajv.addSchema(doc as object, 'doc')
  const validators = new Map<string, ValidateFunction>()
  const validator = (pointer: string) => {
    let v = validators.get(pointer)
    if (!v) {
      v = ajv.getSchema(`doc#${pointer}`)
      if (!v) throw new Error(`contract: no schema at ${pointer}`)
      validators.set(pointer, v)
    }
    return v
  }
  // Literal paths before templated ones (/v1/blackouts/state before /v1/blackouts/{id}).
  const templates = Object.keys(doc.paths)
    .map((path) => ({
      path,
      params: (path.match(/\{/g) ?? []).length,
      re: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }))
    .sort((a, b) => a.params - b.params || b.path.length - a.path.length)

  const skip = (reason: string) => {
    tally.skipped[reason] = (tally.skipped[reason] ?? 0) + 1
    return null
  }

  const checkBody = (pointer: string, mediaType: string, res: Answer, head: boolean): string | null => {
    if (head || !isJson(mediaType)) return null
    let value: unknown
    try {
      value = JSON.parse(res.body)
    } catch {
      return `a ${mediaType} body that is not JSON: ${res.body.slice(0, 200)}`
    }
    const v = validator(pointer)
    if (v(value)) return null
    return `the body does not match ${pointer}: ${ajv.errorsText(v.errors, { dataVar: 'body' })}\n${res.body.slice(0, 600)}`
  }

  function check(method: string, url: string, res: Answer): string | null {
    const path = (url.split('?')[0] ?? '').replace(/(.)\/$/, '$1')
    if (DOCUMENTATION.test(path)) return skip('documentation and pages (/docs, /openapi.json, /board) are not API operations')
    const head = method === 'HEAD'
    const m = (head ? 'get' : method).toLowerCase()
    const found = templates.find((t) => t.re.test(path) && doc.paths[t.path]?.[m])
    const mediaType = mediaTypeOf(res.headers['content-type'])
    if (!found) {
      // No operation: the not-found handler (or a framework refusal before any route), problem+json.
      tally.outside++
      if (res.statusCode < 400) return `${method} ${path} answered ${res.statusCode} but the document has no such operation`
      if (mediaType !== 'application/problem+json') return `${method} ${path} (no operation) answered ${res.statusCode} as ${mediaType}`
      return checkBody('/components/schemas/Problem', mediaType, res, head)
    }
    const op = doc.paths[found.path]![m]!
    const at = `/paths/${escapePointer(found.path)}/${m}/responses`
    const response = op.responses[String(res.statusCode)]
    const where = `${method} ${found.path} → ${res.statusCode}`
    tally.validated++
    if (!response) return `${where} is not documented (documented: ${Object.keys(op.responses).join(', ')})`
    const content = response.content
    if (!content) {
      if (res.body.length && !head) return `${where} has a body (${mediaType}) where the document says none`
      return null
    }
    if (!res.body.length && !head) return `${where} has no body where the document says ${Object.keys(content).join(', ')}`
    if (!content[mediaType])
      return `${where} as ${mediaType || 'no content type'} is not documented (documented: ${Object.keys(content).join(', ')})`
    return checkBody(`${at}/${escapePointer(String(res.statusCode))}/content/${escapePointer(mediaType)}/schema`, mediaType, res, head)
  }

  return { check, tally }
}

export type ContractChecker = ReturnType<typeof contractChecker>
export interface ContractTally {
  validated: number
  outside: number
  skipped: Record<string, number>
}
export const newTally = (): ContractTally => ({ validated: 0, outside: 0, skipped: {} })

/** `contract: …`, the line each test file ends with. */
export function contractSummary(tally: ContractTally): string {
  const skipped = Object.entries(tally.skipped)
  return (
    `contract: ${tally.validated} responses validated against their operation, ${tally.outside} outside any operation (held against Problem)` +
    (skipped.length ? `; skipped: ${skipped.map(([why, n]) => `${n} (${why})`).join(', ')}` : '')
  )
}
