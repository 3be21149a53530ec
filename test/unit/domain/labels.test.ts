/** Every label honest (issue 18 part 2): a value is labelled by its weakest part. */
import t from 'tap'
import { assess } from '../../../src/domain/assess.ts'
import { defaultBlackoutLayers } from '../../../src/domain/blackouts.ts'
import { DEFAULT_ESTATE } from '../../../src/domain/impact/reference-data.ts'
import { BUILT_IN_RULESETS, DEFAULT_RULESET, DEFAULT_RULESET_2021_1, rulesetInForce } from '../../../src/domain/ruleset.ts'
import { validateRuleset } from '../../../src/domain/ruleset-validation.ts'
import { aWindow, ctxFor } from './builders.ts'

t.test('the winter bounds are inferred: the seed says "winter" with no dates', async (t) => {
  t.equal(DEFAULT_RULESET.seasonal.winter.from.provenance, 'inferred')
  t.equal(DEFAULT_RULESET.seasonal.winter.to.provenance, 'inferred')
  const winter = assess([aWindow('2022-01-16')], ctxFor()).windows[0]!.findings.find((f) => f.code === 'WINTER')!
  t.equal(winter.rule.provenance, 'inferred', 'the WINTER finding says so')
})

t.test('each top-up period carries its own label, and its finding the matched period’s', async (t) => {
  const layers = defaultBlackoutLayers(DEFAULT_RULESET)
  t.equal(layers.find((l) => l.id === 'november-top-up')!.provenance, 'paraphrase')
  t.equal(layers.find((l) => l.id === 'christmas-new-year')!.provenance, 'assumed')
  const label = (date: string) =>
    assess([aWindow(date)], ctxFor())
      .windows[0]!.findings.filter((f) => f.code === 'PREPAYMENT_PEAK' && f.severity === 'objection')
      .map((f) => f.rule.provenance)
  t.same(label('2021-11-14'), ['paraphrase'], 'November: the minutes')
  t.same(label('2021-12-19'), ['assumed'], 'Christmas/New Year: assumed bounds')
  // A period without its own label falls back to the list's.
  const { provenance: _p, source: _s, ...bare } = DEFAULT_RULESET.seasonal.highTopUp.value[0]!
  const rs = {
    ...DEFAULT_RULESET,
    seasonal: { ...DEFAULT_RULESET.seasonal, highTopUp: { ...DEFAULT_RULESET.seasonal.highTopUp, value: [bare] } },
  }
  t.equal(defaultBlackoutLayers(rs).find((l) => l.id === 'november-top-up')!.provenance, 'assumed')
})

t.test('the prepayment share is a national figure applied to the DCC estate: inferred', async (t) => {
  for (const r of Object.values(DEFAULT_ESTATE.regions)) t.equal(r.prepaymentShare.confidence, 'inferred')
})

t.test('waivable rests on an assumption for the seasonal codes: assumed', async (t) => {
  t.equal(DEFAULT_RULESET.waivable.provenance, 'assumed')
})

t.test('the relabelled defaults are a new version; 2021.1 is kept as it shipped and stays valid', async (t) => {
  t.equal(DEFAULT_RULESET.version, '2021.1.1')
  t.equal(DEFAULT_RULESET_2021_1.version, '2021.1')
  t.equal(DEFAULT_RULESET_2021_1.seasonal.winter.from.provenance, 'verified', 'as it shipped')
  t.same(validateRuleset(DEFAULT_RULESET_2021_1), [])
  t.same(validateRuleset(DEFAULT_RULESET), [])
  t.equal(rulesetInForce(BUILT_IN_RULESETS, '2021-11-14'), DEFAULT_RULESET, 'on equal effectiveFrom the later supersedes')
})
