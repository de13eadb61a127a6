import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import { reportFolder } from '../../src/report/folder.js';
import { findPreviousReport, writeReportFolder } from '../../src/report/seal.js';
import {
  preparePublicKey,
  signSums,
  uploadReportFolder,
  verifyUploadedReport,
  readUploadedHistory,
  verifyUploadedChain,
  type Signer,
} from '../../src/evidence/index.js';
import { publicKeyFingerprint } from '../../src/evidence/signing.js';
import { isDrillError } from '../../src/util/errors.js';
import { aReport } from '../support/report-builder.js';
import { azuriteConnectionString, newTestContainer } from '../support/azurite.js';
import { runCli } from '../support/run-cli.js';
import { runSecrets } from '../../src/util/secrets.js';

const NOW = new Date('2026-03-02T03:00:00Z');

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

function drill(reportDir: string, startedAt: string, drillId: string, s: Signer): string {
  const folder = reportFolder(reportDir, 'shop-nightly', new Date(startedAt), drillId);
  const prev = findPreviousReport(reportDir, 'shop-nightly', folder);
  const report = aReport().scenario('shop-nightly').drillId(drillId).startedAt(startedAt).verdict('PASS').build();
  report.evidence = {
    previousReportSha256: prev?.reportSha256 ?? null,
    previousDrillId: prev?.drillId ?? null,
    signedBy: preparePublicKey(folder, s),
    chainStart: null,
    immutability: { container: 'evidence', prefix: 'drills', policyMode: 'Locked', periodSeconds: 365 * 86400 },
    ranBy: null,
    trend: null,
  };
  writeReportFolder(folder, report);
  signSums(folder, s);
  return folder;
}

describe('evidence: upload to an evidence container and verify of the uploaded copy (Azurite)', () => {
  let dir: string;
  let evidence: ContainerClient;
  let first: string;
  let second: string;
  const key = signer();
  const upload = (folder: string, extra: Partial<Parameters<typeof uploadReportFolder>[1]> = {}) =>
    uploadReportFolder(folder, {
      container: evidence,
      prefix: 'drills',
      scenario: 'shop-nightly',
      verdict: 'PASS',
      drillId: basename(folder).slice(-8),
      immutableForMs: 365 * 86400_000,
      now: NOW,
      ...extra,
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dr-drill-upload-'));
    evidence = await newTestContainer('evidence');
    first = drill(dir, '2026-03-01T02:00:00Z', 'first001', key);
    second = drill(dir, '2026-03-02T02:00:00Z', 'second01', key);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('uploads every file with metadata, and states plainly that Azurite has no immutability', async () => {
    const r = await upload(first);
    expect(r.files).to.include.members([
      'report.json',
      'SHA256SUMS',
      'SHA256SUMS.sig',
      'signing-key.pub.pem',
      'junit.xml',
    ]);
    expect(r.location).to.match(/\/evidence-[0-9a-f]+\/drills\/shop-nightly\/20260301T020000Z-first001\/$/);
    const props = await evidence
      .getBlobClient('drills/shop-nightly/20260301T020000Z-first001/report.json')
      .getProperties();
    expect(props.metadata).to.deep.equal({ scenario: 'shop-nightly', verdict: 'PASS', drillid: 'first001' });
    expect(props.contentType).to.equal('application/json');
    expect(r.immutability.supported).to.equal(false);
    expect(r.immutability.mode).to.equal(null);
    expect(r.immutability.statement).to.match(
      /^the evidence container does not support immutability policies .*: the uploaded copy is protected only by access control \(no Unlocked policy\)/,
    );
  });

  it('never overwrites uploaded evidence: a blob with other bytes is refused', async () => {
    const forged = mkdtempSync(join(tmpdir(), 'dr-drill-upload-forged-'));
    const copy = join(forged, basename(first));
    cpSync(first, copy, { recursive: true });
    writeFileSync(join(copy, 'report.md'), '# PASS (edited)\n');
    try {
      await upload(copy);
      expect.fail('should refuse');
    } catch (e) {
      expect(isDrillError(e) && e.code).to.equal('UPLOAD_EXISTS');
      expect((e as Error).message).to.match(/report\.md already exists with different content/);
    }
    const md = await evidence
      .getBlobClient('drills/shop-nightly/20260301T020000Z-first001/report.md')
      .downloadToBuffer();
    expect(md.equals(readFileSync(join(first, 'report.md')))).to.equal(true);
  });

  it('an upload cut short is finished by uploading again: files already there byte for byte are kept, the rest written', async () => {
    const base = 'drills/shop-nightly/20260301T020000Z-first001/';
    // As if the storage went away after the first files: two blobs never arrived.
    await evidence.getBlobClient(`${base}SHA256SUMS`).delete();
    await evidence.getBlobClient(`${base}report.json`).delete();
    const r = await upload(first);
    expect(r.files.filter((f) => !r.alreadyUploaded.includes(f)).sort()).to.deep.equal(['SHA256SUMS', 'report.json']);
    expect(r.alreadyUploaded).to.include('report.md');
    const again = await upload(first);
    expect(again.alreadyUploaded.sort()).to.deep.equal([...again.files].sort());
  });

  it('refuses to upload into the BSL container and prefix', async () => {
    for (const bslPrefix of [null, 'drills']) {
      try {
        await upload(second, { bsl: { container: evidence, prefix: bslPrefix } });
        expect.fail('should refuse');
      } catch (e) {
        expect(isDrillError(e) && e.code).to.equal('UPLOAD_INTO_BSL');
      }
    }
  });

  it('verifies the uploaded copy: hashes, signature with a required key, chain to the previous upload', async () => {
    // A BSL elsewhere in the same container is fine.
    await upload(second, { bsl: { container: evidence, prefix: 'velero' } });
    const r = await verifyUploadedReport(evidence, 'shop-nightly/20260302T020000Z-second01', {
      prefix: 'drills',
      publicKey: key.privateKey,
    });
    expect(r.problems).to.deep.equal([]);
    expect(r.ok).to.equal(true);
    expect(r.folder).to.match(/\/drills\/shop-nightly\/20260302T020000Z-second01$/);
    expect(r.notes.join('\n'))
      .to.match(/chained to 20260301T020000Z-first001/)
      .and.match(/signature over SHA256SUMS verified/)
      // The sealed report states Locked; Azurite cannot: said in plain words, not passed off as protected.
      .and.match(
        /immutability: the sealed report states Locked for 365 day\(s\) after sealing, but the evidence container has no version-level immutability .*: the uploaded copy is protected only by access control/,
      );
  });

  it('report upload sets the policy the sealed report states; a flag that says otherwise is an input error and uploads nothing', async () => {
    const cs = ['--connection-string', azuriteConnectionString(), '--container', evidence.containerName];
    const folder = drill(mkdtempSync(join(tmpdir(), 'dr-drill-upload-cli-')), '2026-03-05T02:00:00Z', 'cliup001', key);
    for (const flags of [['--lock=false'], ['--immutable-for', '30d']]) {
      const r = await runCli(['report', 'upload', folder, ...cs, '--prefix', 'cli', ...flags]);
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stderr).to.match(/disagree with report\.json evidence\.immutability \(Locked, 31536000 s\)/);
    }
    const none: string[] = [];
    for await (const b of evidence.listBlobsFlat({ prefix: 'cli/' })) none.push(b.name);
    expect(none).to.deep.equal([]);
    const ok = await runCli(['report', 'upload', folder, ...cs, '--prefix', 'cli', '--lock', '--output', 'json']);
    expect(ok.code, ok.stderr).to.equal(0);
    expect((JSON.parse(ok.stdout) as { immutability: { statement: string } }).immutability.statement).to.match(
      /protected only by access control \(no Locked policy\)/,
    );
    rmSync(dirname(dirname(folder)), { recursive: true, force: true });
    runSecrets.clear();
  });

  it('verifies the whole uploaded chain of the scenario (--chain --container)', async () => {
    const trust = { fingerprints: new Set([key.record.publicKeySha256]), source: 'test', require: true };
    const r = await verifyUploadedChain(evidence, 'shop-nightly', { prefix: 'drills', trust });
    expect(r.problems).to.deep.equal([]);
    expect(r.drills.map((d) => [basename(d.folder), d.status])).to.deep.equal([
      ['20260301T020000Z-first001', 'verified'],
      ['20260302T020000Z-second01', 'verified'],
    ]);
    expect(r.status).to.equal('verified');
    expect(r.scenarioDir).to.match(/\/drills\/shop-nightly$/);
  });

  it('--chain --container checks each drill as a single-folder --container verify does: its immutability and its blob metadata', async () => {
    const trust = { fingerprints: new Set([key.record.publicKeySha256]), source: 'test', require: true };
    const plain = await verifyUploadedChain(evidence, 'shop-nightly', { prefix: 'drills', trust });
    for (const d of plain.drills)
      expect(d.notes.join('\n'), d.folder).to.match(
        /immutability: the sealed report states Locked for 365 day\(s\) after sealing, but the evidence container has no version-level immutability .*: the uploaded copy is protected only by access control/,
      );

    // The same blobs as a container with version-level immutability would answer (Azure, where it is enabled):
    // without a policy on each blob, every drill is broken, each blob named. Azurite cannot set policies.
    const versioned = Object.create(evidence) as ContainerClient;
    versioned.getProperties = async (o) => ({
      ...(await evidence.getProperties(o)),
      isImmutableStorageWithVersioningEnabled: true,
    });
    const strict = await verifyUploadedChain(versioned, 'shop-nightly', { prefix: 'drills', trust });
    expect(strict.status).to.equal('broken');
    for (const d of strict.drills) {
      expect(d.status, d.folder).to.equal('broken');
      expect(d.authenticated).to.equal(false);
      const named = d.problems
        .filter((p) =>
          /^no immutability policy, though the container has version-level immutability and the sealed report states Locked/.test(
            p.message,
          ),
        )
        .map((p) => p.file);
      expect(named, d.folder).to.include.members(['report.json', 'SHA256SUMS', 'SHA256SUMS.sig']);
    }

    // Blob metadata that disagrees with its report (what anyone searching by it would be misled by) breaks that drill only.
    const blob = evidence.getBlobClient('drills/shop-nightly/20260301T020000Z-first001/report.json');
    const meta = (await blob.getProperties()).metadata!;
    await blob.setMetadata({ ...meta, verdict: 'FAIL' });
    try {
      const r = await verifyUploadedChain(evidence, 'shop-nightly', { prefix: 'drills', trust });
      expect(r.status).to.equal('broken');
      expect(r.drills.map((d) => [basename(d.folder), d.status])).to.deep.equal([
        ['20260301T020000Z-first001', 'broken'],
        ['20260302T020000Z-second01', 'verified'],
      ]);
      expect(r.drills[0]!.problems).to.deep.equal([
        { file: 'report.json', message: 'blob metadata verdict="FAIL" disagrees with report.json (PASS)' },
      ]);
    } finally {
      await blob.setMetadata(meta);
    }
  });

  it('a wrong key and a tampered upload are named', async () => {
    const other = signer();
    const wrong = await verifyUploadedReport(evidence, 'shop-nightly/20260302T020000Z-second01', {
      prefix: 'drills',
      publicKey: other.privateKey,
    });
    expect(wrong.ok).to.equal(false);
    expect(wrong.problems.map((p) => p.file)).to.deep.equal(['SHA256SUMS.sig']);
    await evidence
      .getBlockBlobClient('drills/shop-nightly/20260302T020000Z-second01/report.md')
      .uploadData(Buffer.from('# edited\n'), {
        metadata: { scenario: 'shop-nightly', verdict: 'PASS', drillid: 'second01' },
      });
    const edited = await verifyUploadedReport(evidence, 'shop-nightly/20260302T020000Z-second01', { prefix: 'drills' });
    expect(edited.problems).to.deep.equal([
      { file: 'report.md', message: 'SHA-256 does not match SHA256SUMS: the file changed after sealing' },
      {
        file: 'report.md',
        message:
          'differs from report.json rendered again (first difference at line 1): report.json or report.md was changed after sealing',
      },
    ]);
  });

  it('a report removed from the chain is named as the broken link', async () => {
    for await (const b of evidence.listBlobsFlat({ prefix: 'drills/shop-nightly/20260301T020000Z-first001/' }))
      await evidence.deleteBlob(b.name);
    const r = await verifyUploadedReport(evidence, 'shop-nightly/20260302T020000Z-second01', { prefix: 'drills' });
    const link = r.problems.find((p) => p.file.startsWith('evidence.'));
    expect(link?.file).to.equal('evidence.previousDrillId');
    expect(link?.message, link?.message).to.match(
      /the previous drill first001 has no folder in http:\/\/.*\/drills\/shop-nightly and no prune record: it was removed or moved/,
    );
  });

  it('an uploaded folder that is not there is an input error', async () => {
    try {
      await verifyUploadedReport(evidence, 'shop-nightly/20260101T000000Z-nothere1', { prefix: 'drills' });
      expect.fail('should throw');
    } catch (e) {
      expect(isDrillError(e) && e.code).to.equal('UPLOADED_REPORT_NOT_FOUND');
    }
  });

  it('blobs above the read-back ceiling are never downloaded: verify names the file, history lists the drill with the problem', async () => {
    const third = drill(dir, '2026-03-03T02:00:00Z', 'third001', key);
    await upload(third);
    const base = 'drills/shop-nightly/20260303T020000Z-third001/';
    // Whoever can write the container swaps a file for 65 MiB (no immutability on Azurite).
    const huge = Buffer.alloc(65 << 20, 0x20);
    await evidence.getBlobClient(`${base}report.md`).delete();
    await evidence.getBlockBlobClient(`${base}report.md`).uploadData(huge);
    const r = await verifyUploadedReport(evidence, 'shop-nightly/20260303T020000Z-third001', { prefix: 'drills' });
    expect(r.ok).to.equal(false);
    expect(r.status).to.equal('broken');
    expect(r.problems.map((p) => p.message).join('\n')).to.match(
      /report\.md: larger than 64 MiB \(68157440 bytes\): not downloaded/,
    );
    // The whole chain names it in that drill too, instead of giving up on the scenario.
    const chain = await verifyUploadedChain(evidence, 'shop-nightly', { prefix: 'drills' });
    const third3 = chain.drills.find((d) => d.folder.endsWith('20260303T020000Z-third001'));
    expect(third3?.status).to.equal('broken');
    expect(third3?.problems.map((p) => p.message).join('\n')).to.match(
      /report\.md: larger than 64 MiB \(68157440 bytes\): not downloaded/,
    );

    await evidence.getBlobClient(`${base}report.json`).delete();
    await evidence.getBlockBlobClient(`${base}report.json`).uploadData(huge);
    const h = await readUploadedHistory(evidence, 'drills', { scenario: 'shop-nightly' });
    const listed = h.drills.find((d) => d.drillId === 'third001');
    expect(listed?.problem).to.equal('report.json: larger than 64 MiB (68157440 bytes): not read');
  });
});
