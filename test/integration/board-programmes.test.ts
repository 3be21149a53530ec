import { mkdirSync, writeFileSync } from 'node:fs'
import t from 'tap'
import { formatSpan } from '../../board/src/time.ts'
import {
  ensureBoardBuilt,
  launchChromium,
  loadOpsg58,
  OPSG58_BOARD,
  playwright,
  watchedPage,
  signIn,
  axeSerious,
  type Trouble,
} from '../helpers/board-scenario.ts'
import { buildTestApp } from '../helpers/test-app.ts'

// The programme view of the planning board in Debian's Chromium, on the OPSG 58 demo data served by
// the real app on a real socket: the programme's totals as the API gives them, the re-plan preview's
// moved windows, a stale apply answered 412 and previewed again, apply (checked through the API and
// on the board), and a viewer who sees no re-plan control and whose forged apply is refused.
const pw = await playwright()
const PUBLISHED = '2021-10-05T18:00:00+01:00'
const artifacts = new URL('../artifacts/', import.meta.url)

/** The little of the page's document a predicate reads (the tests compile without the DOM library). */
type PageDocument = { querySelector(selector: string): { getAttribute(name: string): string | null } | null }

interface Entry {
  windowId: string
  reference: string
  kept: boolean
  old: { start: string; end: string }
  new: { start: string; end: string } | null
}

t.test(
  'the programme view on OPSG 58: totals, re-plan preview, a stale apply, apply, and a viewer',
  { skip: typeof pw === 'string' ? pw : false },
  async (t) => {
    if (typeof pw === 'string') return
    ensureBoardBuilt()
    const ctx = await buildTestApp(t)
    const dsp = await ctx.keyFor('submitter', ['DSP'])
    const viewer = await ctx.keyFor('viewer')
    await loadOpsg58({ app: ctx.app, admin: ctx.admin, dsp, clock: ctx.clock })
    const bearer = (h: Record<string, string>) => h.authorization!.replace(/^Bearer /, '')

    const listed = (await ctx.app.inject({ url: '/v1/programmes', headers: viewer })).json().items as {
      id: string
      name: string
      version: number
      windowCount: number
    }[]
    t.equal(listed.length, 1, 'GET /v1/programmes lists the OPSG 58 programme')
    const programme = listed[0]!
    t.equal(programme.windowCount, 14)
    const api = (await ctx.app.inject({ url: `/v1/programmes/${programme.id}`, headers: viewer })).json()
    const totals = api.totals as {
      windows: number
      outageHours: number
      breaches: { confirmed: number; unconfirmed: number }
      notifiedLate: { windows: number; share: number }
    }
    t.equal(totals.windows, 14)
    // What the service would re-plan (nothing stored): the windows it moves.
    const answer = (
      await ctx.app.inject({
        method: 'POST',
        url: `/v1/programmes/${programme.id}/replan`,
        headers: dsp,
        payload: { publishedAt: PUBLISHED },
      })
    ).json() as { entries: Entry[] }
    const moves = answer.entries.filter((e) => !e.kept && e.new && (e.new.start !== e.old.start || e.new.end !== e.old.end))
    t.ok(moves.length > 0, `the API moves ${moves.length} windows`)

    await ctx.app.listen({ port: 0, host: '127.0.0.1' })
    const base = `http://127.0.0.1:${(ctx.app.server.address() as { port: number }).port}`
    const browser = await launchChromium(pw)
    t.teardown(() => browser.close())
    const trouble: Trouble = []
    const context = await browser.newContext({ viewport: { width: 1500, height: 1000 } })
    const page = await watchedPage(context, trouble)

    await t.test('the Programmes control lists the programme; its totals match the API', async (t) => {
      await page.goto(`${base}${OPSG58_BOARD}`)
      await signIn(page, bearer(dsp))
      await page.getByRole('button', { name: 'Programmes', exact: true }).click()
      await page.click(`[data-programme-id="${programme.id}"]`)
      await page.locator('[data-total="windows"]').waitFor()
      t.match(page.url(), new RegExp(`programme=${programme.id}`), 'the address links the programme')
      t.match(await page.textContent('[data-total="windows"]'), new RegExp(`^${totals.windows}\\b`))
      t.match(await page.textContent('[data-total="outageHours"]'), new RegExp(`^${totals.outageHours} h`))
      t.match(
        await page.textContent('[data-total="breaches"]'),
        new RegExp(`^${totals.breaches.confirmed} confirmed.*${totals.breaches.unconfirmed} unconfirmed`),
        'breaches labelled by certainty',
      )
      t.match(
        await page.textContent('[data-total="notifiedLate"]'),
        new RegExp(`${(totals.notifiedLate.share * 100).toFixed(1)} % \\(${totals.notifiedLate.windows} of ${totals.windows}\\)`),
      )
      t.equal(totals.notifiedLate.windows, 2, 'OPSG 58: two of fourteen notified late')
    })

    await t.test('the re-plan preview shows the moved windows, old and new, and which findings go', async (t) => {
      await page.getByLabel('Publication (local)').fill('2021-10-05T18:00')
      await page.getByRole('button', { name: 'Preview re-plan' }).click()
      const preview = page.locator('[data-replan-moved]')
      await preview.waitFor({ timeout: 30_000 })
      t.equal(Number(await preview.getAttribute('data-replan-moved')), moves.length, 'as many moves as the API answers')
      t.equal(await page.locator('[data-replan-move]').count(), moves.length, 'a row per move')
      t.equal(await page.locator('[data-diff-old]').count(), moves.length, 'an outline where each was')
      t.equal(await page.locator('[data-diff-new]').count(), moves.length, 'a bar where each goes')
      const first = moves[0]!
      const row = page.locator(`[data-replan-move="${first.reference}"]`)
      t.match(
        await row.textContent(),
        `${formatSpan(Date.parse(first.old.start), Date.parse(first.old.end))}${formatSpan(Date.parse(first.new!.start), Date.parse(first.new!.end))}`,
        'from and to in local time',
      )
      const tr01 = page.locator('[data-replan-move="DSP-TR-01"] [data-gone]')
      t.match(await tr01.getAttribute('data-gone'), /NOTICE_PERIOD/, 'DSP-TR-01 loses its notice breach')
      t.equal(await page.getByRole('button', { name: /^Apply re-plan/ }).count(), 1, 'the submitter may apply')
      t.same(await axeSerious(page), [], 'axe: the programme view with a preview has no serious or critical violation')
      mkdirSync(artifacts, { recursive: true })
      writeFileSync(new URL('board-programme-preview.png', artifacts), await page.screenshot({ fullPage: true }))
    })

    await t.test('an apply against a changed programme is answered 412 and offers to preview again', async (t) => {
      // As if someone re-planned meanwhile: the ETag the page sends no longer names the programme's version.
      await page.route('**/replan/apply', (route) => route.continue({ headers: { ...route.request().headers(), 'if-match': '"99"' } }))
      await page.getByRole('button', { name: /^Apply re-plan/ }).click()
      await page.locator('[data-replan-outcome="conflict"]').waitFor()
      t.match(await page.textContent('[data-replan-outcome]'), /changed since this preview/)
      await page.unroute('**/replan/apply')
      // Chromium logs the refused request itself as a console error: expected here, and only here.
      const logged = trouble.findIndex((x) => /status of 412/.test(x))
      t.ok(logged >= 0, 'the 412 reached the page')
      if (logged >= 0) trouble.splice(logged, 1)
      const stored = (await ctx.app.inject({ url: `/v1/programmes/${programme.id}`, headers: viewer })).json()
      t.equal(stored.programme.version, programme.version, 'nothing applied')
      await page.getByRole('button', { name: 'Preview again' }).click()
      await page.locator('[data-replan-moved]').waitFor({ timeout: 30_000 })
      t.equal(Number(await page.getAttribute('[data-replan-moved]', 'data-replan-moved')), moves.length)
    })

    await t.test('apply moves the windows (as the API shows) and the board shows them where they now are', async (t) => {
      await page.getByRole('button', { name: /^Apply re-plan/ }).click()
      await page.locator('[data-replan-outcome="ok"]').waitFor({ timeout: 30_000 })
      const after = (await ctx.app.inject({ url: `/v1/programmes/${programme.id}`, headers: viewer })).json()
      t.equal(after.programme.version, programme.version + 1, 'the programme has a new version')
      const byRef = new Map((after.windows as { reference: string; start: string; end: string }[]).map((w) => [w.reference, w]))
      for (const m of moves)
        t.equal(byRef.get(m.reference)?.start, new Date(m.new!.start).toISOString(), `${m.reference} stored at its new start`)
      const m = moves.find((x) => x.reference === 'DSP-TR-01') ?? moves[0]!
      const span = formatSpan(Date.parse(m.new!.start), Date.parse(m.new!.end))
      await page.waitForFunction(
        ([ref, text]) =>
          (globalThis as unknown as { document: PageDocument }).document
            .querySelector(`.board[data-state="ready"] [data-window-ref="${ref}"]`)
            ?.getAttribute('aria-label')
            ?.includes(text),
        [m.reference, span] as const,
        { timeout: 15_000 },
      )
      t.pass(`${m.reference} drawn at its new place: ${span}`)
      t.not(new URL(page.url()).searchParams.get('to'), '2022-08-01', 'the board range now reaches the new places')
      t.match(page.url(), new RegExp(`programme=${programme.id}`), 'still on the programme')
      await page.waitForSelector(`[data-programme-version="${after.programme.version}"]`)
      t.not(await page.getAttribute(`[data-window-ref="${m.reference}"]`, 'data-compliance'), 'red', 'and judged again: no longer red')
      t.match(await page.textContent('[data-total="breaches"]'), /^0 confirmed/, 'the totals now show no confirmed breach')
    })

    await t.test('a viewer sees the totals but no re-plan control; a forged apply with its key is refused', async (t) => {
      const vctx = await browser.newContext({ viewport: { width: 1500, height: 1000 } })
      t.teardown(() => vctx.close())
      const vpage = await watchedPage(vctx, trouble)
      await vpage.goto(`${base}${OPSG58_BOARD}&programme=${programme.id}`)
      await signIn(vpage, bearer(viewer))
      await vpage.locator('[data-total="windows"]').waitFor()
      t.equal(await vpage.getByRole('button', { name: 'Preview re-plan' }).count(), 0, 'no preview')
      t.equal(await vpage.getByRole('button', { name: /^Apply/ }).count(), 0, 'no Apply')
      t.match(await vpage.textContent('[data-programme]'), /may not re-plan/)
      const before = (await ctx.app.inject({ url: `/v1/programmes/${programme.id}`, headers: viewer })).json()
      const forged = await fetch(`${base}/v1/programmes/${programme.id}/replan/apply`, {
        method: 'POST',
        headers: { authorization: viewer.authorization!, 'content-type': 'application/json', 'if-match': `"${before.programme.version}"` },
        body: JSON.stringify({ publishedAt: PUBLISHED }),
      })
      t.equal(forged.status, 403, 'the service refuses the viewer')
      t.match(forged.headers.get('content-type'), /problem\+json/)
      const after = (await ctx.app.inject({ url: `/v1/programmes/${programme.id}`, headers: viewer })).json()
      t.equal(after.programme.version, before.programme.version, 'nothing changed')
      t.same(await axeSerious(vpage), [], 'axe: the viewer’s programme view has no serious or critical violation')
    })

    t.same(trouble, [], 'no console error, page error or CSP violation')
  },
)
