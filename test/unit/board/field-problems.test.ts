import t from 'tap'
import { groupByField, type ProblemAnswer, problemsOf } from '../../../board/src/field-problems.ts'

// How the board's decision forms place a problem+json answer: beside the fields its pointers name.
const fields = ['/reason', '/decisionRef']
/** An answer as api.ts's ApiError carries it (api.ts itself is typed for the page, not for Node). */
class ApiError extends Error implements ProblemAnswer {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly body: unknown,
  ) {
    super(detail || title)
    this.name = 'ApiError'
  }
}
const invalid = (errors: { pointer: string; in?: string; message: string }[]) =>
  new ApiError(400, 'Validation failed', 'body /reason: required', { status: 400, code: 'validation-failed', errors })

t.test('pointers the form has go beside their fields; two messages for one field are joined', async (t) => {
  t.same(
    problemsOf(
      invalid([
        { pointer: '/reason', in: 'body', message: 'required' },
        { pointer: '/decisionRef', in: 'body', message: 'too short' },
        { pointer: '/reason', in: 'body', message: 'at most 2000 characters' },
      ]),
      fields,
    ),
    { byField: { '/reason': 'required; at most 2000 characters', '/decisionRef': 'too short' }, general: null },
  )
})

t.test('a pointer the form does not have, or none at all, is said in the general message', async (t) => {
  t.same(problemsOf(invalid([{ pointer: '/findingKey', message: 'no such finding on the window' }]), fields), {
    byField: {},
    general: 'Not recorded: /findingKey: no such finding on the window',
  })
  t.same(problemsOf(new ApiError(409, 'Status change not allowed', 'A agreed window cannot become rejected.', {}), fields), {
    byField: {},
    general: 'Not recorded: Status change not allowed: A agreed window cannot become rejected.',
  })
})

t.test('a 403 says the key may not; something else that went wrong says what', async (t) => {
  t.same(problemsOf(new ApiError(403, 'Forbidden', 'only a reviewer (OPSG) or an admin records a decision', {}), fields), {
    byField: {},
    general: 'Refused (403): only a reviewer (OPSG) or an admin records a decision',
  })
  t.same(problemsOf(new TypeError('Failed to fetch'), fields), { byField: {}, general: 'Not recorded: TypeError: Failed to fetch' })
})

t.test('one grouping for both kinds of form: the decisions match whole pointers, the window form their first segment', async (t) => {
  const errors = [
    { pointer: '/services/1', message: 'unknown service x' },
    { pointer: '/reason', message: 'required' },
    { pointer: '', message: 'not JSON' },
  ]
  t.same(
    groupByField(errors, (p) => (p === '/reason' ? p : undefined)),
    { byField: { '/reason': ['required'] }, other: ['/services/1: unknown service x', 'not JSON'] },
  )
  t.same(problemsOf(invalid(errors), fields), {
    byField: { '/reason': 'required' },
    general: 'Not recorded: /services/1: unknown service x; not JSON',
  })
})
