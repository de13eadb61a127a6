/**
 * End-to-end fleet runs and the per-scenario Lease against the local environment: three drills at once through
 * one Velero server, and two concurrent starts of one scenario.
 */
import { expect } from 'chai';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { ensureLocalEnv, type E2eEnv } from './support/env.js';
import {
  ensureBuilt,
  finishDrill,
  kubectlJson,
  scenario,
  startDrill,
  tempDir,
  writeScenario,
} from './support/drill.js';
import { BIN } from './support/drill.js';
import { veleroBackup, veleroDeleteBackup } from './support/checks.js';
import type { FleetSummary } from '../../src/fleet/summary.js';
import { validateReport } from '../../src/report/validate-report.js';

const PRIMARY = 'dr-drill-primary';
const LABEL = 'dr-drill.io/drill-id';

describe('e2e: fleets and one drill per scenario', function () {
  let env: E2eEnv;
  let reportDir: string;
  const backup = `e2e-fleet-catalog-${randomBytes(3).toString('hex')}`;

  const catalog = (name: string, deployment = 'api') =>
    scenario(name, {
      source: { kubeContext: PRIMARY },
      backup: { name: backup },
      target: { namespace: { suffix: '-drill-{{drillId}}' } },
      restore: { includedNamespaces: ['catalog'], timeout: '5m' },
      probes: [
        {
          name: 'api-ready',
          kind: 'workload',
          ref: { kind: 'Deployment', namespace: 'catalog', name: deployment },
          timeout: deployment === 'api' ? '2m' : '5s',
        },
      ],
      teardown: { when: 'always', timeout: '2m' },
    });

  before(async () => {
    env = await ensureLocalEnv();
    reportDir = tempDir('fleet-reports');
    await ensureBuilt();
    await veleroBackup(env, backup, ['--include-namespaces', 'catalog', '--snapshot-volumes=false']);
  });

  after(async () => {
    await veleroDeleteBackup(env, backup);
  });

  async function leftovers(): Promise<string[]> {
    const ns = await kubectlJson(env, PRIMARY, ['get', 'namespaces', '-l', LABEL]);
    return ns.items.map((o) => o.metadata.name);
  }

  it('run <dir> --parallel 3: three drills at once, one folder each, a fleet summary and the worst exit code', async () => {
    const dir = join(reportDir, 'fleet-scenarios');
    mkdirSync(dir, { recursive: true });
    writeScenario(dir, catalog('e2e-fleet-a'));
    writeScenario(dir, catalog('e2e-fleet-b'));
    writeScenario(dir, catalog('e2e-fleet-c', 'no-such-deployment'));
    const r = await execa(
      process.execPath,
      [
        BIN,
        '--kubeconfig',
        env.kubeconfig,
        'run',
        dir,
        '--parallel',
        '3',
        '--report-dir',
        reportDir,
        '--output',
        'json',
      ],
      { reject: false, env: { NO_COLOR: '1' }, stdin: 'ignore' },
    );
    expect(r.exitCode, String(r.stderr)).to.equal(1);
    const summary = JSON.parse(String(r.stdout)) as FleetSummary;
    expect(summary.drills.map((d) => [d.scenario, d.verdict])).to.deep.equal([
      ['e2e-fleet-a', 'PASS'],
      ['e2e-fleet-b', 'PASS'],
      ['e2e-fleet-c', 'FAIL'],
    ]);
    expect(new Set(summary.drills.map((d) => d.drillId)).size).to.equal(3);
    for (const d of summary.drills) {
      const report = JSON.parse(readFileSync(join(d.folder!, 'report.json'), 'utf8'));
      expect(validateReport(report)).to.deep.equal([]);
      expect(report.restore.queuedSeconds).to.be.a('number');
      expect(d.veleroServer).to.equal(`${PRIMARY}/velero`);
    }
    // They ran at once: every drill started before the first one ended.
    const spans = summary.drills.map((d) => {
      const rep = JSON.parse(readFileSync(join(d.folder!, 'report.json'), 'utf8'));
      return [Date.parse(rep.startedAt), Date.parse(rep.phases.at(-1).endedAt)];
    });
    expect(Math.max(...spans.map((s) => s[0]!))).to.be.lessThan(Math.min(...spans.map((s) => s[1]!)));
    const md = readdirSync(reportDir).find((f) => f.startsWith(`fleet-`) && f.endsWith(`-${summary.fleetId}.md`));
    expect(md, 'fleet summary markdown').to.be.a('string');
    expect(readFileSync(join(reportDir, md!), 'utf8')).to.match(/\| e2e-fleet-c \| FAIL \|/);
    expect(existsSync(join(reportDir, md!.replace(/\.md$/, '.junit.xml')))).to.equal(true);
    expect(await leftovers()).to.deep.equal([]);
  });

  it('two concurrent starts of one scenario never both drill: the second ends ERROR (exit 3) before any write', async () => {
    const file = writeScenario(reportDir, catalog('e2e-fleet-lease'));
    const [a, b] = await Promise.all([
      finishDrill(startDrill(env, file, reportDir), reportDir, 'e2e-fleet-lease'),
      finishDrill(startDrill(env, file, reportDir), reportDir, 'e2e-fleet-lease'),
    ]);
    const runs = [a, b].sort((x, y) => x.exitCode - y.exitCode);
    expect(
      runs.map((x) => x.exitCode),
      `${a.stderr}\n---\n${b.stderr}`,
    ).to.deep.equal([0, 3]);
    expect(runs[1]!.stderr).to.match(
      /SCENARIO_LOCKED: scenario e2e-fleet-lease is already being drilled by drill [a-z0-9]{8} on /,
    );
    expect(runs[1]!.folder, 'the locked start wrote no report').to.equal(null);
    // The winner released its lease: a third start takes it at once.
    const lease = await kubectlJson(env, PRIMARY, ['-n', 'velero', 'get', 'lease', 'dr-drill-e2e-fleet-lease']);
    expect((lease as unknown as { spec: { holderIdentity?: string } }).spec.holderIdentity).to.equal(undefined);
    expect(await leftovers()).to.deep.equal([]);
  });
});
