/**
 * An aks drill end to end on this machine: fake ARM (HTTPS) → the fake's credentials are the local `dr`
 * cluster's kubeconfig → Velero manifests applied for real (validated by the API server) → restore by the
 * already-running host Velero of `dr` → probes → delete (fake ARM). kwok runs no containers, so the applied
 * Deployment never runs: see docs/aks-target.md for what that leaves unproven.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { FakeArm, localDrKubeconfig } from '../support/fake-arm/server.js';
import { ensureLocalEnv } from './support/env.js';
import { AZURITE_KEY } from '../../src/local/layout.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const SUB = '00000000-0000-0000-0000-0000000000e2';

describe('e2e: aks target (fake ARM + local dr cluster)', function () {
  this.timeout(600_000);
  it('provisions, installs Velero manifests, restores, probes and deletes the cluster', async () => {
    const env = await ensureLocalEnv();
    const full = localDrKubeconfig();
    if (!full) throw new Error('no local dr kubeconfig');
    // The fake hands out the dr cluster's kubeconfig, current context dr-drill-dr (as an AKS admin kubeconfig would).
    const kubeconfig = full!.replace(/current-context:.*/, `current-context: ${env.contexts.dr}`);
    const fake = await new FakeArm({ kubeconfig }).start();
    const dir = mkdtempSync(join(tmpdir(), 'aks-e2e-'));
    const creds = join(dir, 'cloud');
    writeFileSync(creds, `AZURE_CLOUD_NAME=AzurePublicCloud\nAZURE_STORAGE_ACCOUNT_ACCESS_KEY=${AZURITE_KEY}\n`, { mode: 0o600 });
    const scenario = join(dir, 'aks.yaml');
    writeFileSync(scenario, `apiVersion: dr-drill/v1
kind: Scenario
metadata: { name: aks-e2e }
spec:
  objectives: { rto: 30m, rpo: 26h }
  source: { kubeContext: ${env.contexts.primary} }
  backup: { create: { includedNamespaces: [shop] } }
  target:
    aks:
      subscriptionId: ${SUB}
      resourceGroup: rg-aks-e2e
      createResourceGroup: true
      location: swedencentral
      velero:
        install: always
        bslName: dr-drill-e2e
        storage: { container: velero, storageAccount: ${env.azurite.account}, resourceGroup: local, storageAccountUri: ${env.azurite.url}, caCertFile: ${env.azurite.caCert} }
        credentials: { secretFile: ${creds} }
        timeout: 3m
  probes:
    - { name: web, kind: workload, ref: { kind: Deployment, namespace: shop, name: web }, timeout: 2m }
    - { name: config, kind: resource, ref: { apiVersion: v1, kind: ConfigMap, namespace: shop, name: shop-config } }
`);
    try {
      const r = await run(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'run', scenario, '--kubeconfig', env.kubeconfig, '--report-dir', join(dir, 'reports'), '--output', 'json'],
        { cwd: root, env: { ...process.env, ...fake.env(), DR_DRILL_VELERO_BIN: env.bin.path('velero') } }).catch((e) => e);
      const report = JSON.parse(r.stdout);
      expect(report.verdict, JSON.stringify(report.reasons)).to.equal('PASS');
      const provision = report.phases.find((p: { name: string }) => p.name === 'provision-target');
      expect(provision.outcome, JSON.stringify(report.reasons)).to.equal('succeeded');
      expect(report.teardown.deleted).to.include('ManagedCluster rg-aks-e2e/dr-drill-' + report.drillId);
      expect(report.warnings.some((w: string) => w.startsWith('estimated AKS cost'))).to.equal(true);
      expect(JSON.stringify(report)).to.not.contain('fake-arm-token');
      expect(fake.clusters.size).to.equal(0);
      // Deleting a real AKS cluster takes what was restored with it; here the "cluster" is the shared dr cluster,
      // so its restored namespace must be gone before other tests restore into dr.
      const cleaned = await run(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'cleanup', '--drill-id', report.drillId, '--kubeconfig', env.kubeconfig, '--context', env.contexts.dr], { cwd: root }).catch((e) => e);
      expect(cleaned.code ?? 0, `${cleaned.stdout}${cleaned.stderr}`).to.equal(0);
    } finally {
      // What the install applied to the shared dr cluster (the drill's BSL; velero Deployment made by the install).
      await run(env.bin.path('kubectl'), ['--kubeconfig', env.kubeconfig, '--context', env.contexts.dr, '-n', 'velero', 'delete', 'backupstoragelocation', 'dr-drill-e2e', '--ignore-not-found']).catch(() => {});
      await fake.stop();
    }
  });
});
