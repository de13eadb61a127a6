import { expect } from 'chai';
import type { ContainerClient } from '@azure/storage-blob';
import { BlobBackupStorage, verifyBackup, type BackupVerification } from '../../src/velero/storage/index.js';
import { azuriteConnectionString, newTestContainer } from '../support/azurite.js';
import { appItems, buildBackupFiles, uploadFiles, type FixtureBackup } from '../support/velero-fixture.js';
import { runCli } from '../support/run-cli.js';

/** Build a backup, let `mutate` damage its files, upload it, verify it. */
async function verifyCase(
  container: ContainerClient,
  f: FixtureBackup,
  mutate?: (files: Map<string, Buffer>) => void,
): Promise<BackupVerification> {
  const files = await buildBackupFiles(f);
  mutate?.(files);
  await uploadFiles(container, files);
  return verifyBackup(new BlobBackupStorage(container, f.prefix), f.name);
}

const problems = (v: BackupVerification) => v.defects.map((d) => `${d.artifact}: ${d.problem}`);

describe('storage: backups verify (Azurite)', () => {
  let container: ContainerClient;
  before(async () => {
    container = await newTestContainer('verify');
  });

  it('passes a good backup, with per-namespace and per-kind counts (library)', async () => {
    const items = [...appItems('shop', 3), ...appItems('billing', 1)];
    const v = await verifyCase(container, { name: 'good', prefix: 'weu', items });
    expect(v.defects).to.deep.equal([]);
    expect(v.ok).to.equal(true);
    expect(v.phase).to.equal('Completed');
    expect(v.resourceListItems).to.equal(items.length);
    expect(v.tarball).to.include({
      items: items.length,
      preferredCopies: items.length,
      entries: 2 * items.length + 1,
      formatVersion: '1.1.0',
      clusterScoped: 4,
    });
    expect(v.tarball!.byNamespace).to.deep.equal({ shop: 10, billing: 8 });
    expect(v.tarball!.byKind['v1/Pod']).to.equal(4);
    expect(v.tarball!.byKind['apps/v1/Deployment']).to.equal(2);
    expect(v.notes).to.deep.equal([]);
  });

  it('exits 0 for a good backup through the CLI, and prints JSON', async () => {
    const args = [
      'backups',
      'verify',
      'good',
      '--container',
      container.containerName,
      '--prefix',
      'weu',
      '--connection-string',
      azuriteConnectionString(),
    ];
    const text = await runCli(args);
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.match(/^OK good:/m);
    expect(text.stdout).to.match(/^shop\s+10$/m);
    expect(text.stdout).to.match(/^apps\/v1\/Deployment\s+2$/m);
    const json = await runCli([...args, '--output', 'json']);
    expect(json.code).to.equal(0);
    expect(JSON.parse(json.stdout)).to.include({ backup: 'good', ok: true });
  });

  it('passes a good backup in deep mode (every item decoded)', async () => {
    const r = await runCli([
      'backups',
      'verify',
      'good',
      '--deep',
      '--container',
      container.containerName,
      '--prefix',
      'weu',
      '--connection-string',
      azuriteConnectionString(),
    ]);
    expect(r.code, r.stdout).to.equal(0);
  });

  it('tolerates a missing log (best-effort in Velero) with a note', async () => {
    const v = await verifyCase(container, { name: 'no-logs', omit: ['logs', 'csiVolumeSnapshotClasses'] });
    expect(v.ok).to.equal(true);
    expect(v.notes.join()).to.match(/no-logs-logs.gz is absent/);
  });

  const cases: {
    name: string;
    fixture: FixtureBackup;
    mutate?: (files: Map<string, Buffer>) => void;
    expected: string[];
    detail?: RegExp;
  }[] = [
    {
      name: 'a missing resource list',
      fixture: { name: 'c-missing', omit: ['resourceList'] },
      expected: ['c-missing-resource-list.json.gz: missing'],
    },
    {
      name: 'a missing tarball',
      fixture: { name: 'c-notar', omit: ['contents'] },
      expected: ['c-notar.tar.gz: missing'],
    },
    {
      name: 'a truncated tarball',
      fixture: { name: 'c-trunc', items: appItems('shop', 40) },
      mutate: (files) => {
        const key = 'backups/c-trunc/c-trunc.tar.gz';
        files.set(key, files.get(key)!.subarray(0, Math.floor(files.get(key)!.length / 2)));
      },
      expected: ['c-trunc.tar.gz: truncated gzip'],
    },
    {
      name: 'an item missing from the tarball',
      fixture: { name: 'c-dropped', dropFromTarball: ['apps/v1/Deployment shop/api'] },
      expected: ['c-dropped-resource-list.json.gz: item in resource list missing from tarball'],
      detail: /apps\/v1\/Deployment shop\/api/,
    },
    {
      name: 'an item in the tarball missing from the list',
      fixture: {
        name: 'c-unlisted',
        unlisted: [{ apiVersion: 'v1', kind: 'Secret', groupResource: 'secrets', namespace: 'shop', name: 'smuggled' }],
      },
      expected: ['c-unlisted.tar.gz: item in tarball missing from resource list'],
      detail: /v1\/Secret shop\/smuggled/,
    },
    {
      name: 'bad JSON in velero-backup.json',
      fixture: { name: 'c-badjson' },
      mutate: (files) =>
        files.set('backups/c-badjson/velero-backup.json', Buffer.from('{"kind": "Backup", "metadata": {')),
      expected: ['velero-backup.json: bad JSON'],
    },
    {
      name: 'a results file that is not gzip',
      fixture: { name: 'c-notgz' },
      mutate: (files) => files.set('backups/c-notgz/c-notgz-results.gz', Buffer.from('{"errors":{}}')),
      expected: ['c-notgz-results.gz: bad gzip'],
    },
  ];
  for (const c of cases) {
    it(`names the defect: ${c.name}`, async () => {
      const v = await verifyCase(container, c.fixture, c.mutate);
      expect(v.ok).to.equal(false);
      expect(problems(v)).to.deep.equal(c.expected);
      if (c.detail) expect(v.defects[0]!.detail).to.match(c.detail);
    });
  }

  it('exits 1 through the CLI naming the artifact and the defect', async () => {
    const r = await runCli([
      'backups',
      'verify',
      'c-dropped',
      '--container',
      container.containerName,
      '--connection-string',
      azuriteConnectionString(),
    ]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.match(
      /^DEFECT c-dropped-resource-list\.json\.gz: item in resource list missing from tarball — apps\/v1\/Deployment shop\/api$/m,
    );
    expect(r.stdout).to.match(/^FAILED c-dropped: 1 defect\(s\)$/m);
  });

  it('exits 1 for a backup that does not exist', async () => {
    const r = await runCli([
      'backups',
      'verify',
      'nope',
      '--container',
      container.containerName,
      '--connection-string',
      azuriteConnectionString(),
    ]);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.match(/no backup named "nope"/);
  });

  it('exits 2 without a backup name', async () => {
    const r = await runCli([
      'backups',
      'verify',
      '--container',
      container.containerName,
      '--connection-string',
      azuriteConnectionString(),
    ]);
    expect(r.code).to.equal(2);
  });
});
