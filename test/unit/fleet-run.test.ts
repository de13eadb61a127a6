import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DrillPlan } from '../../src/plan/types.js';
import { mapBounded, runFleet, type FleetMember } from '../../src/fleet/run-fleet.js';
import { summarise, worstExitCode, type FleetDrill } from '../../src/fleet/summary.js';
import { infraError } from '../../src/util/errors.js';
import { systemClock } from '../../src/util/clock.js';
import type { MemoryGateway } from '../support/memory-gateway.js';
import type { VeleroSim } from '../support/velero-sim.js';
import { paymentsCluster } from '../support/payments-cluster.js';
import { aPlan } from '../support/plan-builder.js';
import { runCli } from '../support/run-cli.js';

function member(name: string, drillId: string, deployment = 'api'): FleetMember {
  const plan: DrillPlan = aPlan().drillId(drillId).workloadProbe('api-ready', 'payments', deployment).build();
  plan.scenario.name = name;
  return { file: `${name}.yaml`, plan };
}

describe('fleet runs (memory cluster, simulated Velero)', function () {
  this.timeout(20_000);
  let sim: VeleroSim;
  let gw: MemoryGateway;
  let dir: string;
  beforeEach(async () => {
    ({ gw, sim } = await paymentsCluster());
    dir = mkdtempSync(join(tmpdir(), 'dr-drill-fleet-run-'));
  });
  afterEach(async () => {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const drill = () => ({ clock: systemClock, gatewayFor: () => gw, reportDir: dir, toolVersion: '0.0.0-test' });

  it('drills every scenario in its own namespace and folder; the summary has the worst exit code', async () => {
    const members = [member('alpha', 'alpha001'), member('beta', 'beta0002', 'missing'), member('gamma', 'gamma003')];
    const { summary, files } = await runFleet(members, { parallel: 2, fleetId: 'fleet001', drill: drill() });
    expect(summary.drills.map((d) => [d.scenario, d.verdict, d.exitCode])).to.deep.equal([
      ['alpha', 'PASS', 0],
      ['beta', 'FAIL', 1],
      ['gamma', 'PASS', 0],
    ]);
    expect(summary.exitCode).to.equal(1);
    expect(summary.counts).to.deep.equal({ PASS: 2, FAIL: 1, ERROR: 0, 'NOT RUN': 0 });
    // Isolation: each drill restored under its own id, into its own namespace, with its own report folder.
    expect(new Set(sim.restoresSeen)).to.deep.equal(
      new Set(['dr-drill-alpha001', 'dr-drill-beta0002', 'dr-drill-gamma003']),
    );
    const folders = summary.drills.map((d) => d.folder!);
    expect(new Set(folders).size).to.equal(3);
    for (const [i, f] of folders.entries()) {
      const report = JSON.parse(readFileSync(join(f, 'report.json'), 'utf8'));
      expect(report.drillId).to.equal(members[i]!.plan.drillId);
      expect(report.target.namespaceMapping).to.deep.equal({ payments: `payments-drill-${members[i]!.plan.drillId}` });
    }
    expect(JSON.parse(readFileSync(files.json, 'utf8')).exitCode).to.equal(1);
    expect(readFileSync(files.markdown, 'utf8')).to.match(/\| beta \| FAIL \|/);
    const junit = readFileSync(files.junit, 'utf8');
    expect(junit).to.match(/tests="3" failures="1" errors="0"/);
    // Nothing of any drill is left behind.
    expect(gw.all('Namespace').map((n) => n.metadata.name)).to.deep.equal(['payments', 'velero']);
  });

  it('--negative-control in a fleet: each drill is its own control; exit 0 only for a conclusive FAIL, an inconclusive one names the real reason', async function () {
    this.timeout(60_000); // the planted probe looks for 15 s before it fails, as in a single run
    const members = [member('alpha', 'alpha001'), member('beta', 'beta0002', 'missing')];
    const { summary, files } = await runFleet(members, {
      parallel: 2,
      fleetId: 'fleet004',
      drill: drill(),
      negativeControl: true,
    });
    expect(summary.drills.map((d) => [d.scenario, d.verdict, d.exitCode, d.negativeControl?.conclusive])).to.deep.equal(
      [
        ['alpha', 'FAIL', 0, true],
        ['beta', 'FAIL', 1, false],
      ],
    );
    expect(summary.drills[1]!.negativeControl!.reason).to.match(/inconclusive.*critical probe api-ready failed/);
    expect(summary.exitCode).to.equal(1);
    for (const d of summary.drills) {
      const report = JSON.parse(readFileSync(join(d.folder!, 'report.json'), 'utf8'));
      expect(report.negativeControl).to.equal(true);
      expect(report.probes.map((p: { name: string }) => p.name)).to.include('negative-control');
    }
    const md = readFileSync(files.markdown, 'utf8');
    expect(md).to.match(/Negative control: 1 of 2 conclusive/);
    expect(md).to.match(/\*\*beta\*\*: negative control inconclusive: .*api-ready/);
    // A conclusive control is a passing test case; an inconclusive one a failure saying so.
    const junit = readFileSync(files.junit, 'utf8');
    expect(junit).to.match(/tests="2" failures="1" errors="0"/);
    expect(junit).to.match(
      /<failure message="negative control inconclusive: [^"]*" type="NEGATIVE CONTROL INCONCLUSIVE">/,
    );
  });

  it('a drill that cannot start is NOT RUN with exit 3 and does not stop the others', async () => {
    const members = [member('alpha', 'alpha001'), member('held', 'held0001')];
    const { summary } = await runFleet(members, {
      parallel: 2,
      fleetId: 'fleet002',
      drill: drill(),
      around: (m, go) =>
        m.plan.scenario.name === 'held'
          ? Promise.reject(infraError('SCENARIO_LOCKED', 'scenario held is already being drilled by x', 'wait'))
          : go(),
    });
    expect(summary.drills.map((d) => [d.scenario, d.verdict, d.exitCode])).to.deep.equal([
      ['alpha', 'PASS', 0],
      ['held', null, 3],
    ]);
    expect(summary.drills[1]!.reasons[0]).to.match(/^SCENARIO_LOCKED: scenario held is already being drilled/);
    expect(summary.exitCode).to.equal(3);
  });

  it('two scenarios with one name, or one target namespace, stop the fleet before anything is created', async () => {
    const a = member('alpha', 'alpha001');
    const b = member('alpha', 'alpha002');
    const c = member('beta', 'beta0001');
    const d = member('gamma', 'gamma001');
    c.plan.target.namespaceSuffix = '-restored';
    d.plan.target.namespaceSuffix = '-restored';
    for (const bad of [
      [a, b],
      [c, d],
    ]) {
      let err: Error | null = null;
      await runFleet(bad, { parallel: 2, fleetId: 'fleet003', drill: drill() }).catch((e: Error) => (err = e));
      expect(err).to.have.property('code', 'FLEET_INVALID');
    }
    expect(sim.restoresSeen).to.deep.equal([]);
  });
});

describe('fleet summary', () => {
  const d = (over: Partial<FleetDrill>): FleetDrill => ({
    scenario: 's',
    file: 's.yaml',
    drillId: 'abcd1234',
    verdict: 'PASS',
    exitCode: 0,
    folder: 'reports/s/x',
    rtoSeconds: 60,
    rpoSeconds: 3600,
    restoreQueuedSeconds: 0,
    veleroServer: 'prod/velero',
    negativeControl: null,
    reasons: [],
    ...over,
  });
  const meta = { fleetId: 'f', startedAt: 'a', endedAt: 'b', parallel: 3 };
  it('worst exit code: 130 > 3 > 2 > 1 > 0', () => {
    expect(worstExitCode([0, 1, 0])).to.equal(1);
    expect(worstExitCode([1, 3, 0])).to.equal(3);
    expect(worstExitCode([1, 2])).to.equal(2);
    expect(worstExitCode([3, 130])).to.equal(130);
    expect(worstExitCode([])).to.equal(0);
  });
  it('says when drills queued on one Velero server, and only then', () => {
    const queued = summarise(
      [
        d({ scenario: 'a' }),
        d({ scenario: 'b', restoreQueuedSeconds: 42 }),
        d({ scenario: 'c', veleroServer: 'dr/velero' }),
      ],
      meta,
    );
    expect(queued.queueNotes).to.have.length(1);
    expect(queued.queueNotes[0]).to.match(/^2 drills restored through the Velero server prod\/velero.*b queued 42s/);
    expect(summarise([d({ scenario: 'a' }), d({ scenario: 'b' })], meta).queueNotes).to.deep.equal([]);
  });
});

describe('dr-drill run <dir> (fleet command line)', () => {
  const valid = (name: string) =>
    `apiVersion: dr-drill/v1\nkind: Scenario\nmetadata: { name: ${name} }\nspec:\n  objectives: { rto: 5m, rpo: 2h }\n  source: { kubeContext: nowhere }\n  backup: { fromSchedule: s }\n  target: { namespace: { suffix: "-drill-{{drillId}}" } }\n  probes:\n    - { name: api, kind: workload, ref: { kind: Deployment, namespace: a, name: api } }\n`;
  it('one invalid scenario: exit 2, no drill started, no report written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dr-drill-fleet-cli-'));
    writeFileSync(join(dir, 'a.yaml'), valid('a'));
    writeFileSync(join(dir, 'b.yaml'), 'apiVersion: dr-drill/v1\nkind: Scenario\n');
    const reports = join(dir, 'reports');
    const r = await runCli(['run', dir, '--parallel', '2', '--report-dir', reports, '--kubeconfig', '/nonexistent']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/1 of 2 scenarios invalid; no drill started/);
    expect(existsSync(reports)).to.equal(false);
  });
  it('an unset ${ENV} in one scenario: exit 2 before anything starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dr-drill-fleet-cli-'));
    mkdirSync(join(dir, 's'));
    writeFileSync(join(dir, 's', 'a.yaml'), valid('a').replace('nowhere', '"${FLEET_TEST_UNSET}"'));
    const r = await runCli(['run', join(dir, 's', '*.yaml'), '--report-dir', join(dir, 'r'), '--kubeconfig', '/x']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/FLEET_TEST_UNSET is not set/);
  });
  it('flags of a single drill are refused in a fleet', async () => {
    const r = await runCli(['run', 'scenarios', '--step']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/--step applies to one scenario, not a fleet/);
  });
});

describe('mapBounded', () => {
  it('never runs more than the limit at once, and keeps input order', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapBounded([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
      return n * 2;
    });
    expect(out).to.deep.equal([2, 4, 6, 8, 10, 12, 14]);
    expect(peak).to.equal(3);
  });
});
