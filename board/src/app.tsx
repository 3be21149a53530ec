/**
 * The planning board: sign in with an API key (kept in sessionStorage only), then the plan of a range
 * against its rules, a window's details, and a what-if re-judged by the service before anything is
 * saved. The service decides what a key may do; the page only offers what GET /v1/me says it may.
 */
import { useEffect, useState } from 'preact/hooks'
import { ApiError, apiFor, type Api } from './api.ts'
import { Board, type BoardData, loadBoard, today } from './board.tsx'
import { parseQuery } from './query.ts'
import type { Me } from './types.ts'

/** Where the key lives while the tab is open (never localStorage, never a cookie). */
export const SESSION_KEY = 'mwp.board.apiKey'

const stored = () => {
  try {
    return sessionStorage.getItem(SESSION_KEY)
  } catch {
    return null
  }
}

export function App() {
  // With a key from earlier in this tab, the plan is asked for while the key is checked, not after.
  const [preload] = useState(() => {
    const key = stored()
    if (!key) return null
    const query = parseQuery(location.search, today)
    let drawn: (d: BoardData | null) => void = () => {}
    const drawnP = new Promise<BoardData | null>((resolve) => {
      drawn = resolve
    })
    const data = loadBoard(apiFor(key), query, (d) => drawn(d))
    data.then(
      () => drawn(null),
      () => drawn(null),
    ) // a refused key is reported by the sign-in check
    return { key, query, drawn: drawnP, data }
  })
  const [session, setSession] = useState<{ api: Api; me: Me; key: string } | null>(null)
  const [checking, setChecking] = useState(() => stored() !== null)
  const [error, setError] = useState<string | null>(null)

  const signIn = async (key: string) => {
    setChecking(true)
    setError(null)
    try {
      const api = apiFor(key)
      const { body } = await api.get<Me>('/v1/me')
      sessionStorage.setItem(SESSION_KEY, key)
      setSession({ api, me: body, key })
    } catch (e) {
      sessionStorage.removeItem(SESSION_KEY)
      setError(
        e instanceof ApiError && e.status === 401
          ? 'That API key is not known to this service (mistyped, revoked, or from another service).'
          : `Could not sign in: ${e instanceof Error ? e.message : String(e)}`,
      )
    } finally {
      setChecking(false)
    }
  }
  const signOut = (why?: string) => {
    sessionStorage.removeItem(SESSION_KEY)
    setSession(null)
    setError(why ?? null)
  }

  useEffect(() => {
    const key = stored()
    if (key) void signIn(key)
  }, [])

  if (session)
    return <Board api={session.api} me={session.me} onSignOut={signOut} preload={preload?.key === session.key ? preload : null} />
  return <SignIn busy={checking} error={error} onSubmit={signIn} />
}

function SignIn(props: { busy: boolean; error: string | null; onSubmit: (key: string) => void }) {
  const [key, setKey] = useState('')
  return (
    <main class="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Planning board</h1>
      <p>Maintenance Window Planner: the plan against its rules. Sign in with your API key; it is kept in this tab only.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          if (key.trim()) props.onSubmit(key.trim())
        }}
      >
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
        />
        <button type="submit" disabled={props.busy}>
          Sign in
        </button>
      </form>
      {props.error && (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
      {props.busy && <p aria-live="polite">Checking the key…</p>}
    </main>
  )
}
