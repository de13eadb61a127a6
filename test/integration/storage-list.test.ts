import { expect } from 'chai';
import type { ContainerClient } from '@azure/storage-blob';
import { BlobBackupStorage, listBackups, listBackupNames } from '../../src/velero/storage/index.js';
import { azuriteConnectionString, newTestContainer } from '../support/azurite.js';
import { buildBackupFiles, uploadFiles } from '../support/velero-fixture.js';

import { runCli } from '../support/run-cli.js';

describe('storage: backups list (Azurite)', () => {
  let container: ContainerClient;
  const now = new Date('2026-01-02T10:00:00Z');

  before(async () => {
    container = await newTestContainer('list');
    await uploadFiles(
      container,
      await buildBackupFiles({
        name: 'shop-daily-20260101100000',
        schedule: 'shop-daily',
        start: new Date('2026-01-01T10:00:00Z'),
      }),
    );
    await uploadFiles(
      container,
      await buildBackupFiles({
        name: 'manual-1',
        start: new Date('2026-01-01T12:00:00Z'),
        phase: 'PartiallyFailed',
        errors: 2,
        omit: ['logs', 'volumeInfo', 'csiVolumeSnapshotClasses'],
      }),
    );
    await uploadFiles(
      container,
      await buildBackupFiles({ name: 'in-prefix', prefix: 'clusters/weu', start: new Date('2026-01-01T08:00:00Z') }),
    );
    // A folder Velero's sync would ignore: no velero-backup.json.
    await uploadFiles(container, new Map([['backups/half-uploaded/half-uploaded.tar.gz', Buffer.from('x')]]));
  });

  it('lists backups without a prefix, newest first, tolerating missing optional files', async () => {
    const rows = await listBackups(new BlobBackupStorage(container), { now });
    expect(rows.map((r) => r.name)).to.deep.equal(['manual-1', 'shop-daily-20260101100000', 'half-uploaded']);
    const daily = rows.find((r) => r.name === 'shop-daily-20260101100000')!;
    expect(daily).to.include({
      phase: 'Completed',
      schedule: 'shop-daily',
      startTimestamp: '2026-01-01T10:00:00Z',
      completionTimestamp: '2026-01-01T10:00:42Z',
      ageSeconds: 86_400,
      expiration: '2026-01-31T10:00:00Z',
      totalItems: 11,
      itemsBackedUp: 11,
      warnings: 0,
      errors: 0,
      files: 10,
      note: null,
    });
    expect(daily.totalBytes).to.be.greaterThan(1000);
    const manual = rows.find((r) => r.name === 'manual-1')!;
    expect(manual).to.include({ phase: 'PartiallyFailed', schedule: null, errors: 2, files: 7 });
    const half = rows.find((r) => r.name === 'half-uploaded')!;
    expect(half).to.include({ phase: null, files: 1, totalBytes: 1 });
    expect(half.note).to.match(/no velero-backup.json/);
  });

  it('lists backups under a prefix (with or without trailing slash)', async () => {
    for (const prefix of ['clusters/weu', 'clusters/weu/']) {
      const storage = new BlobBackupStorage(container, prefix);
      expect(await listBackupNames(storage)).to.deep.equal(['in-prefix']);
    }
  });

  it('gives an empty list for a prefix with no backups', async () => {
    expect(await listBackups(new BlobBackupStorage(container, 'nothing/here'))).to.deep.equal([]);
  });

  it('prints a table and JSON through the CLI', async () => {
    const cs = azuriteConnectionString();
    const text = await runCli(['backups', 'list', '--container', container.containerName, '--connection-string', cs]);
    expect(text.code).to.equal(0);
    expect(text.stdout).to.match(/^NAME\s+PHASE\s+SCHEDULE/);
    expect(text.stdout).to.match(/shop-daily-20260101100000\s+Completed\s+shop-daily\s+2026-01-01 10:00:00Z/);
    const json = await runCli([
      'backups',
      'list',
      '--container',
      container.containerName,
      '--prefix',
      'clusters/weu',
      '--connection-string',
      cs,
      '--output',
      'json',
    ]);
    expect(json.code).to.equal(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.location).to.deep.equal({ container: container.containerName, prefix: 'clusters/weu/' });
    expect(parsed.backups.map((b: { name: string }) => b.name)).to.deep.equal(['in-prefix']);
  });

  it('reads the connection string from AZURE_STORAGE_CONNECTION_STRING', async () => {
    const saved = process.env.AZURE_STORAGE_CONNECTION_STRING;
    process.env.AZURE_STORAGE_CONNECTION_STRING = azuriteConnectionString();
    try {
      const r = await runCli(['backups', 'list', '--container', container.containerName, '-o', 'json']);
      expect(r.code).to.equal(0);
      expect(JSON.parse(r.stdout).backups).to.have.length(3);
    } finally {
      if (saved === undefined) delete process.env.AZURE_STORAGE_CONNECTION_STRING;
      else process.env.AZURE_STORAGE_CONNECTION_STRING = saved;
    }
  });

  describe('errors', () => {
    const saved = process.env.AZURE_STORAGE_CONNECTION_STRING;
    before(() => delete process.env.AZURE_STORAGE_CONNECTION_STRING);
    after(() => {
      if (saved !== undefined) process.env.AZURE_STORAGE_CONNECTION_STRING = saved;
    });

    it('exits 2 without any credentials', async () => {
      const r = await runCli(['backups', 'list']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/STORAGE_NO_CREDENTIALS/);
    });

    it('exits 2 with both --account-url and --connection-string', async () => {
      const r = await runCli([
        'backups',
        'list',
        '--account-url',
        'https://a.blob.core.windows.net',
        '--connection-string',
        azuriteConnectionString(),
      ]);
      expect(r.code).to.equal(2);
    });

    it('exits 2 on an unknown flag', async () => {
      const r = await runCli(['backups', 'list', '--bogus']);
      expect(r.code).to.equal(2);
    });

    it('exits 2 on a malformed connection string, without printing it', async () => {
      const r = await runCli(['backups', 'list', '--connection-string', 'AccountKey=s3cr3tKEY;nonsense']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.not.include('s3cr3tKEY');
    });

    it('exits 3 with STORAGE_UNREACHABLE when nothing listens, without printing the key', async () => {
      const cs = azuriteConnectionString().replace(/127\.0\.0\.1:\d+/, '127.0.0.1:9');
      const r = await runCli(['backups', 'list', '--connection-string', cs]);
      expect(r.code).to.equal(3);
      expect(r.stderr).to.match(/STORAGE_UNREACHABLE/);
      expect(r.stderr).to.match(/hint:/);
      expect(r.stderr).to.not.include('Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq');
    });

    it('exits 3 with STORAGE_AUTH_FAILED on a wrong key', async () => {
      const cs = azuriteConnectionString().replace(
        /AccountKey=[^;]+/,
        `AccountKey=${Buffer.from('wrong-key-wrong-key').toString('base64')}`,
      );
      const r = await runCli(['backups', 'list', '--container', container.containerName, '--connection-string', cs]);
      expect(r.code).to.equal(3);
      expect(r.stderr).to.match(/STORAGE_AUTH_FAILED/);
    });

    it('exits 3 with STORAGE_CONTAINER_NOT_FOUND for a missing container', async () => {
      const r = await runCli([
        'backups',
        'list',
        '--container',
        'no-such-container',
        '--connection-string',
        azuriteConnectionString(),
      ]);
      expect(r.code).to.equal(3);
      expect(r.stderr).to.match(/STORAGE_CONTAINER_NOT_FOUND/);
    });
  });
});
