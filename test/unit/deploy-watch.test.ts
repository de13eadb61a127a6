/**
 * deploy/watch as shipped: the Deployment runs `dr-drill watch` on the ConfigMap's scenarios with the runner's
 * ClusterRole (bound, never repeated), its probes hit endpoints the watcher serves, its example scenario is
 * watchable, and the example alert reads metrics the watcher exports.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadScenario, formatProblem } from '../../src/scenario/index.js';
import { compileScenarioFile } from '../../src/plan/compile-file.js';
import { WatchMetrics } from '../../src/fleet/watch/metrics.js';
import { watchCommand } from '../../src/cli/commands/watch.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are free-form YAML
type Doc = any;
const docs = (file: string): Doc[] =>
  parseAllDocuments(readFileSync(join(ROOT, file), 'utf8')).map((d) => d.toJSON() as Doc);

describe('deploy/watch', () => {
  const watch = docs('deploy/watch/watch.yaml');
  const kind = (k: string) => watch.find((d) => d.kind === k)!;
  const pod = kind('Deployment').spec.template.spec;
  const container = pod.containers[0];

  it('binds the dr-drill-runner ClusterRole to its ServiceAccount and defines no rules of its own', () => {
    const binding = kind('ClusterRoleBinding');
    expect(binding.roleRef).to.deep.include({ kind: 'ClusterRole', name: 'dr-drill-runner' });
    expect(binding.subjects).to.deep.equal([
      { kind: 'ServiceAccount', name: kind('ServiceAccount').metadata.name, namespace: 'dr-drill' },
    ]);
    expect(pod.serviceAccountName).to.equal(kind('ServiceAccount').metadata.name);
    expect(watch.filter((d) => 'rules' in d)).to.deep.equal([]);
    // The runner's role already watches Backups: what watch needs beyond a drill.
    const role = docs('deploy/rbac/drill-runner.yaml').find((d) => d.kind === 'ClusterRole')!;
    const backups = role.rules.find((r: { resources: string[] }) => r.resources.includes('backups'));
    expect(backups.verbs).to.include.members(['list', 'watch']);
  });

  it('runs watch on the scenarios ConfigMap with reports on the PVC, one replica, non-root, a grace period for teardown', () => {
    expect(container.args.slice(0, 2)).to.deep.equal(['watch', '/scenarios']);
    const mounts = Object.fromEntries(container.volumeMounts.map((m: Doc) => [m.mountPath, m.name]));
    const volumes = Object.fromEntries(pod.volumes.map((v: Doc) => [v.name, v]));
    expect(volumes[mounts['/scenarios']].configMap.name).to.equal(kind('ConfigMap').metadata.name);
    const reports = container.args[container.args.indexOf('--report-dir') + 1];
    expect(volumes[mounts[reports]].persistentVolumeClaim.claimName).to.equal(
      kind('PersistentVolumeClaim').metadata.name,
    );
    expect(kind('Deployment').spec.replicas).to.equal(1);
    expect(pod.securityContext.runAsNonRoot).to.equal(true);
    expect(pod.terminationGracePeriodSeconds).to.be.at.least(600);
  });

  it('probes and the Service use the port watch listens on', () => {
    const port = container.args[container.args.indexOf('--port') + 1];
    expect(container.ports).to.deep.equal([{ name: 'metrics', containerPort: Number(port) }]);
    expect(container.readinessProbe.httpGet).to.deep.equal({ path: '/readyz', port: 'metrics' });
    expect(container.livenessProbe.httpGet).to.deep.equal({ path: '/healthz', port: 'metrics' });
    expect(kind('Service').spec.ports[0].targetPort).to.equal('metrics');
  });

  it('every example scenario is valid and drills a schedule (watch would watch it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dr-drill-watch-'));
    for (const [name, text] of Object.entries(kind('ConfigMap').data as Record<string, string>)) {
      const file = join(dir, name);
      writeFileSync(file, text);
      expect((await loadScenario(file)).problems.map(formatProblem), name).to.deep.equal([]);
      const plan = await compileScenarioFile(file, { drillId: 'abcd1234', env: {} });
      expect(plan.backup.mode, name).to.equal('schedule');
    }
  });

  it('the alert rules read metrics watch exports, and one fires on 48 h without a passing drill', async () => {
    const rule = docs('deploy/watch/alert-rules.yaml')[0];
    const rules = rule.spec.groups.flatMap((g: Doc) => g.rules);
    const exported = new Set(
      (await new WatchMetrics(mkdtempSync(join(tmpdir(), 'dr-drill-watch-'))).registry.getMetricsAsJSON()).map(
        (m) => m.name,
      ),
    );
    for (const r of rules) {
      const names = [...String(r.expr).matchAll(/\b(dr_drill_[a-z_]+)/g)].map((m) => m[1]);
      expect(names, r.alert).to.not.be.empty;
      for (const n of names) expect([...exported], `${r.alert}: ${n}`).to.include(n);
    }
    const verified = rules.find((r: Doc) => r.alert === 'DrDrillNoPassingDrill');
    expect(verified.expr).to.equal('time() - dr_drill_last_pass_timestamp_seconds > 48 * 3600');
  });

  it('the kustomization applies the watcher', () => {
    const k = docs('deploy/watch/kustomization.yaml')[0];
    expect(k.resources).to.deep.equal(['watch.yaml']);
    expect(watchCommand.command).to.equal('watch [paths..]');
  });
});
