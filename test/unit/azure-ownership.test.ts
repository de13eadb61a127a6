import { expect } from 'chai';
import { createdBy, notOurs, runnerIdentity, tokenClaims } from '../../src/azure/ownership.js';
import { staticTokenCredential } from '../../src/azure/arm.js';

const jwt = (claims: Record<string, unknown>) =>
  `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('azure ownership rules', () => {
  it('reads the runner identity from the ARM token claims (application and user tokens)', async () => {
    const app = await runnerIdentity(staticTokenCredential(jwt({ appid: 'app-1', oid: 'oid-1' })), 's');
    expect(app.names).to.deep.equal(['app-1', 'oid-1']);
    const user = await runnerIdentity(staticTokenCredential(jwt({ oid: 'o', upn: 'ops@contoso.com' })), 's');
    expect(user.display).to.equal('o');
    expect(createdBy({ createdBy: 'OPS@contoso.com', createdByType: 'User' }, user)).to.equal(true);
  });

  it('an opaque token gives no identity, so it matches no recorded creator', async () => {
    expect(tokenClaims('not-a-jwt')).to.equal(null);
    const who = await runnerIdentity(staticTokenCredential('not-a-jwt'), 's');
    expect(who.names).to.deep.equal([]);
    expect(createdBy({ createdBy: 'app-1' }, who)).to.equal(false);
  });

  const cases: Array<{ name: string; found: { tags?: Record<string, string> } | null; created: boolean; ok: boolean }> =
    [
      {
        name: 'made by this run and tagged with its id',
        found: { tags: { 'dr-drill-drill-id': 'abc' } },
        created: true,
        ok: true,
      },
      { name: 'made by this run, already gone', found: null, created: true, ok: true },
      {
        name: 'tagged with its id but not made by this run',
        found: { tags: { 'dr-drill-drill-id': 'abc' } },
        created: false,
        ok: false,
      },
      {
        name: 'made by this run but the tag is another drill’s',
        found: { tags: { 'dr-drill-drill-id': 'zzz' } },
        created: true,
        ok: false,
      },
      { name: 'made by this run but untagged', found: { tags: {} }, created: true, ok: false },
    ];
  for (const c of cases)
    it(`deletes ${c.ok ? '' : 'nothing '}when ${c.name}`, () => {
      expect(notOurs('ManagedCluster rg/x', c.found, 'abc', c.created) === null).to.equal(c.ok);
    });

  it('ARM not saying who created a resource is "unknown", not "someone else"', () => {
    expect(createdBy(undefined, { names: ['a'], display: 'a' })).to.equal(null);
  });
});
