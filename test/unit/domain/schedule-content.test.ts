import t from 'tap'
import { assess } from '../../../src/domain/assess.ts'
import type { WindowPlan } from '../../../src/domain/window.ts'
import { aWindow, ctxFor } from './builders.ts'

const changeRefFindings = (w: WindowPlan) =>
  assess([w], ctxFor()).windows[0]!.findings.filter((f) => f.code === 'SCHEDULE_CONTENT' && f.rule.id === 'change-ref')

t.test('SCHEDULE_CONTENT: a proposed outage without changeRef is flagged, inferred', async (t) => {
  const [f, ...rest] = changeRefFindings(aWindow('2022-05-08', '00:00', '06:00', { status: 'proposed', changeRef: null }))
  t.equal(rest.length, 0)
  t.equal(f?.severity, 'warning')
  t.equal(f?.rule.provenance, 'inferred')
  t.match(f?.message, /no DCC Change Request \(changeRef\) is named for this outage; give the CRQ reference/)
  t.same(f?.evidence.missing, ['changeRef'])
})

t.test('SCHEDULE_CONTENT: a notified degraded window without changeRef is flagged too', async (t) => {
  const fs = changeRefFindings(aWindow('2022-05-08', '00:00', '06:00', { impact: 'degraded', changeRef: '  ' }))
  t.equal(fs.length, 1)
  t.match(fs[0]!.message, /this degraded window/)
})

t.test('SCHEDULE_CONTENT: a window naming its change is not flagged', async (t) => {
  t.same(changeRefFindings(aWindow('2022-05-08', '00:00', '06:00', { status: 'proposed', changeRef: 'CRQ000000134669' })), [])
})

t.test('SCHEDULE_CONTENT: a draft, a reduced-redundancy window and an emergency are not flagged', async (t) => {
  t.same(changeRefFindings(aWindow('2022-05-08', '00:00', '06:00', { status: 'draft', changeRef: null })), [], 'draft')
  t.same(
    changeRefFindings(aWindow('2022-05-08', '00:00', '06:00', { impact: 'reduced-redundancy', changeRef: null })),
    [],
    'reduced redundancy',
  )
  t.same(
    changeRefFindings(aWindow('2022-05-08', '00:00', '06:00', { kind: 'emergency', changeRef: null })),
    [],
    'emergency: not in the schedule',
  )
})

t.test('SCHEDULE_CONTENT: a ruleset without changeRefRequired (the 2021.1 format) does not check it', async (t) => {
  const base = ctxFor()
  const { changeRefRequired: _off, ...scheduleContent } = base.ruleset.scheduleContent
  const old = { ...base.ruleset, scheduleContent }
  const fs = assess([aWindow('2022-05-08', '00:00', '06:00', { status: 'proposed', changeRef: null })], ctxFor({ rs: old })).windows[0]!
    .findings
  t.same(
    fs.filter((f) => f.rule.id === 'change-ref'),
    [],
  )
})
