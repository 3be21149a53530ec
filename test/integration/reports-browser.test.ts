import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import t from 'tap'
import { buildTestApp } from '../helpers/test-app.ts'
import { ROOT } from '../helpers/subprocess.ts'

// The served HTML report in a real browser: what a person sees. Needs the npm package playwright-core
// and Debian's chromium at /usr/bin/chromium; skipped (with the reason) when either is missing.
const CHROMIUM = '/usr/bin/chromium'
type Playwright = { chromium: { launch(o: Record<string, unknown>): Promise<Browser> } }
type Browser = { newPage(o?: Record<string, unknown>): Promise<Page>; close(): Promise<void> }
type Page = {
  setContent(html: string, o?: Record<string, unknown>): Promise<void>
  locator(s: string): { count(): Promise<number> }
  screenshot(o: Record<string, unknown>): Promise<Buffer>
  on(event: 'request', f: (r: { url(): string }) => void): void
  evaluate<T>(expression: string): Promise<T>
}

let pw: Playwright | null = null
let why = ''
try {
  pw = (await import('playwright-core' as string)) as Playwright
} catch {
  why = 'playwright-core is not installed (add it as a devDependency)'
}
if (pw && !existsSync(CHROMIUM)) {
  pw = null
  why = `${CHROMIUM} is missing (apt-get install -y chromium)`
}

t.test(
  'the HTML report in headless Chromium: bars, shaded periods, breach markers, rows; a screenshot',
  { skip: pw ? false : why },
  async (t) => {
    const plan = JSON.parse(readFileSync(`${ROOT}/examples/opsg-58-plan.json`, 'utf8')) as { windows: Record<string, unknown>[] }
    const ctx = await buildTestApp(t, { now: '2021-10-05T09:00:00Z' })
    const dsp = await ctx.keyFor('submitter', ['DSP'])
    const windows = plan.windows.map(({ party: _p, notifiedAt: _n, ...w }) => w)
    t.equal(
      (
        await ctx.app.inject({
          method: 'POST',
          url: '/v1/programmes',
          headers: dsp,
          payload: { name: 'DSP Technical Refresh', party: 'DSP', windows },
        })
      ).statusCode,
      201,
    )
    for (const month of ['2021-11', '2021-12', '2022-01', '2022-02', '2022-03', '2022-04', '2022-05', '2022-06', '2022-07'])
      await ctx.app.inject({
        method: 'POST',
        url: `/v1/schedules/${month}/publish`,
        headers: ctx.admin,
        payload: { publishedAt: '2021-10-05T18:00:00+01:00' },
      })
    ctx.clock.set('2021-10-06T09:00:00Z')
    const res = await ctx.app.inject({
      url: '/v1/reports/compliance?from=2021-11-01T00:00:00Z&to=2022-08-01T00:00:00%2B01:00&asOf=2021-10-05T18:00:00%2B01:00',
      headers: { ...ctx.admin, accept: 'text/html' },
    })
    t.equal(res.statusCode, 200)
    const browser = await pw!.chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
    t.teardown(() => browser.close())
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
    const requests: string[] = []
    page.on('request', (r) => requests.push(r.url()))
    await page.setContent(res.body, { waitUntil: 'load' })
    t.same(
      requests.filter((u) => !u.startsWith('data:') && u !== 'about:blank'),
      [],
      'the page fetches nothing',
    )
    t.equal(await page.locator('svg rect.bar').count(), 14, '14 window bars')
    t.equal(await page.locator('svg .breach-marker').count(), 10, 'a breach marker on each window with a breach (notice or cap)')
    t.ok((await page.locator('svg rect.shade-winter').count()) >= 1, 'winter shaded')
    t.equal(await page.locator('svg rect.shade-top-up-peak').count(), 2, 'November and Christmas/New Year shaded')
    t.ok((await page.locator('svg rect.shade-bank-holiday').count()) >= 8, 'bank holidays shaded')
    t.equal(await page.locator('#windows tbody tr').count(), 14, '14 window rows')
    t.equal(await page.locator('#register tbody tr').count(), 23, '12 breaches and 11 objections in the register')
    const visibleBars = await page.evaluate<number>(
      "[...document.querySelectorAll('svg rect.bar')].filter((r) => r.getBoundingClientRect().width > 0).length",
    )
    t.equal(visibleBars, 14, 'every bar is drawn with a width')
    const dir = new URL('../artifacts/', import.meta.url)
    mkdirSync(dir, { recursive: true })
    writeFileSync(new URL('report-opsg58.png', dir), await page.screenshot({ fullPage: true }))
    writeFileSync(new URL('report-opsg58.html', dir), res.body)
    t.pass('screenshot in test/artifacts/report-opsg58.png')
  },
)
