/**
 * `plan` says before a drill whether its target can restore the backup's volume data: the backup's volume info
 * (read through a DownloadRequest, as a scenario without spec.storage does) against what the target has or what
 * the aks install will bring.
 */
import { expect } from 'chai';
import type { AccessRequest } from '../../src/kube/gateway.js';
import type { KubeObject } from '../../src/kube/types.js';
import { preflight } from '../../src/engine/preflight.js';
import { volumeDataChecks } from '../../src/engine/preflight-volume-data.js';
import type { AksTargetPlan, DrillPlan } from '../../src/plan/types.js';
import { runSecrets } from '../../src/util/secrets.js';
import type { VeleroBackup } from '../../src/velero/types.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import { VeleroSim } from '../support/velero-sim.js';
import { aPlan, HOUR } from '../support/plan-builder.js';

const NAME = 'target can restore the volume data';
const BACKUP = 'payments-daily-1';
const PVBS = [
  { backupMethod: 'PodVolumeBackup', pvbInfo: { podName: 'db-0', podNamespace: 'payments', volumeName: 'data' } },
  { backupMethod: 'PodVolumeBackup', pvbInfo: { podName: 'db-0', podNamespace: 'payments', volumeName: 'wal' } },
];

const nodeAgent: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'node-agent', namespace: 'velero' },
  spec: {},
};

function aksTarget(install: AksTargetPlan['velero']['install']): DrillPlan['target'] {
  return {
    kind: 'aks',
    kubeContext: 'aks',
    veleroNamespace: 'velero',
    namespaceSuffix: '',
    isolation: 'none',
    aks: { velero: { install } } as AksTargetPlan,
  };
}

describe('plan: can the target restore the volume data', () => {
  let gw: MemoryGateway;
  let sim: VeleroSim;
  let backup: VeleroBackup;
  beforeEach(async () => {
    runSecrets.clear();
    gw = new MemoryGateway('prod', 'https://prod');
    gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', uid: 'cluster-1' } });
    gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments' } });
    sim = await new VeleroSim(gw, { volumeInfos: PVBS as never }).start();
    backup = sim.seedBackup(BACKUP, { ageMs: HOUR, schedule: 'payments-daily' }) as VeleroBackup;
  });
  afterEach(async () => {
    await sim.stop();
    runSecrets.clear();
  });

  it('warns when a backup with PodVolumeBackups would be restored by a Velero without node-agent', async () => {
    const checks = await preflight(aPlan().build(), () => gw, new Date());
    const c = checks.find((x) => x.name === NAME)!;
    expect(c.status).to.equal('warn');
    expect(c.detail).to.contain('2 PodVolumeBackups').and.contain('no node-agent DaemonSet in velero');
    expect(c.detail).to.contain('without their data');
    expect(gw.all('DownloadRequest'), 'plan leaves no DownloadRequest behind').to.deep.equal([]);
  });

  it('is satisfied once node-agent runs there', async () => {
    gw.put(nodeAgent);
    const c = (await preflight(aPlan().build(), () => gw, new Date())).find((x) => x.name === NAME)!;
    expect(c.status, c.detail).to.equal('ok');
  });

  it('aks target with velero.install never: warns that node-agent must come with the cluster', async () => {
    const plan = aPlan().build();
    plan.target = aksTarget('never');
    const [c] = await volumeDataChecks(plan, gw, null, backup, false);
    expect(c!.status).to.equal('warn');
    expect(c!.detail).to.contain('node-agent').and.contain('velero.install is never');
  });

  it("aks target that installs: says it brings node-agent and the source's repository password", async () => {
    gw.put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'velero-repo-credentials', namespace: 'velero' },
      data: { 'repository-password': Buffer.from('a-repo-pw-123').toString('base64') },
    } as KubeObject);
    const plan = aPlan().build();
    plan.target = aksTarget('always');
    const [c] = await volumeDataChecks(plan, gw, null, backup, false);
    expect(c!.status, c!.detail).to.equal('ok');
    expect(c!.detail).to.contain('node-agent').and.contain('velero-repo-credentials');
    expect(c!.detail).to.not.contain('a-repo-pw-123');
  });

  it('aks target whose source password cannot be read: warns that the data may not open', async () => {
    gw.failOn('get', 'Secret', 403);
    const plan = aPlan().build();
    plan.target = aksTarget('auto');
    const [c] = await volumeDataChecks(plan, gw, null, backup, false);
    expect(c!.status).to.equal('warn');
    expect(c!.detail).to.contain('password, which was not copied');
  });

  describe("another cluster's kopia repository password", () => {
    let dr: MemoryGateway;
    const repoPassword = (pw: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'velero-repo-credentials', namespace: 'velero' },
      data: { 'repository-password': Buffer.from(pw).toString('base64') },
    });
    beforeEach(() => {
      dr = new MemoryGateway('dr', 'https://dr');
      dr.put(nodeAgent);
      gw.put(repoPassword('source-pw-1'));
      dr.put(repoPassword('other-pw-2'));
    });

    it("is compared with the source's when the identity may read Secrets: a different one warns, naming no password", async () => {
      gw.authorizes(() => true);
      dr.authorizes(() => true);
      const checks = await volumeDataChecks(aPlan().build(), gw, dr, backup, false);
      expect(checks.map((c) => c.status)).to.deep.equal(['warn']);
      expect(checks[0]!.detail).to.contain("Secret velero-repo-credentials in dr/velero differs from the source's");
      expect(checks[0]!.detail).to.not.contain('pw');
    });

    it('without the opt-in Secrets role: said not compared, not claimed, and no Secret read is made (no denied request)', async () => {
      const asked: AccessRequest[] = [];
      gw.authorizes(() => true, asked);
      dr.authorizes((r) => r.resource !== 'secrets', asked);
      // A Secret read would be denied, as the API server would deny it.
      for (const g of [gw, dr]) g.failOn('get', 'Secret', 403);
      const checks = await volumeDataChecks(aPlan().build(), gw, dr, backup, false);
      expect(checks.map((c) => [c.status, c.detail])).to.deep.equal([
        ['ok', 'the backup has 2 PodVolumeBackups; dr has node-agent'],
        [
          'info',
          "the kopia repository passwords were not compared: the drill's identity may not read Secret velero-repo-credentials in dr/velero; bind deploy/rbac/drill-secrets.yaml to compare them (they must be equal, or the repositories will not open)",
        ],
      ]);
      const secret = { verb: 'get', group: '', resource: 'secrets', name: 'velero-repo-credentials' };
      expect(asked).to.deep.equal([
        { ...secret, namespace: 'velero' },
        { ...secret, namespace: 'velero' },
      ]);
      expect(dr.calls.concat(gw.calls).filter((c) => c.kind === 'Secret')).to.deep.equal([]);
    });
  });

  it('a backup without volume data needs nothing', async () => {
    await sim.stop();
    sim = await new VeleroSim(gw, { volumeInfos: [{ pvName: 'pv-1', backupMethod: '' }] }).start();
    const c = (await preflight(aPlan().build(), () => gw, new Date())).find((x) => x.name === NAME)!;
    expect(c.status).to.equal('ok');
    expect(c.detail).to.contain('no volume data');
  });
});
