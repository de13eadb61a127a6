import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { allows, grantedPairs, requestInfo, type PolicyRule } from '../support/api-recorder.js';

const ROOT = join(import.meta.dirname, '..', '..');
const role = (file: string) =>
  parseAllDocuments(readFileSync(join(ROOT, 'deploy', 'rbac', file), 'utf8'))
    .map((d) => d.toJS() as { kind: string; metadata: { name: string }; rules?: PolicyRule[] })
    .find((d) => d.kind === 'ClusterRole')!.rules!;

describe('deploy/rbac roles', () => {
  const runner = role('drill-runner.yaml');
  const preflight = role('drill-preflight.yaml');
  const secrets = role('drill-secrets.yaml');

  it('the runner role reads no Secret; only the opt-in role does, and only reads', () => {
    expect(grantedPairs(runner).filter((p) => /\/secrets$/.test(p))).to.deep.equal([]);
    expect(grantedPairs(secrets)).to.deep.equal(['get /secrets', 'list /secrets', 'watch /secrets']);
  });

  it('deletes only what a drill creates and owns (namespaces remove their objects)', () => {
    expect(grantedPairs(runner).filter((p) => /^delete(collection)? /.test(p))).to.deep.equal([
      'delete /configmaps',
      'delete /namespaces',
      'delete /persistentvolumes',
      'delete batch/jobs',
      'delete velero.io/downloadrequests',
      'delete velero.io/restores',
      'delete velero.io/serverstatusrequests',
    ]);
  });

  it('reads by name (get) only the kinds the code fetches by name; the rest by list and watch', () => {
    expect(grantedPairs(runner).filter((p) => /^get /.test(p))).to.deep.equal([
      'get /configmaps',
      'get /namespaces',
      'get /persistentvolumes',
      'get /pods',
      'get /pods/exec',
      'get /pods/log',
      'get /pods/portforward',
      'get /services',
      'get apps/daemonsets',
      'get apps/deployments',
      'get coordination.k8s.io/leases',
      'get velero.io/backups',
      'get velero.io/backupstoragelocations',
      'get velero.io/restores',
    ]);
  });

  it('no wildcard anywhere', () => {
    for (const r of [...runner, ...preflight, ...secrets])
      expect([...(r.apiGroups ?? []), ...(r.resources ?? []), ...r.verbs]).to.not.include('*');
  });

  it('the preflight role writes nothing but its DownloadRequest, and run can do what plan does', () => {
    const writes = grantedPairs(preflight).filter((p) => !/^(get|list|watch) /.test(p));
    expect(writes).to.deep.equal(['create velero.io/downloadrequests', 'delete velero.io/downloadrequests']);
    const run = grantedPairs(runner);
    expect(grantedPairs(preflight).filter((p) => !run.includes(p))).to.deep.equal([]);
  });
});

describe('api-recorder: a request as the authorizer names it', () => {
  const cases: Array<[string, string, string | null]> = [
    ['GET', '/api/v1/namespaces/shop/pods?labelSelector=app%3Dapi', 'list /pods shop'],
    ['GET', '/api/v1/namespaces/shop/pods?watch=true&resourceVersion=5', 'watch /pods shop'],
    ['GET', '/api/v1/namespaces/shop/pods/api-0', 'get /pods shop api-0'],
    ['GET', '/api/v1/namespaces/shop/pods/api-0/exec?command=true', 'get /pods/exec shop api-0'],
    ['POST', '/api/v1/namespaces/shop/pods/api-0/portforward', 'create /pods/portforward shop api-0'],
    ['GET', '/api/v1/namespaces/shop', 'get /namespaces - shop'],
    ['GET', '/api/v1/namespaces', 'list /namespaces -'],
    ['PUT', '/api/v1/namespaces/shop/finalize', 'update /namespaces/finalize - shop'],
    ['DELETE', '/api/v1/namespaces/shop-drill', 'delete /namespaces - shop-drill'],
    ['POST', '/apis/velero.io/v1/namespaces/velero/restores', 'create velero.io/restores velero'],
    ['PATCH', '/apis/coordination.k8s.io/v1/namespaces/velero/leases/x', 'patch coordination.k8s.io/leases velero x'],
    ['DELETE', '/api/v1/namespaces/shop/configmaps', 'deletecollection /configmaps shop'],
    ['GET', '/apis/storage.k8s.io/v1/storageclasses', 'list storage.k8s.io/storageclasses -'],
    ['GET', '/version', null],
    ['GET', '/apis/velero.io/v1', null],
    ['GET', '/api', null],
  ];
  for (const [method, url, want] of cases)
    it(`${method} ${url}`, () => {
      const i = requestInfo(method, url);
      const got = i
        ? [`${i.verb} ${i.group}/${i.resource}`, i.namespace ?? '-', i.name].filter((x) => x !== null).join(' ')
        : null;
      expect(got).to.equal(want);
    });

  it('allows: a rule grants by verb, group and resource (subresources named in full), resourceNames narrow it', () => {
    const rules: PolicyRule[] = [
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      { apiGroups: ['velero.io'], resources: ['restores'], verbs: ['create'], resourceNames: ['r1'] },
    ];
    expect(allows(rules, { verb: 'get', group: '', resource: 'pods', name: 'a' })).to.equal(true);
    expect(allows(rules, { verb: 'get', group: '', resource: 'pods/exec', name: 'a' })).to.equal(false);
    expect(allows(rules, { verb: 'list', group: '', resource: 'pods', name: null })).to.equal(false);
    expect(allows(rules, { verb: 'create', group: 'velero.io', resource: 'restores', name: 'r1' })).to.equal(true);
    expect(allows(rules, { verb: 'create', group: 'velero.io', resource: 'restores', name: 'r2' })).to.equal(false);
  });
});
