import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportFolder } from '../../src/report/folder.js';
import { readHistory, renderHistory } from '../../src/report/history.js';
import { verifyReportFolder } from '../../src/evidence/verify-folder.js';
import { findPreviousReport, writeReportFolder } from '../../src/report/seal.js';
import { runCli } from '../support/run-cli.js';
import { aReport } from '../support/report-builder.js';
import { generateKeyPairSync } from 'node:crypto';
import { preparePublicKey, publicKeyFingerprint, signSums, type Signer } from '../../src/evidence/signing.js';
import type { TrustPolicy } from '../../src/evidence/signing.js';
import type { ReportBuilder } from '../support/report-builder.js';

const CI_KEY = generateKeyPairSync('ed25519');
const CI: Signer = {
  privateKey: CI_KEY.privateKey,
  record: {
    algorithm: 'ed25519',
    publicKeyPem: CI_KEY.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    publicKeySha256: publicKeyFingerprint(CI_KEY.publicKey),
  },
};
const trustCi = (): TrustPolicy => ({
  fingerprints: new Set([CI.record.publicKeySha256]),
  source: 'test',
  require: false,
});

function drill(
  dir: string,
  scenario: string,
  startedAt: string,
  drillId: string,
  tune: (b: ReportBuilder) => ReportBuilder = (b) => b,
  signer: Signer | null = null,
): string {
  const folder = reportFolder(dir, scenario, new Date(startedAt), drillId);
  const prev = findPreviousReport(dir, scenario, folder);
  const b = aReport().scenario(scenario).drillId(drillId).startedAt(startedAt);
  if (prev) b.previous(prev.drillId, prev.reportSha256);
  const report = tune(b).build();
  if (signer) report.evidence.signedBy = preparePublicKey(folder, signer);
  writeReportFolder(folder, report);
  if (signer) signSums(folder, signer);
  return folder;
}

/**
 * payments: pay00001 PASS signed by the CI key, pay00002 PASS unsigned (the newest PASS), pay00003 FAIL; shop: an
 * ERROR edited after sealing (broken) and a crashed drill.
 */
function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dr-drill-history-'));
  drill(dir, 'payments', '2026-01-01T02:00:00Z', 'pay00001', (b) => b, CI);
  drill(dir, 'payments', '2026-01-02T02:00:00Z', 'pay00002', (b) => b.rto(600));
  drill(dir, 'payments', '2026-01-03T02:00:00Z', 'pay00003', (b) => b.verdict('FAIL', 'RTO missed').rto(2400));
  const shop = drill(dir, 'shop', '2026-01-02T12:00:00Z', 'shop0001', (b) =>
    b.verdict('ERROR', 'unreachable').rto(null).rpo(null).backup({ name: null }),
  );
  writeFileSync(join(shop, 'report.md'), '# edited\n');
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

  it('marks each drill verified, self-consistent only or broken', () => {
    const h = readHistory(fixture(), { verify: (f) => verifyReportFolder(f, { trust: trustCi() }) });
    expect(h.drills.map((d) => [d.drillId, d.evidence])).to.deep.equal([
      ['crashed1', null],
      ['pay00003', 'self-consistent'],
      ['shop0001', 'broken'],
      ['pay00002', 'self-consistent'],
      ['pay00001', 'verified'],
    ]);
    expect(h.drills[2]!.evidenceProblems.join('\n')).to.match(/report\.md: SHA-256 does not match/);
  });

  it('the last verified restore is the newest PASS signed by a trusted key, not the newest PASS', () => {
    const h = readHistory(fixture(), { verify: (f) => verifyReportFolder(f, { trust: trustCi() }) });
    expect(h.lastVerifiedRestore.payments?.drillId).to.equal('pay00001');
    expect(h.lastPass.payments?.drillId).to.equal('pay00002');
    expect(h.lastVerifiedRestore.shop).to.equal(null);
  });

  it('without a trusted key no PASS is a verified restore, and history says none is authenticated', () => {
    const h = readHistory(fixture(), { verify: (f) => verifyReportFolder(f) });
    expect(h.lastVerifiedRestore.payments).to.equal(null);
    expect(renderHistory(h)).to.match(/payments: none authenticated \(newest PASS: drill pay00002, self-consistent;/);
  });

  it('filters by scenario', () => {
    const h = readHistory(fixture(), { scenario: 'shop' });
    expect(h.drills.map((d) => d.drillId)).to.deep.equal(['crashed1', 'shop0001']);
  });

  it('is empty for a report dir that does not exist', () => {
    expect(readHistory('/nonexistent/reports').drills).to.deep.equal([]);
  });

  it('renders aligned columns', () => {
    const text = renderHistory(readHistory(fixture(), { verify: (f) => verifyReportFolder(f, { trust: trustCi() }) }));
    const lines = text.split('\n');
    expect(lines[0]).to.match(
      /^DATE \(UTC\)\s+SCENARIO\s+DRILL\s+VERDICT\s+EVIDENCE\s+RTO\/OBJECTIVE\s+RPO\/OBJECTIVE\s+BACKUP$/,
    );
    expect(lines[2]).to.match(
      /^2026-01-03T02:00:00Z\s+payments\s+pay00003\s+FAIL\s+self-consistent\s+40m00s\/30m00s\s+2h00m\/1d2h\s+payments-daily/,
    );
    expect(lines[2]!.indexOf('pay00003')).to.equal(lines[0]!.indexOf('DRILL'));
    expect(text).to.contain('payments: 2026-01-01T02:00:00Z drill pay00001');
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
      name: 'history --public-key authenticates signed drills and leaves unsigned ones self-consistent',
      argv: (d) => {
        writeFileSync(join(d, 'ci.pub.pem'), CI.record.publicKeyPem);
        return ['report', 'history', '--report-dir', d, '--public-key', join(d, 'ci.pub.pem')];
      },
      code: 0,
      out: /pay00002\s+PASS\s+self-consistent[\s\S]*pay00001\s+PASS\s+verified[\s\S]*payments: 2026-01-01T02:00:00Z drill pay00001/,
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
