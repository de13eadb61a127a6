import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatProblems, loadScenario } from '../../src/scenario/index.js';
import { compileScenarioFile } from '../../src/plan/compile-file.js';
import { mapNamespace } from '../../src/plan/compile.js';

const DIR = join(import.meta.dirname, '..', '..', 'scenarios');
const ID = 'test0001';
/** Variables the examples read; a drill in CI would export them. */
const ENV = { PAYMENTS_KUBE_CONTEXT: 'prod-weu', DR_KUBE_CONTEXT: 'dr-sec', EVIDENCE_STORAGE_ACCOUNT: 'evidence' };

describe('example scenarios', () => {
  const files = readdirSync(DIR).filter((f) => /\.(ya?ml|json)$/.test(f));
  it('exist', () =>
    expect(files).to.include.members(['local-demo.yaml', 'namespace-mapping.yaml', 'payments-nightly.yaml']));

  for (const f of files) {
    it(`${f} is valid and compiles to a plan`, async () => {
      const file = join(DIR, f);
      const loaded = await loadScenario(file);
      expect(loaded.problems, formatProblems(loaded.problems)).to.deep.equal([]);
      const plan = await compileScenarioFile(file, { drillId: ID, env: ENV });
      expect(plan.drillId).to.equal(ID);
      expect(plan.scenario.name).to.equal(f.replace(/\.(ya?ml|json)$/, ''));
      expect(plan.probes.length).to.be.greaterThan(0);
    });
  }

  // A Ready database on an empty disk passes readiness probes: every example that restores volumes proves data.
  for (const f of files) {
    it(`${f}: restoring volumes, it has a data probe (exec, checksum, canary or job)`, async () => {
      const plan = await compileScenarioFile(join(DIR, f), { drillId: ID, env: ENV });
      if (!plan.restore.restorePVs) return;
      const data = plan.probes.filter((p) => ['exec', 'checksum', 'canary', 'job'].includes(p.kind) && p.critical);
      expect(
        data.map((p) => p.name),
        `${f} has no critical data probe`,
      ).to.not.be.empty;
    });
  }

  it('local-demo restores shop into the DR cluster under its own name', async () => {
    const plan = await compileScenarioFile(join(DIR, 'local-demo.yaml'), { drillId: ID, env: {} });
    expect(plan.source.kubeContext).to.equal('dr-drill-primary');
    expect(plan.target).to.deep.equal({
      kind: 'cluster',
      kubeContext: 'dr-drill-dr',
      veleroNamespace: 'velero',
      namespaceSuffix: '',
      isolation: 'none',
    });
    expect(plan.backup).to.include({ mode: 'create', name: `local-demo-${ID}`, ttl: '24h0m0s', timeoutMs: 300_000 });
    expect(plan.restore).to.include({ restorePVs: true, timeoutMs: 600_000 });
    expect(plan.objectives).to.deep.equal({ rtoMs: 600_000, rpoMs: 3_600_000 });
    expect(plan.probes.map((p) => `${p.kind}:${p.name}`)).to.deep.equal([
      'workload:web-ready',
      'workload:db-ready',
      'pvc:volumes-bound',
      'checksum:data-intact',
      'resource:config-present',
      'resource:service-present',
      'canary:canary',
      'exec:db-answers',
    ]);
    // The db's volume data goes through Velero's file-system backup and must come back (no metadata-only).
    expect(plan.restore.volumeData).to.equal('checked');
    expect(plan.backup).to.include({ defaultVolumesToFsBackup: true });
  });

  it('namespace-mapping restores catalog next to itself', async () => {
    const plan = await compileScenarioFile(join(DIR, 'namespace-mapping.yaml'), { drillId: ID, env: {} });
    expect(plan.target.kubeContext).to.equal('dr-drill-primary');
    expect(mapNamespace(plan, 'catalog')).to.equal(`catalog-drill-${ID}`);
    expect(plan.backup).to.deep.equal({ mode: 'schedule', schedule: 'catalog-hourly', maxAgeMs: 7_200_000 });
  });

  it('payments-nightly needs its kube context from the environment', async () => {
    let message = '';
    await compileScenarioFile(join(DIR, 'payments-nightly.yaml'), { drillId: ID, env: {} }).catch(
      (e: Error) => (message = e.message),
    );
    expect(message).to.match(
      /payments-nightly\.yaml:\d+:\d+ spec\.source\.kubeContext: environment variable PAYMENTS_KUBE_CONTEXT is not set/,
    );
  });
});
