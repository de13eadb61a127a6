import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportFolder } from '../../src/report/folder.js';
import { readHistory, renderHistory } from '../../src/report/history.js';
import { writeReportFolder } from '../../src/report/seal.js';
import { runCli } from '../support/run-cli.js';
import { aReport } from '../support/report-builder.js';
import type { ReportBuilder } from '../support/report-builder.js';

function drill(
  dir: string,
  scenario: string,
  startedAt: string,
  drillId: string,
  tune: (b: ReportBuilder) => ReportBuilder = (b) => b,
): string {
  const folder = reportFolder(dir, scenario, new Date(startedAt), drillId);
  writeReportFolder(folder, tune(aReport().scenario(scenario).drillId(drillId).startedAt(startedAt)).build());
  return folder;
}

function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dr-drill-history-'));
  drill(dir, 'payments', '2026-01-01T02:00:00Z', 'pay00001');
  drill(dir, 'payments', '2026-01-03T02:00:00Z', 'pay00003', (b) => b.verdict('FAIL', 'RTO missed').rto(2400));
  drill(dir, 'payments', '2026-01-02T02:00:00Z', 'pay00002', (b) => b.rto(600));
  drill(dir, 'shop', '2026-01-02T12:00:00Z', 'shop0001', (b) =>
    b.verdict('ERROR', 'unreachable').rto(null).rpo(null).backup({ name: null }),
  );
  reportFolder(dir, 'shop', new Date('2026-01-04T00:00:00Z'), 'crashed1'); // a drill killed before sealing
  writeFileSync(join(dir, 'README.txt'), 'not a scenario');
  return dir;
}

/** Runs the CLI in-process and captures stdout. */
async function cli(argv: string[]): Promise<{ code: number; out: string }> {
  const r = await runCli(argv);
  return { code: r.code, out: r.stdout };
}

describe('report history', () => {
  it('lists drills newest first, crashed ones included', () => {
    const h = readHistory(fixture());
    expect(h.drills.map((d) => [d.scenario, d.drillId, d.verdict])).to.deep.equal([
      ['shop', 'crashed1', null],
      ['payments', 'pay00003', 'FAIL'],
      ['shop', 'shop0001', 'ERROR'],
      ['payments', 'pay00002', 'PASS'],
      ['payments', 'pay00001', 'PASS'],
    ]);
    expect(h.drills[0]!.problem).to.match(/no report.json/);
  });

  it('names the last verified restore per scenario', () => {
    const h = readHistory(fixture());
    expect(h.lastVerifiedRestore.payments?.drillId).to.equal('pay00002');
    expect(h.lastVerifiedRestore.shop).to.equal(null);
  });

  it('filters by scenario', () => {
    const h = readHistory(fixture(), { scenario: 'shop' });
    expect(h.drills.map((d) => d.drillId)).to.deep.equal(['crashed1', 'shop0001']);
  });

  it('is empty for a report dir that does not exist', () => {
    expect(readHistory('/nonexistent/reports').drills).to.deep.equal([]);
  });

  it('renders aligned columns', () => {
    const text = renderHistory(readHistory(fixture()));
    const lines = text.split('\n');
    expect(lines[0]).to.match(/^DATE \(UTC\)\s+SCENARIO\s+DRILL\s+VERDICT\s+RTO\/OBJECTIVE\s+RPO\/OBJECTIVE\s+BACKUP$/);
    expect(lines[2]).to.match(
      /^2026-01-03T02:00:00Z\s+payments\s+pay00003\s+FAIL\s+40m00s\/30m00s\s+2h00m\/1d2h\s+payments-daily/,
    );
    expect(lines[2]!.indexOf('pay00003')).to.equal(lines[0]!.indexOf('DRILL'));
    expect(text).to.contain('payments: 2026-01-02T02:00:00Z drill pay00002');
    expect(text).to.contain('shop: never passed');
  });
});

describe('report commands', () => {
  const cases: { name: string; argv: (dir: string) => string[]; code: number; out: RegExp }[] = [
    {
      name: 'history as JSON',
      argv: (d) => ['report', 'history', '--report-dir', d, '--output', 'json'],
      code: 0,
      out: /"drillId": "crashed1"/,
    },
    {
      name: 'history as text for one scenario',
      argv: (d) => ['report', 'history', '--report-dir', d, '--scenario', 'payments'],
      code: 0,
      out: /pay00003/,
    },
    {
      name: 'verify a good folder',
      argv: (d) => ['report', 'verify', join(d, 'payments', '20260101T020000Z-pay00001')],
      code: 0,
      out: /^SELF-CONSISTENT \(not authenticated\) /m,
    },
    {
      name: 'verify a crashed folder',
      argv: (d) => ['report', 'verify', join(d, 'shop', '20260104T000000Z-crashed1')],
      code: 1,
      out: /SHA256SUMS: missing/,
    },
    {
      name: 'verify as JSON',
      argv: (d) => ['report', 'verify', join(d, 'shop', '20260104T000000Z-crashed1'), '--output', 'json'],
      code: 1,
      out: /"ok": false/,
    },
    {
      name: 'verify a folder that does not exist',
      argv: (d) => ['report', 'verify', join(d, 'nope')],
      code: 2,
      out: /^$/,
    },
    { name: 'verify without a folder', argv: () => ['report', 'verify'], code: 2, out: /^$/ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const dir = fixture();
      const stderr = process.stderr.write.bind(process.stderr);
      process.stderr.write = (() => true) as typeof process.stderr.write;
      try {
        const { code, out } = await cli(c.argv(dir));
        expect(code, out).to.equal(c.code);
        expect(out).to.match(c.out);
      } finally {
        process.stderr.write = stderr;
      }
    });
  }
});
