import { expect } from 'chai';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportFolder } from '../../src/report/folder.js';
import { findPreviousReport, writeReportFolder } from '../../src/report/seal.js';
import { verifyReportFolder } from '../../src/evidence/verify-folder.js';
import {
  loadPublicKey,
  loadSigningKey,
  preparePublicKey,
  signSums,
  PUBLIC_KEY_FILE,
  SIGNATURE_FILE,
  type Signer,
} from '../../src/evidence/index.js';
import { isDrillError } from '../../src/util/errors.js';
import { aReport } from '../support/report-builder.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'dr-drill-sign-'));

function keyFiles(dir: string, name: string): { priv: string; pub: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const priv = join(dir, `${name}.pem`);
  const pub = join(dir, `${name}.pub.pem`);
  writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  return { priv, pub };
}

/** The run-drill order: public key into the report and folder, seal, then sign SHA256SUMS. */
function signedDrill(
  reportDir: string,
  signer: Signer | null,
  startedAt = '2026-03-01T02:00:00Z',
  drillId = 'sign0001',
): string {
  const folder = reportFolder(reportDir, 'payments-nightly', new Date(startedAt), drillId);
  const prev = findPreviousReport(reportDir, 'payments-nightly', folder);
  const report = aReport().scenario('payments-nightly').drillId(drillId).startedAt(startedAt).build();
  report.evidence = {
    previousReportSha256: prev?.reportSha256 ?? null,
    previousDrillId: prev?.drillId ?? null,
    signedBy: signer ? preparePublicKey(folder, signer) : null,
    chainStart: null,
    ranBy: null,
    trend: null,
  };
  writeReportFolder(folder, report);
  if (signer) signSums(folder, signer);
  return folder;
}

describe('evidence: Ed25519 signing of SHA256SUMS', () => {
  let dir: string;
  let keys: { priv: string; pub: string };
  let other: { priv: string; pub: string };
  before(() => {
    dir = tmp();
    keys = keyFiles(dir, 'drill');
    other = keyFiles(dir, 'other');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('signs: the public key is recorded and covered by SHA256SUMS, the .sig is not listed in it, and verify passes', () => {
    const signer = loadSigningKey(keys.priv);
    const folder = signedDrill(join(dir, 'ok'), signer);
    const report = JSON.parse(readFileSync(join(folder, 'report.json'), 'utf8'));
    expect(report.evidence.signedBy).to.deep.equal(signer.record);
    expect(report.evidence.signedBy.publicKeySha256).to.match(/^[0-9a-f]{64}$/);
    const sums = readFileSync(join(folder, 'SHA256SUMS'), 'utf8');
    expect(sums).to.contain(PUBLIC_KEY_FILE).and.not.contain(SIGNATURE_FILE);
    expect(existsSync(join(folder, SIGNATURE_FILE))).to.equal(true);
    const r = verifyReportFolder(folder, { publicKey: loadPublicKey(keys.pub) });
    expect(r.problems).to.deep.equal([]);
    expect(r.ok).to.equal(true);
    expect(r.notes.join('\n')).to.match(/signature over SHA256SUMS verified with trusted key .*--public-key/);
    expect(r.status).to.equal('verified');
  });

  it('an unsigned folder verifies, with a note; but not when --public-key requires a signature', () => {
    const folder = signedDrill(join(dir, 'unsigned'), null);
    const r = verifyReportFolder(folder);
    expect(r.ok).to.equal(true);
    expect(r.notes.join('\n')).to.contain('not signed');
    const required = verifyReportFolder(folder, { publicKey: loadPublicKey(keys.pub) });
    expect(required.ok).to.equal(false);
    expect(required.problems.map((p) => p.file)).to.deep.equal([SIGNATURE_FILE]);
  });

  const cases: {
    name: string;
    tamper: (folder: string) => void;
    publicKey?: 'other';
    expect: { file: string; message: RegExp }[];
  }[] = [
    {
      name: 'an edited report.json breaks its SHA256SUMS line and no longer renders to its report.md and junit.xml',
      tamper: (f) =>
        writeFileSync(join(f, 'report.json'), readFileSync(join(f, 'report.json'), 'utf8').replace('"PASS"', '"FAIL"')),
      expect: [
        { file: 'report.json', message: /does not match SHA256SUMS/ },
        { file: 'report.md', message: /differs from report.json rendered again/ },
        { file: 'junit.xml', message: /differs from report.json rendered again/ },
      ],
    },
    {
      name: 'an edited SHA256SUMS (re-hashed after editing report.json) breaks the signature',
      tamper: (f) => {
        writeFileSync(join(f, 'report.json'), readFileSync(join(f, 'report.json'), 'utf8').replace('"PASS"', '"FAIL"'));
        const lines = readFileSync(join(f, 'SHA256SUMS'), 'utf8')
          .split('\n')
          .map((l) =>
            l.endsWith('  report.json')
              ? `${createHash('sha256')
                  .update(readFileSync(join(f, 'report.json')))
                  .digest('hex')}  report.json`
              : l,
          );
        writeFileSync(join(f, 'SHA256SUMS'), lines.join('\n'));
      },
      expect: [
        { file: 'report.md', message: /differs from report.json rendered again/ },
        { file: 'junit.xml', message: /differs from report.json rendered again/ },
        { file: SIGNATURE_FILE, message: /does not verify over SHA256SUMS/ },
      ],
    },
    {
      name: 'a removed signature is named',
      tamper: (f) => rmSync(join(f, SIGNATURE_FILE)),
      expect: [{ file: SIGNATURE_FILE, message: /missing: report.json says the folder was signed/ }],
    },
    {
      name: 'a signature by another key than the required one fails, naming SHA256SUMS.sig',
      tamper: () => {},
      publicKey: 'other',
      expect: [
        {
          file: SIGNATURE_FILE,
          message: /signed with key sha256:[0-9a-f]{64}, which is not a trusted key \(--public-key/,
        },
      ],
    },
    {
      name: 'a swapped signing-key.pub.pem is named',
      tamper: (f) => writeFileSync(join(f, PUBLIC_KEY_FILE), readFileSync(other.pub)),
      expect: [
        { file: PUBLIC_KEY_FILE, message: /does not match SHA256SUMS/ },
        { file: PUBLIC_KEY_FILE, message: /is not the key recorded/ },
      ],
    },
  ];
  cases.forEach((c, i) =>
    it(c.name, () => {
      const folder = signedDrill(join(dir, `t${i}`), loadSigningKey(keys.priv));
      c.tamper(folder);
      const r = verifyReportFolder(folder, c.publicKey ? { publicKey: loadPublicKey(other.pub) } : {});
      expect(r.ok).to.equal(false);
      expect(
        r.problems.map((p) => ({
          file: p.file,
          ok: c.expect.some((e) => e.file === p.file && e.message.test(p.message)),
        })),
      ).to.deep.equal(c.expect.map((e) => ({ file: e.file, ok: true })));
    }),
  );

  it('refuses keys that are not Ed25519 private keys, as input errors', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const ec = join(dir, 'ec.pem');
    writeFileSync(ec, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    for (const [file, code] of [
      [ec, 'SIGN_KEY_NOT_ED25519'],
      [keys.pub, 'SIGN_KEY_INVALID'],
      [join(dir, 'nope.pem'), 'SIGN_KEY_UNREADABLE'],
    ] as const) {
      try {
        loadSigningKey(file);
        expect.fail('should throw');
      } catch (e) {
        expect(isDrillError(e) && e.code).to.equal(code);
        expect(isDrillError(e) && e.category).to.equal('input');
      }
    }
  });
});
