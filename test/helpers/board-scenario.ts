import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { AppInstance } from '../../src/http/app.ts'
import { ROOT } from './subprocess.ts'

// What the planning board's browser test and benchmark share: Debian's Chromium through
// playwright-core, the board built as `npm run build` builds it, and the OPSG 58 scenario loaded
// through the API as the demo would (a programme of 14 windows, published on 5 October 2021).

export const CHROMIUM = '/usr/bin/chromium'
/** The deep link of the OPSG 58 range. */
export const OPSG58_BOARD = '/board?from=2021-10-01&to=2022-08-01&party=DSP'

/** playwright-core, or why the browser cannot run here (the tests skip with it). */
export async function playwright(): Promise<{ chromium: { launch(o: Record<string, unknown>): Promise<Browser> } } | string> {
  let pw: { chromium: { launch(o: Record<string, unknown>): Promise<Browser> } }
  try {
    pw = (await import('playwright-core' as string)) as typeof pw
  } catch {
    return 'playwright-core is not installed (npm ci installs it)'
  }
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install -y chromium)`
  return pw
}

export const launchChromium = (pw: { chromium: { launch(o: Record<string, unknown>): Promise<Browser> } }) =>
  pw.chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] })

/** Builds the board (dist/board) when it is missing, as `npm run build` would. */
export function ensureBoardBuilt(): void {
  if (existsSync(`${ROOT}/dist/board/index.html`)) return
  const r = spawnSync(process.execPath, [`${ROOT}/board/build.mjs`], { cwd: ROOT, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`board build failed: ${r.stderr}`)
}

/**
 * The OPSG 58 plan as a DSP programme created on 5 Oct 2021, every month published that evening
 * (so the November windows are notified after their deadline), the clock then moved to 6 Oct.
 */
export async function loadOpsg58(ctx: {
  app: Pick<AppInstance, 'inject'>
  admin: Record<string, string>
  dsp: Record<string, string>
  clock: { set(iso: string): void }
}): Promise<void> {
  const plan = JSON.parse(readFileSync(`${ROOT}/examples/opsg-58-plan.json`, 'utf8')) as { windows: Record<string, unknown>[] }
  const windows = plan.windows.map(({ party: _p, notifiedAt: _n, ...w }) => w)
  ctx.clock.set('2021-10-05T09:00:00Z')
  const created = await ctx.app.inject({
    method: 'POST',
    url: '/v1/programmes',
    headers: ctx.dsp,
    payload: { name: 'DSP Technical Refresh', party: 'DSP', windows },
  })
  if (created.statusCode !== 201) throw new Error(`programme: ${created.statusCode} ${created.body.slice(0, 300)}`)
  for (const month of ['2021-11', '2021-12', '2022-01', '2022-02', '2022-03', '2022-04', '2022-05', '2022-06', '2022-07']) {
    const r = await ctx.app.inject({
      method: 'POST',
      url: `/v1/schedules/${month}/publish`,
      headers: ctx.admin,
      payload: { publishedAt: '2021-10-05T18:00:00+01:00' },
    })
    if (r.statusCode !== 200) throw new Error(`publish ${month}: ${r.statusCode} ${r.body.slice(0, 300)}`)
  }
  ctx.clock.set('2021-10-06T09:00:00Z')
}

/** Console errors, page errors and CSP violations a page met: a test asserts it stays empty. */
export type Trouble = string[]

/**
 * A page that records console errors, page errors and CSP violations into `trouble`.
 *
 * @example const trouble: Trouble = []; const page = await watchedPage(context, trouble)
 */
export async function watchedPage(context: BrowserContext, trouble: Trouble): Promise<Page> {
  await context.addInitScript({
    content:
      "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))",
  })
  const page = await context.newPage()
  page.on('console', (m) => m.type() === 'error' && trouble.push(`console: ${m.text()}`))
  page.on('pageerror', (e) => trouble.push(`page error: ${e.message}`))
  return page
}

/** Signs in on the board's page with `key` and waits for a judged plan with bars. */
export async function signIn(page: Page, key: string) {
  await page.getByLabel('API key').fill(key)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForSelector('.board[data-state="ready"] [data-window-ref]', { timeout: 30_000 })
}

const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source

/**
 * axe-core's serious and critical violations on the page (or within the `include` selector), one line each.
 *
 * @example t.same(await axeSerious(page, '.window-form'), [])
 */
export async function axeSerious(page: Page, include?: string): Promise<string[]> {
  await page.evaluate(axeSource)
  const result = await page.evaluate<{ violations: { id: string; impact: string; nodes: unknown[]; help: string }[] }>(
    include === undefined ? 'axe.run()' : `axe.run(${JSON.stringify(include)})`,
  )
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}, ${v.nodes.length} nodes): ${v.help}`)
}
