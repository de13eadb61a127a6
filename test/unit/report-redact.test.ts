import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../src/report/journal.js';
import { redact, redactDeep } from '../../src/report/redact.js';
import { renderers } from '../../src/report/render/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { aReport } from '../support/report-builder.js';

const SECRET = 'S3cr3tV4lue';

const cases: { name: string; input: string; keep?: string }[] = [
  {
    name: 'storage connection string',
    input: `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${SECRET}==;EndpointSuffix=core.windows.net`,
    keep: 'AccountName=acct',
  },
  {
    name: 'SAS in a connection string',
    input: `BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&sig=${SECRET}%3D`,
    keep: 'BlobEndpoint=',
  },
  {
    name: 'sig= in a SAS URL',
    input: `GET https://a.blob.core.windows.net/velero/x?sv=2022&se=2026&sig=${SECRET}%2B&sp=r failed`,
    keep: 'sp=r failed',
  },
  { name: 'bearer token', input: `Authorization: Bearer ${SECRET}.abc`, keep: 'Authorization' },
  { name: 'bare Bearer', input: `sent Bearer ${SECRET}x to ARM`, keep: 'to ARM' },
  {
    name: 'JWT without a key name',
    input: `token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4${SECRET}.sig123 expired`,
    keep: 'expired',
  },
  { name: 'password=', input: `psql: password=${SECRET} host=db`, keep: 'host=db' },
  { name: 'YAML-ish client secret', input: `clientSecret: ${SECRET}`, keep: 'clientSecret' },
  { name: 'JSON token', input: `{"access_token": "${SECRET}", "expires_in": 3599}`, keep: '"expires_in": 3599' },
  { name: 'env var', input: `AZURE_STORAGE_KEY=${SECRET} dr-drill run`, keep: 'dr-drill run' },
  { name: 'connectionString', input: `connectionString='${SECRET}'`, keep: 'connectionString' },
  { name: 'userinfo in URL', input: `postgres://app:${SECRET}@db:5432/orders`, keep: 'db:5432/orders' },
];

describe('redact', () => {
  for (const c of cases) {
    it(`masks ${c.name}`, () => {
      const out = redact(c.input);
      expect(out).not.to.contain(SECRET);
      expect(out).to.contain('***');
      if (c.keep) expect(out).to.contain(c.keep);
    });
  }

  it('leaves ordinary drill text alone', () => {
    for (const s of [
      'restore dr-drill-abcd1234 PartiallyFailed: 2 warnings',
      'Deployment payments/api 3/3 ready',
      'RTO 12m03s within 30m00s',
    ]) {
      expect(redact(s)).to.equal(s);
    }
  });

  it('is idempotent', () => {
    for (const c of cases) expect(redact(redact(c.input))).to.equal(redact(c.input));
  });

  it('redactDeep masks whole values under secret keys and strings everywhere', () => {
    const out = redactDeep({
      password: SECRET,
      nested: { apiKey: 42, note: `token=${SECRET}` },
      list: [`AccountKey=${SECRET}`],
      name: 'ok',
    });
    expect(JSON.stringify(out)).not.to.contain(SECRET);
    expect(out).to.deep.include({ name: 'ok', password: '***' });
    expect(out.nested.apiKey).to.equal('***');
  });

  it('the journal never writes a secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dr-drill-journal-'));
    const j = new Journal(dir, new ManualClock(), { fsync: false });
    j.append('event', {
      message: `BSL check with AccountKey=${SECRET};`,
      connectionString: SECRET,
      headers: { authorization: `Bearer ${SECRET}` },
    });
    j.close();
    expect(readFileSync(j.path, 'utf8')).not.to.contain(SECRET);
  });

  for (const [format, renderer] of Object.entries(renderers)) {
    it(`the ${format} renderer never prints a secret`, () => {
      const r = aReport()
        .verdict('ERROR', `could not list blobs: AccountKey=${SECRET}`)
        .probe({ name: 'http', outcome: 'failed', lastObservation: `GET https://x/?sig=${SECRET} → 403` })
        .warning(`password: ${SECRET}`)
        .build();
      expect(renderer.render(r)).not.to.contain(SECRET);
    });
  }
});
