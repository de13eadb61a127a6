import { expect } from 'chai';
import type { ContainerClient } from '@azure/storage-blob';
import { gzipSync } from 'node:zlib';
import { BlobBackupStorage, readRestoreResourceList, readRestoreResults } from '../../src/velero/storage/index.js';
import { countMessages } from '../../src/velero/results.js';
import { isDrillError } from '../../src/util/errors.js';
import { newTestContainer } from '../support/azurite.js';
import { appItems, buildRestoreFiles, uploadFiles } from '../support/velero-fixture.js';

describe('storage: restore results and resource list (Azurite)', () => {
  let container: ContainerClient;
  const [ns, deploy, , , , sa, pvc, pv] = appItems('shop-drill');
  before(async () => {
    container = await newTestContainer('restore');
    await uploadFiles(
      container,
      buildRestoreFiles({
        name: 'drill-abc12345',
        prefix: 'weu',
        warnings: {
          velero: ['refresh discovery'],
          namespaces: { 'shop-drill': ['could not restore, ServiceAccount "default" already exists.'] },
        },
        errors: { cluster: ['error restoring persistentvolumes/pvc-1'] },
        items: [
          { item: ns!, action: 'created' },
          { item: deploy!, action: 'created' },
          { item: sa!, action: 'skipped' },
          { item: pvc!, action: 'updated' },
          { item: pv!, action: 'failed' },
        ],
      }),
    );
  });
  const storage = () => new BlobBackupStorage(container, 'weu');

  it('reads warnings and errors from restore-<r>-results.gz', async () => {
    const r = await readRestoreResults(storage(), 'drill-abc12345');
    expect(r).to.deep.equal({
      warnings: {
        velero: ['refresh discovery'],
        cluster: [],
        namespaces: { 'shop-drill': ['could not restore, ServiceAccount "default" already exists.'] },
      },
      errors: { velero: [], cluster: ['error restoring persistentvolumes/pvc-1'], namespaces: {} },
    });
    expect(countMessages(r!.warnings)).to.equal(2);
  });

  it('reads what the restore did to each object, cluster-scoped ones included', async () => {
    const items = await readRestoreResourceList(storage(), 'drill-abc12345');
    expect(items).to.have.deep.members([
      { apiVersion: 'v1', kind: 'Namespace', namespace: null, name: 'shop-drill', action: 'created' },
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop-drill', name: 'api', action: 'created' },
      { apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'shop-drill', name: 'default', action: 'skipped' },
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'shop-drill', name: 'data', action: 'updated' },
      { apiVersion: 'v1', kind: 'PersistentVolume', namespace: null, name: 'pvc-shop-drill-data', action: 'failed' },
    ]);
  });

  it('returns null for a restore that left nothing', async () => {
    expect(await readRestoreResults(storage(), 'never-ran')).to.equal(null);
    expect(await readRestoreResourceList(storage(), 'never-ran')).to.equal(null);
  });

  it('throws a DrillError for a damaged file', async () => {
    await uploadFiles(
      container,
      new Map([
        ['weu/restores/bad/restore-bad-results.gz', Buffer.from('not gzip')],
        ['weu/restores/bad/restore-bad-resource-list.json.gz', gzipSync('{"v1/Pod": ["ns/name(exploded)"]}')],
      ]),
    );
    for (const read of [readRestoreResults, readRestoreResourceList]) {
      try {
        await read(storage(), 'bad');
        expect.fail('should throw');
      } catch (e) {
        expect(isDrillError(e)).to.equal(true);
        expect((e as Error).message).to.match(/restore bad: (bad gzip|unexpected shape)/);
      }
    }
  });
});
