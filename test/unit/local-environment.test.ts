/**
 * The local environment's own logic, without building or starting Kubernetes: which binaries are missing, the
 * managed host processes (stopped by pid and marker only, never by name), the merged kubeconfig, and the
 * manifests `local up` applies. The environment itself runs in the e2e tier.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { localLayout, type LocalLayout } from '../../src/local/layout.js';
import { missingBinaries, REQUIRED_BINARIES } from '../../src/local/binaries.js';
import { managedProcess, runningPid, startDetached, stopManaged } from '../../src/local/processes.js';
import { writeEnvironmentKubeconfig } from '../../src/local/kubeconfig.js';
import { clusterKubeconfig } from '../../src/local/clusters.js';
import { bslManifest, clusterExecManifest, placeholderDeployment } from '../../src/local/velero.js';

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
