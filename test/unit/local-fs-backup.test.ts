/**
 * `local up --fs-backup` without a cluster: where the node stand-in lays out pod volumes (the layout Velero's
 * node-agent globs), how a data-mover hosting pod becomes a host command, the placeholder DaemonSet Velero
 * reads, the port offset that lets a second environment run beside the shared one, and that `local down`
 * stops the node-agents and the stand-in by pid. The real path (a PodVolumeBackup in primary restored by a
 * PodVolumeRestore in dr, bytes compared) runs against the real processes in the e2e tier.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { fixedPorts, localLayout, portOffset } from '../../src/local/layout.js';
import { podVolumeDirs, type BoundVolume } from '../../src/local/pod-volumes.js';
import { hostingPodCommand } from '../../src/local/node-stand-in.js';
import {
  fsBackupEnabled,
  fsBackupPaths,
  fsBackupStatus,
  nodeAgentDaemonSet,
  nodeAgentProcess,
  standInProcess,
  stopFsBackup,
} from '../../src/local/fs-backup.js';
import { clusterKubeconfig } from '../../src/local/clusters.js';
import { pidRuns } from '../../src/local/processes.js';

describe('local fs-backup: port offset', () => {
  it('shifts every fixed port so a second environment can run beside the shared one', () => {
    const base = fixedPorts(0);
    const shifted = fixedPorts(portOffset({ DR_DRILL_LOCAL_PORT_OFFSET: '1000' }));
    expect(shifted.azurite).to.equal(base.azurite + 1000);
    expect(shifted.apiserver).to.deep.equal({ primary: base.apiserver.primary + 1000, dr: base.apiserver.dr + 1000 });
    expect(shifted.veleroMetrics.dr).to.equal(base.veleroMetrics.dr + 1000);
    expect(shifted.nodeAgentMetrics.primary).to.equal(base.nodeAgentMetrics.primary + 1000);
    expect(portOffset({})).to.equal(0);
  });

  it('rejects an offset that is not a small non-negative integer, naming the variable', () => {
    for (const bad of ['abc', '-1', '1.5', '70000']) {
      expect(() => portOffset({ DR_DRILL_LOCAL_PORT_OFFSET: bad })).to.throw(/DR_DRILL_LOCAL_PORT_OFFSET/);
    }
  });

  it('gives every node-agent of both clusters its own metrics port, none equal to a server port', () => {
    const layout = localLayout({ DR_DRILL_LOCAL_STATE: '/tmp/x' });
    const ports = ['primary', 'dr'].flatMap((c) =>
      [0, 1, 2].map((i) => nodeAgentProcess(layout, c as 'primary' | 'dr', `node-00000${i}`, i).port),
    );
    expect(new Set(ports).size).to.equal(6);
    const p = fixedPorts(0);
    const servers = [p.azurite, ...Object.values(p.veleroMetrics), ...Object.values(p.veleroProfiler)];
    expect(ports.filter((x) => servers.includes(x))).to.deep.equal([]);
  });
});

describe('local fs-backup: pod volume layout (what node-agent globs)', () => {
  const root = '/state/kubelet/primary/pods';
  const store = '/state/kubelet/primary/pv';
  const none = (): BoundVolume | null => null;

  it('puts an emptyDir where kubelet does: <root>/<uid>/volumes/kubernetes.io~empty-dir/<volume>', () => {
    const dirs = podVolumeDirs(
      root,
      store,
      { uid: 'u1', namespace: 'shop', volumes: [{ name: 'data', emptyDir: {} }] },
      none,
    );
    expect(dirs).to.deep.equal([
      { volume: 'data', dir: `${root}/u1/volumes/kubernetes.io~empty-dir/data`, linkTo: null },
    ]);
  });

  it('links a claim bound to a local PV to the PV path, named by the PV (Velero volDir = PV name)', () => {
    const pv: BoundVolume = { name: 'pv-1', localPath: '/data/pv-1', csi: false };
    const dirs = podVolumeDirs(
      root,
      store,
      { uid: 'u2', namespace: 'shop', volumes: [{ name: 'db', persistentVolumeClaim: { claimName: 'data-db-0' } }] },
      (claim) => (claim === 'data-db-0' ? pv : null),
    );
    expect(dirs).to.deep.equal([
      { volume: 'db', dir: `${root}/u2/volumes/kubernetes.io~local-volume/pv-1`, linkTo: '/data/pv-1' },
    ]);
  });

  it('mounts a CSI PV at <pv>/mount and keeps its data in the PV store when it has no local path', () => {
    const dirs = podVolumeDirs(
      root,
      store,
      { uid: 'u3', namespace: 'shop', volumes: [{ name: 'db', persistentVolumeClaim: { claimName: 'c' } }] },
      () => ({ name: 'pvc-9', localPath: null, csi: true }),
    );
    expect(dirs[0]).to.deep.equal({
      volume: 'db',
      dir: `${root}/u3/volumes/kubernetes.io~csi/pvc-9/mount`,
      linkTo: `${store}/pvc-9`,
    });
  });

  it('lays out nothing for an unbound claim or a volume type fs-backup does not read', () => {
    const dirs = podVolumeDirs(
      root,
      store,
      {
        uid: 'u4',
        namespace: 'shop',
        volumes: [{ name: 'cfg' }, { name: 'pending', persistentVolumeClaim: { claimName: 'unbound' } }],
      },
      none,
    );
    expect(dirs).to.deep.equal([]);
  });
});

describe('local fs-backup: hosting pods as host commands', () => {
  const hosting = (over: Partial<V1Pod['spec']> = {}, kind = 'PodVolumeBackup'): V1Pod => ({
    metadata: {
      name: 'b1-xyz',
      namespace: 'velero',
      ownerReferences: [{ apiVersion: 'velero.io/v1', kind, name: 'b1-xyz', uid: 'pvb-uid' }],
    },
    spec: {
      nodeName: 'node-000001',
      containers: [
        {
          name: 'pvb-uid',
          command: ['/velero', 'pod-volume', 'backup'],
          args: ['--volume-path=/pvb-uid', '--resource-timeout=10m0s', '--pod-volume-backup=b1-xyz'],
          volumeMounts: [{ name: 'pvb-uid', mountPath: '/pvb-uid' }],
        },
      ],
      volumes: [
        { name: 'pvb-uid', hostPath: { path: '/state/kubelet/primary/pods/u1/volumes/kubernetes.io~empty-dir/data' } },
      ],
      ...over,
    },
  });

  it("runs the pod's velero command on the volume's host directory, against the cluster's kubeconfig", () => {
    const c = hostingPodCommand(hosting(), '/state/kc.yaml');
    expect(c).to.deep.equal({
      args: [
        'pod-volume',
        'backup',
        '--volume-path=/state/kubelet/primary/pods/u1/volumes/kubernetes.io~empty-dir/data',
        '--resource-timeout=10m0s',
        '--pod-volume-backup=b1-xyz',
        '--kubeconfig',
        '/state/kc.yaml',
      ],
      hostPath: '/state/kubelet/primary/pods/u1/volumes/kubernetes.io~empty-dir/data',
      container: 'pvb-uid',
    });
  });

  it('leaves alone pods that are not Velero data movers (placeholders, workloads, a foreign command)', () => {
    expect(hostingPodCommand(hosting({}, 'ReplicaSet'), '/kc')).to.equal(null);
    const other = hosting();
    other.spec!.containers[0]!.command = ['/bin/sh', '-c', 'rm -rf /'];
    expect(hostingPodCommand(other, '/kc')).to.equal(null);
    expect(hostingPodCommand(hosting({ volumes: [] }), '/kc')).to.equal(null);
  });
});

describe('local fs-backup: the placeholder DaemonSet and the processes', () => {
  const layout = () => localLayout({ DR_DRILL_LOCAL_STATE: mkdtempSync(join(tmpdir(), 'dr-drill-fsb-unit-')) });

  it('is what Velero reads: role=node-agent pods, one container, host-pods at the stand-in pods root', () => {
    const l = layout();
    const ds = nodeAgentDaemonSet(l, 'dr') as any;
    expect(ds.metadata).to.include({ name: 'node-agent', namespace: 'velero' });
    expect(ds.spec.template.metadata.labels).to.include({ role: 'node-agent', name: 'node-agent' });
    expect(ds.spec.template.spec.containers).to.have.length(1);
    const hostPods = ds.spec.template.spec.volumes.find((v: any) => v.name === 'host-pods');
    expect(hostPods.hostPath.path).to.equal(fsBackupPaths(l, 'dr').podsRoot);
    expect(fsBackupPaths(l, 'dr').podsRoot).to.not.equal(fsBackupPaths(l, 'primary').podsRoot);
  });

  it('is off unless the environment was brought up with it, and then shows each process in status', async () => {
    const l = layout();
    expect(fsBackupEnabled(l)).to.equal(false);
    expect(await fsBackupStatus(l, 'primary')).to.deep.equal([]);
    writeFileSync(join(l.stateDir, 'fs-backup'), 'on\n');
    const s = await fsBackupStatus(l, 'primary');
    expect(s.map((c) => [c.name, c.healthy, c.detail])).to.deep.equal([
      ['primary/node-stand-in', false, 'not running'],
    ]);
  });

  /** Resolves once the process runs the command line it was exec'd as (bash has replaced itself). */
  async function execed(pid: number, prefix: string): Promise<void> {
    for (let i = 0; i < 500; i++) {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.startsWith(prefix)) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`process ${pid} never exec'd as ${prefix}`);
  }

  describe('a node-agent counts as healthy only once its metrics server answers for its node', () => {
    /** A process with a node-agent's command line (as `local up` starts it), its pid file, and a metrics server. */
    async function agentWith(answer: (res: ServerResponse) => void) {
      const l = layout();
      mkdirSync(l.pidDir, { recursive: true });
      writeFileSync(join(l.stateDir, 'fs-backup'), 'on\n');
      const server = createServer((_req, res) => answer(res));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as AddressInfo).port;
      const cmd = `velero node-agent server --kubeconfig ${clusterKubeconfig(l, 'primary')} --namespace velero --metrics-address 127.0.0.1:${port} --log-level info`;
      const agent = spawn('bash', ['-c', `exec -a "${cmd}" sleep 60`], { detached: true, stdio: 'ignore' });
      writeFileSync(join(l.pidDir, 'node-agent-primary-node-000000.pid'), `${agent.pid}\n`);
      await execed(agent.pid!, 'velero node-agent');
      // A generous answer timeout: a loaded machine may take a while to answer; a wedged server is asked briefly.
      const status = async (answerWithinMs = 5_000) =>
        (await fsBackupStatus(l, 'primary', answerWithinMs)).find((c) => c.name.includes('node-agent'))!;
      const stop = () => {
        agent.kill('SIGKILL');
        server.closeAllConnections();
        server.close();
      };
      return { status, stop, url: `http://127.0.0.1:${port}/metrics` };
    }
    const metrics = (node: string) =>
      `# TYPE podVolume_pod_volume_backup_enqueue_count counter\npodVolume_pod_volume_backup_enqueue_count{node="${node}"} 0\n`;

    it('its metrics name its node: healthy, with the endpoint it was asked at', async () => {
      const a = await agentWith((res) => res.end(metrics('node-000000')));
      try {
        const s = await a.status();
        expect([s.name, s.healthy, s.endpoint]).to.deep.equal(['primary/node-agent/node-000000', true, a.url]);
        expect(s.detail).to.match(/^serving/);
      } finally {
        a.stop();
      }
    });

    it('a live process whose metrics server does not answer (stopped, wedged) is not healthy, and says so', async () => {
      const a = await agentWith(() => {});
      try {
        const s = await a.status(300);
        expect(s.pid).to.be.a('number');
        expect(s.healthy).to.equal(false);
        expect(s.detail).to.match(/process running, but http:\/\/127\.0\.0\.1:\d+\/metrics did not answer/);
      } finally {
        a.stop();
      }
    });

    it("metrics that do not name its node (another node's agent on that port, or not started yet) are not healthy", async () => {
      const a = await agentWith((res) => res.end(metrics('node-000001')));
      try {
        const s = await a.status();
        expect(s.healthy).to.equal(false);
        expect(s.detail).to.contain('do not name node node-000000');
      } finally {
        a.stop();
      }
    });

    it('an error answer is not healthy either', async () => {
      const a = await agentWith((res) => {
        res.statusCode = 503;
        res.end(metrics('node-000000'));
      });
      try {
        expect((await a.status()).detail).to.match(/answered HTTP 503$/);
        expect((await a.status()).healthy).to.equal(false);
      } finally {
        a.stop();
      }
    });
  });

  it('local down stops node-agents and the stand-in by pid and marker, and no other process', async () => {
    const l = layout();
    mkdirSync(l.pidDir, { recursive: true });
    // Stand-ins for the processes: their command lines carry the markers, as the real ones do.
    const agentMarker = `node-agent server --kubeconfig ${clusterKubeconfig(l, 'primary')}`;
    const agent = spawn('bash', ['-c', `exec -a "velero ${agentMarker}" sleep 60`], {
      detached: true,
      stdio: 'ignore',
    });
    const standIn = spawn('bash', ['-c', `exec -a "node x --cluster primary --state ${l.stateDir}" sleep 60`], {
      detached: true,
      stdio: 'ignore',
    });
    const bystander = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    writeFileSync(join(l.pidDir, 'node-agent-primary-node-000000.pid'), `${agent.pid}\n`);
    writeFileSync(standInProcess(l, 'primary').pidFile, `${standIn.pid}\n`);
    // A pid file pointing at a process that is not ours must not get it killed.
    writeFileSync(join(l.pidDir, 'node-agent-primary-node-000001.pid'), `${bystander.pid}\n`);
    try {
      await new Promise((r) => setTimeout(r, 100));
      const stopped = await stopFsBackup(l, 'primary', 2000);
      expect(stopped).to.deep.equal(['node-agent-primary-node-000000', 'node-stand-in-primary']);
      expect(pidRuns(agent.pid!, 'sleep')).to.equal(false);
      expect(pidRuns(standIn.pid!, 'sleep')).to.equal(false);
      expect(pidRuns(bystander.pid!, 'sleep')).to.equal(true);
      expect(existsSync(standInProcess(l, 'primary').pidFile)).to.equal(false);
    } finally {
      for (const c of [agent, standIn, bystander]) c.kill('SIGKILL');
    }
  });
});
