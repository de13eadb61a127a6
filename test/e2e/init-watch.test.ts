/**
 * End-to-end day two against the local environment: `init` writes a scenario per Velero Schedule of the primary
 * cluster, `validate` refuses each until its data probe is filled in, and the filled-in scenarios pass real
 * drills.
 */
import { expect } from 'chai';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { ensureLocalEnv, type E2eEnv } from './support/env.js';
import { cli, ensureBuilt, finishDrill, kubectlJson, startDrill, tempDir } from './support/drill.js';
import { validateReport } from '../../src/report/validate-report.js';

const PRIMARY = 'dr-drill-primary';
const DR = 'dr-drill-dr';

/** The reviewer's part: the placeholder data probe replaced with one that proves the data (a ConfigMap's content). */
function fillIn(file: string, probe: string): void {
  const text = readFileSync(file, 'utf8');
  // From the comment that introduces the placeholder to the end of the probes.
  const start = text.indexOf('    # The data probe');
  writeFileSync(file, text.slice(0, start) + probe + text.slice(text.indexOf('  teardown:')));
}

const configProbe = (ns: string, name: string, data: Record<string, string>) =>
  [
    '    - name: config-data',
    '      kind: resource',
    `      ref: { apiVersion: v1, kind: ConfigMap, namespace: ${ns}, name: ${name} }`,
    `      match: { data: ${JSON.stringify(data)} }`,
    '',
  ].join('\n');

describe('e2e: init writes a scenario per Velero Schedule', function () {
  let env: E2eEnv;
  let reportDir: string;
  const taken: string[] = [];

  before(async () => {
    env = await ensureLocalEnv();
    reportDir = tempDir('init-reports');
    await ensureBuilt();
    // A fresh backup of each schedule, as cron would take: the drills then never depend on how long ago the
    // environment came up (maxAge is the schedule's cadence).
    for (const schedule of ['catalog-hourly', 'shop-daily']) {
      const r = await execa(
        env.bin.path('velero'),
        ['--kubeconfig', env.kubeconfig, '--kubecontext', PRIMARY, '-n', 'velero', 'backup', 'create'].concat([
          '--from-schedule',
          schedule,
          '--wait',
        ]),
        { reject: false },
      );
      if (r.exitCode !== 0) throw new Error(`velero backup create --from-schedule ${schedule}: ${r.stderr}`);
      const name = /Backup request "([^"]+)"/.exec(r.stdout)?.[1];
      if (name) taken.push(name);
    }
  });

  after(async () => {
    for (const name of taken)
      await execa(
        env.bin.path('velero'),
        [
          '--kubeconfig',
          env.kubeconfig,
          '--kubecontext',
          PRIMARY,
          '-n',
          'velero',
          'backup',
          'delete',
          name,
          '--confirm',
        ],
        { reject: false },
      );
  });

  it('init --context dr-drill-primary --out <dir>: a scenario per Schedule, refused until filled in, then a PASS', async () => {
    const out = tempDir('init-out');
    const r = await cli(['--kubeconfig', env.kubeconfig, 'init', '--context', PRIMARY, '--out', out]);
    expect(r.exitCode, r.stderr).to.equal(0);
    const schedules = await kubectlJson(env, PRIMARY, ['-n', 'velero', 'get', 'schedules']);
    expect(readdirSync(out).sort()).to.deep.equal(schedules.items.map((s) => `${s.metadata.name}.yaml`).sort());

    const file = join(out, 'catalog-hourly.yaml');
    const refused = await cli(['validate', file]);
    expect(refused.exitCode).to.equal(2);
    expect(refused.stdout + refused.stderr).to.match(
      new RegExp(
        `${file}:\\d+:\\d+ spec\\.probes\\[\\d+\\]\\.command\\[0\\]: expected a value in place of the FILL-IN placeholder`,
      ),
    );
    // init says the same to its user.
    expect(r.stdout).to.include(`to fill in: ${file}:`);

    fillIn(file, configProbe('catalog', 'catalog-config', { PAGE_SIZE: '50' }));
    const valid = await cli(['validate', file]);
    expect(valid.exitCode, valid.stdout + valid.stderr).to.equal(0);
    const drill = await finishDrill(startDrill(env, file, reportDir), reportDir, 'catalog-hourly');
    expect(drill.exitCode, drill.stderr).to.equal(0);
    expect(drill.report!.verdict).to.equal('PASS');
    expect(drill.report!.backup!.name).to.match(/^catalog-hourly-/);
    expect(validateReport(drill.report)).to.deep.equal([]);
  });

  it('init --target-context dr-drill-dr: the shop (with its volume claim) restores into the DR cluster and passes', async () => {
    const out = tempDir('init-out-dr');
    const r = await cli([
      '--kubeconfig',
      env.kubeconfig,
      'init',
      '--context',
      PRIMARY,
      '--target-context',
      DR,
      '--out',
      out,
    ]);
    expect(r.exitCode, r.stderr).to.equal(0);
    const file = join(out, 'shop-daily.yaml');
    fillIn(file, configProbe('shop', 'shop-config', { GREETING: 'hello from the shop' }));
    const drill = await finishDrill(startDrill(env, file, reportDir), reportDir, 'shop-daily');
    expect(drill.exitCode, drill.stderr).to.equal(0);
    expect(drill.report!.probes.map((p) => [p.name, p.outcome])).to.deep.include.members([
      ['volumes-shop', 'passed'],
      ['config-data', 'passed'],
    ]);
  });

  it('init never overwrites a file it wrote before (exit 2, nothing written) unless --force', async () => {
    const out = tempDir('init-again');
    expect((await cli(['--kubeconfig', env.kubeconfig, 'init', '--context', PRIMARY, '--out', out])).exitCode).to.equal(
      0,
    );
    const again = await cli(['--kubeconfig', env.kubeconfig, 'init', '--context', PRIMARY, '--out', out]);
    expect(again.exitCode).to.equal(2);
    expect(again.stderr).to.match(/INIT_WOULD_OVERWRITE|already exist/);
    const forced = await cli(['--kubeconfig', env.kubeconfig, 'init', '--context', PRIMARY, '--out', out, '--force']);
    expect(forced.exitCode).to.equal(0);
  });
});
