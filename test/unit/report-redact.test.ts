import { expect } from 'chai';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../src/report/journal.js';
import { redact, redactDeep } from '../../src/util/redact.js';
import { renderers } from '../../src/report/render/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { aReport } from '../support/report-builder.js';

const SECRET = 'S3cr3tV4lue';

// Each case: the text as a tool or a user would write it, and exactly what may be printed of it.
const cases: { name: string; input: string; expected: string }[] = [
  {
    name: 'storage connection string',
    input: `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${SECRET}==;EndpointSuffix=core.windows.net`,
    expected: 'DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=***;EndpointSuffix=core.windows.net',
  },
  {
    name: 'SAS in a connection string',
    input: `BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&sig=${SECRET}%3D`,
    expected: 'BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=***',
  },
  {
    name: 'sig= in a SAS URL',
    input: `GET https://a.blob.core.windows.net/velero/x?sv=2022&se=2026&sig=${SECRET}%2B&sp=r failed`,
    expected: 'GET https://a.blob.core.windows.net/velero/x?sv=2022&se=2026&sig=***&sp=r failed',
  },
  { name: 'bearer token', input: `Authorization: Bearer ${SECRET}.abc`, expected: 'Authorization: Bearer ***' },
  { name: 'bare Bearer', input: `sent Bearer ${SECRET}x to ARM`, expected: 'sent Bearer *** to ARM' },
  {
    name: 'JWT without a key name',
    input: `token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4${SECRET}.sig123 expired`,
    expected: 'token *** expired',
  },
  { name: 'password=', input: `psql: password=${SECRET} host=db`, expected: 'psql: password=*** host=db' },
  { name: 'YAML-ish client secret', input: `clientSecret: ${SECRET}`, expected: 'clientSecret: ***' },
  {
    name: 'JSON token',
    input: `{"access_token": "${SECRET}", "expires_in": 3599}`,
    expected: '{"access_token": "***", "expires_in": 3599}',
  },
  {
    name: 'env var',
    input: `AZURE_STORAGE_KEY=${SECRET} dr-drill run`,
    expected: 'AZURE_STORAGE_KEY=*** dr-drill run',
  },
  { name: 'connectionString', input: `connectionString='${SECRET}'`, expected: "connectionString='***'" },
  {
    name: 'user:password in a URL',
    input: `postgres://app:${SECRET}@db:5432/orders`,
    expected: 'postgres://app:***@db:5432/orders',
  },
  // The misses issue #13 found.
  { name: 'kubeconfig client-key-data', input: `client-key-data: LS0t${SECRET}`, expected: 'client-key-data: ***' },
  {
    name: 'PEM private-key block',
    input: `-----BEGIN RSA PRIVATE KEY-----\nMIIE${SECRET}\nabc\n-----END RSA PRIVATE KEY-----`,
    expected: '-----BEGIN RSA PRIVATE KEY-----***-----END RSA PRIVATE KEY-----',
  },
  {
    name: 'PEM private key in a JSON string',
    input: `{"data":"-----BEGIN PRIVATE KEY-----\\nMIIE${SECRET}\\n-----END PRIVATE KEY-----\\n"}`,
    expected: '{"data":"-----BEGIN PRIVATE KEY-----***-----END PRIVATE KEY-----\\n"}',
  },
  { name: 'tls.key', input: `tls.key: ${SECRET}`, expected: 'tls.key: ***' },
  { name: 'URL :password@ (redis)', input: `redis://:${SECRET}@cache:6379`, expected: 'redis://***@cache:6379' },
  {
    name: 'URL token@',
    input: `clone https://${SECRET}@github.com/org/repo.git`,
    expected: 'clone https://***@github.com/org/repo.git',
  },
  { name: '-p secret', input: `mysql -u root -p ${SECRET} orders`, expected: 'mysql -u root -p *** orders' },
  { name: '-p port (psql) is not a secret', input: 'psql -h db -p 5432 -U app', expected: 'psql -h db -p 5432 -U app' },
  {
    name: '-p with a word after it is masked, --port never',
    input: 'redis-cli -p s3cretw0rd --port 6379',
    expected: 'redis-cli -p *** --port 6379',
  },
  {
    name: '--password secret',
    input: `app --password ${SECRET} --verbose`,
    expected: 'app --password *** --verbose',
  },
  {
    name: 'Slack webhook URL',
    input: `POST https://hooks.slack.com/services/T000/B000/${SECRET} 404`,
    expected: 'POST https://hooks.slack.com/services/*** 404',
  },
  {
    name: 'Teams webhook URL',
    input: `posting to https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/${SECRET}/guid failed`,
    expected: 'posting to https://contoso.webhook.office.com/webhookb2/*** failed',
  },
  {
    name: 'Teams workflow URL',
    input: `https://prod-12.westeurope.logic.azure.com:443/workflows/${SECRET}/triggers/manual/paths/invoke`,
    expected: 'https://prod-12.westeurope.logic.azure.com:443/workflows/***',
  },
  {
    name: '?code= (function key)',
    input: `GET https://fn.azurewebsites.net/api/drill?code=${SECRET}&x=1`,
    expected: 'GET https://fn.azurewebsites.net/api/drill?code=***&x=1',
  },
  { name: 'Authorization: token', input: `Authorization: token ${SECRET}`, expected: 'Authorization: token ***' },
  {
    name: 'Authorization: SharedKey',
    input: `Authorization: SharedKey acct:${SECRET}`,
    expected: 'Authorization: SharedKey ***',
  },
  {
    name: 'escaped quotes in a JSON string',
    input: `{"password":"ab\\"${SECRET}\\"cd","user":"x"}`,
    expected: '{"password":"***","user":"x"}',
  },
  {
    name: 'JSON inside a JSON string',
    input: `{\\"password\\": \\"${SECRET}\\", \\"x\\": 1}`,
    expected: '{\\"password\\": \\"***\\", \\"x\\": 1}',
  },
  {
    name: 'OIDC client-secret (auth-provider config)',
    input: `auth-provider: {config: {client-id: k8s, client-secret: ${SECRET}}}`,
    expected: 'auth-provider: {config: {client-id: k8s, client-secret: ***}}',
  },
  {
    name: 'OIDC client secret flag',
    input: `--oidc-client-secret ${SECRET}`,
    expected: '--oidc-client-secret ***',
  },
  {
    name: 'kubeconfig exec plugin args and env',
    input: `exec:\n  args: [get-token, --client-secret, ${SECRET}]\n  env:\n  - name: AZURE_CLIENT_SECRET\n    value: ${SECRET}`,
    expected: 'exec:\n  args: [get-token, --client-secret, ***]\n  env:\n  - name: AZURE_CLIENT_SECRET\n    value: ***',
  },
  {
    name: 'kubeconfig exec plugin env as JSON',
    input: `{"env":[{"name":"AZURE_CLIENT_SECRET","value":"${SECRET}"}]}`,
    expected: '{"env":[{"name":"AZURE_CLIENT_SECRET","value":"***"}]}',
  },
];

// Text that names secrets without holding one: masking it would hide what the drill did.
const plain = [
  'restore dr-drill-abcd1234 PartiallyFailed: 2 warnings',
  'Deployment payments/api 3/3 ready',
  'RTO 12m03s within 30m00s',
  '{"vault-token": "vault-token-drill-abcd1234"}',
  'namespace vault-token mapped to vault-token-drill-abcd1234',
  'Secret payments/db-password restored (created)',
  'Deployment api-token-service 3/3 ready',
  'probe secret-exists passed after 2.1s',
  'Secret db: data.TOKEN: expected <redacted: 14 bytes, sha256 9d64e72f1e7d>, found nothing',
];

describe('redact', () => {
  for (const c of cases) {
    it(`masks ${c.name}`, () => {
      const out = redact(c.input);
      expect(out).to.equal(c.expected);
      expect(out).not.to.contain(SECRET);
    });
  }

  for (const s of plain) {
    it(`leaves alone: ${s}`, () => expect(redact(s)).to.equal(s));
  }

  it('is idempotent', () => {
    for (const c of cases) expect(redact(redact(c.input))).to.equal(redact(c.input));
  });

  it('keeps a namespace mapping whose namespaces are named like secrets', () => {
    const mapping = { 'vault-token': 'vault-token-drill-abcd1234', 'db-password': 'scratch' };
    expect(redactDeep({ namespaceMapping: mapping })).to.deep.equal({ namespaceMapping: mapping });
  });

  it('masks the value of an env entry named like a secret', () => {
    const out = redactDeep({
      env: [
        { name: 'AZURE_CLIENT_SECRET', value: SECRET },
        { name: 'REGION', value: 'weu' },
      ],
    });
    expect(out).to.deep.equal({
      env: [
        { name: 'AZURE_CLIENT_SECRET', value: '***' },
        { name: 'REGION', value: 'weu' },
      ],
    });
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
