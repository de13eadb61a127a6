/**
 * The forgeries of issue #13, each made the way an attacker with write access to the folder would, and each
 * reported by `report verify` with a reason; an untrusted signature is never called verified.
 */
import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { reportFolder } from '../../src/report/folder.js';
import { findPreviousReport, writeReportFolder } from '../../src/report/seal.js';
import { verifyReportFolder } from '../../src/evidence/verify-folder.js';
import { preparePublicKey, signSums, type Signer } from '../../src/evidence/index.js';
import { publicKeyFingerprint } from '../../src/evidence/signing.js';
import { trustPolicy } from '../../src/evidence/trust.js';
import { Journal } from '../../src/report/journal.js';
import { ManualClock } from '../../src/util/clock.js';
import { formatSums, sha256File, SUMS_FILE } from '../../src/report/checksums.js';
import { aReport } from '../support/report-builder.js';
import { runCli } from '../support/run-cli.js';
import { runSecrets } from '../../src/util/secrets.js';

function signer(): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey,
    record: {
      algorithm: 'ed25519',
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      publicKeySha256: publicKeyFingerprint(publicKey),
    },
  };
}

/** A drill folder sealed as run-drill does: journal, public key, report files, SHA256SUMS, signature. */
function drill(dir: string, startedAt: string, drillId: string, key: Signer | null, verdict: 'PASS' | 'FAIL' = 'FAIL') {
  const folder = reportFolder(dir, 'payments-nightly', new Date(startedAt), drillId);
  const prev = findPreviousReport(dir, 'payments-nightly', folder);
  const report = aReport()
    .scenario('payments-nightly')
    .drillId(drillId)
    .startedAt(startedAt)
    .verdict(verdict, ...(verdict === 'FAIL' ? ['RTO missed'] : []))
    .build();
  report.evidence = {
    previousReportSha256: prev?.reportSha256 ?? null,
    previousDrillId: prev?.drillId ?? null,
    previousFrom: prev ? 'report-dir' : null,
    signedBy: key ? preparePublicKey(folder, key) : null,
    chainStart: null,
    ranBy: null,
    trend: null,
  };
  const j = new Journal(folder, new ManualClock(), { fsync: false });
  j.append('report-sealed', {
    drillId,
    verdict: report.verdict,
    rtoAchievedSeconds: report.rto.achievedSeconds,
    rpoAchievedSeconds: report.rpo.achievedSeconds,
    previousDrillId: report.evidence.previousDrillId,
    previousReportSha256: report.evidence.previousReportSha256,
  });
  j.close();
  writeReportFolder(folder, report);
  if (key) signSums(folder, key);
  return folder;
}

/** What a forger does after editing: recompute SHA256SUMS over the folder (and re-sign with their own key). */
function reseal(folder: string, key: Signer | null): void {
  const sums: Record<string, string> = {};
  for (const f of readdirSync(folder))
    if (f !== SUMS_FILE && f !== 'SHA256SUMS.sig') sums[f] = sha256File(join(folder, f));
  writeFileSync(join(folder, SUMS_FILE), formatSums(sums));
  if (key) signSums(folder, key);
}

function editJson(folder: string, edit: (r: Record<string, any>) => void): void {
  const path = join(folder, 'report.json');
  const r = JSON.parse(readFileSync(path, 'utf8'));
  edit(r);
  writeFileSync(path, JSON.stringify(r, null, 2) + '\n');
}

describe('report verify against forgeries', () => {
  let dir: string;
  let ci: Signer;
  let trustedFile: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dr-drill-forge-'));
    ci = signer();
    trustedFile = join(mkdtempSync(join(tmpdir(), 'dr-drill-trust-')), 'trusted-keys');
    writeFileSync(trustedFile, `# CI drill key\nsha256:${ci.record.publicKeySha256}\n`);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const trust = (require = false) => trustPolicy({ trustedKeys: trustedFile, requireSignature: require }, {});

  it('an untouched folder signed by the trusted key is verified; without a trusted key only self-consistent', () => {
    const f = drill(dir, '2026-03-01T02:00:00Z', 'aaaa0001', ci);
    const v = verifyReportFolder(f, { trust: trust(true) });
    expect(v.problems).to.deep.equal([]);
    expect(v.status).to.equal('verified');
    const s = verifyReportFolder(f);
    expect(s.status).to.equal('self-consistent');
    expect(s.authenticated).to.equal(false);
    expect(s.notes.join('\n')).to.match(/not authenticated/);
  });

  it('FAIL→PASS with SHA256SUMS recomputed: report.md, junit.xml and the journal disagree', () => {
    const f = drill(dir, '2026-03-01T02:00:00Z', 'aaaa0001', null);
    editJson(f, (r) => {
      r.verdict = 'PASS';
      r.reasons = [];
    });
    reseal(f, null);
    const v = verifyReportFolder(f);
    expect(v.status).to.equal('broken');
    const text = v.problems.map((p) => `${p.file}: ${p.message}`).join('\n');
    expect(text).to.match(/report\.md: differs from report\.json rendered again/);
    expect(text).to.match(/junit\.xml: differs/);
    expect(text).to.match(/verdict "PASS" disagrees with the journal's final entry \("FAIL"\)/);
  });

  it('re-signed with the forger own key: never verified; with --require-signature a problem', () => {
    const f = drill(dir, '2026-03-01T02:00:00Z', 'aaaa0001', ci);
    const forger = signer();
    writeFileSync(join(f, 'signing-key.pub.pem'), forger.record.publicKeyPem);
    editJson(f, (r) => (r.evidence.signedBy = forger.record));
    reseal(f, forger);
    const lax = verifyReportFolder(f, { trust: trust(false) });
    expect(lax.status).not.to.equal('verified');
    expect(lax.authenticated).to.equal(false);
    const strict = verifyReportFolder(f, { trust: trust(true) });
    expect(strict.status).to.equal('broken');
    expect(strict.problems.map((p) => p.message).join('\n')).to.match(/not a trusted key/);
  });

  it('--require-signature fails an unsigned folder', () => {
    const f = drill(dir, '2026-03-01T02:00:00Z', 'aaaa0001', null);
    const v = verifyReportFolder(f, { trust: trust(true) });
    expect(v.status).to.equal('broken');
    expect(v.problems.map((p) => p.message).join('\n')).to.match(
      /not signed, and a signature by a trusted key is required/,
    );
  });

  it('a null link with older folders beside it is a false "first drill" claim', () => {
    drill(dir, '2026-03-01T02:00:00Z', 'aaaa0001', null);
    const second = drill(dir, '2026-03-02T02:00:00Z', 'aaaa0002', null);
    editJson(second, (r) => {
      r.evidence.previousReportSha256 = null;
      r.evidence.previousDrillId = null;
    });
    reseal(second, null);
    const v = verifyReportFolder(second);
    expect(v.problems.map((p) => p.message).join('\n')).to.match(/claims to be the first drill.*1 older sealed drill/);
  });

  it('a middle drill deleted: the next drill names a previous folder that is gone', () => {
    drill(dir, '2026-03-01T02:00:00Z', 'aaaa0001', null);
    const middle = drill(dir, '2026-03-02T02:00:00Z', 'aaaa0002', null);
    const third = drill(dir, '2026-03-03T02:00:00Z', 'aaaa0003', null);
    rmSync(middle, { recursive: true });
    const v = verifyReportFolder(third);
    expect(v.status).to.equal('broken');
    expect(v.problems.map((p) => `${p.file}: ${p.message}`).join('\n')).to.match(
      /evidence\.previousDrillId: the previous drill aaaa0002 has no folder/,
    );
  });

  it('a middle drill deleted and the next relinked (report.json edited, sums recomputed): report.md and the journal disagree', () => {
    const first = drill(dir, '2026-03-01T02:00:00Z', 'aaaa0001', null);
    const middle = drill(dir, '2026-03-02T02:00:00Z', 'aaaa0002', null);
    const third = drill(dir, '2026-03-03T02:00:00Z', 'aaaa0003', null);
    rmSync(middle, { recursive: true });
    editJson(third, (r) => {
      r.evidence.previousDrillId = 'aaaa0001';
      r.evidence.previousReportSha256 = sha256File(join(first, 'report.json'));
    });
    reseal(third, null);
    const v = verifyReportFolder(third);
    expect(v.status).to.equal('broken');
    const text = v.problems.map((p) => `${p.file}: ${p.message}`).join('\n');
    expect(text).to.match(/report\.md: differs from report\.json rendered again/);
    expect(text).to.match(
      /evidence\.previousDrillId "aaaa0001" disagrees with the journal's final entry \("aaaa0002"\)/,
    );
  });

  it('a whole folder rewritten consistently (re-rendered, journal rewritten, re-signed by the forger) is never verified', () => {
    drill(dir, '2026-03-01T02:00:00Z', 'aaaa0001', ci);
    const f = drill(dir, '2026-03-02T02:00:00Z', 'aaaa0002', ci);
    const forger = signer();
    const report = JSON.parse(readFileSync(join(f, 'report.json'), 'utf8'));
    report.verdict = 'PASS';
    report.reasons = [];
    for (const name of readdirSync(f)) rmSync(join(f, name));
    report.evidence.signedBy = preparePublicKey(f, forger);
    const j = new Journal(f, new ManualClock(), { fsync: false });
    j.append('report-sealed', {
      drillId: report.drillId,
      verdict: 'PASS',
      rtoAchievedSeconds: report.rto.achievedSeconds,
      rpoAchievedSeconds: report.rpo.achievedSeconds,
      previousDrillId: report.evidence.previousDrillId,
      previousReportSha256: report.evidence.previousReportSha256,
    });
    j.close();
    writeReportFolder(f, report);
    signSums(f, forger);
    // What the folder alone can say: it is consistent. What it can never say: that the CI key signed it.
    const alone = verifyReportFolder(f);
    expect(alone.problems).to.deep.equal([]);
    expect(alone.status).to.equal('self-consistent');
    expect(alone.assumption).to.match(/proves nothing against someone who could write the folder/);
    expect(verifyReportFolder(f, { trust: trust(false) }).status).to.equal('self-consistent');
    const strict = verifyReportFolder(f, { trust: trust(true) });
    expect(strict.status).to.equal('broken');
    expect(strict.problems.map((p) => p.message).join('\n')).to.match(
      new RegExp(`signed with key sha256:${forger.record.publicKeySha256}, which is not a trusted key`),
    );
  });

  it('a folder copied under another scenario or time is reported', () => {
    const f = drill(dir, '2026-03-01T02:00:00Z', 'aaaa0001', ci);
    const other = join(dir, 'shop-nightly');
    mkdirSync(other);
    cpSync(f, join(other, basename(f)), { recursive: true });
    const copied = verifyReportFolder(join(other, basename(f)));
    expect(copied.problems.map((p) => p.message).join('\n')).to.match(/copied under another scenario/);
    const moved = join(dir, 'payments-nightly', `20260401T020000Z-aaaa0001`);
    renameSync(f, moved);
    expect(
      verifyReportFolder(moved)
        .problems.map((p) => p.message)
        .join('\n'),
    ).to.match(/does not match the folder name's time/);
  });

  it('an untouched folder re-renders identically from report.json', () => {
    const f = drill(dir, '2026-03-01T02:00:00Z', 'aaaa0001', null);
    const v = verifyReportFolder(f);
    expect(v.notes.join('\n')).to.match(/re-rendered from report\.json: identical/);
  });

  describe('report verify (CLI): what was proven, in words, and the exit code', () => {
    let saved: string | undefined;
    beforeEach(() => (saved = process.env.DR_DRILL_TRUSTED_KEYS));
    afterEach(() => {
      if (saved === undefined) delete process.env.DR_DRILL_TRUSTED_KEYS;
      else process.env.DR_DRILL_TRUSTED_KEYS = saved;
      runSecrets.clear();
    });

    const cases: {
      name: string;
      key: 'ci' | 'forger' | null;
      argv: (trusted: string) => string[];
      env?: boolean;
      code: number;
      out: RegExp;
    }[] = [
      {
        name: 'no trusted key: self-consistent, exit 0',
        key: 'ci',
        argv: () => [],
        code: 0,
        out: /^SELF-CONSISTENT \(not authenticated\)/m,
      },
      {
        name: '--trusted-keys: verified',
        key: 'ci',
        argv: (t) => ['--trusted-keys', t],
        code: 0,
        out: /^VERIFIED .*signed by a trusted key/m,
      },
      { name: 'DR_DRILL_TRUSTED_KEYS: verified', key: 'ci', argv: () => [], env: true, code: 0, out: /^VERIFIED/m },
      {
        name: 'a forger key with --trusted-keys: self-consistent, never verified',
        key: 'forger',
        argv: (t) => ['--trusted-keys', t],
        code: 0,
        out: /NOT a trusted key[\s\S]*^SELF-CONSISTENT/m,
      },
      {
        name: 'a forger key with --require-signature: exit 1',
        key: 'forger',
        argv: (t) => ['--trusted-keys', t, '--require-signature'],
        code: 1,
        out: /which is not a trusted key[\s\S]*^FAILED/m,
      },
      {
        name: 'unsigned with --require-signature: exit 1',
        key: null,
        argv: (t) => ['--trusted-keys', t, '--require-signature'],
        code: 1,
        out: /not signed, and a signature by a trusted key is required[\s\S]*^FAILED/m,
      },
    ];
    for (const c of cases)
      it(c.name, async () => {
        const f = drill(dir, '2026-03-01T02:00:00Z', 'aaaa0001', c.key === 'ci' ? ci : c.key ? signer() : null);
        if (c.env) process.env.DR_DRILL_TRUSTED_KEYS = trustedFile;
        else delete process.env.DR_DRILL_TRUSTED_KEYS;
        const r = await runCli(['report', 'verify', f, ...c.argv(trustedFile)]);
        expect(r.code, r.stdout + r.stderr).to.equal(c.code);
        expect(r.stdout).to.match(c.out);
        expect(r.stdout).to.match(/^assumption: /m);
      });
  });
});
