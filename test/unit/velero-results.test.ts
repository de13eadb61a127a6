import { expect } from 'chai';
import {
  countMessages,
  parseRestoreResults,
  parseRestoredResourceList,
  RestoredListError,
} from '../../src/velero/results.js';

describe('velero restore artefacts', () => {
  describe('parseRestoredResourceList', () => {
    const cases = [
      {
        name: 'namespaced entries: ns/name(action)',
        json: { 'apps/v1/Deployment': ['shop/api(created)', 'shop/worker(skipped)'] },
        want: [
          { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'api', action: 'created' },
          { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'worker', action: 'skipped' },
        ],
      },
      {
        name: 'core group: v1/Kind',
        json: { 'v1/ConfigMap': ['shop/settings(updated)'] },
        want: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'settings', action: 'updated' }],
      },
      {
        name: 'cluster-scoped entries have no namespace',
        json: { 'v1/PersistentVolume': ['pv1(created)'] },
        want: [{ apiVersion: 'v1', kind: 'PersistentVolume', namespace: null, name: 'pv1', action: 'created' }],
      },
      {
        name: 'grouped CRDs keep their full apiVersion',
        json: { 'rbac.authorization.k8s.io/v1/ClusterRole': ['reader(failed)'] },
        want: [
          {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRole',
            namespace: null,
            name: 'reader',
            action: 'failed',
          },
        ],
      },
      { name: 'an empty or missing list', json: null, want: [] },
    ];
    for (const c of cases) it(c.name, () => expect(parseRestoredResourceList(c.json)).to.deep.equal(c.want));

    // Teardown deletes by this list: a list it cannot read whole is refused whole (teardown then goes by labels),
    // whether it came from storage or through a DownloadRequest.
    const refused = [
      {
        name: 'an entry without an action',
        json: { 'v1/Secret': ['shop/token'] },
        detail: /"shop\/token" under "v1\/Secret"/,
      },
      {
        name: 'an action Velero never writes',
        json: { 'v1/Pod': ['shop/a(deleted)'] },
        detail: /"shop\/a\(deleted\)"/,
      },
      { name: 'a name with a slash', json: { 'v1/Pod': ['shop/a/b(created)'] }, detail: /"shop\/a\/b\(created\)"/ },
      { name: 'entries that are not strings', json: { 'v1/Pod': [7] }, detail: /"v1\/Pod" is not an array of strings/ },
      {
        name: 'a list that is not an object',
        json: ['shop/a(created)'],
        detail: /expected an object of string arrays/,
      },
    ];
    for (const c of refused)
      it(`refuses the whole list for ${c.name}`, () => {
        expect(() => parseRestoredResourceList(c.json)).to.throw(RestoredListError, c.detail);
      });
  });

  describe('parseRestoreResults', () => {
    it('reads warnings and errors by where they arose', () => {
      const r = parseRestoreResults({
        warnings: {
          cluster: ['could not restore, ClusterRole "reader" already exists'],
          namespaces: { shop: ['a', 'b'] },
        },
        errors: { velero: ['boom'] },
      });
      expect(r.warnings).to.deep.equal({
        velero: [],
        cluster: ['could not restore, ClusterRole "reader" already exists'],
        namespaces: { shop: ['a', 'b'] },
      });
      expect(r.errors).to.deep.equal({ velero: ['boom'], cluster: [], namespaces: {} });
      expect(countMessages(r.warnings)).to.equal(3);
      expect(countMessages(r.errors)).to.equal(1);
    });
    it('an empty file is no messages', () => {
      const r = parseRestoreResults({});
      expect(countMessages(r.warnings) + countMessages(r.errors)).to.equal(0);
    });
  });
});
