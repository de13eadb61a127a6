/**
 * Velero in a fresh AKS drill cluster, for the backup's volume data: what provision-target installs (node-agent,
 * feature flags, the source's kopia repository password, its VolumeSnapshotLocations), judged from the backup's
 * own volume info in storage, against in-memory source and drill clusters. The report folder and the journal are
 * written for real and searched for the password.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { installDrillVelero } from '../../src/engine/aks-lifecycle.js';
import type { DrillContext } from '../../src/engine/context.js';
import type { KubeObject } from '../../src/kube/types.js';
import type { AksTargetPlan } from '../../src/plan/types.js';
import { Journal } from '../../src/report/journal.js';
import { writeReportFolder } from '../../src/report/seal.js';
import { ManualClock } from '../../src/util/clock.js';
import { runSecrets } from '../../src/util/secrets.js';
import { openLocalStorage } from '../../src/velero/storage/index.js';
import { storageLayout } from '../../src/velero/storage-layout.js';
import { createGzip } from 'node:zlib';
import type { BackupVolumeInfo } from '../../src/velero/volume-info.js';
import type { VeleroBackup } from '../../src/velero/types.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import { drillContextFor } from '../support/drill-context.js';
import { aPlan, anAksTarget } from '../support/plan-builder.js';
import tar from 'tar-stream';
import { archiveItemPath, ARCHIVE_VERSION_FILE, BACKUP_FORMAT_VERSION } from '../../src/velero/storage-layout.js';

const NOW = new Date('2026-01-03T12:00:00Z');
const PASSWORD = 'kopia-Repo-Pw-7Qx9Zr';
const BACKUP = 'shop-daily-20260103';

const aks = (velero: Partial<AksTargetPlan['velero']> = {}): AksTargetPlan =>
  anAksTarget(
    { nodePools: [{ name: 'system', mode: 'System', vmSize: 'Standard_D4s_v5', count: 2, zones: [] }], tags: {} },
    {
      install: 'always',
      image: 'velero/velero:v1.17.2',
      pluginImage: 'velero/velero-plugin-for-microsoft-azure:v1.13.2',
      bslName: 'dr-source',
      credentials: { workloadIdentityClientId: 'cid-1' },
      timeoutMs: 5_000,
      storage: {
        container: 'velero',
        prefix: 'weu',
        storageAccount: 'sa',
        resourceGroup: 'rg',
        subscriptionId: '00000000-0000-0000-0000-000000000001',
        storageAccountUri: null,
        caCertFile: null,
      },
      ...velero,
    },
  );

const pvb = (pod: string, volume: string, pvName?: string): BackupVolumeInfo => ({
  backupMethod: 'PodVolumeBackup',
  snapshotDataMoved: false,
  skipped: false,
  result: 'succeeded',
  ...(pvName ? { pvName, pvcName: 'data', pvcNamespace: 'shop' } : {}),
  pvbInfo: { podName: pod, podNamespace: 'shop', volumeName: volume, size: 1024 },
});
const moved = (pvName: string): BackupVolumeInfo => ({
  backupMethod: 'CSISnapshot',
  snapshotDataMoved: true,
  skipped: false,
  pvName,
  pvcName: pvName,
  pvcNamespace: 'shop',
});
const csi = (pvName: string): BackupVolumeInfo => ({ ...moved(pvName), snapshotDataMoved: false });
const native = (pvName: string): BackupVolumeInfo => ({
  backupMethod: 'NativeSnapshot',
  skipped: false,
  pvName,
  result: 'succeeded',
});

/** A backup tarball holding these cluster-scoped objects (the PVs), laid out as Velero writes it. */
async function writeTarballOf(objs: KubeObject[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const gz = pack.pipe(createGzip());
  gz.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((r) => gz.on('end', r));
  pack.entry({ name: ARCHIVE_VERSION_FILE }, `${BACKUP_FORMAT_VERSION}\n`);
  for (const o of objs)
    pack.entry({ name: archiveItemPath('persistentvolumes', null, o.metadata.name) }, JSON.stringify(o));
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

interface World {
  ctx: DrillContext;
  source: MemoryGateway;
  target: MemoryGateway;
  folder: string;
  journal: Journal;
}

/** A source cluster with its Velero's Secrets and locations, the backup's files in a directory, an empty drill cluster. */
async function world(
  opts: {
    infos?: BackupVolumeInfo[] | null;
    pvs?: KubeObject[];
    sourcePassword?: boolean;
    sourceVsls?: string[];
    velero?: Partial<AksTargetPlan['velero']>;
  } = {},
): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'aks-data-path-'));
  const layout = storageLayout('weu');
  const put = (key: string, body: Buffer) => {
    mkdirSync(dirname(join(dir, 'bucket', key)), { recursive: true });
    writeFileSync(join(dir, 'bucket', key), body);
  };
  if (opts.infos !== null)
    put(layout.backupKey(BACKUP, 'volumeInfo'), gzipSync(JSON.stringify(opts.infos ?? [pvb('db-0', 'data')])));
  put(layout.backupKey(BACKUP, 'contents'), await writeTarballOf(opts.pvs ?? []));
  const source = new MemoryGateway('prod-weu');
  source.kinds.set('velero.io/v1/VolumeSnapshotLocation', 'namespaced');
  if (opts.sourcePassword !== false)
    source.put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'velero-repo-credentials', namespace: 'velero' },
      data: { 'repository-password': Buffer.from(PASSWORD).toString('base64') },
    } as KubeObject);
  for (const name of opts.sourceVsls ?? [])
    source.put({
      apiVersion: 'velero.io/v1',
      kind: 'VolumeSnapshotLocation',
      metadata: { name, namespace: 'velero', uid: 'u-1', resourceVersion: '7' },
      spec: { provider: 'azure', config: { resourceGroup: 'rg-snapshots', subscriptionId: 'sub-1' } },
      status: { phase: 'Available' },
    } as KubeObject);
  const target = new MemoryGateway('dr-drill-abcd1234-admin');
  target.kinds.set('velero.io/v1/VolumeSnapshotLocation', 'namespaced');
  target.kinds.set('v1/ServiceAccount', 'namespaced');
  target.kinds.set('rbac.authorization.k8s.io/v1/ClusterRoleBinding', 'cluster');
  // Velero's part in the drill cluster: it validates the BSL the install made.
  target.subscribe((type, o) => {
    if (type === 'ADDED' && o.kind === 'BackupStorageLocation')
      setImmediate(() =>
        target.update(
          { apiVersion: 'velero.io/v1', kind: o.kind!, namespace: o.metadata.namespace, name: o.metadata.name },
          (b) => ({ ...b, status: { phase: 'Available' } }) as KubeObject,
        ),
      );
  });
  const plan = aPlan().build();
  plan.target = {
    kind: 'aks',
    kubeContext: 'aks',
    veleroNamespace: 'velero',
    namespaceSuffix: '',
    isolation: 'none',
    aks: aks(opts.velero),
  };
  const clock = new ManualClock(NOW);
  const folder = join(dir, 'report');
  mkdirSync(folder);
  const journal = new Journal(folder, clock, { fsync: false });
  const backup: VeleroBackup = {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name: BACKUP, namespace: 'velero' },
    spec: { includedNamespaces: ['shop'] },
    status: { phase: 'Completed' },
  };
  const ctx = drillContextFor(plan, {
    clock,
    journal,
    gatewayFor: () => target,
    storage: openLocalStorage(join(dir, 'bucket'), 'weu'),
    source,
    backup,
  });
  return { ctx, source, target, folder, journal };
}

const pv = (name: string, volumeMode: 'Block' | 'Filesystem'): KubeObject =>
  ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name }, spec: { volumeMode } }) as KubeObject;
const ref = (
  kind: string,
  name: string,
  apiVersion = kind === 'DaemonSet' || kind === 'Deployment' ? 'apps/v1' : 'v1',
) => ({
  apiVersion,
  kind,
  namespace: 'velero',
  name,
});
type Container = { args: string[]; securityContext?: { privileged?: boolean } };
const container = (o: KubeObject | null): Container =>
  (o as unknown as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec.containers[0]!;

/** Every file the drill wrote (report folder and journal), as text. */
function written(w: World): string {
  w.journal.close();
  writeReportFolder(w.folder, w.ctx.rec.report);
  return readdirSync(w.folder)
    .map((f) => readFileSync(join(w.folder, f), 'utf8'))
    .join('\n');
}

describe('aks target: Velero for the backup volume data', function () {
  this.timeout(20_000);
  beforeEach(() => runSecrets.clear());
  afterEach(() => runSecrets.clear());

  it("a backup with PodVolumeBackups gets node-agent and the source's repository password, which no report file or journal line holds", async () => {
    const w = await world({ infos: [pvb('db-0', 'data'), pvb('web-0', 'cache')] });
    await installDrillVelero(w.ctx, w.target, w.ctx.plan.target.aks!);
    const ds = w.target.peek(ref('DaemonSet', 'node-agent'));
    expect(ds, 'node-agent DaemonSet').to.not.equal(null);
    expect(container(ds).args).to.deep.equal(['node-agent', 'server']);
    expect(container(ds).securityContext?.privileged).to.equal(false);
    expect(JSON.stringify(ds)).to.contain('"path":"/var/lib/kubelet/pods"').and.contain('"mountPath":"/host_pods"');
    expect(JSON.stringify(ds), 'workload identity on node-agent too').to.contain('azure.workload.identity/use');
    const secret = w.target.peek(ref('Secret', 'velero-repo-credentials')) as KubeObject & {
      data: Record<string, string>;
    };
    expect(Buffer.from(secret.data['repository-password']!, 'base64').toString()).to.equal(PASSWORD);
    const deployment = w.target.peek(ref('Deployment', 'velero'))!;
    expect(
      Number(secret.metadata.resourceVersion),
      'the password exists before the Velero server starts (else it makes its default one)',
    ).to.be.lessThan(Number(deployment.metadata.resourceVersion));
    expect(container(deployment).args).to.deep.equal(['server', '--uploader-type=kopia']);
    expect(w.ctx.rec.report.target.veleroInstall?.dataPath).to.deep.equal({
      volumeData: '2 PodVolumeBackups',
      nodeAgent: true,
      privilegedNodeAgent: false,
      features: [],
      repositoryPasswordFrom: 'source',
      volumeSnapshotLocations: [],
    });
    expect(JSON.stringify(w.ctx.rec.report), 'never put in the report, even before redaction').to.not.contain(PASSWORD);
    const files = written(w);
    expect(readFileSync(join(w.folder, 'report.md'), 'utf8')).to.contain(
      '2 PodVolumeBackups: node-agent, repository password from source',
    );
    expect(files).to.not.contain(PASSWORD);
    expect(files).to.not.contain(Buffer.from(PASSWORD).toString('base64'));
  });

  it('data moved from a Block volume: node-agent privileged, EnableCSI on the server and on node-agent', async () => {
    const w = await world({
      infos: [moved('pv-db'), moved('pv-logs')],
      pvs: [pv('pv-db', 'Block'), pv('pv-logs', 'Filesystem')],
    });
    await installDrillVelero(w.ctx, w.target, w.ctx.plan.target.aks!);
    const ds = container(w.target.peek(ref('DaemonSet', 'node-agent')));
    expect(ds.args).to.deep.equal(['node-agent', 'server', '--features=EnableCSI']);
    expect(ds.securityContext?.privileged).to.equal(true);
    expect(container(w.target.peek(ref('Deployment', 'velero'))).args).to.include('--features=EnableCSI');
    expect(w.ctx.rec.report.target.veleroInstall?.dataPath).to.include({
      volumeData: '2 data-mover uploads (block mode: pv-db)',
      privilegedNodeAgent: true,
      repositoryPasswordFrom: 'source',
    });
  });

  it('CSI snapshots left in place: EnableCSI only, no node-agent and no password copied', async () => {
    const w = await world({ infos: [csi('pv-db')] });
    await installDrillVelero(w.ctx, w.target, w.ctx.plan.target.aks!);
    expect(w.target.peek(ref('DaemonSet', 'node-agent'))).to.equal(null);
    expect(w.target.peek(ref('Secret', 'velero-repo-credentials'))).to.equal(null);
    expect(container(w.target.peek(ref('Deployment', 'velero'))).args).to.include('--features=EnableCSI');
    expect(w.ctx.rec.report.target.veleroInstall?.dataPath).to.include({
      nodeAgent: false,
      repositoryPasswordFrom: null,
    });
  });

  it("native Azure snapshots: the source's VolumeSnapshotLocations are copied under their own names", async () => {
    const w = await world({ infos: [native('pv-db')], sourceVsls: ['azure-weu'] });
    await installDrillVelero(w.ctx, w.target, w.ctx.plan.target.aks!);
    const vsl = w.target.peek({
      apiVersion: 'velero.io/v1',
      kind: 'VolumeSnapshotLocation',
      namespace: 'velero',
      name: 'azure-weu',
    }) as KubeObject & {
      spec: unknown;
      status?: unknown;
    };
    expect(vsl.spec).to.deep.equal({
      provider: 'azure',
      config: { resourceGroup: 'rg-snapshots', subscriptionId: 'sub-1' },
    });
    expect(vsl.metadata.labels).to.include({ 'dr-drill.io/installed-by': 'abcd1234' });
    expect(w.ctx.rec.report.target.veleroInstall?.dataPath?.volumeSnapshotLocations).to.deep.equal(['azure-weu']);
    expect(w.target.peek(ref('DaemonSet', 'node-agent'))).to.equal(null);
  });

  it('a backup without volume data: the same install as before (no node-agent, no password, no flags)', async () => {
    const w = await world({ infos: [{ pvName: 'pv-x', backupMethod: '', skipped: true, skippedReason: 'opted out' }] });
    await installDrillVelero(w.ctx, w.target, w.ctx.plan.target.aks!);
    expect(w.target.peek(ref('DaemonSet', 'node-agent'))).to.equal(null);
    expect(w.target.peek(ref('Secret', 'velero-repo-credentials'))).to.equal(null);
    expect(container(w.target.peek(ref('Deployment', 'velero'))).args).to.deep.equal([
      'server',
      '--uploader-type=kopia',
    ]);
    expect(w.ctx.rec.report.target.veleroInstall?.dataPath?.volumeData).to.equal('no volume data');
  });

  it("without volume info (Velero < 1.13) the Backup's defaultVolumesToFsBackup still brings node-agent", async () => {
    const w = await world({ infos: null });
    w.ctx.backup!.spec = { ...w.ctx.backup!.spec, defaultVolumesToFsBackup: true };
    await installDrillVelero(w.ctx, w.target, w.ctx.plan.target.aks!);
    expect(w.target.peek(ref('DaemonSet', 'node-agent'))).to.not.equal(null);
  });

  it("the source's password cannot be read: the install goes on and a warning says the data may not open", async () => {
    const w = await world({ sourcePassword: true });
    w.source.failOn('get', 'Secret', 403);
    await installDrillVelero(w.ctx, w.target, w.ctx.plan.target.aks!);
    expect(w.target.peek(ref('Secret', 'velero-repo-credentials'))).to.equal(null);
    expect(w.ctx.rec.report.target.veleroInstall?.dataPath?.repositoryPasswordFrom).to.equal('velero-default');
    expect(w.ctx.rec.report.warnings.join('\n')).to.match(
      /password, which was not copied .*cannot be read in prod-weu/,
    );
  });

  it('velero.install never with PodVolumeBackups: nothing applied, a warning names node-agent', async () => {
    const w = await world({ velero: { install: 'never' } });
    await installDrillVelero(w.ctx, w.target, w.ctx.plan.target.aks!);
    expect(w.target.all().length).to.equal(0);
    expect(w.ctx.rec.report.warnings.join('\n')).to.contain('1 PodVolumeBackup').and.contain('needs node-agent');
  });
});
