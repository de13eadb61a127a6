/**
 * The local environment's own logic, without building or starting Kubernetes: which binaries are missing, the
 * managed host processes (stopped by pid and marker only, never by name), the merged kubeconfig, and the
 * manifests `local up` applies. The environment itself runs in the e2e tier.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { localLayout, type LocalLayout } from '../../src/local/layout.js';
import { missingBinaries, REQUIRED_BINARIES } from '../../src/local/binaries.js';
import { managedProcess, pidRuns, runningPid, startDetached, stopManaged } from '../../src/local/processes.js';
import { localDown } from '../../src/local/environment.js';
import { binDir } from '../../src/local/binaries.js';
import { spawn } from 'node:child_process';
import { writeEnvironmentKubeconfig } from '../../src/local/kubeconfig.js';
import { clusterKubeconfig } from '../../src/local/clusters.js';
import { bslManifest, placeholderDeployment } from '../../src/local/velero.js';
import { clusterExecManifest } from '../../src/local/exec-wrapper.js';

function tempLayout(): LocalLayout {
  const layout = localLayout({ DR_DRILL_LOCAL_STATE: mkdtempSync(join(tmpdir(), 'dr-drill-local-unit-')) });
  mkdirSync(layout.tlsDir, { recursive: true });
  writeFileSync(layout.caCert, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  return layout;
}

function kwokKubeconfig(layout: LocalLayout, name: 'primary' | 'dr', port: number): void {
  const file = clusterKubeconfig(layout, name);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters: [{ name: kwok-${name}, cluster: { server: "https://127.0.0.1:${port}", certificate-authority: /pki/ca.crt } }]
users: [{ name: kwok-${name}, user: { client-certificate: /pki/admin.crt, client-key: /pki/admin.key } }]
contexts: [{ name: kwok-${name}, context: { cluster: kwok-${name}, user: kwok-${name} } }]
current-context: kwok-${name}
`,
  );
}

describe('local environment (no clusters)', () => {
  it('names the binaries still to build', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dr-drill-bin-'));
    expect(missingBinaries(dir)).to.include.members(['kubectl', 'velero']);
    for (const b of REQUIRED_BINARIES) {
      const path = join(dir, b);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, '#!/bin/sh\n', { mode: 0o755 });
    }
    expect(missingBinaries(dir)).to.deep.equal([]);
  });

  it('a managed process is found by pid and marker, and stopped with its process group', async () => {
    const layout = tempLayout();
    const proc = managedProcess(layout.pidDir, layout.logsDir, 'sleeper', 'dr-drill-unit-marker');
    const pid = startDetached(proc, 'sh', ['-c', 'sleep 30 & wait', 'dr-drill-unit-marker']);
    expect(runningPid(proc)).to.equal(pid);
    expect(await stopManaged(proc, 2_000)).to.equal(true);
    expect(runningPid(proc)).to.equal(null);
    expect(await stopManaged(proc, 2_000), 'nothing left to stop').to.equal(false);
    expect(readFileSync(proc.logFile, 'utf8')).to.contain('sh -c sleep 30 & wait');
  });

  describe('local down returns only when its processes have exited', () => {
    // A stand-in for a cluster component: its command line names the component (the marker), and it either
    // ignores SIGTERM (only SIGKILL stops it) or takes a moment to exit on it.
    const component = (marker: string, onTerm: 'ignore' | 'slow') =>
      spawn(
        process.execPath,
        [
          '-e',
          onTerm === 'ignore'
            ? "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('ready')"
            : "process.on('SIGTERM', () => setTimeout(() => process.exit(0), 200)); setInterval(() => {}, 1000); console.log('ready')",
          marker,
        ],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
    const started = (c: ReturnType<typeof component>) =>
      new Promise<void>((resolve, reject) => {
        c.stdout!.once('data', () => resolve()); // its SIGTERM handler is installed
        c.once('error', reject);
      });

    for (const kwokctlDeletes of [true, false])
      it(
        kwokctlDeletes
          ? 'after kwokctl delete (which signals and returns at once), it waits, and kills what ignores SIGTERM'
          : 'without kwokctl, it stops the recorded pids itself and waits',
        async function () {
          this.timeout(60_000);
          const layout = tempLayout();
          const pids = join(layout.kwokWorkdir, 'clusters', 'primary', 'pids');
          mkdirSync(pids, { recursive: true });
          writeFileSync(join(layout.kwokWorkdir, 'clusters', 'primary', 'kwok.yaml'), 'kind: KwokctlConfiguration\n');
          const stubborn = component('kube-apiserver', 'ignore');
          const slow = component('etcd', 'slow');
          await Promise.all([started(stubborn), started(slow)]);
          const ended = (c: typeof slow) =>
            new Promise<string>((resolve) => c.once('exit', (code, sig) => resolve(sig ?? `exit ${code}`)));
          const endings = Promise.all([ended(stubborn), ended(slow)]);
          writeFileSync(join(pids, 'kube-apiserver.pid'), `${stubborn.pid}\n`);
          writeFileSync(join(pids, 'etcd.pid'), `${slow.pid}\n`);
          // kwokctl delete as it behaves: SIGTERM to the recorded pids, remove the cluster's files, exit 0.
          const bin = mkdtempSync(join(tmpdir(), 'dr-drill-bin-'));
          writeFileSync(
            join(bin, 'kwokctl'),
            `#!/bin/sh\nd="$KWOK_WORKDIR/clusters/primary"\nfor f in "$d"/pids/*.pid; do kill -TERM "$(cat "$f")"; done\nrm -rf "$d"\n`,
            { mode: 0o755 },
          );
          try {
            const r = await localDown({ layout, bin: kwokctlDeletes ? binDir(bin) : null, graceMs: 3_000 });
            expect(pidRuns(stubborn.pid!, 'kube-apiserver'), 'the one that ignores SIGTERM was killed').to.equal(false);
            expect(pidRuns(slow.pid!, 'etcd'), 'the slow one had exited').to.equal(false);
            expect(r.stopped).to.include('cluster-primary');
            expect(await endings, 'SIGTERM was not enough for one; the other exited on it').to.deep.equal([
              'SIGKILL',
              'exit 0',
            ]);
          } finally {
            stubborn.kill('SIGKILL');
            slow.kill('SIGKILL');
          }
        },
      );

    it('waits for the whole process group of a managed process (velero and its plugins)', async function () {
      this.timeout(30_000);
      const layout = tempLayout();
      const proc = managedProcess(layout.pidDir, layout.logsDir, 'velero-unit', 'dr-drill-unit-group');
      // The leader exits on SIGTERM at once; its child (a plugin) ignores SIGTERM and must still be gone.
      startDetached(proc, 'sh', [
        '-c',
        `${process.execPath} -e "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)" plugin-child & sleep 0.5; wait`,
        'dr-drill-unit-group',
      ]);
      await new Promise((r) => setTimeout(r, 800));
      const pid = runningPid(proc)!;
      expect(await stopManaged(proc, 1_000)).to.equal(true);
      const members = readdirSync('/proc')
        .filter((e) => /^\d+$/.test(e))
        .filter((e) => {
          try {
            const st = readFileSync(`/proc/${e}/stat`, 'utf8');
            const [state, , pgrp] = st.slice(st.lastIndexOf(')') + 2).split(' ');
            return state !== 'Z' && Number(pgrp) === pid;
          } catch {
            return false;
          }
        });
      expect(members, 'no member of the group is left').to.deep.equal([]);
    });
  });

  it('never takes a reused pid for its own: the marker must match', () => {
    const layout = tempLayout();
    const proc = managedProcess(layout.pidDir, layout.logsDir, 'other', 'a-marker-this-process-does-not-have');
    mkdirSync(layout.pidDir, { recursive: true });
    writeFileSync(proc.pidFile, `${process.pid}\n`);
    expect(runningPid(proc)).to.equal(null);
  });

  it('merges the two kwokctl kubeconfigs into contexts dr-drill-primary and dr-drill-dr, mode 0600', () => {
    const layout = tempLayout();
    kwokKubeconfig(layout, 'primary', 16443);
    kwokKubeconfig(layout, 'dr', 16444);
    const file = writeEnvironmentKubeconfig(layout);
    const kc = parse(readFileSync(file, 'utf8')) as {
      'current-context': string;
      contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
      clusters: Array<{ name: string; cluster: { server: string } }>;
    };
    expect(kc['current-context']).to.equal('dr-drill-primary');
    expect(kc.contexts.map((c) => `${c.name}:${c.context.cluster}:${c.context.user}`)).to.deep.equal([
      'dr-drill-primary:dr-drill-primary:dr-drill-primary',
      'dr-drill-dr:dr-drill-dr:dr-drill-dr',
    ]);
    expect(kc.clusters.map((c) => c.cluster.server)).to.deep.equal([
      'https://127.0.0.1:16443',
      'https://127.0.0.1:16444',
    ]);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
  });

  it('primary writes backups, dr reads them ReadOnly and syncs fast, both trusting the Azurite CA', () => {
    const layout = tempLayout();
    const primary = bslManifest(layout, 'primary') as {
      spec: { accessMode: string; backupSyncPeriod?: string; objectStorage: { caCert: string } };
    };
    const dr = bslManifest(layout, 'dr') as typeof primary;
    expect(primary.spec.accessMode).to.equal('ReadWrite');
    expect(dr.spec.accessMode).to.equal('ReadOnly');
    expect(dr.spec.backupSyncPeriod).to.equal('10s');
    expect(Buffer.from(dr.spec.objectStorage.caCert, 'base64').toString()).to.contain('BEGIN CERTIFICATE');
  });

  it('the velero placeholder never runs a pod, and exec rules cover only the demo namespaces', () => {
    expect((placeholderDeployment() as { spec: { replicas: number } }).spec.replicas).to.equal(0);
    const rule = clusterExecManifest(tempLayout()) as { spec: { selector: { matchNamespaces: string[] } } };
    expect(rule.spec.selector.matchNamespaces).to.deep.equal(['shop', 'catalog']);
  });
});
