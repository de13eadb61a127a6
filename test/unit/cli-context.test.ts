/**
 * One kube-context convention (issue 16 item 2): a global --context, --source-context/--target-context where two
 * clusters are involved, and a context that is not in the kubeconfig (or no kubeconfig at all) is exit 2 before
 * any report folder, with a hint that names the real contexts and never client-node's placeholder.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/run-cli.js';
import { runSecrets } from '../../src/util/secrets.js';
import { applyContextFlags } from '../../src/cli/context-flags.js';
import type { DrillPlan } from '../../src/plan/types.js';

const ROOT = join(import.meta.dirname, '..', '..');
const oneCluster = join(ROOT, 'scenarios', 'namespace-mapping.yaml'); // source and target dr-drill-primary
const twoClusters = join(ROOT, 'scenarios', 'local-demo.yaml'); // dr-drill-primary → dr-drill-dr

/** A kubeconfig with contexts that point nowhere (port 1): nothing here may connect. */
function kubeconfig(dir: string, contexts: string[]): string {
  const file = join(dir, 'kubeconfig');
  const list = (kind: string, f: (n: string) => string) =>
    `${kind}:\n${contexts.map((n) => `- name: ${n}\n  ${f(n)}`).join('\n')}\n`;
  writeFileSync(
    file,
    'apiVersion: v1\nkind: Config\n' +
      `current-context: ${contexts[0]}\n` +
      list('clusters', () => 'cluster: { server: "https://127.0.0.1:1" }') +
      list('users', () => 'user: { token: "t" }') +
      list('contexts', (n) => `context: { cluster: ${n}, user: ${n} }`),
  );
  return file;
}

describe('cli: kube contexts', () => {
  let dir: string;
  let reports: string;
  const saved = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dr-drill-context-'));
    reports = join(dir, 'reports');
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    runSecrets.clear();
  });

  const unknown: { name: string; args: (kc: string, reports: string) => string[]; context: string }[] = [
    {
      name: 'run --context',
      args: (kc, rd) => ['--kubeconfig', kc, '--context', 'nope', 'run', oneCluster, '--report-dir', rd],
      context: 'nope',
    },
    {
      name: 'run --target-context',
      args: (kc, rd) => [
        '--kubeconfig',
        kc,
        'run',
        twoClusters,
        '--source-context',
        'a',
        '--target-context',
        'nope',
        '--report-dir',
        rd,
      ],
      context: 'nope',
    },
    {
      name: 'plan --context',
      args: (kc) => ['--kubeconfig', kc, 'plan', oneCluster, '--context', 'nope'],
      context: 'nope',
    },
    {
      name: 'cleanup --context',
      args: (kc) => ['--kubeconfig', kc, 'cleanup', '--all', '--context', 'nope'],
      context: 'nope',
    },
    {
      name: 'run of a scenario naming a context the kubeconfig lacks',
      args: (kc, rd) => ['--kubeconfig', kc, 'run', oneCluster, '--report-dir', rd],
      context: 'dr-drill-primary',
    },
  ];
  for (const c of unknown)
    it(`${c.name}: a context not in the kubeconfig is exit 2 before any report folder, naming the real ones`, async () => {
      const kc = kubeconfig(dir, ['a', 'b']);
      const r = await runCli(c.args(kc, reports));
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stderr).to.contain(`kube context "${c.context}" is not in the kubeconfig`);
      expect(r.stderr).to.contain('use one of: a, b');
      expect(existsSync(reports) ? readdirSync(reports) : []).to.deep.equal([]);
    });

  it('no kubeconfig at all: exit 2, says so, and never names the placeholder loaded-context', async () => {
    process.env.KUBECONFIG = '';
    process.env.HOME = join(dir, 'home');
    mkdirSync(process.env.HOME);
    const r = await runCli(['run', oneCluster, '--context', 'a', '--report-dir', reports]);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.match(/no kubeconfig .*~\/\.kube\/config does not exist/);
    expect(r.stderr).to.contain('--kubeconfig');
    expect(r.stdout + r.stderr).not.to.contain('loaded-context');
    expect(existsSync(reports)).to.equal(false);
  });

  it('--context alone on a scenario with two clusters is refused (exit 2), naming the two flags', async () => {
    const r = await runCli(['plan', '--offline', twoClusters, '--context', 'a']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain(
      '--context names one cluster, but this scenario restores from context dr-drill-primary into context dr-drill-dr',
    );
    expect(r.stderr).to.contain('--source-context and --target-context');
  });

  it('--context is global: it may come before the command, as with kubectl', async () => {
    const r = await runCli(['--context', 'elsewhere', 'plan', '--offline', oneCluster]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/source +elsewhere,/);
    expect(r.stdout).to.match(/target +namespace in elsewhere,/);
  });
});

describe('cli: applyContextFlags', () => {
  const plan = (source: string | null, target: string | null, kind: 'namespace' | 'cluster' | 'aks' = 'namespace') =>
    ({ source: { kubeContext: source }, target: { kind, kubeContext: target } }) as unknown as DrillPlan;
  const cases = [
    { name: 'no flags: the scenario as written', p: plan('s', 't', 'cluster'), flags: {}, want: ['s', 't'] },
    { name: '--context on one cluster named twice', p: plan('s', 's'), flags: { context: 'x' }, want: ['x', 'x'] },
    {
      name: '--context on a target that follows the source',
      p: plan('s', null),
      flags: { context: 'x' },
      want: ['x', null],
    },
    {
      name: '--context on an AKS target: the source only',
      p: plan('s', 'aks-x', 'aks'),
      flags: { context: 'x' },
      want: ['x', 'aks-x'],
    },
    {
      name: '--source-context and --target-context on two clusters',
      p: plan('s', 't', 'cluster'),
      flags: { 'source-context': 'a', 'target-context': 'b' },
      want: ['a', 'b'],
    },
    {
      name: '--context with --target-context: the source and the target',
      p: plan('s', 't', 'cluster'),
      flags: { context: 'a', 'target-context': 'b' },
      want: ['a', 'b'],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      applyContextFlags(c.p, c.flags);
      expect([c.p.source.kubeContext, c.p.target.kubeContext]).to.deep.equal(c.want);
    });
  it('--context alone on two clusters throws an input error', () => {
    expect(() => applyContextFlags(plan('s', 't', 'cluster'), { context: 'x' })).to.throw(/names one cluster/);
  });
});
