/**
 * report verify --chain: the forgeries one folder cannot see (a drill re-linked past another, a fork, a folder
 * gone), a chain start and a prune record reported as such, and report prune.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { verifyChain } from '../../src/evidence/chain.js';
import { sha256File } from '../../src/report/checksums.js';
import { PRUNE_FILE, pruneScenario } from '../../src/evidence/prune-record.js';
import type { TrustPolicy } from '../../src/evidence/signing.js';
import type { Signer } from '../../src/evidence/signing.js';
import { runSecrets } from '../../src/util/secrets.js';
import { aSigner, rewriteDrill, sealedDrill } from '../support/sealed-drill.js';
import { runCli } from '../support/run-cli.js';

const S = 'payments-nightly';
const DAYS = ['2026-03-01T02:00:00Z', '2026-03-02T02:00:00Z', '2026-03-03T02:00:00Z', '2026-03-04T02:00:00Z'];

describe('report verify --chain', () => {
  let dir: string;
  let ci: Signer;
  let drills: string[];
  const trust = (require = false): TrustPolicy => ({
    fingerprints: new Set([ci.record.publicKeySha256]),
    source: '--trusted-keys test',
    require,
  });
  const chain = (opts = {}) => verifyChain(join(dir, S), opts);
  const problems = (r: ReturnType<typeof verifyChain>) =>
    [
      ...r.problems.map((p) => `${p.folder}: ${p.message}`),
      ...r.drills.flatMap((d) => d.problems.map((p) => `${basename(d.folder)}/${p.file}: ${p.message}`)),
    ].join('\n');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dr-drill-chain-'));
    ci = aSigner();
    drills = DAYS.slice(0, 3).map((t, i) => sealedDrill(dir, S, t, `pay0000${i + 1}`, ci));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a whole chain signed by a trusted key is verified; without the key only self-consistent', () => {
    const v = chain({ trust: trust(true) });
    expect(problems(v)).to.equal('');
    expect(v.status).to.equal('verified');
    expect(chain().status).to.equal('self-consistent');
    expect(chain().notes.join('\n')).not.to.match(/starts a new chain/);
  });

  it('a drill re-linked past a drill that is still there is named, with what it skipped', () => {
    const [first, middle, last] = drills as [string, string, string];
    rewriteDrill(
      last,
      (r) => {
        r.evidence.previousDrillId = 'pay00001';
        r.evidence.previousReportSha256 = sha256File(join(first, 'report.json'));
      },
      null,
    );
    const v = chain();
    expect(v.status).to.equal('broken');
    expect(problems(v)).to.contain(
      `${basename(last)}: links to ${basename(first)}, skipping 1 sealed drill(s) in between (${basename(middle)})`,
    );
  });

  it('a fork: two drills claim the same previous drill', () => {
    const [first, , last] = drills as [string, string, string];
    rewriteDrill(
      last,
      (r) => {
        r.evidence.previousDrillId = 'pay00001';
        r.evidence.previousReportSha256 = sha256File(join(first, 'report.json'));
      },
      null,
    );
    expect(problems(chain())).to.match(/fork: .*pay00002 and .*pay00003 all link to pay00001/);
  });

  it('a missing middle folder is a gap; deleted and the next re-linked by a forger, only the signature shows it', () => {
    const [first, middle, last] = drills as [string, string, string];
    rmSync(middle, { recursive: true });
    expect(problems(chain())).to.match(/the previous drill pay00002 has no folder .* and no prune record/);
    rewriteDrill(
      last,
      (r) => {
        r.evidence.previousDrillId = 'pay00001';
        r.evidence.previousReportSha256 = sha256File(join(first, 'report.json'));
      },
      aSigner(),
    );
    const lax = chain({ trust: trust(false) });
    expect(lax.status, problems(lax)).to.equal('self-consistent');
    const strict = chain({ trust: trust(true) });
    expect(strict.status).to.equal('broken');
    expect(problems(strict)).to.match(/pay00003\/SHA256SUMS\.sig: signed with key .* which is not a trusted key/);
  });

  it('a false first-drill claim is named; a recorded chain start is reported as one', () => {
    const last = drills[2]!;
    rewriteDrill(
      last,
      (r) => {
        r.evidence.previousDrillId = null;
        r.evidence.previousReportSha256 = null;
      },
      null,
    );
    expect(problems(chain())).to.match(/claims to be the first drill of its scenario\), but 2 older sealed drill/);
    rewriteDrill(last, (r) => (r.evidence.chainStart = { reason: 'a fresh CI runner, no evidence upload' }), null);
    const v = chain();
    expect(problems(v)).to.equal('');
    expect(v.notes.join('\n')).to.contain('starts a new chain: a fresh CI runner, no evidence upload');
  });

  it('report prune removes old drills into a signed prune record; the chain then verifies, naming the pruned link', () => {
    sealedDrill(dir, S, DAYS[3]!, 'pay00004', ci);
    const { removed } = pruneScenario(join(dir, S), new Date('2026-03-03T00:00:00Z'), ci, new Date());
    expect(removed).to.deep.equal(drills.slice(0, 2).map((d) => basename(d)));
    const v = chain({ trust: trust(true) });
    expect(problems(v)).to.equal('');
    expect(v.status).to.equal('verified');
    expect(v.drills.map((d) => d.notes.join('\n')).join('\n')).to.match(
      /the previous drill pay00002 was pruned .* \(signed prune record, trusted key sha256:/,
    );
  });

  it('a prune record edited after signing, or signed by an untrusted key, is a problem', () => {
    pruneScenario(join(dir, S), new Date('2026-03-03T00:00:00Z'), aSigner(), new Date());
    expect(chain({ trust: trust(false) }).status).to.equal('self-consistent');
    expect(problems(chain({ trust: trust(true) }))).to.match(/chain-prune\.json is signed by key .* not a trusted key/);
    const path = join(dir, S, PRUNE_FILE);
    writeFileSync(path, readFileSync(path, 'utf8').replace('pay00001', 'pay0000x'));
    expect(problems(chain())).to.match(/chain-prune\.json\.sig does not verify/);
  });

  describe('CLI', () => {
    afterEach(() => runSecrets.clear());
    it('verify --chain prints each drill and the chain status; exit 1 when broken', async () => {
      const ok = await runCli(['report', 'verify', '--chain', join(dir, S)]);
      expect(ok.code, ok.stdout + ok.stderr).to.equal(0);
      expect(ok.stdout).to.match(/^SELF-CONSISTENT 20260301T020000Z-pay00001$/m);
      expect(ok.stdout).to.match(/^CHAIN SELF-CONSISTENT \(not authenticated\) .*: 3 drill\(s\), links whole$/m);
      rmSync(drills[1]!, { recursive: true });
      const bad = await runCli(['report', 'verify', '--chain', join(dir, S), '--output', 'json']);
      expect(bad.code).to.equal(1);
      expect(JSON.parse(bad.stdout).status).to.equal('broken');
    });

    it('prune --before --sign-key removes and records; a bad date is an input error', async () => {
      const key = join(dir, 'ci.pem');
      writeFileSync(key, ci.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const r = await runCli(['report', 'prune', join(dir, S), '--before', '2026-03-02', '--sign-key', key]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/^removed 20260301T020000Z-pay00001$/m);
      expect(r.stdout).to.contain(`recorded in ${PRUNE_FILE} (signed)`);
      const bad = await runCli(['report', 'prune', join(dir, S), '--before', 'yesterday']);
      expect(bad.code).to.equal(2);
    });
  });
});
