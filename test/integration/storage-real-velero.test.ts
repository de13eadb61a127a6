/**
 * The storage readers against files the real Velero v1.17.2 of the local environment wrote (captured with
 * scripts/capture-velero-fixture.ts into test/fixtures/velero-v1.17.2/): a backup of the demo namespace `catalog`
 * and a restore of it mapped to `catalog-fixture`. Guards our model of Velero's layout against Velero itself.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import {
  BlobBackupStorage,
  listBackups,
  readRestoreResourceList,
  readRestoreResults,
  verifyBackup,
} from '../../src/velero/storage/index.js';
import { newTestContainer } from '../support/azurite.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'velero-v1.17.2');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
}

describe('storage: files written by the real Velero v1.17.2 (Azurite)', () => {
  let container: ContainerClient;
  let storage: BlobBackupStorage;
  before(async () => {
    container = await newTestContainer('realvelero');
    for (const f of files(FIXTURES))
      await container.getBlockBlobClient(relative(FIXTURES, f)).uploadData(readFileSync(f));
    storage = new BlobBackupStorage(container, '');
  });

  it('lists the backup as Velero recorded it', async () => {
    const [b] = await listBackups(storage);
    expect(b!.name).to.equal('fixture-catalog');
    expect(b!.phase).to.equal('Completed');
    expect(b!.totalItems).to.be.greaterThan(0);
  });

  it('verifies it: every artefact present and decodable, tarball items match the resource list', async () => {
    const v = await verifyBackup(storage, 'fixture-catalog', { deep: true });
    expect(v.defects).to.deep.equal([]);
    expect(v.ok).to.equal(true);
    expect(v.tarball!.byNamespace).to.have.property('catalog');
    expect(v.tarball!.byKind['apps/v1/Deployment']).to.equal(1);
  });

  it('detects a real tarball cut short', async () => {
    const tar = readFileSync(join(FIXTURES, 'backups', 'fixture-catalog', 'fixture-catalog.tar.gz'));
    const cut = await newTestContainer('realvelerocut');
    for (const f of files(FIXTURES)) await cut.getBlockBlobClient(relative(FIXTURES, f)).uploadData(readFileSync(f));
    await cut
      .getBlockBlobClient('backups/fixture-catalog/fixture-catalog.tar.gz')
      .uploadData(tar.subarray(0, Math.floor(tar.length / 2)));
    const v = await verifyBackup(new BlobBackupStorage(cut, ''), 'fixture-catalog');
    expect(v.ok).to.equal(false);
    expect(v.defects.map((d) => d.artifact).join()).to.match(/tar\.gz/);
  });

  it("reads the restore's results and its resource list with the mapped namespace and Velero's actions", async () => {
    const results = await readRestoreResults(storage, 'fixture-restore');
    expect(results).to.not.equal(null);
    const items = (await readRestoreResourceList(storage, 'fixture-restore'))!;
    const deployment = items.find((i) => i.apiVersion === 'apps/v1' && i.kind === 'Deployment');
    expect(deployment).to.deep.include({ namespace: 'catalog-fixture', name: 'api', action: 'created' });
    expect(items.every((i) => ['created', 'updated', 'skipped', 'failed'].includes(i.action))).to.equal(true);
  });
});
