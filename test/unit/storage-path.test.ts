/**
 * Which BSL of the target sees a backup's storage: asked once (velero/bsl.ts storagePath) by `plan` (preflight)
 * and `run` (prepare-target). Before, plan compared the target with the source's default BSL while run compared it
 * with the backup's own: a backup in a second BSL passed one and failed the other.
 */
import { expect } from 'chai';
import { storagePath } from '../../src/velero/bsl.js';
import { VELERO_API, type BackupStorageLocation } from '../../src/velero/types.js';
import { MemoryGateway } from '../support/memory-gateway.js';

const bsl = (name: string, bucket: string, extra: Partial<BackupStorageLocation['spec']> = {}): BackupStorageLocation =>
  ({
    apiVersion: VELERO_API,
    kind: 'BackupStorageLocation',
    metadata: { name, namespace: 'velero' },
    spec: { provider: 'azure', objectStorage: { bucket, prefix: 'prod' }, ...extra },
    status: { phase: 'Available' },
  }) as BackupStorageLocation;

describe('storage path: the target BSL that sees a backup', () => {
  let source: MemoryGateway;
  let target: MemoryGateway;
  beforeEach(() => {
    source = new MemoryGateway();
    target = new MemoryGateway();
    source.put(bsl('default', 'velero-main', { default: true }));
    source.put(bsl('archive', 'velero-archive'));
    target.put(bsl('dr-archive', 'velero-archive', { accessMode: 'ReadOnly' }));
  });

  it("a backup in a second BSL is matched by that BSL's storage, not the default's", async () => {
    const p = await storagePath(source, 'velero', target, 'velero', 'archive');
    expect([p.source?.metadata.name, p.target?.metadata.name]).to.deep.equal(['archive', 'dr-archive']);
  });

  it("a backup in the default BSL, which the target has no BSL for: the source BSL is named, the target's is null", async () => {
    const p = await storagePath(source, 'velero', target, 'velero', 'default');
    expect([p.source?.metadata.name, p.target]).to.deep.equal(['default', null]);
  });

  it('the backup not known yet: the default BSL stands in; none at all: nothing to compare', async () => {
    expect((await storagePath(source, 'velero', target, 'velero', null)).source?.metadata.name).to.equal('default');
    const bare = new MemoryGateway();
    bare.put(bsl('a', 'x'));
    bare.put(bsl('b', 'y'));
    expect(await storagePath(bare, 'velero', target, 'velero', null)).to.deep.equal({ source: null, target: null });
  });
});
