import { expect } from 'chai';
import { parseArchivePath, storageLayout, normalisePrefix } from '../../src/velero/storage-layout.js';
import { parseRestoredEntry } from '../../src/velero/results.js';
import { redact } from '../../src/velero/storage/storage-errors.js';

describe('velero storage layout', () => {
  it('derives the keys of object_store_layout.go', () => {
    const l = storageLayout('clusters/weu');
    expect(l.backupKey('b1', 'metadata')).to.equal('clusters/weu/backups/b1/velero-backup.json');
    expect(l.backupKey('b1', 'contents')).to.equal('clusters/weu/backups/b1/b1.tar.gz');
    expect(l.backupKey('b1', 'resourceList')).to.equal('clusters/weu/backups/b1/b1-resource-list.json.gz');
    expect(l.backupKey('b1', 'results')).to.equal('clusters/weu/backups/b1/b1-results.gz');
    expect(l.backupKey('b1', 'volumeInfo')).to.equal('clusters/weu/backups/b1/b1-volumeinfo.json.gz');
    expect(l.restoreKey('r1', 'results')).to.equal('clusters/weu/restores/r1/restore-r1-results.gz');
    expect(l.restoreKey('r1', 'resourceList')).to.equal('clusters/weu/restores/r1/restore-r1-resource-list.json.gz');
    expect(l.restoreKey('r1', 'volumeInfo')).to.equal('clusters/weu/restores/r1/r1-volumeinfo.json.gz');
    expect(storageLayout().backupDir('b1')).to.equal('backups/b1/');
    for (const [p, want] of [
      ['', ''],
      ['a', 'a/'],
      ['a/', 'a/'],
      ['/a/b//', 'a/b/'],
    ] as const)
      expect(normalisePrefix(p)).to.equal(want);
  });

  const paths: [string, ReturnType<typeof parseArchivePath>][] = [
    ['metadata/version', { kind: 'version' }],
    [
      'resources/pods/namespaces/shop/api-0.json',
      { kind: 'item', groupResource: 'pods', version: null, preferred: false, namespace: 'shop', name: 'api-0' },
    ],
    [
      'resources/deployments.apps/v1-preferredversion/namespaces/shop/api.json',
      {
        kind: 'item',
        groupResource: 'deployments.apps',
        version: 'v1',
        preferred: true,
        namespace: 'shop',
        name: 'api',
      },
    ],
    [
      'resources/namespaces/cluster/shop.json',
      { kind: 'item', groupResource: 'namespaces', version: null, preferred: false, namespace: null, name: 'shop' },
    ],
    [
      'resources/namespaces/v1-preferredversion/cluster/shop.json',
      { kind: 'item', groupResource: 'namespaces', version: 'v1', preferred: true, namespace: null, name: 'shop' },
    ],
    [
      'resources/horizontalpodautoscalers.autoscaling/v1/namespaces/shop/api.json',
      {
        kind: 'item',
        groupResource: 'horizontalpodautoscalers.autoscaling',
        version: 'v1',
        preferred: false,
        namespace: 'shop',
        name: 'api',
      },
    ],
    ['resources/pods/namespaces/shop.json', { kind: 'other' }],
    ['notes.txt', { kind: 'other' }],
  ];
  for (const [p, want] of paths) it(`parses ${p}`, () => expect(parseArchivePath(p)).to.deep.equal(want));

  it('parses restore resource-list entries', () => {
    expect(parseRestoredEntry('v1/Pod', 'ns/name(created)')).to.deep.equal({
      apiVersion: 'v1',
      kind: 'Pod',
      namespace: 'ns',
      name: 'name',
      action: 'created',
    });
    expect(parseRestoredEntry('v1/Namespace', 'ns(skipped)')).to.deep.equal({
      apiVersion: 'v1',
      kind: 'Namespace',
      namespace: null,
      name: 'ns',
      action: 'skipped',
    });
    expect(parseRestoredEntry('v1/Pod', 'ns/name')).to.equal(null);
    expect(parseRestoredEntry('v1/Pod', 'ns/name(deleted)')).to.equal(null);
  });

  it('redacts keys, signatures and authorization headers (the one redaction of util/redact.ts)', () => {
    expect(redact('AccountName=a;AccountKey=abc/def==;BlobEndpoint=x')).to.equal(
      'AccountName=a;AccountKey=***;BlobEndpoint=x',
    );
    expect(redact('GET https://a.blob.core.windows.net/c?sv=1&sig=abc%2F&se=2')).to.equal(
      'GET https://a.blob.core.windows.net/c?sv=1&sig=***&se=2',
    );
    expect(redact('Authorization: SharedKey devstoreaccount1:c2lnbmF0dXJl')).not.to.contain('c2lnbmF0dXJl');
  });
});
