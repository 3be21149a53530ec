import { existsSync } from 'node:fs'
import t from 'tap'
import { buildTestApp } from '../helpers/test-app.ts'

// Under the security headers, in a real browser over a real socket (so the CSP is enforced): Swagger
// UI at /docs renders and the HTML report draws, with no Content-Security-Policy violation. Needs
// playwright-core and Debian's chromium at /usr/bin/chromium; skipped (with the reason) without them.
const CHROMIUM = '/usr/bin/chromium'
type Page = {
  goto(url: string, o?: Record<string, unknown>): Promise<{ status(): number } | null>
  setExtraHTTPHeaders(h: Record<string, string>): Promise<void>
  waitForSelector(s: string, o?: Record<string, unknown>): Promise<unknown>
  locator(s: string): { count(): Promise<number> }
  on(event: 'console', f: (m: { type(): string; text(): string }) => void): void
}
type Browser = { newPage(): Promise<Page>; close(): Promise<void> }
let pw: { chromium: { launch(o: Record<string, unknown>): Promise<Browser> } } | null = null
let why = ''
try {
  pw = (await import('playwright-core' as string)) as typeof pw
} catch {
  why = 'playwright-core is not installed'
}
if (pw && !existsSync(CHROMIUM)) {
  pw = null
  why = `${CHROMIUM} is missing (apt-get install -y chromium)`
}

t.test('Swagger UI and the HTML report work under their Content-Security-Policy', { skip: pw ? false : why }, async (t) => {
  const ctx = await buildTestApp(t, { now: '2021-10-05T09:00:00Z' })
  const dsp = await ctx.keyFor('submitter', ['DSP'])
  for (const [i, start] of ['2021-11-14T00:00:00Z', '2021-12-05T00:00:00Z'].entries())
    await ctx.app.inject({
      method: 'POST',
      url: '/v1/windows',
      headers: dsp,
      payload: {
        reference: `CSP-${i}`,
        title: 'Refresh',
        party: 'DSP',
        impact: 'outage',
        start,
        end: start.replace('T00', 'T06'),
      },
    })
  await ctx.app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(ctx.app.server.address() as { port: number }).port}`
  const browser = await pw!.chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
  t.teardown(() => browser.close())

  const docs = await browser.newPage()
  const docsViolations: string[] = []
  docs.on('console', (m) => /Content.Security.Policy|Refused to/i.test(m.text()) && docsViolations.push(m.text()))
  t.equal((await docs.goto(`${base}/docs/`, { waitUntil: 'networkidle' }))?.status(), 200)
  await docs.waitForSelector('.swagger-ui .info .title', { timeout: 15_000 })
  t.ok((await docs.locator('.opblock').count()) > 20, 'the operations are listed (the OpenAPI document was fetched and drawn)')
  t.same(docsViolations, [], 'no CSP violation on /docs')

  const report = await browser.newPage()
  const reportViolations: string[] = []
  report.on('console', (m) => /Content.Security.Policy|Refused to/i.test(m.text()) && reportViolations.push(m.text()))
  await report.setExtraHTTPHeaders({ authorization: ctx.admin.authorization!, accept: 'text/html' })
  const res = await report.goto(`${base}/v1/reports/compliance?from=2021-11-01T00:00:00Z&to=2022-01-01T00:00:00Z`, { waitUntil: 'load' })
  t.equal(res?.status(), 200)
  t.equal(await report.locator('svg rect.bar').count(), 2, 'the inline SVG draws both windows')
  t.ok((await report.locator('style').count()) >= 1, 'with its inline CSS')
  t.same(reportViolations, [], 'no CSP violation on the report')
})
