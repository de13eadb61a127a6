import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/kube/types.js';
import type { DrillPlan } from '../../src/plan/types.js';
import { runDrill, type DrillOptions, type DrillOutcome } from '../../src/engine/run-drill.js';
import { validateReport } from '../../src/report/validate-report.js';
import { systemClock } from '../../src/util/clock.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import { VeleroSim, type VeleroSimOptions } from '../support/velero-sim.js';
import { aPlan, HOUR, SECOND } from '../support/plan-builder.js';

/** The protected workload as it is in the source namespace (and therefore in every backup). */
const SOURCE: KubeObject[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments' } },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: 'payments', labels: { app: 'api' } },
    spec: { replicas: 2, selector: { matchLabels: { app: 'api' } } },
    status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 },
  },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'payments' },
    data: { mode: 'live' },
  },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'payments-reader' }, rules: [] },
];
/** The backup also holds a PV the live cluster no longer has: the restore creates it, so the drill owns it. */
const BACKUP_CONTENT = [
  ...SOURCE.filter((o) => o.kind !== 'Namespace'),
  {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'pv-payments-data' },
    spec: { capacity: { storage: '1Gi' }, persistentVolumeReclaimPolicy: 'Delete' },
  },
];

interface World {
  gw: MemoryGateway;
  sim: VeleroSim;
  dir: string;
  run(plan: DrillPlan, opts?: Partial<DrillOptions>): Promise<DrillOutcome & { json: Record<string, any> }>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A cluster with the source workload, a bystander namespace, Velero (simulated) and a daily schedule's backup. */
async function world(
  sim: VeleroSimOptions = {},
  seed = (s: VeleroSim) => void s.seedBackup('payments-daily-1', { ageMs: 2 * HOUR, schedule: 'payments-daily' }),
): Promise<World> {
  const gw = new MemoryGateway('prod-weu', 'https://prod-weu.example:443');
  for (const o of SOURCE) gw.put(o);
  gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bystander' } });
  gw.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unlabelled', namespace: 'bystander' } });
  const s = await new VeleroSim(gw, { content: BACKUP_CONTENT, ...sim }).start();
  seed(s);
  const dir = mkdtempSync(join(tmpdir(), 'dr-drill-engine-'));
  return {
    gw,
    sim: s,
    dir,
    async run(plan, opts = {}) {
      const out = await runDrill(plan, {
        clock: systemClock,
        gatewayFor: () => gw,
        reportDir: dir,
        toolVersion: '0.0.0-test',
        ...opts,
      });
      const json = JSON.parse(readFileSync(join(out.folder, 'report.json'), 'utf8'));
      expect(validateReport(json), 'report.json against its schema').to.deep.equal([]);
      expect(existsSync(join(out.folder, 'SHA256SUMS')), 'SHA256SUMS').to.equal(true);
      expect(existsSync(join(out.folder, 'journal.jsonl')), 'journal.jsonl').to.equal(true);
      return { ...out, json };
    },
  };
}

const phase = (json: Record<string, any>, name: string) => json.phases.find((p: { name: string }) => p.name === name); // eslint-disable-line @typescript-eslint/no-explicit-any
const restores = (gw: MemoryGateway) => gw.all('Restore').map((r) => r.metadata.name);

describe('runDrill (memory cluster, simulated Velero)', function () {
  this.timeout(10_000);
  let w: World;
  afterEach(async () => {
    await w?.sim.stop();
    if (w) rmSync(w.dir, { recursive: true, force: true });
  });

  it('PASS: restores into a scratch namespace, proves it, measures, tears down exactly what it owns', async () => {
    w = await world();
    const before = w.gw.keys(); // includes ClusterRole payments-reader: in the backup, but there before (Velero skips and labels it)
    const { json, interrupted, inputProblem, folder } = await w.run(aPlan().build());

    expect(json.verdict, json.reasons.join('\n')).to.equal('PASS');
    expect([interrupted, inputProblem]).to.deep.equal([false, false]);
    expect(json.rto.achievedSeconds).to.be.a('number').and.at.least(0);
    expect(json.rto.met).to.equal(true);
    expect(json.rpo).to.include({ basis: 'backup-start', met: true });
    expect(json.rpo.achievedSeconds).to.be.within(2 * 3600 - 2, 2 * 3600 + 2);
    expect(json.backup).to.include({
      name: 'payments-daily-1',
      phase: 'Completed',
      schedule: 'payments-daily',
      takenByDrill: false,
    });
    expect(json.restore).to.include({
      name: 'dr-drill-abcd1234',
      phase: 'Completed',
      messagesSource: 'download-request',
    });
    expect(json.target.namespaceMapping).to.deep.equal({ payments: 'payments-drill-abcd1234' });
    expect(json.probes.map((p: { name: string; outcome: string }) => [p.name, p.outcome])).to.deep.equal([
      ['api-ready', 'passed'],
    ]);
    const outcomes = Object.fromEntries(json.phases.map((p: { name: string; outcome: string }) => [p.name, p.outcome]));
    expect(outcomes).to.include({
      'select-backup': 'succeeded',
      'provision-target': 'skipped',
      'prepare-target': 'succeeded',
      restore: 'succeeded',
      verify: 'succeeded',
      teardown: 'succeeded',
      seal: 'succeeded',
    });
    for (const p of json.phases.filter((x: { outcome: string }) => x.outcome === 'succeeded'))
      expect(p.startedAt && p.endedAt, p.name).to.be.a('string');
    expect(phase(json, 'restore').subphases.map((s: { name: string }) => s.name)).to.deep.equal(['queued', 'running']);
    expect(json.teardown.deleted).to.have.members([
      'Namespace payments-drill-abcd1234',
      'Restore velero/dr-drill-abcd1234',
      // target.isolation strict (the plan builder's): its rules for Velero.
      'ConfigMap velero/dr-drill-abcd1234-resource-modifiers',
      'PersistentVolume pv-payments-data',
    ]);
    expect(json.teardown.leftBehind).to.deep.equal([]);
    // Nothing else: the source, the bystander, the pre-existing ClusterRole Velero skipped, the backup.
    expect(w.gw.keys()).to.deep.equal(before);
    const role = w.gw.peek({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      name: 'payments-reader',
    });
    // existingResourcePolicy none: Velero 1.17 skips it with a warning and adds no labels (restore.go).
    expect(role?.metadata.labels?.['velero.io/restore-name']).to.equal(undefined);
    expect(json.blastRadius.changed).to.deep.equal([]);
    const journal = readFileSync(join(folder, 'journal.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).type);
    expect(journal).to.include.members(['drill-started', 'phase-started', 'probe', 'verdict', 'report-sealed']);
  });

  it('records who ran it: the user the cluster authenticated (SelfSubjectReview), once for a same-cluster drill', async () => {
    w = await world();
    w.gw.authenticatesAs('system:serviceaccount:dr:drill-runner', ['system:serviceaccounts', 'system:authenticated']);
    const { json, folder } = await w.run(aPlan().build());
    expect(json.verdict, json.reasons.join('\n')).to.equal('PASS');
    expect(json.evidence.ranBy).to.deep.equal({
      kube: [
        {
          cluster: 'source',
          context: 'prod-weu',
          user: 'system:serviceaccount:dr:drill-runner',
          groups: ['system:serviceaccounts', 'system:authenticated'],
          error: null,
        },
      ],
      azure: [],
    });
    expect(readFileSync(join(folder, 'report.md'), 'utf8')).to.contain(
      'Ran by: source cluster (prod-weu) authenticated system:serviceaccount:dr:drill-runner',
    );
  });

  it('a SelfSubjectReview the cluster refuses is recorded with its reason and costs the drill nothing', async () => {
    w = await world();
    w.gw.authenticatesAs(new Error('selfsubjectreviews.authentication.k8s.io is forbidden'));
    const { json } = await w.run(aPlan().build());
    expect(json.verdict, json.reasons.join('\n')).to.equal('PASS');
    expect(json.evidence.ranBy.kube).to.deep.equal([
      {
        cluster: 'source',
        context: 'prod-weu',
        user: null,
        groups: [],
        error: 'selfsubjectreviews.authentication.k8s.io is forbidden',
      },
    ]);
  });

  it('FAIL: a critical probe that cannot pass says what it last saw', async () => {
    w = await world({ unready: ['api'] });
    const { json } = await w.run(aPlan().workloadProbe('api-ready', 'payments', 'api', 300).build());
    expect(json.verdict).to.equal('FAIL');
    const probe = json.probes[0];
    expect(probe.outcome).to.equal('failed');
    expect(probe.lastObservation).to.match(/timed out after .*0 of 2 updated replicas are available/);
    expect(json.reasons[0]).to.match(/critical probe api-ready failed: Deployment payments-drill-abcd1234\/api/);
    expect(json.rto.achievedSeconds).to.equal(null);
    expect(json.teardown.performed).to.equal(true);
  });

  it('a resource probe without a namespace looks only in the restored namespaces: an object elsewhere in the cluster does not pass it', async () => {
    w = await world();
    const plan = aPlan()
      .probe({ name: 'settings', kind: 'resource', ref: { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings' } })
      .probe(
        { name: 'elsewhere', kind: 'resource', ref: { apiVersion: 'v1', kind: 'ConfigMap', name: 'unlabelled' } },
        300,
      )
      .build();
    const { json } = await w.run(plan);
    const [settings, elsewhere] = ['settings', 'elsewhere'].map((n) =>
      json.probes.find((p: { name: string }) => p.name === n),
    );
    expect(settings.outcome).to.equal('passed');
    expect(elsewhere.outcome, 'bystander/unlabelled exists, outside the restore').to.equal('failed');
    expect(elsewhere.lastObservation).to.match(/no ConfigMap unlabelled found/);
    expect(json.verdict).to.equal('FAIL');
    expect(json.reasons.join('\n')).to.match(/critical probe elsewhere failed/);
  });

  it('FAIL: a non-critical probe failing does not fail the drill', async () => {
    w = await world({ unready: ['api'] });
    const plan = aPlan()
      .noProbes()
      .probe({
        name: 'settings',
        kind: 'resource',
        ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'payments', name: 'settings' },
        match: { data: { mode: 'live' } },
      })
      .probe(
        {
          name: 'api-ready',
          kind: 'workload',
          critical: false,
          ref: { kind: 'Deployment', namespace: 'payments', name: 'api' },
        },
        200,
      )
      .build();
    const { json } = await w.run(plan);
    expect(json.verdict, json.reasons.join('\n')).to.equal('PASS');
    expect(json.probes.map((p: { outcome: string }) => p.outcome)).to.deep.equal(['passed', 'failed']);
  });

  it('FAIL: an RTO objective too tight, with the margin', async () => {
    w = await world({ stepMs: 20 });
    const { json } = await w.run(aPlan().rto(1).build());
    expect(json.verdict).to.equal('FAIL');
    expect(json.rto.met).to.equal(false);
    expect(json.rto.marginSeconds).to.be.below(0);
    expect(json.reasons).to.have.length(1);
    expect(json.reasons[0]).to.match(/^RTO objective missed: achieved \S+ against \S+ \(over by \S+\)$/);
  });

  it('FAIL: no backup young enough (maxAge), and no Restore is created', async () => {
    w = await world(
      {},
      (s) => void s.seedBackup('payments-daily-old', { ageMs: 30 * HOUR, schedule: 'payments-daily' }),
    );
    const { json } = await w.run(
      aPlan()
        .schedule('payments-daily', 26 * HOUR)
        .build(),
    );
    expect(json.verdict).to.equal('FAIL');
    expect(json.reasons[0]).to.match(
      /no backup young enough: payments-daily-old started 1d6h before T0, maxAge is 1d2h/,
    );
    expect(w.sim.restoresSeen).to.deep.equal([]);
    expect(phase(json, 'restore').outcome).to.equal('skipped');
    expect(json.probes[0].outcome).to.equal('skipped');
  });

  it('ERROR: a backup without startTimestamp, never a silent skip of maxAge or the RPO; no Restore is created', async () => {
    w = await world();
    w.gw.update(
      { apiVersion: 'velero.io/v1', kind: 'Backup', namespace: 'velero', name: 'payments-daily-1' },
      (b) => void delete (b.status as Record<string, unknown>).startTimestamp,
    );
    // Named: a schedule's newest backup is chosen among those with a startTimestamp.
    const { json } = await w.run(
      aPlan()
        .backup({ mode: 'name', name: 'payments-daily-1', maxAgeMs: 26 * HOUR })
        .build(),
    );
    expect(json.verdict, json.reasons.join('\n')).to.equal('ERROR');
    expect(json.reasons.join('\n')).to.match(
      /backup payments-daily-1 has no startTimestamp: its age and the RPO cannot be measured/,
    );
    expect(w.sim.restoresSeen).to.deep.equal([]);
    expect(json.rpo.achievedSeconds).to.equal(null);
  });

  it('ERROR: Velero CRDs missing', async () => {
    w = await world();
    w.gw.forgetKind('velero.io/v1');
    const { json, inputProblem } = await w.run(aPlan().build());
    expect(json.verdict).to.equal('ERROR');
    expect(inputProblem).to.equal(false);
    expect(json.reasons[0]).to.match(/Velero is not installed .*VELERO_NOT_INSTALLED/);
  });

  it('input problem: the target namespace exists without the drill label, and nothing is created', async () => {
    w = await world();
    w.gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments-drill-abcd1234' } });
    const before = w.gw.keys();
    const { json, inputProblem } = await w.run(aPlan().build());
    expect(inputProblem).to.equal(true);
    expect(json.reasons[0]).to.match(
      /target namespace payments-drill-abcd1234 already exists .* not created by a drill/,
    );
    expect(w.gw.requests.create).to.equal(0);
    expect(w.gw.keys()).to.deep.equal(before);
    expect(json.teardown.performed).to.equal(false);
  });

  it('refuses a target namespace equal to the source in the same cluster', async () => {
    w = await world();
    const { json, inputProblem } = await w.run(aPlan().suffix('').build());
    expect(inputProblem).to.equal(true);
    expect(json.reasons[0]).to.match(/TARGET_IS_SOURCE/);
    expect(w.gw.requests.create + w.gw.requests.patch + w.gw.requests.delete).to.equal(0);
  });

  const noMessages = () => ({ velero: [], cluster: [], namespaces: {} });
  /** A PartiallyFailed restore with one error, in Velero's words. */
  const partial = (error: { velero?: string[]; namespaced?: string }) => ({
    phase: 'PartiallyFailed' as const,
    errors: 1,
    warnings: 0,
    results: {
      warnings: noMessages(),
      errors: {
        velero: error.velero ?? [],
        cluster: [],
        namespaces: (error.namespaced ? { 'payments-drill-abcd1234': [error.namespaced] } : {}) as Record<
          string,
          string[]
        >,
      },
    },
  });
  const webhookError = {
    namespaced:
      'error restoring configmaps/payments-drill-abcd1234/settings: admission webhook "policy.example" denied the request',
  };
  const pvcError = {
    namespaced:
      'error restoring persistentvolumeclaims/payments-drill-abcd1234/data: storageclass.storage.k8s.io "premium" not found',
  };
  const podVolumeError = { velero: ['pod volume restore failed: data path restore failed: repository not found'] };
  for (const c of [
    {
      name: 'restore PartiallyFailed beyond tolerance → FAIL, explained',
      restore: partial(pvcError),
      tolerate: null,
      verdict: 'FAIL',
      says: /PartiallyFailed with 1 error.*storage class used by the backup does not exist/,
    },
    {
      name: 'restore PartiallyFailed within tolerance, no volume error → PASS with a warning',
      restore: partial(webhookError),
      tolerate: 1,
      verdict: 'PASS',
      says: /tolerated \(maxErrors 1, no volume errors\)/,
    },
    {
      name: 'a PVC error within maxErrors is never tolerated → FAIL naming it',
      restore: partial(pvcError),
      tolerate: 5,
      verdict: 'FAIL',
      says: /volume errors are never tolerated: "error restoring persistentvolumeclaims\/payments-drill-abcd1234\/data/,
    },
    {
      name: 'a pod volume restore error (Velero-level) within maxErrors is never tolerated → FAIL',
      restore: partial(podVolumeError),
      tolerate: 5,
      verdict: 'FAIL',
      says: /volume errors are never tolerated: "pod volume restore failed/,
    },
  ]) {
    it(c.name, async () => {
      w = await world({ restore: c.restore });
      const { json } = await w.run(aPlan().tolerate(c.tolerate).build());
      expect(json.verdict, json.reasons.join('\n')).to.equal(c.verdict);
      expect(json.restore.phase).to.equal('PartiallyFailed');
      expect(json.probes[0].outcome, 'probes still run').to.equal('passed');
      if (c.verdict === 'FAIL') expect(json.reasons[0]).to.match(c.says);
      else expect(json.warnings.join('\n')).to.match(c.says);
    });
  }

  const partialBackup = {
    phase: 'PartiallyFailed' as const,
    errors: 1,
    results: {
      warnings: noMessages(),
      errors: {
        velero: [],
        cluster: [],
        namespaces: { payments: ['error executing custom action: pod volume backup failed: node-agent not running'] },
      },
    },
  };
  for (const c of [
    { name: "a drill-taken backup that ends PartiallyFailed is a warning with Velero's reasons", none: false },
    { name: 'a drill-taken backup that ends PartiallyFailed is FAIL under tolerate: none', none: true },
  ]) {
    it(c.name, async () => {
      w = await world({ backup: partialBackup });
      const plan = aPlan().createBackup().build();
      if (c.none) plan.restore.partiallyFailedBackup = 'fail';
      const { json } = await w.run(plan);
      const words =
        /backup payments-nightly-abcd1234 is PartiallyFailed with 1 error\(s\): "error executing custom action: pod volume backup failed: node-agent not running"/;
      expect(json.backup.phase).to.equal('PartiallyFailed');
      expect(json.probes[0].outcome, 'the drill goes on: probes show the cost').to.equal('passed');
      if (c.none) {
        expect(json.verdict).to.equal('FAIL');
        expect(json.reasons.join('\n'))
          .to.match(words)
          .and.to.match(/tolerate: none/);
      } else {
        expect(json.verdict, json.reasons.join('\n')).to.equal('PASS');
        expect(json.warnings.join('\n')).to.match(words);
      }
    });
  }

  describe('volume data (restore.volumes)', () => {
    const claim: KubeObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'payments' },
      spec: { volumeName: 'pv-payments-data' },
    };
    /** Velero's BackupVolumeInfo for the claim, as v1.17 writes it into <backup>-volumeinfo.json.gz. */
    const skipped = {
      pvcName: 'data',
      pvcNamespace: 'payments',
      pvName: 'pv-payments-data',
      snapshotDataMoved: false,
      preserveLocalSnapshot: false,
      skipped: true,
      skippedReason: 'volumeSnapshot: not satisfy the criteria for VolumePolicy or the legacy snapshot way;',
      pvInfo: { reclaimPolicy: 'Delete', labels: null },
    };
    const byFileSystem = {
      pvcName: 'data',
      pvcNamespace: 'payments',
      pvName: 'pv-payments-data',
      backupMethod: 'PodVolumeBackup',
      snapshotDataMoved: false,
      preserveLocalSnapshot: false,
      skipped: false,
      result: 'succeeded',
      pvbInfo: {
        size: 8192,
        uploaderType: 'kopia',
        volumeName: 'data',
        podName: 'db-0',
        podNamespace: 'payments',
        Phase: 'Completed',
      },
    };
    const volumesWorld = async (info: unknown[]) => {
      w = await world({ content: [...BACKUP_CONTENT, claim] });
      w.sim.putArtifact('BackupVolumeInfos', 'payments-daily-1', info);
      return w;
    };

    it('a claim whose data was never in the backup is FAIL "volume data not restored", with Velero\'s reason', async () => {
      await volumesWorld([skipped]);
      const { json } = await w.run(aPlan().build());
      expect(json.verdict).to.equal('FAIL');
      expect(json.reasons).to.include(
        'volume data not restored: payments-drill-abcd1234/data (never in the backup: volumeSnapshot: not satisfy the criteria for VolumePolicy or the legacy snapshot way;)',
      );
      expect(json.restore.volumes).to.have.length(1);
      expect(json.restore.volumes[0]).to.include({ backupMethod: 'none', restoreMethod: 'none', dataRestored: false });
      expect(json.probes[0].outcome, 'the workload is Ready all the same').to.equal('passed');
    });

    it('under volumeData: metadata-only the same drill PASSes and says the data was not checked', async () => {
      await volumesWorld([skipped]);
      const plan = aPlan().build();
      plan.restore.volumeData = 'metadata-only';
      const { json, folder } = await w.run(plan);
      expect(json.verdict, json.reasons.join('\n')).to.equal('PASS');
      expect(json.restore.volumeData).to.equal('metadata-only');
      expect(json.restore.volumes[0]).to.include({ pvc: 'data', dataRestored: false });
      expect(json.warnings.join('\n')).to.match(/volume data not checked \(restore.volumeData: metadata-only\)/);
      expect(readFileSync(join(folder, 'report.md'), 'utf8')).to.match(/volume data not checked/i);
    });

    /** The restore's PodVolumeRestore of db-0's `data` volume, Completed after `seconds`, 8 KiB moved. */
    const completedPodVolumeRestore = (seconds: number) => ({
      apiVersion: 'velero.io/v1',
      kind: 'PodVolumeRestore',
      metadata: {
        name: 'dr-drill-abcd1234-x1',
        namespace: 'velero',
        labels: { 'velero.io/restore-name': 'dr-drill-abcd1234' },
      },
      spec: { pod: { namespace: 'payments-drill-abcd1234', name: 'db-0' }, volume: 'data' },
      status: {
        phase: 'Completed',
        startTimestamp: '2026-01-01T00:00:00Z',
        completionTimestamp: `2026-01-01T00:00:0${seconds}Z`,
        progress: { totalBytes: 8192, bytesDone: 8192 },
      },
    });

    it('file-system backup restored by a Completed PodVolumeRestore is proven, with bytes and duration', async () => {
      await volumesWorld([byFileSystem]);
      w.gw.put(completedPodVolumeRestore(3));
      const { json } = await w.run(aPlan().build());
      expect(json.verdict, json.reasons.join('\n')).to.equal('PASS');
      expect(json.restore.volumes[0]).to.include({
        backupMethod: 'PodVolumeBackup',
        restoreMethod: 'PodVolumeRestore',
        phase: 'Completed',
        bytes: 8192,
        durationSeconds: 3,
        dataRestored: true,
      });
    });

    /** A CSI snapshot without data movement: the restore makes the claim's volume from it, in place. */
    const bySnapshot = {
      pvcName: 'data',
      pvcNamespace: 'payments',
      pvName: 'pv-payments-data',
      backupMethod: 'CSISnapshot',
      snapshotDataMoved: false,
      skipped: false,
      csiSnapshotInfo: { snapshotHandle: 'snap-1', size: 1024, driver: 'disk.csi.azure.com' },
    };
    const restoredFromSnapshot = {
      pvcName: 'data',
      pvcNamespace: 'payments-drill-abcd1234',
      pvName: 'pvc-restored-1',
      restoreMethod: 'CSISnapshot',
      snapshotDataMoved: false,
      csiSnapshotInfo: { snapshotHandle: 'snap-1', size: 1024 },
    };

    it('a claim made from its CSI snapshot is proven once the claim is Bound', async () => {
      await volumesWorld([bySnapshot]);
      w.sim.putArtifact('RestoreVolumeInfo', 'dr-drill-abcd1234', [restoredFromSnapshot]);
      const { json } = await w.run(aPlan().build());
      expect(json.verdict, json.reasons.join('\n')).to.equal('PASS');
      expect(json.restore.volumes[0]).to.include({
        backupMethod: 'CSISnapshot',
        restoreMethod: 'CSISnapshot',
        bytes: 1024,
        dataRestored: true,
      });
      expect(json.restore.volumes[0].reason).to.match(/made from its CSISnapshot snapshot; the claim is Bound/);
    });

    it('a claim made from a snapshot the target cannot provision from stays Pending: FAIL "volume data not restored", though Velero says Completed', async () => {
      w = await world({ content: [...BACKUP_CONTENT, claim], unready: ['data'] });
      w.sim.putArtifact('BackupVolumeInfos', 'payments-daily-1', [bySnapshot]);
      w.sim.putArtifact('RestoreVolumeInfo', 'dr-drill-abcd1234', [restoredFromSnapshot]);
      const { json } = await w.run(aPlan().build());
      expect(json.restore.phase).to.equal('Completed');
      expect(json.verdict).to.equal('FAIL');
      expect(json.reasons.join('\n')).to.match(
        /volume data not restored: payments-drill-abcd1234\/data \(made from its CSISnapshot snapshot, but the claim is Pending after 2 s/,
      );
      expect(json.restore.volumes[0]).to.include({ dataRestored: false });
    });

    it('a backup without volume info (Velero < 1.13) and no pod volume backup proves no restored claim: FAIL saying so', async () => {
      w = await world({ content: [...BACKUP_CONTENT, claim] });
      const { json } = await w.run(aPlan().build());
      expect(json.verdict).to.equal('FAIL');
      expect(json.reasons.join('\n')).to.match(
        /volume data not restored: payments-drill-abcd1234\/data \(the backup has no volume info \(made before Velero 1.13\) and no pod volume backup of this claim/,
      );
      expect(json.restore.volumes[0]).to.include({ backupMethod: 'unknown', dataRestored: false });
      expect(json.warnings.join('\n')).to.match(
        /backup payments-daily-1 has no volume info file \(made before Velero 1.13\)/,
      );
    });

    it("a backup made before Velero 1.13 is proven from its PodVolumeBackups (synced CRs) and the restore's PodVolumeRestore: PASS", async () => {
      w = await world({ content: [...BACKUP_CONTENT, claim] });
      w.gw.kinds.set('velero.io/v1/PodVolumeBackup', 'namespaced');
      w.gw.put({
        apiVersion: 'velero.io/v1',
        kind: 'PodVolumeBackup',
        metadata: {
          name: 'payments-daily-1-7xq2d',
          namespace: 'velero',
          labels: { 'velero.io/backup-name': 'payments-daily-1' },
          annotations: { 'velero.io/pvc-name': 'data' },
        },
        spec: {
          pod: { kind: 'Pod', namespace: 'payments', name: 'db-0' },
          volume: 'data',
          tags: { backup: 'payments-daily-1' },
        },
        status: { phase: 'Completed', progress: { totalBytes: 8192, bytesDone: 8192 } },
      });
      w.gw.put(completedPodVolumeRestore(2));
      const { json } = await w.run(aPlan().build());
      expect(json.verdict, json.reasons.join('\n')).to.equal('PASS');
      expect(json.restore.volumes).to.have.length(1);
      expect(json.restore.volumes[0]).to.include({
        pvc: 'data',
        backupMethod: 'PodVolumeBackup',
        restoreMethod: 'PodVolumeRestore',
        bytes: 8192,
        dataRestored: true,
      });
    });
  });

  it('FAIL: restore Failed, probes skipped', async () => {
    w = await world({ restore: { phase: 'Failed', failureReason: 'error downloading backup' } });
    const { json } = await w.run(aPlan().build());
    expect(json.verdict).to.equal('FAIL');
    expect(json.reasons[0]).to.match(/restore dr-drill-abcd1234 Failed: error downloading backup/);
    expect(json.probes[0].outcome).to.equal('skipped');
    expect(phase(json, 'verify').outcome).to.equal('skipped');
    expect(json.teardown.deleted).to.include('Restore velero/dr-drill-abcd1234');
  });

  it("ERROR: FailedValidation of the drill's own request", async () => {
    w = await world({ restore: { phase: 'FailedValidation', validationErrors: ['invalid namespace mapping'] } });
    const { json } = await w.run(aPlan().build());
    expect(json.verdict).to.equal('ERROR');
    expect(json.reasons[0]).to.match(/FailedValidation.*invalid namespace mapping/);
  });

  it('interrupted during verify: stops waiting, tears down, seals', async () => {
    w = await world({ unready: ['api'] });
    const ac = new AbortController();
    const onEvent: DrillOptions['onEvent'] = (e) => {
      if (e.message === 'phase verify started') setTimeout(() => ac.abort(), 20);
    };
    const { json, interrupted } = await w.run(
      aPlan()
        .workloadProbe('api-ready', 'payments', 'api', 60 * SECOND)
        .build(),
      { signal: ac.signal, onEvent },
    );
    expect(interrupted).to.equal(true);
    expect(phase(json, 'verify').outcome).to.equal('interrupted');
    expect(json.probes[0].outcome).to.equal('skipped');
    expect(json.probes[0].lastObservation).to.match(/interrupted while waiting: .*0 of 2 updated replicas/);
    expect(json.teardown.performed).to.equal(true);
    expect(w.gw.peek({ apiVersion: 'v1', kind: 'Namespace', name: 'payments-drill-abcd1234' })).to.equal(null);
    expect(json.endedAt).to.be.a('string');
  });

  it('teardown with Velero down: the Restore is left behind and listed, within the timeout', async () => {
    w = await world();
    const onEvent: DrillOptions['onEvent'] = (e) => {
      if (e.message === 'phase verify started') w.sim.down = true;
    };
    const { json } = await w.run(aPlan().teardown('always', 300).build(), { onEvent });
    expect(json.teardown.leftBehind.map((l: { object: string }) => l.object)).to.deep.equal([
      'Restore velero/dr-drill-abcd1234',
      // The isolation rules' ConfigMap comes after the Restore, whose finalizer used the 300 ms.
      'ConfigMap velero/dr-drill-abcd1234-resource-modifiers',
    ]);
    expect(json.teardown.leftBehind[0].reason).to.match(
      /being deleted.*restores\.velero\.io\/external-resources-finalizer/,
    );
    expect(json.teardown.deleted).to.include('Namespace payments-drill-abcd1234');
    expect(phase(json, 'teardown').outcome).to.equal('failed');
    expect(json.warnings.join('\n')).to.match(/dr-drill cleanup --drill-id abcd1234/);
    expect(restores(w.gw)).to.deep.equal(['dr-drill-abcd1234']);
  });

  it("ERROR: the backup storage is down when the restore's results are read; the error names the storage, teardown is done", async () => {
    w = await world();
    const onEvent: DrillOptions['onEvent'] = (e) => {
      if (e.message === 'phase restore started') w.sim.storageDown = true;
    };
    const { json } = await w.run(aPlan().build(), { onEvent });
    expect(json.verdict).to.equal('ERROR');
    expect(phase(json, 'restore').outcome).to.equal('failed');
    expect(json.reasons.join('\n')).to.match(
      /results file could not be read \(reading RestoreResults of dr-drill-abcd1234 from the backup storage http:\/\/127\.0\.0\.1:\d+\/RestoreResults failed/,
    );
    expect(json.reasons.join('\n')).not.to.contain('sig=secret');
    expect(phase(json, 'verify').outcome).to.equal('skipped');
    expect(json.teardown.leftBehind).to.deep.equal([]);
    expect(restores(w.gw)).to.deep.equal([]);
  });

  it('PASS through an API server outage during verify: watches re-list when it answers again, and the report states the outage', async () => {
    w = await world();
    const onEvent: DrillOptions['onEvent'] = (e) => {
      if (e.message !== 'phase verify started') return;
      w.gw.goDown();
      setTimeout(() => w.gw.comeBack(), 300);
    };
    const { json } = await w.run(aPlan().build(), { onEvent });
    expect(json.verdict, json.reasons.join('\n')).to.equal('PASS');
    expect(json.warnings.join('\n')).to.match(
      /the API server of prod-weu did not answer for \d+\.\d s \(from [0-9T:.-]+Z\): \d+ request\(s\) repeated/,
    );
    expect(json.teardown.leftBehind).to.deep.equal([]);
  });

  it('--disaster-at selects the newest backup started before T0', async () => {
    const now = new Date();
    w = await world({}, (s) => {
      s.seedBackup('payments-daily-10h', { ageMs: 10 * HOUR, schedule: 'payments-daily', now });
      s.seedBackup('payments-daily-5h', { ageMs: 5 * HOUR, schedule: 'payments-daily', now });
      s.seedBackup('payments-daily-1h', { ageMs: 1 * HOUR, schedule: 'payments-daily', now });
    });
    const disasterAt = new Date(now.getTime() - 3 * HOUR);
    const { json } = await w.run(aPlan().build(), { disasterAt });
    expect(json.backup.name).to.equal('payments-daily-5h');
    expect(json.t0Basis).to.equal('disaster-at');
    expect(json.t0).to.equal(disasterAt.toISOString());
    expect(json.rpo.achievedSeconds).to.be.within(2 * 3600 - 1, 2 * 3600 + 1);
  });

  it('a backup the drill takes carries taken-by, sets T0 at its completion, and is kept', async () => {
    w = await world({}, () => undefined);
    const { json } = await w.run(aPlan().createBackup().build());
    expect(json.verdict, json.reasons.join('\n')).to.equal('PASS');
    expect(json.backup).to.include({ name: 'payments-nightly-abcd1234', phase: 'Completed', takenByDrill: true });
    expect(json.t0Basis).to.equal('backup-completed');
    const backup = w.gw.peek({
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      namespace: 'velero',
      name: 'payments-nightly-abcd1234',
    });
    expect(backup, 'the backup is kept').to.not.equal(null);
    expect(backup!.metadata.labels).to.deep.equal({
      'dr-drill.io/taken-by': 'abcd1234',
      'dr-drill.io/scenario': 'payments-nightly',
    });
    expect(json.teardown.deleted.join('\n')).to.not.match(/Backup/);
  });

  it('steps before a T0 fixed by the backup the drill takes read as negative offsets, live and in the report', async () => {
    w = await world({}, () => undefined);
    const live: Array<{ message: string; atSeconds: number; beforeT0?: boolean }> = [];
    const { json, folder } = await w.run(aPlan().createBackup().build(), { onEvent: (e) => live.push(e) });
    const select = json.phases.find((p: { name: string }) => p.name === 'select-backup');
    expect(select.startSeconds, 'select-backup started before the backup completed').to.be.below(0);
    expect(live[0]).to.include({ message: 'phase select-backup started', beforeT0: true });
    expect(live.find((e) => e.message.startsWith('T0 fixed (backup-completed)'))).to.not.equal(undefined);
    const md = readFileSync(join(folder, 'report.md'), 'utf8');
    expect(md).to.match(/T0\u2212\d/);
    expect(md).to.not.match(/T0\+-/);
  });

  it('rehearsal (--step): operator pauses count in RTO as lived and are reported apart; an abort still tears down', async () => {
    w = await world();
    const asked: string[] = [];
    const { json } = await w.run(aPlan().build(), {
      beforePhase: async (phase) => {
        asked.push(phase);
        await new Promise((r) => setTimeout(r, 20));
        return 'continue';
      },
    });
    expect(json.verdict).to.equal('PASS');
    expect(asked).to.include.members(['select-backup', 'prepare-target', 'restore', 'verify']);
    expect(json.rehearsal.pauses.map((p: { beforePhase: string }) => p.beforePhase)).to.deep.equal(asked);
    expect(json.rehearsal.operatorSeconds).to.be.greaterThan(0);
    expect(json.rehearsal.machineRtoSeconds).to.be.lessThan(json.rto.achievedSeconds);

    await w.sim.stop();
    rmSync(w.dir, { recursive: true, force: true });
    w = await world();
    const aborted = await w.run(aPlan().build(), {
      beforePhase: async (phase) => (phase === 'verify' ? 'abort' : 'continue'),
    });
    expect(aborted.interrupted).to.equal(true);
    expect(aborted.json.verdict).to.equal('ERROR');
    expect(aborted.json.reasons.join()).to.match(/operator aborted the drill before verify/);
    expect(aborted.json.teardown.performed).to.equal(true);
  });
});
