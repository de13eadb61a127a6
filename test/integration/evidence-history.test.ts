/**
 * History and the evidence chain from the evidence container (Azurite): a CI runner has no report dir of its own,
 * so `report history --container` reads the uploaded drills, and a drill that uploads links its report to the
 * newest uploaded one of its scenario.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import { reportFolder } from '../../src/report/folder.js';
import { writeReportFolder } from '../../src/report/seal.js';
import { verifyReportFolder } from '../../src/evidence/verify-folder.js';
import {
  findPreviousUploaded,
  readUploadedHistory,
  uploadReportFolder,
  verifyUploadedReport,
} from '../../src/evidence/index.js';
import type { Report } from '../../src/report/schema.js';
import { aReport } from '../support/report-builder.js';
import { azuriteConnectionString, newTestContainer } from '../support/azurite.js';
import { runCli } from '../support/run-cli.js';

const NOW = new Date('2026-03-05T03:00:00Z');

describe('evidence: history and the chain from the evidence container (Azurite)', () => {
  let dir: string;
  let evidence: ContainerClient;

  /** Seals a drill folder in its own throwaway report dir (as a CI runner does) and uploads it. */
  async function uploaded(
    scenario: string,
    startedAt: string,
    drillId: string,
    verdict: 'PASS' | 'FAIL',
    rto: number,
    previous?: { drillId: string; sha: string },
  ): Promise<string> {
    const runnerDir = mkdtempSync(join(dir, 'runner-'));
    const folder = reportFolder(runnerDir, scenario, new Date(startedAt), drillId);
    const b = aReport()
      .scenario(scenario)
      .drillId(drillId)
      .startedAt(startedAt)
      .verdict(verdict, ...(verdict === 'FAIL' ? ['RTO missed'] : []))
      .rto(rto);
    const report = b.build() as Report;
    report.evidence = previous
      ? {
          previousReportSha256: previous.sha,
          previousDrillId: previous.drillId,
          previousFrom: 'evidence-container',
          signedBy: null,
          chainStart: null,
          ranBy: null,
          trend: null,
        }
      : {
          previousReportSha256: null,
          previousDrillId: null,
          previousFrom: null,
          signedBy: null,
          chainStart: null,
          ranBy: null,
          trend: null,
        };
    writeReportFolder(folder, report);
    await uploadReportFolder(folder, {
      container: evidence,
      prefix: 'drills',
      scenario,
      verdict,
      drillId,
      immutableForMs: 0,
      now: NOW,
    });
    return folder;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dr-drill-history-'));
    evidence = await newTestContainer('history');
    await uploaded('shop-nightly', '2026-03-01T02:00:00Z', 'aaaa0001', 'PASS', 300);
    await uploaded('shop-nightly', '2026-03-02T02:00:00Z', 'aaaa0002', 'PASS', 420);
    await uploaded('shop-nightly', '2026-03-03T02:00:00Z', 'aaaa0003', 'FAIL', 2400);
    await uploaded('payments', '2026-03-02T05:00:00Z', 'bbbb0001', 'PASS', 600);
    // A blob that is not a drill folder is ignored.
    await evidence.getBlockBlobClient('drills/README.txt').upload('x', 1);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the uploaded drills newest first, with the last verified restore and the RTO trend', async () => {
    const h = await readUploadedHistory(evidence, 'drills');
    expect(h.drills.map((d) => `${d.scenario}/${d.drillId}/${d.verdict}`)).to.deep.equal([
      'shop-nightly/aaaa0003/FAIL',
      'payments/bbbb0001/PASS',
      'shop-nightly/aaaa0002/PASS',
      'shop-nightly/aaaa0001/PASS',
    ]);
    // Nothing here is signed: the newest PASS is listed, but no restore is verified.
    expect(h.lastPass['shop-nightly']?.drillId).to.equal('aaaa0002');
    expect(h.lastVerifiedRestore['shop-nightly']).to.equal(null);
    expect(h.reportDir).to.match(/\/drills$/);
    const d = h.drills.find((x) => x.drillId === 'aaaa0002')!;
    expect(d.folder).to.match(/\/drills\/shop-nightly\/20260302T020000Z-aaaa0002$/);
    const bytes = await evidence
      .getBlobClient('drills/shop-nightly/20260302T020000Z-aaaa0002/report.json')
      .downloadToBuffer();
    expect(d.reportSha256).to.equal(createHash('sha256').update(bytes).digest('hex'));
    const trend = h.trends.find((t) => t.scenario === 'shop-nightly')!;
    expect(trend.warning, trend.summary).to.be.a('string');
  });

  it('filters by scenario and --since', async () => {
    const h = await readUploadedHistory(evidence, 'drills', {
      scenario: 'shop-nightly',
      since: new Date('2026-03-02T00:00:00Z'),
    });
    expect(h.drills.map((d) => d.drillId)).to.deep.equal(['aaaa0003', 'aaaa0002']);
  });

  it('report history --container prints it through the CLI', async () => {
    const r = await runCli([
      'report',
      'history',
      '--container',
      evidence.containerName,
      '--prefix',
      'drills',
      '--connection-string',
      azuriteConnectionString(),
      '--scenario',
      'payments',
    ]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout)
      .to.match(/bbbb0001\s+PASS\s+self-consistent/)
      .and.contain('payments: none authenticated (newest PASS: drill bbbb0001, self-consistent;');
    expect(r.stdout).to.not.contain('aaaa000');
    expect(r.stdout + r.stderr).to.not.contain('AccountKey');
  });

  it('finds the previous uploaded drill for the chain; a report linked that way verifies locally with a note and fully as the uploaded copy', async () => {
    const prev = await findPreviousUploaded(evidence, 'drills', 'shop-nightly', '20260304T020000Z-aaaa0004');
    expect(prev?.drillId).to.equal('aaaa0003');
    expect(await findPreviousUploaded(evidence, 'drills', 'shop-nightly', '20260301T020000Z-aaaa0000')).to.equal(null);
    expect(await findPreviousUploaded(evidence, 'drills', 'nothing-here', '20260304T020000Z-aaaa0004')).to.equal(null);

    const folder = await uploaded('shop-nightly', '2026-03-04T02:00:00Z', 'aaaa0004', 'PASS', 350, {
      drillId: prev!.drillId,
      sha: prev!.reportSha256,
    });
    const local = verifyReportFolder(folder);
    expect(local.ok, JSON.stringify(local.problems)).to.equal(true);
    expect(local.notes.join('\n')).to.contain('linked from the evidence container');
    const remote = await verifyUploadedReport(evidence, `shop-nightly/${basename(folder)}`, { prefix: 'drills' });
    expect(remote.ok, JSON.stringify(remote.problems)).to.equal(true);
    expect(remote.notes.join('\n')).to.contain('chained to 20260303T020000Z-aaaa0003');
    expect(JSON.parse(readFileSync(join(folder, 'report.json'), 'utf8')).evidence.previousFrom).to.equal(
      'evidence-container',
    );
  });
});
