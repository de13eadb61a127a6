import { expect } from 'chai';
import { deriveVerdict } from '../../src/measure/verdict.js';
import { aReport, type ReportBuilder } from '../support/report-builder.js';

const volume = (dataRestored: boolean, pvc = 'data') => ({
  namespace: 'payments-drill-abcd1234',
  pvc,
  pod: null,
  volume: null,
  backupMethod: dataRestored ? 'PodVolumeBackup' : 'none',
  restoreMethod: dataRestored ? 'PodVolumeRestore' : 'none',
  phase: dataRestored ? 'Completed' : null,
  bytes: dataRestored ? 4096 : null,
  durationSeconds: dataRestored ? 2 : null,
  dataRestored,
  reason: dataRestored ? 'PodVolumeRestore Completed, 4096 bytes' : 'never in the backup: skipped',
});

/** The verdict is read from the report tree alone: each case builds a tree and names the verdict it must give. */
describe('deriveVerdict: the verdict from the report tree', () => {
  const cases: Array<{ name: string; tree: (b: ReportBuilder) => ReportBuilder; verdict: string; reasons: RegExp[] }> =
    [
      { name: 'clean PASS has no reasons', tree: (b) => b, verdict: 'PASS', reasons: [] },
      {
        name: 'a critical probe that failed is FAIL, with its subject and last observation',
        tree: (b) => b.probe({ name: 'api', outcome: 'failed', passedAtSeconds: null, lastObservation: '0/2 ready' }),
        verdict: 'FAIL',
        reasons: [/^critical probe api failed: Deployment payments-drill-abcd1234\/api: 0\/2 ready$/],
      },
      {
        name: 'a non-critical probe that failed does not count',
        tree: (b) =>
          b.probe({ name: 'api' }).probe({ name: 'extra', critical: false, outcome: 'failed', passedAtSeconds: null }),
        verdict: 'PASS',
        reasons: [],
      },
      {
        name: 'no critical probe is never a PASS: nothing proves the copy works',
        tree: (b) => b.probe({ name: 'extra', critical: false }),
        verdict: 'FAIL',
        reasons: [/^no critical probe: nothing proves the restored copy works$/],
      },
      {
        name: 'no probes at all is never a PASS',
        tree: (b) => b.noProbes(),
        verdict: 'FAIL',
        reasons: [/^no critical probe/],
      },
      {
        name: 'a critical probe that could not look is ERROR',
        tree: (b) => b.probe({ name: 'api', outcome: 'error', passedAtSeconds: null, lastObservation: 'forbidden' }),
        verdict: 'ERROR',
        reasons: [/^critical probe api could not run: forbidden$/],
      },
      {
        name: 'a phase that failed with effect FAIL is FAIL with its reason',
        tree: (b) =>
          b.phase('restore', { outcome: 'failed', effect: 'FAIL', reason: 'restore dr-drill-abcd1234 Failed: x' }),
        verdict: 'FAIL',
        reasons: [/^restore dr-drill-abcd1234 Failed: x$/],
      },
      {
        name: 'a phase that failed with effect ERROR is ERROR',
        tree: (b) =>
          b.phase('prepare-target', { outcome: 'failed', effect: 'ERROR', reason: 'Velero is not installed' }),
        verdict: 'ERROR',
        reasons: [/Velero is not installed/],
      },
      {
        name: 'a restored volume whose data is not back is FAIL "volume data not restored: ns/pvc (reason)"',
        tree: (b) => b.restore({ volumeData: 'checked', volumes: [volume(false), volume(true, 'logs')] }),
        verdict: 'FAIL',
        reasons: [/^volume data not restored: payments-drill-abcd1234\/data \(never in the backup: skipped\)$/],
      },
      {
        name: 'a pod volume that is no claim is named by pod and volume',
        tree: (b) =>
          b.restore({
            volumes: [{ ...volume(false), pvc: null, pod: 'db-0', volume: 'scratch' }],
            volumeData: 'checked',
          }),
        verdict: 'FAIL',
        reasons: [/^volume data not restored: payments-drill-abcd1234\/db-0\/scratch /],
      },
      {
        name: 'under volumeData metadata-only a volume without its data does not count (the report states it)',
        tree: (b) => b.restore({ volumeData: 'metadata-only', volumes: [volume(false)] }),
        verdict: 'PASS',
        reasons: [],
      },
      {
        name: 'every volume with its data back is no finding',
        tree: (b) => b.restore({ volumeData: 'checked', volumes: [volume(true), volume(true, 'logs')] }),
        verdict: 'PASS',
        reasons: [],
      },
      {
        name: 'a phase that failed without effect (teardown left objects, a warn hook) does not change the verdict',
        tree: (b) => b.phase('teardown', { outcome: 'failed', effect: null, reason: '1 object(s) left' }),
        verdict: 'PASS',
        reasons: [],
      },
      {
        name: 'an interrupted phase is ERROR, whatever its effect field says',
        tree: (b) =>
          b.phase('verify', { outcome: 'interrupted', effect: null, reason: 'interrupted (SIGINT/SIGTERM)' }),
        verdict: 'ERROR',
        reasons: [/^drill interrupted during verify$/],
      },
      {
        name: 'ERROR beats FAIL, and both reasons are kept (errors first)',
        tree: (b) =>
          b
            .phase('restore', { outcome: 'failed', effect: 'FAIL', reason: 'restore Failed' })
            .phase('teardown', { outcome: 'interrupted', reason: 'x' }),
        verdict: 'ERROR',
        reasons: [/drill interrupted during teardown/, /restore Failed/],
      },
      {
        name: 'a pre-existing object the drill changed is ERROR, whatever the drill proved',
        tree: (b) =>
          b.with({
            blastRadius: {
              checked: 4,
              changed: [
                {
                  apiVersion: 'rbac.authorization.k8s.io/v1',
                  kind: 'ClusterRole',
                  namespace: null,
                  name: 'shop-reader',
                  what: 'labels changed',
                },
              ],
              notChecked: [],
              recordSeconds: 0.1,
            },
          }),
        verdict: 'ERROR',
        reasons: [/^the drill changed 1 object\(s\) it does not own: ClusterRole shop-reader \(labels changed\)$/],
      },
      {
        name: 'pre-existing objects checked and none changed leave a PASS alone',
        tree: (b) => b.with({ blastRadius: { checked: 4, changed: [], notChecked: ['x'], recordSeconds: 0.1 } }),
        verdict: 'PASS',
        reasons: [],
      },
      {
        name: 'a missed RTO is FAIL with the margin in the reason',
        tree: (b) => b.rto(754, 600),
        verdict: 'FAIL',
        reasons: [/^RTO objective missed: achieved 12m34s against 10m00s \(over by 2m34s\)$/],
      },
      {
        name: 'a missed RPO is FAIL with the margin in the reason',
        tree: (b) => b.rpo(7200, 3600),
        verdict: 'FAIL',
        reasons: [/^RPO objective missed: achieved 2h00m against 1h00m \(over by 1h00m\)$/],
      },
      {
        name: 'ERROR beats a missed objective',
        tree: (b) =>
          b.rto(754, 600).phase('verify', { outcome: 'failed', effect: 'ERROR', reason: 'permission denied' }),
        verdict: 'ERROR',
        reasons: [/permission denied/, /RTO objective missed/],
      },
      {
        name: 'an RTO within its objective only without its uncertainty is FAIL, saying so',
        tree: (b) => b.rto(0.65, 1, 1),
        verdict: 'FAIL',
        reasons: [/^RTO objective met only within measurement uncertainty: achieved 0.7s ± 1s against 1s$/],
      },
      {
        name: 'an RPO within its objective only without its uncertainty is FAIL',
        tree: (b) => b.rpo(3599, 3600, 'canary', 2),
        verdict: 'FAIL',
        reasons: [/^RPO objective met only within measurement uncertainty/],
      },
      {
        name: 'an RPO objective that could not be measured is FAIL with its reason',
        tree: (b) => b.rpo(null).with({}),
        verdict: 'FAIL',
        reasons: [/^RPO was not measured: not measured$/],
      },
      {
        name: 'an unmeasured RPO is not listed beside the failure that caused it',
        tree: (b) => b.rpo(null).probe({ name: 'api', outcome: 'failed', passedAtSeconds: null }),
        verdict: 'FAIL',
        reasons: [/^critical probe api failed/],
      },
      {
        name: 'RTO not measured is never a PASS',
        tree: (b) => b.rto(null),
        verdict: 'FAIL',
        reasons: [/RTO was not measured/],
      },
      {
        name: 'the stated verdict in the report is not read: the tree decides',
        tree: (b) => b.verdict('FAIL', 'made up').rto(100),
        verdict: 'PASS',
        reasons: [],
      },
    ];
  for (const c of cases) {
    it(c.name, () => {
      const { verdict, reasons } = deriveVerdict(c.tree(aReport()).build());
      expect(verdict).to.equal(c.verdict);
      expect(reasons).to.have.length(c.reasons.length, reasons.join(' | '));
      c.reasons.forEach((re, i) => expect(reasons[i]).to.match(re));
    });
  }
});
