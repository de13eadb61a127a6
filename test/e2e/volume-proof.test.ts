/**
 * e2e: no PASS without proof of volume data (issue #12). The shipped local demo backs up `shop` (a StatefulSet
 * with a claim and an emptyDir) with file-system backup; here its backup opts out (defaultVolumesToFsBackup:
 * false), so Velero skips the volumes' data and says why in its volume info. Restored, the claim binds a new
 * volume and the database is Ready: only the volume proof can tell. Each case is one cross-cluster drill through
 * the CLI. The shipped demo itself (PASS with its bytes restored, its uncertainty) is drills.test.ts case a.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ensureLocalEnv, type E2eEnv } from './support/env.js';
import { ensureBuilt, ROOT, runDrillCli, tempDir } from './support/drill.js';
import { validateReport } from '../../src/report/validate-report.js';

let env: E2eEnv;
let reportDir: string;

/** scenarios/local-demo.yaml under another name, with its `spec` changed by `edit`. */
function demo(name: string, edit: (spec: DemoSpec) => void = () => undefined): object {
  const s = parse(readFileSync(join(ROOT, 'scenarios', 'local-demo.yaml'), 'utf8')) as {
    metadata: { name: string };
    spec: DemoSpec;
  };
  s.metadata.name = name;
  delete s.spec.report;
  edit(s.spec);
  return s;
}

interface DemoSpec {
  backup: { create: Record<string, unknown> };
  restore: Record<string, unknown>;
  probes: Array<{ name: string }>;
  report?: unknown;
}

describe('e2e: volume data proof (restore.volumes) and the negative control of the local demo', function () {
  this.timeout(15 * 60_000);

  before(async function () {
    env = await ensureLocalEnv();
    reportDir = tempDir('volumes');
    await ensureBuilt();
  });

  it('a backup without volume data of a namespace with a claim: FAIL "volume data not restored", though every probe passed', async () => {
    const run = await runDrillCli(
      env,
      demo('e2e-volumes-checked', (spec) => {
        spec.backup.create.defaultVolumesToFsBackup = false;
        // The checksum probe would fail too (the restored volume is empty): the volume proof alone must tell.
        spec.probes = spec.probes.filter((p) => !['data-intact', 'db-answers'].includes(p.name));
      }),
      reportDir,
    );
    const r = run.report!;
    expect(validateReport(r)).to.deep.equal([]);
    expect(run.exitCode, run.stderr).to.equal(1);
    expect(r.verdict).to.equal('FAIL');
    expect(r.restore.volumeData).to.equal('checked');
    expect(r.reasons).to.have.length(1);
    expect(r.reasons[0]).to.match(/^volume data not restored: shop\/data-db-0 \(never in the backup: .+\)$/);
    expect(r.restore.volumes).to.have.length(1);
    expect(r.restore.volumes![0]).to.include({ pvc: 'data-db-0', backupMethod: 'none', dataRestored: false });
    expect(
      r.probes.every((p) => p.outcome === 'passed'),
      'readiness alone would have passed',
    ).to.equal(true);
    process.stderr.write(`      volumes: ${r.reasons[0]}\n`);
  });

  it('its negative control is conclusive: only the planted canary marker is missing, exit 0', async () => {
    const run = await runDrillCli(env, demo('e2e-volumes-negative'), reportDir, ['--negative-control']);
    const r = run.report!;
    expect(run.exitCode, `${run.stderr}\n${r?.reasons.join('\n')}`).to.equal(0);
    expect(r.verdict).to.equal('FAIL');
    expect(r.negativeControlResult).to.include({ conclusive: true, probe: 'canary' });
    expect(r.reasons).to.have.length(1);
    expect(r.reasons[0]).to.match(/^critical probe canary failed: .*canary not found: no marker negative-control-/);
    expect(run.stderr).to.contain('negative control: FAIL as required, only because');
  });
});
