import type { AddressInfo } from 'node:net'
import { sql } from 'kysely'
import type { Page } from 'playwright-core'
import t from 'tap'
import { openDatabase } from '../../src/db/database.ts'
import { buildApp } from '../../src/http/app.ts'
import { createServices } from '../../src/services/index.ts'
import { ensureBoardBuilt, launchChromium, loadOpsg58, OPSG58_BOARD, playwright, watchedPage } from '../helpers/board-scenario.ts'
import { fixedClock } from '../helpers/clock.ts'
import { aWindow, BASE_URL, buildTestApp } from '../helpers/test-app.ts'

// The board live (GET /v1/events) in Debian's Chromium on the OPSG 58 plan: a window created through
// the API appears without a reload (the time is printed, `# latency …`), a change during a what-if
// keeps the edit, the print link gives the HTML report; on the PostgreSQL pass, a board connected to a
// second instance shows a change made through the first.
const pw = await playwright()

async function openBoard(page: Page, base: string, key: Record<string, string>) {
  await page.goto(`${base}${OPSG58_BOARD}`)
  await page.getByLabel('API key').fill(key.authorization!.replace(/^Bearer /, ''))
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForSelector('.board[data-state="ready"] [data-window-ref]', { timeout: 15_000 })
  await page.waitForSelector('[data-live="live"]', { timeout: 10_000 })
}

const median = (ms: number[]) => [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)]!

t.test('the board live on the OPSG 58 plan', { skip: typeof pw === 'string' ? pw : false }, async (t) => {
  if (typeof pw === 'string') return
  ensureBoardBuilt()
  const ctx = await buildTestApp(t)
  const dsp = await ctx.keyFor('submitter', ['DSP'])
  await loadOpsg58({ app: ctx.app, admin: ctx.admin, dsp, clock: ctx.clock })
  await ctx.app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(ctx.app.server.address() as AddressInfo).port}`
  const browser = await launchChromium(pw)
  t.teardown(() => browser.close())
  const trouble: string[] = []
  const context = await browser.newContext({ viewport: { width: 1500, height: 1000 } })
  const page = await watchedPage(context, trouble)
  await openBoard(page, base, dsp)
  t.equal(await page.textContent('[data-live]'), ' live', 'the indicator says live')

  /** Creates a window through the API; the ms from its answer until `on` shows it. */
  let n = 0
  const createAndWait = async (on: Page) => {
    const reference = `DSP-LIVE-${++n}`
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/v1/windows',
      headers: dsp,
      payload: aWindow({ reference, start: `2022-06-0${n}T01:00:00+01:00`, end: `2022-06-0${n}T03:00:00+01:00` }),
    })
    if (res.statusCode !== 201) throw new Error(res.body)
    const answered = Date.now()
    await on.waitForSelector(`[data-window-ref="${reference}"]`, { timeout: 10_000 })
    return Date.now() - answered
  }

  await t.test('a window created through the API appears on the open board within 10 s, without a reload', async (t) => {
    const before = await page.locator('[data-window-ref]').count()
    const ms = [await createAndWait(page), await createAndWait(page), await createAndWait(page)]
    t.equal(await page.locator('[data-window-ref]').count(), before + 3, 'three more bars')
    t.comment(`latency, one instance (${ctx.kind}), API answer → bar on the board: ${ms.join(', ')} ms (median ${median(ms)})`)
  })

  await t.test('a change by someone else during a what-if keeps the edit and says so; saving gets 412', async (t) => {
    const list = (await ctx.app.inject({ url: '/v1/windows?party=DSP&limit=100', headers: ctx.admin })).json() as {
      items: { id: string; reference: string; version: number }[]
    }
    const tr05 = list.items.find((w) => w.reference === 'DSP-TR-05')!
    await page.click('[data-window-ref="DSP-TR-05"]')
    await page.locator('[data-window-detail="DSP-TR-05"]').waitFor()
    const moved = await page.getByLabel('Start (local)').inputValue()
    const edit = `${moved.slice(0, 11)}02:00`
    await page.getByLabel('Start (local)').fill(edit)
    await page.waitForSelector('[data-what-if="ready"]')
    const behind = await ctx.app.inject({
      method: 'PATCH',
      url: `/v1/windows/${tr05.id}`,
      headers: { ...ctx.admin, 'if-match': `"${tr05.version}"`, 'content-type': 'application/merge-patch+json' },
      payload: { title: 'Renamed by OPSG meanwhile' },
    })
    t.equal(behind.statusCode, 200)
    await page.waitForSelector(`[data-changed-elsewhere="${tr05.version + 1}"]`, { timeout: 10_000 })
    t.match(await page.textContent('[data-changed-elsewhere]'), /changed by someone else since you opened it/)
    t.match(await page.textContent('[data-window-detail]'), /Renamed by OPSG meanwhile/, 'the panel shows their version')
    t.equal(await page.getByLabel('Start (local)').inputValue(), edit, 'the what-if is kept')
    t.equal(await page.getAttribute('[data-what-if]', 'data-what-if'), 'ready', 'still a what-if')
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    await page.waitForSelector('[data-save="conflict"]')
    t.match(await page.textContent('[data-save="conflict"]'), new RegExp(`now version ${tr05.version + 1}`))
    await page.getByRole('button', { name: 'Reset', exact: true }).click()
    // Chromium logs every answer ≥ 400 to a fetch as a console error: this 412 is the point of the test.
    const expected = trouble.findIndex((m) => /status of 412/.test(m))
    t.ok(expected >= 0, 'the browser saw the 412')
    trouble.splice(expected, 1)
  })

  await t.test('"Print report" opens the HTML compliance report of the range and party (the key never in a URL)', async (t) => {
    const path = await page.getAttribute('[data-print-report]', 'data-print-report')
    t.match(path, /^\/v1\/reports\/compliance\?from=2021-09-30T23%3A00%3A00\.000Z&to=2022-07-31T23%3A00%3A00\.000Z&format=html&party=DSP$/)
    const [report] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Print report' }).click()])
    await report.waitForURL(/^blob:/)
    await report.waitForLoadState()
    t.match(report.url(), /^blob:http:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+$/, 'a Blob URL: no key in it')
    t.match(await report.title(), /^Planned Maintenance compliance report, .* \(DSP\)$/)
    t.ok(await report.locator('h1').count(), 'the report page')
    t.equal(await report.evaluate('window.opener'), null, 'cut from the board')
    t.equal(await report.evaluate('getComputedStyle(document.body).maxWidth'), '1400px', 'styled: the report’s own stylesheet applies')
    await report.close()
  })

  if (ctx.kind === 'embedded')
    t.comment('SKIP a board on a second instance: the embedded database is one process; this runs on the PostgreSQL pass (DATABASE_URL)')
  else
    await t.test('two instances on one PostgreSQL: a change through A appears on a board connected to B', async (t) => {
      const name = (await sql<{ n: string }>`SELECT current_database() AS n`.execute(ctx.db)).rows[0]!.n
      const url = new URL(process.env.DATABASE_URL!)
      url.pathname = `/${name}`
      const database = await openDatabase({ databaseUrl: url.toString(), dataDir: '' })
      const clock = fixedClock('2021-10-06T09:00:00Z')
      const services = createServices({ db: database.db, clock, maxWindowHours: 72, changes: database.changes })
      const b = await buildApp({ db: database.db, databaseKind: 'server', services, clock, baseUrl: BASE_URL, logger: false })
      t.teardown(async () => {
        await b.close()
        await database.close()
      })
      await b.listen({ port: 0, host: '127.0.0.1' })
      const onB = await watchedPage(context, trouble)
      await openBoard(onB, `http://127.0.0.1:${(b.server.address() as AddressInfo).port}`, dsp)
      const ms = [await createAndWait(onB), await createAndWait(onB), await createAndWait(onB)]
      t.comment(`latency, two instances (A → PostgreSQL → B), API answer → bar on B's board: ${ms.join(', ')} ms (median ${median(ms)})`)
      t.pass('each change through A appeared on the board connected to B')
      await onB.close()
    })

  t.same(trouble, [], 'no console error, page error or CSP violation')
})
