import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportFolder } from '../../src/report/folder.js';
import { readHistory } from '../../src/report/history.js';
import { complianceSummary, renderHistoryMarkdown, NO_CONTROL } from '../../src/report/compliance.js';
import { rtoTrend } from '../../src/report/trend.js';
import { writeReportFolder } from '../../src/report/seal.js';
import { runCli } from '../support/run-cli.js';
import { aReport, type ReportBuilder } from '../support/report-builder.js';

function drill(
  dir: string,
  scenario: string,
  day: number,
  drillId: string,
  tune: (b: ReportBuilder) => ReportBuilder = (b) => b,
): string {
  const startedAt = `2026-02-${String(day).padStart(2, '0')}T02:00:00Z`;
  const folder = reportFolder(dir, scenario, new Date(startedAt), drillId);
  const b = tune(aReport().scenario(scenario).drillId(drillId).startedAt(startedAt));
  const r = b.build();
  r.scenario.controls =
    scenario === 'payments' ? ['ISO27001:A.8.13', 'SOC2:A1.3'] : scenario === 'shop' ? ['ISO27001:A.8.13'] : [];
  writeReportFolder(folder, r);
  return folder;
}

/** payments: RTO 300 → 420 s over five drills (+40%); shop: flat; legacy: a scenario naming no control. */
function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dr-drill-trend-'));
  [300, 320, 330, 400, 420].forEach((rto, i) => drill(dir, 'payments', i + 1, `pay0000${i + 1}`, (b) => b.rto(rto)));
  drill(dir, 'shop', 2, 'shop0001', (b) => b.rto(600));
  drill(dir, 'shop', 4, 'shop0002', (b) => b.verdict('FAIL', 'RTO missed').rto(2400));
  drill(dir, 'shop', 5, 'shop0003', (b) => b.rto(610));
  drill(dir, 'legacy', 3, 'leg00001');
  return dir;
}

describe('RTO trend', () => {
  const d = (n: number, rto: number | null) => ({
    scenario: 's',
    drillId: `d${n}`,
    startedAt: `2026-01-0${n}T00:00:00Z`,
    rtoAchievedSeconds: rto,
    rtoObjectiveSeconds: 1800,
  });
  const cases = [
    {
      name: 'warns when RTO grew past the threshold',
      drills: [d(1, 100), d(2, 110), d(3, 130)],
      window: 5,
      threshold: 20,
      change: 30,
      warn: true,
    },
    {
      name: 'is quiet within the threshold',
      drills: [d(1, 100), d(2, 90), d(3, 115)],
      window: 5,
      threshold: 20,
      change: 15,
      warn: false,
    },
    {
      name: 'looks only at the last N drills',
      drills: [d(1, 10), d(2, 100), d(3, 105)],
      window: 2,
      threshold: 20,
      change: 5,
      warn: false,
    },
    {
      name: 'skips drills without a measured RTO',
      drills: [d(1, 100), d(2, null), d(3, 200)],
      window: 2,
      threshold: 20,
      change: 100,
      warn: true,
    },
    {
      name: 'has no trend with a single drill',
      drills: [d(1, 100)],
      window: 5,
      threshold: 20,
      change: null,
      warn: false,
    },
    {
      name: 'orders by start time whatever the input order',
      drills: [d(3, 100), d(1, 200)],
      window: 5,
      threshold: 20,
      change: -50,
      warn: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const t = rtoTrend('s', c.drills, { window: c.window, thresholdPercent: c.threshold });
      expect(t.changePercent).to.equal(c.change);
      expect(t.warning !== null).to.equal(c.warn);
    });
  }
});

describe('history with trends, --since and compliance', () => {
  it('reads controls and report hashes, and a trend per scenario', () => {
    const dir = fixture();
    const h = readHistory(dir);
    const first = h.drills.find((x) => x.drillId === 'pay00001')!;
    expect(first.controls).to.deep.equal(['ISO27001:A.8.13', 'SOC2:A1.3']);
    expect(first.reportSha256).to.equal(
      createHash('sha256')
        .update(readFileSync(join(first.folder, 'report.json')))
        .digest('hex'),
    );
    const pay = h.trends.find((t) => t.scenario === 'payments')!;
    expect(pay.changePercent).to.equal(40);
    expect(pay.warning).to.match(/grew by 40%/);
    expect(h.trends.find((t) => t.scenario === 'shop')!.warning).to.equal(null);
  });

  it('filters by --since', () => {
    const h = readHistory(fixture(), { since: new Date('2026-02-04T00:00:00Z') });
    expect(h.drills.map((x) => x.drillId)).to.deep.equal(['pay00005', 'shop0003', 'pay00004', 'shop0002']);
    expect(h.since).to.equal('2026-02-04T00:00:00.000Z');
  });

  it('groups drills by control, with pass rate and last verified restore', () => {
    const s = complianceSummary(readHistory(fixture()));
    expect(s.map((c) => [c.control, c.drills, c.passed])).to.deep.equal([
      ['ISO27001:A.8.13', 8, 7],
      ['SOC2:A1.3', 5, 5],
      [NO_CONTROL, 1, 1],
    ]);
    const shop = s[0]!.scenarios.find((x) => x.scenario === 'shop')!;
    // None of these drills is signed: a PASS nobody can authenticate is never a verified restore.
    expect(shop.passed).to.equal(2);
    expect(shop.lastVerifiedRestore).to.equal(null);
    expect(shop.rtoMet).to.equal(2);
  });

  it('renders the compliance Markdown with evidence hashes', () => {
    const h = readHistory(fixture(), { since: new Date('2026-02-04T00:00:00Z') });
    const md = renderHistoryMarkdown(h, new Date('2026-03-01T00:00:00Z'));
    expect(md).to.contain('- Period: 2026-02-04T00:00:00Z to 2026-03-01T00:00:00Z');
    expect(md).to.contain('## ISO27001:A.8.13');
    expect(md).to.contain(
      '| shop | 2 | 50% | **none authenticated** (PASS drills are not signed by a trusted key) | 1/2 | 2/2 |',
    );
    expect(md).to.match(
      /\| 2026-02-04T02:00:00Z \| shop \| `shop0002` \| FAIL \| — \| 40m00s \/ 30m00s \(missed\) \| .* \| `[0-9a-f]{64}` \|/,
    );
    expect(md).not.to.contain('leg00001');
  });
});

describe('report history command (trends, markdown, since)', () => {
  const cases: { name: string; argv: (d: string) => string[]; code: number; out?: RegExp; err?: RegExp }[] = [
    {
      name: 'text shows the trend and warns on stderr',
      argv: (d) => ['report', 'history', '--report-dir', d],
      code: 0,
      out: /WARNING payments: RTO 5m00s → 7m00s over 5 drills \(\+40%\)/,
      err: /warning: RTO of payments grew by 40%/,
    },
    {
      name: 'a higher threshold silences the warning',
      argv: (d) => ['report', 'history', '--report-dir', d, '--trend-threshold', '50'],
      code: 0,
      out: /^ {2}payments: RTO/m,
    },
    {
      name: 'a shorter window',
      argv: (d) => ['report', 'history', '--report-dir', d, '--trend-window', '2'],
      code: 0,
      out: /payments: RTO 6m40s → 7m00s over 2 drills \(\+5%\)/,
    },
    {
      name: 'markdown is the compliance summary',
      argv: (d) => ['report', 'history', '--report-dir', d, '--output', 'markdown', '--since', '2026-02-04'],
      code: 0,
      out: /## SOC2:A1\.3/,
    },
    {
      name: 'json carries trends',
      argv: (d) => ['report', 'history', '--report-dir', d, '--output', 'json'],
      code: 0,
      out: /"changePercent": 40/,
    },
    {
      name: 'a bad --since is an input error',
      argv: (d) => ['report', 'history', '--report-dir', d, '--since', 'yesterday'],
      code: 2,
      err: /BAD_SINCE/,
    },
    {
      name: 'a bad --output is an input error',
      argv: (d) => ['report', 'history', '--report-dir', d, '--output', 'xml'],
      code: 2,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await runCli(c.argv(fixture()));
      expect(r.code, r.stderr).to.equal(c.code);
      if (c.out) expect(r.stdout).to.match(c.out);
      if (c.err) expect(r.stderr).to.match(c.err);
    });
  }
});
