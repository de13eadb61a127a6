import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/kube/types.js';
import { compareClusters } from '../../src/kube/cluster-identity.js';
import { clusterScopedInReach, judgeHarm, type HarmInput } from '../../src/engine/harm-checks.js';
import {
  parseBackupResourceList,
  pvRestoreWay,
  resourceFilterAllows,
  storageAsset,
} from '../../src/velero/restore-reach.js';
import { runDrill } from '../../src/engine/run-drill.js';
import { preflight } from '../../src/engine/preflight.js';
import { systemClock } from '../../src/util/clock.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import { VeleroSim } from '../support/velero-sim.js';
import { aPlan, HOUR } from '../support/plan-builder.js';

const pv = (name: string, spec: Record<string, unknown>, claimNs = 'payments'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: { persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: claimNs, name: `${name}-claim` }, ...spec },
});
const csi = (name: string, extra: Record<string, unknown> = {}) =>
  pv(name, { csi: { driver: 'disk.csi.azure.com', volumeHandle: `/subscriptions/s/disks/${name}` }, ...extra });
const SAME = { same: true, basis: 'kube-system-uid' as const, detail: 'kube-system UID is the same in prod and prod' };
const OTHER = { same: false, basis: 'kube-system-uid' as const, detail: 'kube-system UID differs' };

type Over = Omit<Partial<HarmInput>, 'restore'> & { restore?: Partial<HarmInput['restore']> };

function input(over: Over): HarmInput {
  return {
    namespaces: ['payments'],
    cluster: OTHER,
    targetContext: 'prod',
    reach: { items: [], pvs: [], volumeInfos: new Map() },
    ...over,
    restore: {
      existingResourcePolicy: 'none',
      includedResources: [],
      excludedResources: [],
      restorePVs: true,
      ...over.restore,
    },
  };
}

describe('Velero restore reach: resource list, filters, PV restore ways, storage assets', () => {
  it('parses a backup resource list into apiVersion, kind, namespace and name', () => {
    expect(
      parseBackupResourceList({
        'apps/v1/Deployment': ['payments/api'],
        'v1/PersistentVolume': ['pv-1'],
        'rbac.authorization.k8s.io/v1/ClusterRole': ['reader'],
      }),
    ).to.deep.equal([
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'payments', name: 'api' },
      { apiVersion: 'v1', kind: 'PersistentVolume', namespace: null, name: 'pv-1' },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', namespace: null, name: 'reader' },
    ]);
  });

  const filters: Array<[string, string, string, string[], string[], boolean]> = [
    ['no filters', 'v1', 'PersistentVolume', [], [], true],
    ['excluded by plural', 'v1', 'PersistentVolume', [], ['persistentvolumes'], false],
    [
      'excluded by group-qualified plural',
      'rbac.authorization.k8s.io/v1',
      'ClusterRole',
      [],
      ['clusterroles.rbac.authorization.k8s.io'],
      false,
    ],
    ['included by *', 'v1', 'PersistentVolume', ['*'], [], true],
    ['not among the included', 'v1', 'PersistentVolume', ['deployments', 'configmaps'], [], false],
    ['-ies plural', 'networking.k8s.io/v1', 'NetworkPolicy', ['networkpolicies'], [], true],
    ['-es plural', 'storage.k8s.io/v1', 'StorageClass', [], ['storageclasses'], false],
  ];
  for (const [name, apiVersion, kind, inc, exc, allowed] of filters)
    it(`resource filters: ${name}`, () =>
      expect(resourceFilterAllows({ apiVersion, kind }, inc, exc)).to.equal(allowed));

  const ways: Array<[string, KubeObject, string | undefined, boolean, string]> = [
    ['no data backed up, Retain', csi('a'), '', true, 'as-is'],
    [
      'no data backed up, Recycle is not Delete',
      csi('a', { persistentVolumeReclaimPolicy: 'Recycle' }),
      '',
      true,
      'as-is',
    ],
    ['no data backed up, Delete', csi('a', { persistentVolumeReclaimPolicy: 'Delete' }), '', true, 'reprovisioned'],
    ['file-system backup', csi('a'), 'PodVolumeBackup', true, 'reprovisioned'],
    ['CSI snapshot', csi('a'), 'CSISnapshot', true, 'reprovisioned'],
    ['native snapshot', csi('a'), 'NativeSnapshot', true, 'from-snapshot'],
    ['native snapshot with restorePVs false', csi('a'), 'NativeSnapshot', false, 'as-is'],
    ['no volume info, Retain (legacy backup): counted as as-is', csi('a'), undefined, true, 'as-is'],
  ];
  for (const [name, obj, method, restorePVs, way] of ways)
    it(`PV restore way: ${name} → ${way}`, () => expect(pvRestoreWay(obj, method, restorePVs).way).to.equal(way));

  it('names the storage asset of each volume source, and which ones other clusters reach too', () => {
    expect(storageAsset(csi('d1'))).to.deep.equal({
      description: 'CSI disk.csi.azure.com volumeHandle /subscriptions/s/disks/d1',
      shared: true,
    });
    expect(storageAsset(pv('x', { azureDisk: { diskURI: '/subscriptions/s/disks/x' } }))?.shared).to.equal(true);
    expect(storageAsset(pv('x', { azureFile: { shareName: 'files' } }))?.description).to.equal(
      'Azure Files share files',
    );
    expect(storageAsset(pv('x', { nfs: { server: 'nas', path: '/exp' } }))?.description).to.equal('NFS nas:/exp');
    expect(storageAsset(pv('x', { hostPath: { path: '/data' } }))).to.deep.equal({
      description: 'hostPath /data',
      shared: false,
    });
    expect(storageAsset(pv('x', { iscsi: { targetPortal: 'p' } }))).to.deep.equal({
      description: 'iscsi volume',
      shared: true,
    });
    expect(storageAsset(pv('x', {}))).to.equal(null);
  });
});

describe('refusals before the Restore is created (judgeHarm)', () => {
  const clusterItems = parseBackupResourceList({
    'v1/Namespace': ['payments'],
    'v1/PersistentVolume': ['pv-a'],
    'rbac.authorization.k8s.io/v1/ClusterRole': ['payments-reader'],
    'v1/ConfigMap': ['payments/settings'],
    'v1/Node': ['node-1'],
  });

  it('cluster-scoped items in reach leave out the restored namespaces, kinds Velero never restores, and filtered resources', () => {
    const names = (exc: string[]) =>
      clusterScopedInReach(clusterItems, { includedResources: [], excludedResources: exc }, ['payments']).map(
        (i) => `${i.kind} ${i.name}`,
      );
    expect(names([])).to.deep.equal(['PersistentVolume pv-a', 'ClusterRole payments-reader']);
    expect(names(['persistentvolumes', 'clusterroles'])).to.deep.equal([]);
  });

  it('refuses update in the source cluster while the backup holds cluster-scoped objects, naming them and the fixes', () => {
    const { refusals } = judgeHarm(
      input({
        cluster: SAME,
        restore: { existingResourcePolicy: 'update' },
        reach: { items: clusterItems, pvs: [], volumeInfos: null },
      }),
    );
    expect(refusals).to.have.length(1);
    expect(refusals[0]!.code).to.equal('UPDATE_IN_SOURCE_CLUSTER');
    expect(refusals[0]!.message).to.contain('PersistentVolume pv-a').and.contain('ClusterRole payments-reader');
    expect(refusals[0]!.hint)
      .to.contain('restore.allowClusterScopedUpdates: true')
      .and.contain('existingResourcePolicy: none');
  });

  const notRefused: Array<[string, Over]> = [
    ['update into another cluster', { cluster: OTHER, restore: { existingResourcePolicy: 'update' } }],
    ['update with no source cluster (storage-only)', { cluster: null, restore: { existingResourcePolicy: 'update' } }],
    ['none in the source cluster', { cluster: SAME, restore: { existingResourcePolicy: 'none' } }],
    [
      'update with the cluster-scoped resources excluded',
      {
        cluster: SAME,
        restore: { existingResourcePolicy: 'update', excludedResources: ['persistentvolumes', 'clusterroles'] },
      },
    ],
  ];
  for (const [name, over] of notRefused)
    it(`does not refuse: ${name}`, () =>
      expect(
        judgeHarm(input({ ...over, reach: { items: clusterItems, pvs: [], volumeInfos: null } })).refusals,
      ).to.deep.equal([]));

  it('allowClusterScopedUpdates turns the refusal into a warning', () => {
    const r = judgeHarm(
      input({
        cluster: SAME,
        restore: { existingResourcePolicy: 'update', allowClusterScopedUpdates: true },
        reach: { items: clusterItems, pvs: [], volumeInfos: null },
      }),
    );
    expect(r.refusals).to.deep.equal([]);
    expect(r.warnings.join()).to.contain('allowClusterScopedUpdates').and.contain('blast-radius');
  });

  it('refuses a PV restored as-is onto a cloud disk in ANY target, naming the disk and the opt-in field', () => {
    const r = judgeHarm(
      input({ cluster: OTHER, reach: { items: [], pvs: [csi('pv-a')], volumeInfos: new Map([['pv-a', '']]) } }),
    );
    expect(r.refusals.map((x) => x.code)).to.deep.equal(['PV_ON_SOURCE_STORAGE']);
    expect(r.refusals[0]!.message).to.contain('PersistentVolume pv-a').and.contain('/subscriptions/s/disks/pv-a');
    expect(r.refusals[0]!.hint).to.contain('restore.allowSharedVolumeAssets: true');
  });

  const pvCases: Array<
    [string, KubeObject, HarmInput['cluster'], Map<string, string> | null, Partial<HarmInput['restore']>, boolean]
  > = [
    ['Azure Files share, storage-only drill', pv('f', { azureFile: { shareName: 'prod' } }), null, null, {}, true],
    [
      'hostPath in another cluster (a node path there is another disk)',
      pv('h', { hostPath: { path: '/d' } }),
      OTHER,
      new Map([['h', '']]),
      {},
      false,
    ],
    ['hostPath in the source cluster', pv('h', { hostPath: { path: '/d' } }), SAME, new Map([['h', '']]), {}, true],
    ['file-system backed up', csi('b'), OTHER, new Map([['b', 'PodVolumeBackup']]), {}, false],
    [
      'reclaim policy Delete',
      csi('c', { persistentVolumeReclaimPolicy: 'Delete' }),
      OTHER,
      new Map([['c', '']]),
      {},
      false,
    ],
    [
      'native snapshot, restorePVs false',
      csi('n'),
      OTHER,
      new Map([['n', 'NativeSnapshot']]),
      { restorePVs: false },
      true,
    ],
    [
      'claimed outside the restored namespaces',
      pv('o', { csi: { driver: 'x', volumeHandle: 'h' }, claimRef: { namespace: 'other', name: 'c' } }),
      OTHER,
      null,
      {},
      false,
    ],
    ['persistentvolumes excluded', csi('e'), OTHER, null, { excludedResources: ['persistentvolumes'] }, false],
  ];
  for (const [name, obj, cluster, infos, restore, refused] of pvCases)
    it(`PV on the source's storage: ${name} → ${refused ? 'refused' : 'allowed'}`, () =>
      expect(
        judgeHarm(input({ cluster, restore, reach: { items: [], pvs: [obj], volumeInfos: infos } })).refusals.length,
      ).to.equal(refused ? 1 : 0));

  it('allowSharedVolumeAssets accepts it with a warning', () => {
    const r = judgeHarm(
      input({ restore: { allowSharedVolumeAssets: true }, reach: { items: [], pvs: [csi('a')], volumeInfos: null } }),
    );
    expect(r.refusals).to.deep.equal([]);
    expect(r.warnings.join()).to.contain('allowSharedVolumeAssets');
  });
});

describe('same cluster by kube-system UID', () => {
  const withUid = (context: string, server: string, uid: string | null) => {
    const gw = new MemoryGateway(context, server);
    if (uid) gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', uid } });
    return gw;
  };
  it('two contexts with different URLs reaching one cluster are the same cluster', async () => {
    const c = await compareClusters(
      withUid('private', 'https://10.0.0.1', 'u-1'),
      withUid('public', 'https://prod.example', 'u-1'),
    );
    expect(c).to.include({ same: true, basis: 'kube-system-uid' });
  });
  it('one URL in front of another cluster is not the same cluster', async () => {
    const c = await compareClusters(withUid('a', 'https://x', 'u-1'), withUid('b', 'https://x', 'u-2'));
    expect(c).to.include({ same: false, basis: 'kube-system-uid' });
  });
  it('falls back to the URL, and says so, when kube-system cannot be read', async () => {
    const c = await compareClusters(withUid('a', 'https://x/', null), withUid('b', 'https://X', 'u-2'));
    expect(c.same).to.equal(true);
    expect(c.basis).to.equal('server-url');
    expect(c.detail).to.contain('could not be read in a');
  });
});

describe('runDrill refuses before the Restore is created (memory cluster, simulated Velero)', function () {
  this.timeout(10_000);
  const SRC: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', uid: 'cluster-1' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments' } },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'payments' },
      spec: { volumeName: 'pv-data' },
      status: { phase: 'Bound' },
    },
    {
      ...csi('pv-data'),
      spec: { ...csi('pv-data').spec, claimRef: { namespace: 'payments', name: 'data' } },
      status: { phase: 'Bound' },
    },
  ];
  let sim: VeleroSim;
  let dir: string;
  afterEach(async () => {
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, restore] of [
    ['update in the source cluster', { existingResourcePolicy: 'update' as const }],
    ['a Retain PV without snapshot on the source disk', {}],
  ] as const) {
    it(`${name}: exit 2 with a hint, no Restore, no namespace, the source PVC still Bound`, async () => {
      const gw = new MemoryGateway('prod', 'https://prod');
      for (const o of SRC) gw.put(o);
      sim = await new VeleroSim(gw, {
        content: SRC.slice(1),
        volumeInfos: [{ pvName: 'pv-data', backupMethod: '' }],
      }).start();
      sim.seedBackup('payments-daily-1', { ageMs: HOUR, schedule: 'payments-daily' });
      dir = mkdtempSync(join(tmpdir(), 'dr-drill-harm-'));
      const plan = aPlan().build();
      Object.assign(plan.restore, restore, { allowSharedVolumeAssets: 'existingResourcePolicy' in restore });
      const out = await runDrill(plan, { clock: systemClock, gatewayFor: () => gw, reportDir: dir, toolVersion: 't' });
      expect(out.inputProblem).to.equal(true);
      expect(out.report.verdict).to.equal('ERROR');
      const prepare = out.report.phases.find((p) => p.name === 'prepare-target')!;
      expect(prepare.outcome).to.equal('failed');
      expect(prepare.reason).to.match(
        'existingResourcePolicy' in restore
          ? /UPDATE_IN_SOURCE_CLUSTER.*allowClusterScopedUpdates/
          : /PV_ON_SOURCE_STORAGE.*allowSharedVolumeAssets/,
      );
      expect(gw.all('Restore')).to.deep.equal([]);
      expect(
        gw
          .all('Namespace')
          .map((n) => n.metadata.name)
          .sort(),
      ).to.deep.equal(['kube-system', 'payments', 'velero']);
      expect(
        gw.peek({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'payments', name: 'data' })?.status.phase,
      ).to.equal('Bound');
      expect(out.report.blastRadius).to.equal(null);
      expect(JSON.parse(readFileSync(join(out.folder, 'report.json'), 'utf8')).verdict).to.equal('ERROR');

      // plan shows the same refusal, read-only: nothing but its own DownloadRequests (deleted) is written.
      const checks = await preflight(plan, () => gw, new Date());
      const refused = checks.filter((c) => c.status === 'refused');
      expect(refused.map((c) => c.detail).join('\n')).to.contain(prepare.reason!.match(/\((\w+); hint/)![1]!);
      expect(gw.all('Restore')).to.deep.equal([]);
      expect(gw.all('DownloadRequest')).to.deep.equal([]);
    });
  }
});
