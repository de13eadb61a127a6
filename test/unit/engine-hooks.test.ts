/**
 * Runbook hooks in a drill (memory cluster, simulated Velero, real child processes): where they run, what they
 * cost in RTO, how their endings decide the verdict, and that their logs are masked and sealed.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SecretText, type DrillPlan, type HookPlan } from '../../src/plan/types.js';
import { runDrill, type DrillOptions } from '../../src/engine/run-drill.js';
import { phaseOrder } from '../../src/engine/hook-steps.js';
import { validateReport } from '../../src/report/validate-report.js';
import { systemClock } from '../../src/util/clock.js';
import type { MemoryGateway } from '../support/memory-gateway.js';
import type { VeleroSim } from '../support/velero-sim.js';
import { paymentsCluster } from '../support/payments-cluster.js';
import { aPlan } from '../support/plan-builder.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const hook = (name: string, at: HookPlan['at'], script: string, more: Partial<HookPlan> = {}): HookPlan => ({
  name,
  at,
  command: ['sh', '-c', script],
  env: {},
  inheritEnv: [],
  workingDir: null,
  timeoutMs: 10_000,
  onFailure: 'fail',
  produces: null,
  ...more,
});

describe('runbook hooks in a drill', function () {
  this.timeout(20_000);
  let gw: MemoryGateway;
  let sim: VeleroSim;
  let dir: string;
  beforeEach(async () => {
    ({ gw, sim } = await paymentsCluster());
    dir = mkdtempSync(join(tmpdir(), 'dr-drill-hooks-'));
  });
  afterEach(async () => {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(hooks: HookPlan[], opts: Partial<DrillOptions> = {}, plan: DrillPlan = aPlan().build()) {
    plan.hooks = hooks;
    const out = await runDrill(plan, {
      clock: systemClock,
      gatewayFor: () => gw,
      reportDir: dir,
      toolVersion: '0.0.0-test',
      ...opts,
    });
    const json = JSON.parse(readFileSync(join(out.folder, 'report.json'), 'utf8')) as Json;
    expect(validateReport(json), 'report.json against its schema').to.deep.equal([]);
    const sums = readFileSync(join(out.folder, 'SHA256SUMS'), 'utf8');
    return { ...out, json, sums };
  }
  const phase = (json: Json, name: string) => json.phases.find((p: { name: string }) => p.name === name);
  const hookEntry = (json: Json, name: string) => json.hooks.find((h: { name: string }) => h.name === name);

  it('runs each point in order, as its own phase, with the drill environment', async () => {
    const trace = join(dir, 'trace');
    const line =
      'echo "$DR_DRILL_HOOK_POINT $DR_DRILL_ID $DR_DRILL_SCENARIO $DR_DRILL_TARGET_CONTEXT $DR_DRILL_NAMESPACE_MAPPING ${DR_DRILL_VERDICT:-none}" >> ' +
      trace;
    const points: HookPlan['at'][] = ['on-teardown', 'after-verify', 'after-restore', 'before-restore', 'provision'];
    const { json, folder } = await run(points.map((at) => hook(`h-${at}`, at, line)));
    expect(json.verdict, json.reasons.join('\n')).to.equal('PASS');
    expect(readFileSync(trace, 'utf8').trim().split('\n')).to.deep.equal(
      [
        'provision abcd1234 payments-nightly {"payments":"payments-drill-abcd1234"} none',
        'before-restore abcd1234 payments-nightly {"payments":"payments-drill-abcd1234"} none',
        'after-restore abcd1234 payments-nightly {"payments":"payments-drill-abcd1234"} none',
        'after-verify abcd1234 payments-nightly {"payments":"payments-drill-abcd1234"} none',
        'on-teardown abcd1234 payments-nightly {"payments":"payments-drill-abcd1234"} PASS',
      ].map((l) => l.replace(' {', '  {')),
    ); // the target context is the current one (null): empty
    expect(json.phases.map((p: { name: string }) => p.name)).to.deep.equal([
      'select-backup',
      'integrity',
      'hook:h-provision',
      'provision-target',
      'prepare-target',
      'hook:h-before-restore',
      'restore',
      'hook:h-after-restore',
      'verify',
      'hook:h-after-verify',
      'teardown',
      'blast-radius',
      'hook:h-on-teardown',
      'seal',
    ]);
    for (const h of json.hooks) {
      expect(h, h.name).to.include({ outcome: 'succeeded', exitCode: 0, outputFile: `hook-${h.name}.log` });
      expect(existsSync(join(folder, h.outputFile))).to.equal(true);
    }
    expect(json.hooks.map((h: { at: string }) => h.at)).to.deep.equal(points);
    expect(json.hooks.map((h: { countedInRto: boolean }) => h.countedInRto)).to.deep.equal([
      false,
      false,
      true,
      true,
      true,
    ]);
  });

  it('a slow after-restore hook is inside RTO; a slow after-verify hook is not', async () => {
    // Where RTO ends relative to the hook's own phase, not against another run's timing (a loaded machine varies).
    // Phase starts and durations are each rounded to the millisecond, so their sum may differ from RTO by 1 ms.
    const ROUNDING = 0.001;
    const slowRestore = await run([hook('switch-traffic', 'after-restore', 'sleep 0.8')]);
    const slowVerify = await run([hook('notify-team', 'after-verify', 'sleep 0.8')]);
    const rto = (j: Json) => j.rto.achievedSeconds as number;
    const restoreHook = phase(slowRestore.json, 'hook:switch-traffic');
    expect(rto(slowRestore.json)).to.be.at.least(restoreHook.startSeconds + restoreHook.durationSeconds - ROUNDING);
    expect(hookEntry(slowRestore.json, 'switch-traffic')).to.include({ countedInRto: true });
    expect(hookEntry(slowRestore.json, 'switch-traffic').durationSeconds).to.be.at.least(0.8);
    expect(rto(slowVerify.json)).to.be.at.most(phase(slowVerify.json, 'hook:notify-team').startSeconds + ROUNDING);
    expect(hookEntry(slowVerify.json, 'notify-team')).to.include({ countedInRto: false });
  });

  it('without critical probes, RTO stands in at the end of the after-restore hooks (and the drill cannot PASS)', async () => {
    const { json } = await run([hook('switch-traffic', 'after-restore', 'sleep 0.5')], {}, aPlan().noProbes().build());
    const p = phase(json, 'hook:switch-traffic');
    expect(json.rto.achievedSeconds).to.be.closeTo(p.startSeconds + p.durationSeconds, 0.01);
    expect(json.verdict).to.equal('FAIL');
    expect(json.reasons).to.deep.equal(['no critical probe: nothing proves the restored copy works']);
  });

  it('a failing hook is a FAIL naming the hook, its exit code and last line; later phases skip, teardown and its hooks run', async () => {
    const marker = join(dir, 'destroyed');
    const { json } = await run([
      hook('switch-traffic', 'after-restore', 'echo working; echo "endpoint dr-weu not found" >&2; exit 3'),
      hook('destroy', 'on-teardown', `echo "$DR_DRILL_VERDICT" > ${marker}`),
    ]);
    expect(json.verdict).to.equal('FAIL');
    expect(json.reasons[0]).to.equal(
      'hook switch-traffic (after-restore) failed: exit code 3; last output: endpoint dr-weu not found (log hook-switch-traffic.log)',
    );
    expect(hookEntry(json, 'switch-traffic')).to.include({ outcome: 'failed', exitCode: 3 });
    expect(phase(json, 'verify').outcome).to.equal('skipped');
    expect(json.teardown.performed).to.equal(true);
    expect(readFileSync(marker, 'utf8').trim()).to.equal('FAIL');
    expect(hookEntry(json, 'destroy')).to.include({ outcome: 'succeeded' });
  });

  it('onFailure warn: the hook phase fails, the drill goes on and passes with a warning', async () => {
    const { json } = await run([hook('page-oncall', 'after-restore', 'exit 1', { onFailure: 'warn' })]);
    expect(json.verdict, json.reasons.join('\n')).to.equal('PASS');
    expect(phase(json, 'hook:page-oncall').outcome).to.equal('failed');
    expect(phase(json, 'verify').outcome).to.equal('succeeded');
    expect(json.warnings.join('\n')).to.match(
      /hook page-oncall \(after-restore\) failed: exit code 1.*onFailure: warn/,
    );
  });

  it('a hook that outlives its timeout is killed with its whole process group: FAIL', async () => {
    const marker = join(dir, 'grandchild-survived');
    const started = Date.now();
    const { json } = await run([
      hook('terraform-apply', 'before-restore', `(sleep 1.5; touch ${marker}) & echo applying; wait`, {
        timeoutMs: 300,
      }),
    ]);
    expect(Date.now() - started).to.be.below(6000);
    expect(json.verdict).to.equal('FAIL');
    expect(json.reasons[0]).to.match(
      /^hook terraform-apply \(before-restore\) failed: timed out after 0\.3s; last output: applying/,
    );
    expect(hookEntry(json, 'terraform-apply').exitCode).to.equal(null);
    expect(phase(json, 'restore').outcome).to.equal('skipped');
    await sleep(1800);
    expect(existsSync(marker), 'the grandchild was killed with the group').to.equal(false);
  });

  it('an interrupt stops the running hook, tears down, and runs the teardown hooks', async () => {
    const ac = new AbortController();
    const marker = join(dir, 'teardown-ran');
    const onEvent: DrillOptions['onEvent'] = (e) => {
      if (e.message === 'phase hook:switch-traffic started') setTimeout(() => ac.abort(), 200);
    };
    const started = Date.now();
    const { json, interrupted } = await run(
      [hook('switch-traffic', 'after-restore', 'sleep 30'), hook('cleanup', 'on-teardown', `touch ${marker}`)],
      { signal: ac.signal, onEvent },
    );
    expect(Date.now() - started).to.be.below(8000);
    expect(interrupted).to.equal(true);
    expect(phase(json, 'hook:switch-traffic').outcome).to.equal('interrupted');
    expect(phase(json, 'verify').outcome).to.equal('skipped');
    expect(json.teardown.performed).to.equal(true);
    expect(existsSync(marker)).to.equal(true);
  });

  it('a command that cannot start is an ERROR with a hint', async () => {
    const { json } = await run([
      { ...hook('az-switch', 'after-restore', ''), command: ['no-such-command-dr-drill', 'network'] },
    ]);
    expect(json.verdict).to.equal('ERROR');
    expect(json.reasons[0]).to.match(
      /hook az-switch: no-such-command-dr-drill not found .*HOOK_COMMAND_FAILED_TO_START; hint: install no-such-command-dr-drill/,
    );
  });

  it('masks the hook env values, kubeconfig credentials and known secret shapes in its log and the report; the log is sealed', async () => {
    (gw as unknown as { exportKubeconfig: () => string }).exportKubeconfig = () =>
      'apiVersion: v1\nkind: Config\ncurrent-context: prod-weu\nusers:\n- name: u\n  user:\n    token: kube-token-0123456789\n';
    const script = [
      'echo "token is $API_TOKEN"',
      'echo "password=hunter22-pw"',
      'cat "$DR_DRILL_KUBECONFIG"',
      'stat -c "mode %a" "$DR_DRILL_KUBECONFIG"',
      'echo "$DR_DRILL_KUBECONFIG" > ' + join(dir, 'kc-path'),
      'echo "$API_TOKEN" >&2',
      'exit 4',
    ].join('; ');
    const { json, folder, sums } = await run([
      hook('secretive', 'after-restore', script, { env: { API_TOKEN: new SecretText('s3cr3t-v4lue-xyz') } }),
    ]);
    const log = readFileSync(join(folder, 'hook-secretive.log'), 'utf8');
    expect(log).to.include('mode 600');
    expect(log).to.include('token is ***');
    for (const secret of ['s3cr3t-v4lue-xyz', 'hunter22-pw', 'kube-token-0123456789']) {
      expect(log, secret).to.not.include(secret);
      expect(readFileSync(join(folder, 'report.json'), 'utf8'), secret).to.not.include(secret);
      expect(readFileSync(join(folder, 'journal.jsonl'), 'utf8'), secret).to.not.include(secret);
    }
    expect(json.reasons[0]).to.match(/exit code 4; last output: \*\*\*/);
    expect(sums).to.match(/ {2}hook-secretive\.log\n/);
    const kubeconfig = readFileSync(join(dir, 'kc-path'), 'utf8').trim();
    expect(existsSync(kubeconfig), 'the temp kubeconfig is deleted after the hook').to.equal(false);
  });

  it('a provision hook hands the target kubeconfig back: the target context is routed to it', async () => {
    const out = join(dir, 'made.kubeconfig');
    const kubeconfig =
      'apiVersion: v1\nkind: Config\nclusters:\n- name: made\n  cluster:\n    server: https://127.0.0.1:9\ncontexts:\n- name: made-by-terraform\n  context: { cluster: made, user: made }\ncurrent-context: made-by-terraform\nusers:\n- name: made\n  user:\n    token: made-token-abcdef\n';
    writeFileSync(join(dir, 'kc.yaml'), kubeconfig);
    const plan = aPlan().build();
    plan.target = {
      kind: 'cluster',
      kubeContext: 'dr-weu',
      veleroNamespace: 'velero',
      namespaceSuffix: '',
      isolation: 'none',
    };
    const { json, folder } = await run(
      [
        hook('terraform-apply', 'provision', `cat ${join(dir, 'kc.yaml')} > made.kubeconfig; cat made.kubeconfig`, {
          workingDir: dir,
          produces: { kubeconfig: 'made.kubeconfig', context: null },
        }),
      ],
      {},
      plan,
    );
    expect(existsSync(out)).to.equal(true);
    const events = json.phases
      .flatMap((p: { events: Array<{ message: string }> }) => p.events.map((e) => e.message))
      .join('\n');
    expect(events).to.match(
      /target context dr-weu routed to context made-by-terraform of the kubeconfig hook terraform-apply wrote \(API server https:\/\/127\.0\.0\.1:9\)/,
    );
    expect(phase(json, 'provision-target').reason).to.equal('the cluster comes from hook terraform-apply');
    // Nothing listens there: the drill reached for the produced cluster, not the memory one.
    expect(json.verdict).to.equal('ERROR');
    expect(phase(json, 'prepare-target').reason).to.match(/127\.0\.0\.1:9|ECONNREFUSED|connect/);
    expect(readFileSync(join(folder, 'hook-terraform-apply.log'), 'utf8')).to.not.include('made-token-abcdef');
  });

  it('a provision hook that writes no kubeconfig is an ERROR saying where it looked', async () => {
    const plan = aPlan().build();
    plan.target = {
      kind: 'cluster',
      kubeContext: 'dr-weu',
      veleroNamespace: 'velero',
      namespaceSuffix: '',
      isolation: 'none',
    };
    const { json } = await run(
      [
        hook('terraform-apply', 'provision', 'true', {
          workingDir: dir,
          produces: { kubeconfig: 'none.kubeconfig', context: null },
        }),
      ],
      {},
      plan,
    );
    expect(json.verdict).to.equal('ERROR');
    expect(json.reasons[0]).to.match(
      /hook terraform-apply exited 0 but wrote no kubeconfig at .*none\.kubeconfig .*HOOK_KUBECONFIG_MISSING/,
    );
  });

  it('--keep skips the on-teardown hooks with the reason', async () => {
    const { json } = await run([hook('destroy', 'on-teardown', 'exit 0')], { keep: true });
    expect(hookEntry(json, 'destroy')).to.include({
      outcome: 'skipped',
      reason: 'kept on request (--keep)',
      outputFile: null,
    });
  });

  it('run --step pauses before hook phases too', async () => {
    const asked: string[] = [];
    await run([hook('switch-traffic', 'after-restore', 'true')], {
      beforePhase: async (p) => {
        asked.push(p);
        return 'continue';
      },
    });
    expect(asked).to.include('hook:switch-traffic');
    expect(asked.indexOf('hook:switch-traffic')).to.equal(asked.indexOf('verify') - 1);
  });

  it('phaseOrder places hooks of the same point in file order', () => {
    const base = ['select-backup', 'provision-target', 'restore', 'verify', 'teardown', 'seal'] as const;
    expect(
      phaseOrder(
        { hooks: [hook('b', 'after-restore', ''), hook('a', 'after-restore', ''), hook('z', 'on-teardown', '')] },
        base,
      ),
    ).to.deep.equal([
      'select-backup',
      'provision-target',
      'restore',
      'hook:b',
      'hook:a',
      'verify',
      'teardown',
      'hook:z',
      'seal',
    ]);
  });

  it('the temp kubeconfig file is private (0600) while the hook runs', async () => {
    (gw as unknown as { exportKubeconfig: () => string }).exportKubeconfig = () => 'apiVersion: v1\nkind: Config\n';
    const seen = join(dir, 'mode');
    await run([hook('look', 'before-restore', `stat -c %a "$DR_DRILL_KUBECONFIG" > ${seen}`)]);
    expect(readFileSync(seen, 'utf8').trim()).to.equal('600');
    expect(statSync(seen).isFile()).to.equal(true);
  });
});
