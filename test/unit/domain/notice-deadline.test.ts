import t from 'tap'
import { assess } from '../../../src/domain/assess.ts'
import { buildCalendars } from '../../../src/domain/calendars.ts'
import { monthNoticeDeadline } from '../../../src/domain/notice-deadline.ts'
import { DEFAULT_RULESET, type Ruleset } from '../../../src/domain/ruleset.ts'
import { aWindow, ctxFor } from './builders.ts'

const calendars = buildCalendars()

t.test('OPSG 58: windows in November 2021 had to be notified by the end of Monday 4 October (London)', async (t) => {
  const d = monthNoticeDeadline('2021-11', DEFAULT_RULESET, calendars)
  t.ok(d)
  t.equal(d!.month, '2021-11')
  t.equal(d!.lastDay, '2021-10-04')
  t.equal(d!.before.toISOString(), '2021-10-04T23:00:00.000Z', '00:00 BST on 5 October')
  t.equal(d!.calendar, 'england-and-wales')
  t.equal(d!.workingDays, DEFAULT_RULESET.notice.workingDays.value)
  t.same(
    d!.basis.map((b) => b.parameter),
    ['/notice/mode', '/notice/workingDays', '/workingDays/primaryCalendar'],
  )
  // The date turns on which calendar counts the Working Days (assumed: England and Wales) as well as
  // on the recalled rule, so it is no surer than the assumed calendar choice.
  t.equal(d!.provenance, 'assumed', 'no surer than its weakest part, the assumed calendar choice')
})

t.test(
  "the deadline is the rule's own: a window notified a millisecond before it is in time, at it late (12 months, both sides of each clock change)",
  async (t) => {
    let months = 0
    for (let m = 0; m < 12; m++) {
      const y = 2021 + Math.floor((9 + m) / 12)
      const mo = ((9 + m) % 12) + 1
      const month = `${y}-${String(mo).padStart(2, '0')}`
      const d = monthNoticeDeadline(month, DEFAULT_RULESET, calendars)!
      const w = aWindow(`${month}-15`, '01:00', '05:00')
      const late = (notifiedAt: Date) =>
        assess([{ ...w, notifiedAt }], ctxFor()).windows[0]!.findings.some((f) => f.code === 'NOTICE_PERIOD' && f.severity === 'breach')
      t.notOk(late(new Date(d.before.getTime() - 1)), `${month}: in time just before ${d.before.toISOString()}`)
      t.ok(late(d.before), `${month}: late at ${d.before.toISOString()}`)
      months++
    }
    t.equal(months, 12)
  },
)

t.test("strict mode gives the strict calendar's deadline too; per-window mode has no month deadline", async (t) => {
  const strict: Ruleset = {
    ...DEFAULT_RULESET,
    notice: { ...DEFAULT_RULESET.notice, strict: { ...DEFAULT_RULESET.notice.strict, value: true } },
  }
  const d = monthNoticeDeadline('2022-01', strict, calendars)!
  if (strict.workingDays.strictCalendar.value !== strict.workingDays.primaryCalendar.value) {
    t.ok(d.strict, 'the strict calendar has its own deadline')
    t.equal(d.strict!.calendar, strict.workingDays.strictCalendar.value)
    t.ok(d.strict!.before.getTime() <= d.before.getTime(), 'a calendar with more holidays reaches back at least as far')
  } else t.notOk(d.strict)
  const perWindow: Ruleset = {
    ...DEFAULT_RULESET,
    notice: { ...DEFAULT_RULESET.notice, mode: { ...DEFAULT_RULESET.notice.mode, value: 'per-window' } },
  }
  t.equal(monthNoticeDeadline('2022-01', perWindow, calendars), null)
})
