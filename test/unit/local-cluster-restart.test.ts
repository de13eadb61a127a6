/**
 * `local up` after a component of a cluster died: kwokctl start skips every component whose recorded pid can be
 * signalled, which includes a zombie that init has not reaped yet and a pid reused by another process. So `local up`
 * removes the pid files of components that do not run before it asks kwokctl to start the cluster.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localLayout } from '../../src/local/layout.js';
import { clusterComponents, forgetDeadComponents } from '../../src/local/clusters.js';

describe('local up: a cluster component that died is started again', () => {
  let live: ChildProcess | null = null;
  afterEach(() => live?.kill('SIGKILL'));

  it('forgets the pid files of components that do not run (a reused pid, a gone pid), and keeps the running ones', async () => {
    const layout = localLayout({ DR_DRILL_LOCAL_STATE: mkdtempSync(join(tmpdir(), 'dr-drill-restart-')) });
    const pids = join(layout.kwokWorkdir, 'clusters', 'dr', 'pids');
    mkdirSync(pids, { recursive: true });
    // A process whose command line names the component, as kwokctl's would.
    live = spawn('sh', ['-c', 'sleep 60', 'kube-scheduler'], { stdio: 'ignore' });
    await new Promise((r) => live!.once('spawn', r));
    writeFileSync(join(pids, 'kube-scheduler.pid'), String(live.pid));
    // This test's own pid: it can be signalled (kwokctl would call it running) but it is not a controller-manager.
    writeFileSync(join(pids, 'kube-controller-manager.pid'), String(process.pid));
    // A pid far above pid_max's default: nothing runs there.
    writeFileSync(join(pids, 'etcd.pid'), '4194000');

    expect(clusterComponents(layout, 'dr').map((c) => [c.component, c.alive])).to.deep.equal([
      ['etcd', false],
      ['kube-controller-manager', false],
      ['kube-scheduler', true],
    ]);
    expect(forgetDeadComponents(layout, 'dr')).to.deep.equal(['etcd', 'kube-controller-manager']);
    expect(existsSync(join(pids, 'kube-controller-manager.pid'))).to.equal(false);
    expect(existsSync(join(pids, 'etcd.pid'))).to.equal(false);
    expect(existsSync(join(pids, 'kube-scheduler.pid'))).to.equal(true);
  });
});
