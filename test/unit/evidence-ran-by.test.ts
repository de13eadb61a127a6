import { expect } from 'chai';
import { azureIdentities, connectionStringIdentity } from '../../src/evidence/ran-by.js';
import { SecretText } from '../../src/plan/types.js';
import { runSecrets } from '../../src/util/secrets.js';
import { aPlan } from '../support/plan-builder.js';

const jwt = (claims: Record<string, unknown>) =>
  ['{"alg":"none"}', JSON.stringify(claims), 'sig'].map((p) => Buffer.from(p).toString('base64url')).join('.');

describe('evidence: who ran the drill (Azure side)', () => {
  afterEach(() => runSecrets.clear());

  const cases: { name: string; text: string; want: { credential: string; principal: string | null } }[] = [
    {
      name: 'an account key names the account, never the key',
      text: 'DefaultEndpointsProtocol=https;AccountName=drevidence;AccountKey=c2VjcmV0LWtleQ==;EndpointSuffix=core.windows.net',
      want: { credential: 'connection string (shared key)', principal: 'shared key of account drevidence' },
    },
    {
      name: 'a SAS is said to be one',
      text: 'BlobEndpoint=https://drevidence.blob.core.windows.net/;SharedAccessSignature=sv=2022&sig=abc',
      want: { credential: 'connection string (SAS)', principal: 'SAS for account drevidence' },
    },
    {
      name: "Azurite's path-style endpoint",
      text: 'DefaultEndpointsProtocol=http;AccountKey=k;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;',
      want: { credential: 'connection string (shared key)', principal: 'shared key of account devstoreaccount1' },
    },
  ];
  for (const c of cases) it(c.name, () => expect(connectionStringIdentity(c.text)).to.deep.equal(c.want));

  it('an AKS target records the ARM principal from its token claims; storage and upload their accounts', async () => {
    const plan = aPlan().build();
    plan.target.aks = {} as never; // only its presence matters here: the drill signs in to ARM
    const cs =
      'DefaultEndpointsProtocol=https;AccountName=drbackups;AccountKey=a2V5LWJ5dGVz;EndpointSuffix=core.windows.net';
    plan.storage = {
      auth: { kind: 'connection-string', connectionString: new SecretText(cs) },
      container: 'velero',
      prefix: null,
      caCertFile: null,
      selectBackup: false,
    };
    const token = jwt({ appid: '11111111-2222-3333-4444-555555555555', oid: 'aaaa-bbbb' });
    const got = await azureIdentities(plan, { DR_DRILL_ARM_TOKEN: token });
    expect(got).to.deep.equal([
      {
        use: 'arm',
        credential: 'DR_DRILL_ARM_TOKEN',
        principal: '11111111-2222-3333-4444-555555555555 / aaaa-bbbb',
        error: null,
      },
      {
        use: 'storage',
        credential: 'connection string (shared key)',
        principal: 'shared key of account drbackups',
        error: null,
      },
    ]);
    expect(JSON.stringify(got)).not.to.contain('a2V5LWJ5dGVz').and.not.to.contain(token);
  });

  it('a token that is not a JWT is recorded as naming no principal', async () => {
    const plan = aPlan().build();
    plan.target.aks = {} as never;
    const got = await azureIdentities(plan, { DR_DRILL_ARM_TOKEN: 'opaque-token' });
    expect(got).to.deep.equal([
      {
        use: 'arm',
        credential: 'DR_DRILL_ARM_TOKEN',
        principal: null,
        error: 'the token names no principal (not a JWT)',
      },
    ]);
  });
});
