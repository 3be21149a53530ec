import { STATUS_CODES } from 'node:http'
import { jsonSchemaTransform } from 'fastify-type-provider-zod'
import type { Access } from './auth.ts'
import { UNLIMITED } from './hardening.ts'

type Transform = typeof jsonSchemaTransform
type TransformInput = Parameters<Transform>[0]
type JsonSchema = Record<string, unknown>

/** What the OpenAPI document needs to know about a route to say which shared answers it can give. */
export interface OperationFacts {
  method: string
  url: string
  access: Access | undefined
  /** The URL has path parameters (`:id`). */
  pathParams: boolean
}

export const PROBLEM_MEDIA_TYPE = 'application/problem+json'
const PROBLEM_REF = '#/components/schemas/Problem'

/**
 * Statuses a route can answer whatever its handler does, each with the condition that brings it:
 * the one declaration the document takes them from (a route lists only its own: 404 for an unknown
 * resource, 409, 412, 422, …). All are problem+json.
 *
 * @example SHARED_ANSWERS.filter((a) => a.when(facts)).map((a) => a.status) // [400, 401, 403, 429, 431, 500, 503]
 */
export const SHARED_ANSWERS: readonly { status: number; when: (op: OperationFacts) => boolean; description: string }[] = [
  {
    status: 400,
    when: () => true,
    description:
      'The request cannot be read or is not valid (validation-failed, malformed-json, bad-request); `errors` names each field by JSON Pointer',
  },
  { status: 401, when: (op) => keyed(op), description: 'No API key, or an unknown or revoked one (unauthorized)' },
  { status: 403, when: (op) => keyed(op), description: "The key's role or party does not allow this (forbidden)" },
  { status: 404, when: (op) => op.pathParams, description: 'Nothing answers to this path: no such resource (not-found)' },
  { status: 413, when: (op) => readsBody(op), description: 'The body is larger than the service reads (payload-too-large)' },
  { status: 414, when: (op) => op.pathParams, description: 'A path segment is longer than 200 characters (uri-too-long)' },
  { status: 415, when: (op) => readsBody(op), description: 'The Content-Type is not JSON (unsupported-media-type)' },
  {
    status: 429,
    when: (op) => !UNLIMITED.has(op.url),
    description: 'Too many requests from this API key, feed token or address (rate-limited); see Retry-After',
  },
  { status: 431, when: () => true, description: 'The request line and headers are larger than 16 KiB (headers-too-large)' },
  { status: 500, when: () => true, description: 'Something went wrong on our side (internal-error)' },
  {
    status: 503,
    when: () => true,
    description: 'The database is unreachable or this instance is stopping (database-unavailable, shutting-down); see Retry-After',
  },
]

const keyed = (op: OperationFacts) => op.access !== 'public'
/** Fastify reads a body for these methods only (GET and HEAD never reach a content-type parser). */
const readsBody = (op: OperationFacts) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(op.method)

const problemContent = () => ({ [PROBLEM_MEDIA_TYPE]: { schema: { $ref: PROBLEM_REF } } })
const isProblem = (s: unknown) => (s as JsonSchema | undefined)?.$ref === PROBLEM_REF

/**
 * The swagger `transform`: fastify-type-provider-zod's jsonSchemaTransform, then what every route
 * shares: public routes carry `security: []`, the SHARED_ANSWERS that apply are added, every error
 * is `application/problem+json` with the one Problem schema, and `If-Match` is required where its
 * absence is 428.
 *
 * @example await app.register(swagger, { openapi, transform: openapiTransform, transformObject: jsonSchemaTransformObject })
 */
export function openapiTransform(document: TransformInput): ReturnType<Transform> {
  const out = jsonSchemaTransform(document)
  const schema = out.schema as JsonSchema | undefined
  if (!schema || schema.hide) return out
  const route = (document as TransformInput & { route: { method: string | string[]; config?: { access?: Access } } }).route
  const method = [route.method].flat()[0] ?? 'GET'
  const facts: OperationFacts = { method, url: document.url, access: route.config?.access, pathParams: /:\w/.test(document.url) }
  const responses: Record<string, unknown> = { ...((schema.response as Record<string, unknown> | undefined) ?? {}) }
  for (const a of SHARED_ANSWERS) if (a.when(facts)) responses[a.status] = mergeProblem(responses[a.status], a.description)
  for (const [status, r] of Object.entries(responses))
    if (Number(status) >= 400 && isProblem(r)) responses[status] = mergeProblem(r, describe(Number(status)))
  const result: JsonSchema = { ...schema, response: responses }
  if (facts.access === 'public' && !schema.security) result.security = []
  if (responses[428]) result.headers = requireHeader(schema.headers as JsonSchema | undefined, 'if-match')
  return { ...out, schema: result }
}

const describe = (status: number) => SHARED_ANSWERS.find((a) => a.status === status)?.description ?? STATUS_CODES[status] ?? 'Error'

/** A problem+json answer; a route's own non-problem schema for the same status stays beside it. */
function mergeProblem(existing: unknown, description: string): JsonSchema {
  if (existing === undefined || isProblem(existing)) return { description, content: problemContent() }
  const e = existing as JsonSchema
  if (e.content) return { ...e, content: { ...(e.content as JsonSchema), ...problemContent() } }
  // A JSON schema of the route's own (e.g. /readyz's 503 Health): application/json beside problem+json.
  const { description: own, ...json } = e
  return { description: own ?? description, content: { 'application/json': { schema: json }, ...problemContent() } }
}

function requireHeader(headers: JsonSchema | undefined, name: string): JsonSchema {
  const h = headers ?? { type: 'object', properties: {} }
  const required = new Set([...((h.required as string[] | undefined) ?? []), name])
  const properties = { [name]: { type: 'string', maxLength: 100 }, ...((h.properties as JsonSchema | undefined) ?? {}) }
  return { ...h, properties, required: [...required] }
}
