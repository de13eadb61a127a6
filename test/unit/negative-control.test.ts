/**
 * A negative control proves the drill can fail only when the planted impossibility is what failed (issue #12
 * item 4): a table of report trees, each judged as the CLI would exit on it.
 */
import { expect } from 'chai';
import { exitCodeForNegativeControl } from '../../src/exit-codes.js';
import { judgeNegativeControl } from '../../src/measure/negative-control.js';
import { deriveVerdict } from '../../src/measure/verdict.js';
import { negativeControlPlan } from '../../src/plan/negative-control.js';
import { aReport, type ReportBuilder } from '../support/report-builder.js';
import { aPlan } from '../support/plan-builder.js';

const { planted } = negativeControlPlan(aPlan().build());
const impossible =
  'timed out after 15s: no ConfigMap payments-drill-abcd1234/dr-drill-negative-control-abcd1234 found (want 1)';
const plantedFailed = (b: ReportBuilder) =>
  b.probe({
    name: 'negative-control',
    kind: 'resource',
    outcome: 'failed',
    passedAtSeconds: null,
    lastObservation: impossible,
  });

const cases: Array<{
  name: string;
  tree: (b: ReportBuilder) => ReportBuilder;
  conclusive: boolean;
  exit: 0 | 1 | 3;
  reason: RegExp;
}> = [
  {
    name: 'only the planted probe failed, for the planted reason: conclusive, exit 0',
    tree: (b) => plantedFailed(b.probe({ name: 'api' })).rto(null),
    conclusive: true,
    exit: 0,
    reason: /^FAIL as required, only because critical probe negative-control requires ConfigMap/,
  },
  {
    name: 'a stale backup (maxAge) failed the drill before any probe: inconclusive, exit 1, the real reason',
    tree: (b) =>
      b
        .phase('select-backup', {
          outcome: 'failed',
          effect: 'FAIL',
          reason: 'no backup young enough: b1 started 30h before T0',
        })
        .probe({ name: 'api', outcome: 'skipped', passedAtSeconds: null })
        .probe({ name: 'negative-control', kind: 'resource', outcome: 'skipped', passedAtSeconds: null })
        .rto(null),
    conclusive: false,
    exit: 1,
    reason:
      /inconclusive: the planted probe negative-control did not fail for the planted reason.*no backup young enough/,
  },
  {
    name: 'the planted probe failed, and so did a real probe: inconclusive, exit 1, naming the real probe',
    tree: (b) =>
      plantedFailed(
        b.probe({ name: 'api', outcome: 'failed', passedAtSeconds: null, lastObservation: '0/2 ready' }),
      ).rto(null),
    conclusive: false,
    exit: 1,
    reason: /inconclusive: the drill also failed for another reason: critical probe api failed: .*0\/2 ready/,
  },
  {
    name: 'the planted probe failed, and the restore PartiallyFailed beyond tolerance: inconclusive',
    tree: (b) =>
      plantedFailed(b.probe({ name: 'api' }))
        .phase('restore', { outcome: 'failed', effect: 'FAIL', reason: 'restore r PartiallyFailed with 2 error(s)' })
        .rto(null),
    conclusive: false,
    exit: 1,
    reason: /also failed for another reason: restore r PartiallyFailed/,
  },
  {
    name: 'the planted probe failed for another reason than the planted one: inconclusive',
    tree: (b) =>
      b
        .probe({ name: 'api' })
        .probe({
          name: 'negative-control',
          kind: 'resource',
          outcome: 'failed',
          passedAtSeconds: null,
          lastObservation: 'not in the restored copy: the server does not serve ConfigMap (v1)',
        })
        .rto(null),
    conclusive: false,
    exit: 1,
    reason: /did not fail for the planted reason \(failed: not in the restored copy/,
  },
  {
    name: 'the drill PASSED although the expectation was impossible: exit 1, do not trust its PASS',
    tree: (b) => b.probe({ name: 'api' }).probe({ name: 'negative-control', kind: 'resource' }),
    conclusive: false,
    exit: 1,
    reason: /PASSED although .* do not trust its PASS/,
  },
  {
    name: 'ERROR stays ERROR: exit 3, nothing was proven',
    tree: (b) =>
      plantedFailed(
        b.probe({ name: 'api', outcome: 'error', passedAtSeconds: null, lastObservation: 'forbidden' }),
      ).rto(null),
    conclusive: false,
    exit: 3,
    reason: /^ERROR, nothing was proven: critical probe api could not run: forbidden/,
  },
];

describe('negative control: conclusive only when the planted impossibility is what failed', () => {
  for (const c of cases)
    it(c.name, () => {
      const tree = c.tree(aReport().noProbes()).build();
      Object.assign(tree, deriveVerdict(tree));
      const j = judgeNegativeControl(tree, planted);
      expect(j.conclusive, j.reason).to.equal(c.conclusive);
      expect(j.reason).to.match(c.reason);
      // As run (single or fleet) exits on it.
      expect(exitCodeForNegativeControl(tree.verdict, j.conclusive)).to.equal(c.exit);
    });
});
