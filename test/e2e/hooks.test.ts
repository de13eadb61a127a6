/**
 * Runbook hooks end to end, on the local environment: a cross-cluster drill of the demo whose target kubeconfig
 * is handed back by a provision hook (the "terraform apply gives us the cluster" case), an after-restore hook
 * that changes the restored copy with the real kubectl (a probe then checks the change), and an on-teardown
 * hook leaving a marker. A second drill fails on its hook and says why.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { ensureLocalEnv, type E2eEnv } from './support/env.js';
import { cli, ensureBuilt, kubectlJson, runDrillCli, scenario, tempDir } from './support/drill.js';
import { validateReport } from '../../src/report/validate-report.js';

const PRIMARY = 'dr-drill-primary';
const DR = 'dr-drill-dr';
const SECRET = 'e2e-hook-secret-4f9a1c';

let env: E2eEnv;
let reportDir: string;
let work: string;

/** The "IaC" script: hands back a kubeconfig for the DR cluster, as terraform output would. */
function provisionScript(kubectl: string, kubeconfig: string): string {
  return `#!/bin/sh
set -e
echo "applying (token $DR_TOKEN)"
"${kubectl}" --kubeconfig "${kubeconfig}" config view --minify --flatten --context ${DR} > dr.kubeconfig
echo "kubeconfig written for $DR_DRILL_TARGET_CONTEXT"
`;
}

/** The traffic switch stand-in: annotates the restored ConfigMap through the kubeconfig the drill hands over. */
function switchScript(kubectl: string): string {
  return `#!/bin/sh
set -e
ns=$(echo "$DR_DRILL_NAMESPACE_MAPPING" | sed 's/.*"shop":"\\([^"]*\\)".*/\\1/')
sleep 3
"${kubectl}" --kubeconfig "$DR_DRILL_KUBECONFIG" -n "$ns" annotate --overwrite configmap shop-config dr-drill.io/traffic=switched-$DR_DRILL_ID
`;
}

function demo(name: string, hooks: object[], probes: object[]): object {
  return scenario(name, {
    objectives: { rto: '10m', rpo: '1h' },
    source: { kubeContext: PRIMARY },
    backup: { create: { includedNamespaces: ['shop'], ttl: '2h', timeout: '5m' } },
    // A routing name, not a context of the kubeconfig: the provision hook's kubeconfig stands behind it. A suffix,
    // so drills of other test runs restoring shop into the same cluster do not collide.
    target: { cluster: { kubeContext: 'dr-from-terraform', namespaceSuffix: '-hk-{{drillId}}' } },
    // Local volumes cannot carry data yet (issue #14): these drills are about hooks, not data.
    restore: { includedNamespaces: ['shop'], timeout: '10m', volumeData: 'metadata-only' },
    probes,
    hooks,
    report: { html: true },
  });
}

describe('e2e: runbook hooks', function () {
  this.timeout(20 * 60_000);

  before(async function () {
    env = await ensureLocalEnv();
    reportDir = tempDir('hooks-reports');
    work = tempDir('hooks-work');
    await ensureBuilt();
    const kubectl = env.bin.path('kubectl');
    writeFileSync(join(work, 'provision.sh'), provisionScript(kubectl, env.kubeconfig));
    writeFileSync(join(work, 'switch.sh'), switchScript(kubectl));
    chmodSync(join(work, 'provision.sh'), 0o755);
    chmodSync(join(work, 'switch.sh'), 0o755);
  });

  it('a cross-cluster drill on a hook-provisioned target passes; hooks are phases, timed, in RTO where they belong, logged and sealed', async () => {
    const marker = join(work, 'teardown-marker');
    const s = demo(
      'hooks-demo',
      [
        {
          name: 'terraform-apply',
          at: 'provision',
          command: ['./provision.sh'],
          workingDir: work,
          env: { DR_TOKEN: SECRET },
          produces: { kubeconfig: 'dr.kubeconfig', context: DR },
        },
        { name: 'switch-traffic', at: 'after-restore', command: [join(work, 'switch.sh')], timeout: '2m' },
        {
          name: 'terraform-destroy',
          at: 'on-teardown',
          command: ['sh', '-c', `echo "$DR_DRILL_VERDICT $DR_DRILL_ID" > ${marker}`],
        },
      ],
      [
        {
          name: 'web-ready',
          kind: 'workload',
          ref: { kind: 'Deployment', namespace: 'shop', name: 'web' },
          timeout: '5m',
        },
        {
          name: 'traffic-switched',
          kind: 'resource',
          ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'shop-config' },
          match: { metadata: { annotations: { 'dr-drill.io/traffic': 'switched-{{drillId}}' } } },
        },
      ],
    );
    const run = await runDrillCli(env, s, reportDir);
    const r = run.report!;
    expect(r, run.stderr).to.not.equal(null);
    expect(run.exitCode, `${r.reasons.join('\n')}\n${run.stderr}`).to.equal(0);
    expect(r.verdict).to.equal('PASS');
    expect(validateReport(r)).to.deep.equal([]);

    // The target was the cluster the hook handed back.
    expect(r.target.kubeContext).to.equal(DR);
    expect(Object.values(r.target.namespaceMapping)).to.deep.equal([`shop-hk-${run.drillId}`]);
    expect(r.probes.map((p) => [p.name, p.outcome])).to.deep.equal([
      ['web-ready', 'passed'],
      ['traffic-switched', 'passed'],
    ]);

    const names = r.phases.map((p) => p.name);
    expect(names).to.deep.equal([
      'select-backup',
      'integrity',
      'hook:terraform-apply',
      'provision-target',
      'prepare-target',
      'restore',
      'hook:switch-traffic',
      'verify',
      'teardown',
      // The blast-radius check reads pre-existing objects again after teardown, before on-teardown hooks run.
      'blast-radius',
      'hook:terraform-destroy',
      'seal',
    ]);
    const phase = (n: string) => r.phases.find((p) => p.name === n)!;
    for (const n of ['hook:terraform-apply', 'hook:switch-traffic', 'hook:terraform-destroy'])
      expect(phase(n).outcome, n).to.equal('succeeded');

    // RTO runs through the after-restore hook (it sits before the probes), and it took its 3 s sleep.
    const sw = phase('hook:switch-traffic');
    expect(sw.durationSeconds).to.be.at.least(3);
    expect(r.rto.achievedSeconds).to.be.at.least(sw.startSeconds! + sw.durationSeconds!);
    const hooks = Object.fromEntries(r.hooks!.map((h) => [h.name, h]));
    expect(hooks['switch-traffic']).to.include({
      at: 'after-restore',
      exitCode: 0,
      outcome: 'succeeded',
      countedInRto: true,
      outputFile: 'hook-switch-traffic.log',
    });
    expect(hooks['terraform-apply']).to.include({ countedInRto: true, exitCode: 0 });
    expect(hooks['terraform-destroy']).to.include({ countedInRto: false, exitCode: 0 });

    // Logs: present, sealed, masked; the report folder verifies.
    const sums = readFileSync(join(run.folder!, 'SHA256SUMS'), 'utf8');
    for (const h of Object.values(hooks)) {
      expect(existsSync(join(run.folder!, h.outputFile!)), h.name).to.equal(true);
      expect(sums).to.include(`  ${h.outputFile}\n`);
    }
    const applyLog = readFileSync(join(run.folder!, 'hook-terraform-apply.log'), 'utf8');
    expect(applyLog).to.include('applying (token ***)');
    expect(applyLog).to.include('kubeconfig written for dr-from-terraform');
    expect(readFileSync(join(run.folder!, 'hook-switch-traffic.log'), 'utf8')).to.match(
      /configmap\/shop-config annotate(d)?/,
    );
    for (const f of [
      'report.json',
      'report.md',
      'report.html',
      'junit.xml',
      'journal.jsonl',
      'hook-terraform-apply.log',
    ]) {
      expect(readFileSync(join(run.folder!, f), 'utf8'), f).to.not.include(SECRET);
    }
    expect(readFileSync(join(run.folder!, 'junit.xml'), 'utf8')).to.include(
      'classname="dr-drill.hooks-demo.hook" name="switch-traffic"',
    );
    expect((await cli(['report', 'verify', run.folder!])).exitCode).to.equal(0);

    // The teardown hook ran with the verdict; teardown removed the restored copy from the hook-provided cluster.
    expect(readFileSync(marker, 'utf8').trim()).to.equal(`PASS ${run.drillId}`);
    const left = await kubectlJson(env, DR, ['get', 'namespaces', '-l', `dr-drill.io/drill-id=${run.drillId}`]);
    expect(left.items).to.deep.equal([]);
  });

  it('a failing hook ends the drill as FAIL (exit 1) with its exit code and last line; teardown hooks still run', async () => {
    const marker = join(work, 'teardown-marker-fail');
    const s = demo(
      'hooks-fail',
      [
        {
          name: 'terraform-apply',
          at: 'provision',
          command: ['sh', '-c', 'echo "Planning..."; echo "Error: quota exceeded in swedencentral" >&2; exit 7'],
        },
        { name: 'terraform-destroy', at: 'on-teardown', command: ['sh', '-c', `echo "$DR_DRILL_VERDICT" > ${marker}`] },
      ],
      [{ name: 'web-ready', kind: 'workload', ref: { kind: 'Deployment', namespace: 'shop', name: 'web' } }],
    );
    const run = await runDrillCli(env, s, reportDir);
    const r = run.report!;
    expect(run.exitCode, run.stderr).to.equal(1);
    expect(r.verdict).to.equal('FAIL');
    expect(r.reasons[0]).to.equal(
      'hook terraform-apply (provision) failed: exit code 7; last output: Error: quota exceeded in swedencentral (log hook-terraform-apply.log)',
    );
    expect(r.phases.find((p) => p.name === 'restore')!.outcome).to.equal('skipped');
    expect(r.hooks!.find((h) => h.name === 'terraform-apply')).to.include({ exitCode: 7, outcome: 'failed' });
    expect(readFileSync(marker, 'utf8').trim()).to.equal('FAIL');
    expect((await cli(['report', 'verify', run.folder!])).exitCode).to.equal(0);
  });
});
