/**
 * End-to-end day two against the local environment: `init` writes a scenario per Velero Schedule of the primary
 * cluster, `validate` refuses each until its data probe is filled in, and the filled-in scenarios pass real
 * drills. `watch` drills a scenario when a backup of its schedule completes and serves the verdict on /metrics.
 */
import { expect } from 'chai';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa, type ResultPromise } from 'execa';
import { veleroDeleteBackup } from './support/checks.js';
import { ensureLocalEnv, type E2eEnv } from './support/env.js';
import {
  BIN,
  cli,
  ensureBuilt,
  finishDrill,
  kubectl,
  kubectlJson,
  scenario,
  startDrill,
  tempDir,
  writeScenario,
} from './support/drill.js';
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
    for (const name of taken) await veleroDeleteBackup(env, name);
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
    // Local volumes cannot carry data yet (issue #14): the claim comes back, its data is not required here.
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(/^  restore:\n/m, '  restore:\n    volumeData: metadata-only\n'),
    );
    expect(readFileSync(file, 'utf8')).to.contain('volumeData: metadata-only');
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

describe('e2e: watch drills a scenario when a backup of its schedule completes', function () {
  let env: E2eEnv;
  let reportDir: string;
  const backup = `e2e-watch-catalog-${randomBytes(3).toString('hex')}`;
  let watcher: ResultPromise | null = null;
  let stderr = '';

  /** Resolves with the first match of `re` in the watcher's stderr: an event, not a poll. */
  function line(re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = re.exec(stderr);
        if (!m) return false;
        cleanup();
        resolve(m);
        return true;
      };
      const onData = () => void check();
      const onExit = () => !check() && (cleanup(), reject(new Error(`watch exited before ${re}:\n${stderr}`)));
      const timer = setTimeout(
        () => (cleanup(), reject(new Error(`no ${re} within ${timeoutMs} ms:\n${stderr}`))),
        timeoutMs,
      );
      const cleanup = () => {
        clearTimeout(timer);
        watcher!.stderr!.off('data', onData);
        watcher!.off('exit', onExit);
      };
      watcher!.stderr!.on('data', onData);
      watcher!.on('exit', onExit);
      check();
    });
  }

  before(async () => {
    env = await ensureLocalEnv();
    reportDir = tempDir('watch-reports');
    await ensureBuilt();
  });

  after(async () => {
    if (watcher && watcher.exitCode === null) watcher.kill('SIGKILL');
    await veleroDeleteBackup(env, backup);
  });

  it('a completed backup labelled with the schedule starts the drill; /metrics shows its verdict; SIGTERM stops it cleanly', async () => {
    const dir = tempDir('watch-scenarios');
    writeScenario(
      dir,
      scenario('e2e-watch-catalog', {
        objectives: { rto: '10m', rpo: '2h' },
        source: { kubeContext: PRIMARY },
        backup: { fromSchedule: 'catalog-hourly', maxAge: '2h' },
        target: { namespace: { suffix: '-drill-{{drillId}}' } },
        restore: { includedNamespaces: ['catalog'], timeout: '5m' },
        probes: [
          {
            name: 'api-ready',
            kind: 'workload',
            ref: { kind: 'Deployment', namespace: 'catalog', name: 'api' },
            timeout: '2m',
          },
          {
            name: 'config-data',
            kind: 'resource',
            ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'catalog', name: 'catalog-config' },
            match: { data: { PAGE_SIZE: '50' } },
          },
        ],
        teardown: { when: 'always', timeout: '2m' },
      }),
    );
    watcher = execa(
      process.execPath,
      [BIN, '--kubeconfig', env.kubeconfig, 'watch', dir, '--report-dir', reportDir, '--port', '0', '--debounce', '2s'],
      { reject: false, env: { NO_COLOR: '1' }, stdin: 'ignore', buffer: false },
    );
    watcher.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const port = Number((await line(/metrics on http:\/\/localhost:(\d+)\/metrics/, 60_000))[1]);
    await line(/watch: ready/, 60_000);
    // Backups that completed before the watcher started are history: nothing drilled yet.
    const before = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(before).to.match(/dr_drill_drills_total\{scenario="e2e-watch-catalog",verdict="PASS"\} 0/);

    // The backup a schedule would take, labelled with its name: no waiting for cron.
    await kubectl(
      env,
      PRIMARY,
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'velero.io/v1',
        kind: 'Backup',
        metadata: { name: backup, namespace: 'velero', labels: { 'velero.io/schedule-name': 'catalog-hourly' } },
        spec: {
          includedNamespaces: ['catalog'],
          snapshotVolumes: false,
          defaultVolumesToFsBackup: false,
          ttl: '2h0m0s',
        },
      }),
    );
    await line(new RegExp(`backup ${backup} of schedule catalog-hourly completed: drill e2e-watch-catalog`), 180_000);
    const done = await line(/\[e2e-watch-catalog ([a-z0-9]{8})\] (PASS|FAIL|ERROR): (\S+)/, 300_000);
    expect(done[2], stderr).to.equal('PASS');
    const report = JSON.parse(readFileSync(join(done[3]!, 'report.json'), 'utf8'));
    expect(report.backup.name).to.equal(backup);
    expect(validateReport(report)).to.deep.equal([]);

    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).to.match(/dr_drill_last_verdict\{scenario="e2e-watch-catalog",verdict="PASS"\} 1/);
    expect(metrics).to.match(/dr_drill_last_verdict\{scenario="e2e-watch-catalog",verdict="FAIL"\} 0/);
    expect(metrics).to.match(/dr_drill_drills_total\{scenario="e2e-watch-catalog",verdict="PASS"\} 1/);
    const lastPass = /dr_drill_last_pass_timestamp_seconds\{scenario="e2e-watch-catalog"\} (\S+)/.exec(metrics);
    expect(Number(lastPass?.[1])).to.equal(Date.parse(report.startedAt) / 1000);
    expect(metrics).to.match(/dr_drill_achieved_seconds\{scenario="e2e-watch-catalog",objective="rto"\} \d/);
    expect(metrics).to.match(/dr_drill_margin_seconds\{scenario="e2e-watch-catalog",objective="rpo"\} \d/);

    watcher.kill('SIGTERM');
    const exit = await watcher;
    expect(exit.exitCode, stderr).to.equal(0);
    expect(stderr).to.match(/watch: stopped/);
  });
});
