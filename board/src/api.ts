/**
 * The API as the board calls it: this origin only (CSP connect-src 'self'), the signed-in key as
 * `Authorization: Bearer`, problem+json turned into an ApiError carrying the status and detail.
 */
import type { Assessment, BlackoutPeriod, NoticeDeadline, PlanAssessment, PlanMonth, WindowDto } from './types.ts'
import { chunkPlan, type DryRunWindow } from './what-if.ts'

export class ApiError extends Error {
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

export interface Answer<T> {
  body: T
  etag: string | null
}

export type Api = ReturnType<typeof apiFor>

/** A client bound to one key. @example await apiFor(key).get<Me>('/v1/me') */
export function apiFor(key: string) {
  async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
    const res = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      cache: 'no-store',
    })
    const text = await res.text()
    const parsed = text ? (JSON.parse(text) as unknown) : null
    if (!res.ok) {
      const p = (parsed ?? {}) as { title?: string; detail?: string }
      throw new ApiError(res.status, p.title ?? res.statusText, p.detail ?? '', parsed)
    }
    return { body: parsed as T, etag: res.headers.get('etag') }
  }
  return {
    get: <T>(path: string) => call<T>('GET', path),
    post: <T>(path: string, body: unknown, headers: Record<string, string> = {}) => call<T>('POST', path, body, headers),
    patch: <T>(path: string, body: unknown, etag: string) =>
      call<T>('PATCH', path, body, { 'content-type': 'application/merge-patch+json', 'if-match': etag }),
  }
}

/** Windows a page of GET /v1/windows holds at most. */
export const WINDOWS_PAGE = 500

/**
 * Every window overlapping [from, to) (pages of 500, following the cursor on this origin); `onPage`
 * sees each page as it arrives (the board sends it to be judged while the next page is read).
 */
export async function loadWindows(
  api: Api,
  from: number,
  to: number,
  parties: readonly string[],
  onPage: (items: WindowDto[]) => void = () => {},
): Promise<WindowDto[]> {
  const out: WindowDto[] = []
  const params = new URLSearchParams({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), limit: String(WINDOWS_PAGE) })
  if (parties.length) params.set('party', parties.join(','))
  for (let page = 0; page < 200; page++) {
    const { body } = await api.get<{ items: WindowDto[]; next: string | null }>(`/v1/windows?${params.toString()}`)
    out.push(...body.items)
    onPage(body.items)
    const cursor = body.next && new URL(body.next).searchParams.get('cursor')
    if (!cursor) break
    params.set('cursor', cursor)
  }
  return out
}

/**
 * Judges a plan against the stored plan (context with-stored), in chunks of under 1 MiB, two at a
 * time: assessments by window id and the months' cap figures.
 */
export async function assessPlan(
  api: Api,
  plan: readonly DryRunWindow[],
): Promise<{ byId: Map<string, Assessment>; months: Map<string, PlanMonth> }> {
  const byId = new Map<string, Assessment>()
  const months = new Map<string, PlanMonth>()
  const chunks = chunkPlan(plan)
  let next = 0
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!
      const { body } = await api.post<PlanAssessment>('/v1/assessments', { windows: chunk, context: 'with-stored' })
      for (const [i, a] of body.windows.entries()) byId.set(chunk[i]!.id, a)
      for (const m of body.months) months.set(m.month, m)
    }
  }
  await Promise.all([worker(), worker()])
  return { byId, months }
}

export const loadPeriods = async (api: Api, from: number, to: number) =>
  (
    await api.get<{ items: BlackoutPeriod[] }>(
      `/v1/blackouts/periods?from=${encodeURIComponent(new Date(from).toISOString())}&to=${encodeURIComponent(new Date(to).toISOString())}`,
    )
  ).body.items

export const loadDeadlines = async (api: Api, fromMonth: string, toMonth: string) =>
  (await api.get<{ items: NoticeDeadline[] }>(`/v1/notice-deadlines?from=${fromMonth}&to=${toMonth}`)).body.items
