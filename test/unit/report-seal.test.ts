import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportFolder } from '../../src/report/folder.js';
import { Journal } from '../../src/report/journal.js';
import { findPreviousReport, writeReportFolder } from '../../src/report/seal.js';
import { verifyReportFolder } from '../../src/evidence/verify-folder.js';
import type { Report } from '../../src/report/schema.js';
import { ManualClock } from '../../src/util/clock.js';
import { aReport } from '../support/report-builder.js';
import { sha256File } from '../../src/report/checksums.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'dr-drill-seal-'));

/** Runs a drill's report life cycle: folder, journal, chain, seal. */
function sealDrill(
  reportDir: string,
  startedAt: string,
  drillId: string,
  scenario = 'payments-nightly',
): { folder: string; report: Report } {
  const folder = reportFolder(reportDir, scenario, new Date(startedAt), drillId);
  const j = new Journal(folder, new ManualClock(new Date(startedAt)));
  j.append('drill-started', { drillId });
  const prev = findPreviousReport(reportDir, scenario, folder);
  const b = aReport().scenario(scenario).drillId(drillId).startedAt(startedAt);
  if (prev) b.previous(prev.drillId, prev.reportSha256);
  const report = b.build();
  // As run-drill seals: the journal's last entry is what verify compares report.json with.
  j.append('report-sealed', { drillId, verdict: report.verdict });
  j.close();
  return { folder, report: writeReportFolder(folder, report).report };
}

describe('seal', () => {
  it('writes the report files, then SHA256SUMS over all of them, journal included', () => {
    const dir = tmp();
    const folder = reportFolder(dir, 's', new Date('2026-01-01T00:00:00Z'), 'abcd1234');
    new Journal(folder, new ManualClock()).append('drill-started');
    let sumsExistedDuringHtml = true;
    const { sums } = writeReportFolder(folder, aReport().scenario('s').build(), {
      html: () => {
        sumsExistedDuringHtml = existsSync(join(folder, 'SHA256SUMS'));
        return '<!doctype html><title>r</title>';
      },
    });
    expect(sumsExistedDuringHtml).to.equal(false);
    expect(Object.keys(sums)).to.deep.equal(['journal.jsonl', 'junit.xml', 'report.html', 'report.json', 'report.md']);
    const text = readFileSync(join(folder, 'SHA256SUMS'), 'utf8');
    expect(text).to.match(/^[0-9a-f]{64} {2}journal\.jsonl\n/);
    expect(text).not.to.contain('SHA256SUMS');
  });

  it('is checkable with sha256sum -c (coreutils)', function () {
    const { folder } = sealDrill(tmp(), '2026-01-01T00:00:00Z', 'abcd1234');
    const res = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: folder, encoding: 'utf8' });
    expect(res.status, res.stdout + res.stderr).to.equal(0);
    expect(res.stdout).to.contain('report.json: OK');
  });

  it('refuses a report that breaks the schema, writing nothing', () => {
    const folder = reportFolder(tmp(), 's', new Date(), 'abcd1234');
    const bad = { ...aReport().build(), verdict: 'MAYBE' } as unknown as Report;
    expect(() => writeReportFolder(folder, bad)).to.throw(/REPORT_INVALID|schema/);
    expect(existsSync(join(folder, 'report.json'))).to.equal(false);
  });

  it('redacts secrets before writing', () => {
    const folder = reportFolder(tmp(), 's', new Date(), 'abcd1234');
    writeReportFolder(folder, aReport().verdict('ERROR', 'list failed: AccountKey=hunter2hunter2;').build());
    for (const f of ['report.json', 'report.md', 'junit.xml'])
      expect(readFileSync(join(folder, f), 'utf8')).not.to.contain('hunter2');
  });

  it('chains each drill to the previous sealed one of the same scenario', () => {
    const dir = tmp();
    const a = sealDrill(dir, '2026-01-01T00:00:00Z', 'aaaaaaaa');
    sealDrill(dir, '2026-01-01T12:00:00Z', 'oooooooo', 'other');
    // A crashed drill (journal, no report.json) is passed over.
    reportFolder(dir, 'payments-nightly', new Date('2026-01-01T06:00:00Z'), 'crashed1');
    const b = sealDrill(dir, '2026-01-02T00:00:00Z', 'bbbbbbbb');
    expect(a.report.evidence).to.deep.include({ previousReportSha256: null, previousDrillId: null });
    expect(b.report.evidence).to.deep.include({
      previousDrillId: 'aaaaaaaa',
      previousReportSha256: sha256File(join(a.folder, 'report.json')),
    });
    expect(findPreviousReport(dir, 'payments-nightly', a.folder)).to.equal(null);
  });
});

describe('report verify', () => {
  function chain() {
    const dir = tmp();
    const a = sealDrill(dir, '2026-01-01T00:00:00Z', 'aaaaaaaa');
    const b = sealDrill(dir, '2026-01-02T00:00:00Z', 'bbbbbbbb');
    return { dir, a: a.folder, b: b.folder };
  }

  it('accepts an untouched, chained folder', () => {
    const { b } = chain();
    const res = verifyReportFolder(b);
    expect(res.problems).to.deep.equal([]);
    expect(res.ok).to.equal(true);
    expect(res.verifiedFiles).to.include.members(['report.json', 'journal.jsonl']);
    expect(res.notes.join()).to.contain('chained to 20260101T000000Z-aaaaaaaa');
  });

  const tampering: { name: string; tamper: (f: { a: string; b: string }) => void; file: string; message: RegExp }[] = [
    {
      name: 'an edited report.json',
      file: 'report.json',
      message: /does not match/,
      tamper: ({ b }) =>
        writeFileSync(join(b, 'report.json'), readFileSync(join(b, 'report.json'), 'utf8').replace('"PASS"', '"FAIL"')),
    },
    { name: 'a removed file', file: 'junit.xml', message: /missing/, tamper: ({ b }) => rmSync(join(b, 'junit.xml')) },
    {
      name: 'an added file',
      file: 'extra.txt',
      message: /not listed/,
      tamper: ({ b }) => writeFileSync(join(b, 'extra.txt'), 'x'),
    },
    {
      name: 'a missing SHA256SUMS',
      file: 'SHA256SUMS',
      message: /missing/,
      tamper: ({ b }) => rmSync(join(b, 'SHA256SUMS')),
    },
    {
      name: 'a garbled SHA256SUMS line',
      file: 'SHA256SUMS',
      message: /line 1/,
      tamper: ({ b }) =>
        writeFileSync(join(b, 'SHA256SUMS'), 'nonsense\n' + readFileSync(join(b, 'SHA256SUMS'), 'utf8')),
    },
    {
      name: 'an edited previous report (broken chain)',
      file: 'evidence.previousReportSha256',
      message: /does not match 20260101T000000Z-aaaaaaaa/,
      tamper: ({ a }) => writeFileSync(join(a, 'report.json'), readFileSync(join(a, 'report.json'), 'utf8') + ' '),
    },
    {
      name: 'a removed previous folder',
      file: 'evidence.previousDrillId',
      message: /aaaaaaaa has no folder/,
      tamper: ({ a }) => rmSync(a, { recursive: true }),
    },
  ];
  for (const c of tampering) {
    it(`detects ${c.name}`, () => {
      const f = chain();
      c.tamper(f);
      const res = verifyReportFolder(f.b);
      expect(res.ok).to.equal(false);
      const hit = res.problems.find((p) => p.file === c.file);
      expect(hit, JSON.stringify(res.problems)).to.not.equal(undefined);
      expect(hit!.message).to.match(c.message);
    });
  }

  it('reports a report.json that breaks the schema even when re-sealed', () => {
    const { b } = chain();
    const r = JSON.parse(readFileSync(join(b, 'report.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(b, 'report.json'), JSON.stringify({ ...r, verdict: 'MAYBE' }));
    writeFileSync(
      join(b, 'SHA256SUMS'),
      readFileSync(join(b, 'SHA256SUMS'), 'utf8').replace(
        /^\S+(?= {2}report\.json$)/m,
        sha256File(join(b, 'report.json')),
      ),
    );
    const res = verifyReportFolder(b);
    expect(res.ok).to.equal(false);
    expect(res.problems.every((p) => p.file === 'report.json' && p.message.startsWith('schema: /verdict'))).to.equal(
      true,
    );
  });

  it('throws an input error for a folder that does not exist', () => {
    expect(() => verifyReportFolder(join(tmp(), 'nope')))
      .to.throw(/no report folder/)
      .with.property('category', 'input');
  });
});
