/**
 * A backup made before Velero 1.13 has no volume info: its PodVolumeBackups say which pod volumes it copied by file
 * system. The fixture is `<b>-podvolumebackups.json.gz` in the format Velero v1.12 writes (persistBackup:
 * encode.ToJSONGzip of the backup's PodVolumeBackups, one compact JSON line; fields in the order of the v1.12 Go
 * structs; kind/apiVersion omitted as on informer objects), at its storage key.
 */
import { expect } from 'chai';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { openLocalStorage } from '../../src/velero/storage/local-storage.js';
import { readBackupPodVolumeBackups } from '../../src/velero/backup-reading.js';
import { dataMoverOf } from '../../src/velero/restore-volumes.js';
import { proveVolumes } from '../../src/velero/volume-proof.js';
import { MemoryGateway } from '../support/memory-gateway.js';

const FIXTURE = new URL('../fixtures/velero-v1.12', import.meta.url).pathname;
const T = 'shop-drill-x';
const fromStorage = (dir: string) => ({
  storage: openLocalStorage(dir),
  gateway: null,
  veleroNamespace: 'velero',
  labels: {},
});
const pvr = (pod: string, volume: string, phase = 'Completed') =>
  dataMoverOf({
    apiVersion: 'velero.io/v1',
    kind: 'PodVolumeRestore',
    metadata: { name: `r-${pod}-${volume}`, namespace: 'velero' },
    spec: { pod: { namespace: T, name: pod }, volume },
    status: {
      phase,
      startTimestamp: '2026-01-01T00:00:00Z',
      completionTimestamp: '2026-01-01T00:00:04Z',
      progress: { totalBytes: 10485760, bytesDone: 10485760 },
    },
  });

describe('pod volume backups: volume proof for a backup made before Velero 1.13', () => {
  it("reads <b>-podvolumebackups.json.gz as Velero v1.12 writes it, as Velero's volume info would say it", async () => {
    const infos = await readBackupPodVolumeBackups(fromStorage(FIXTURE), 'shop-pre113');
    expect(infos).to.deep.equal([
      {
        pvcName: 'data-db-0',
        pvcNamespace: 'shop',
        backupMethod: 'PodVolumeBackup',
        result: 'succeeded',
        pvbInfo: {
          podName: 'db-0',
          podNamespace: 'shop',
          volumeName: 'data',
          snapshotHandle: 'f3a9c2d8e1b7465a9c0d1e2f3a4b5c6d',
          size: 10485760,
          Phase: 'Completed',
        },
      },
      {
        pvcName: '',
        pvcNamespace: '',
        backupMethod: 'PodVolumeBackup',
        result: 'succeeded',
        pvbInfo: {
          podName: 'web-1',
          podNamespace: 'shop',
          volumeName: 'cache',
          snapshotHandle: '0a1b2c3d4e5f60718293a4b5c6d7e8f9',
          size: 4096,
          Phase: 'Completed',
        },
      },
    ]);
  });

  it('proves each restored volume from its PodVolumeRestore; a claim no pod volume backup covers is not proven', async () => {
    const backup = await readBackupPodVolumeBackups(fromStorage(FIXTURE), 'shop-pre113');
    const volumes = proveVolumes({
      mapping: { shop: T },
      backup,
      backupBasis: 'podvolumebackups',
      backupUnreadable: null,
      restore: null,
      movers: [pvr('db-0', 'data'), pvr('web-1', 'cache')],
      restoredClaims: [
        { namespace: T, name: 'data-db-0' },
        { namespace: T, name: 'logs-db-0' },
      ],
    });
    expect(
      volumes.map((v) => [v.pvc ?? `${v.pod}/${v.volume}`, v.backupMethod, v.restoreMethod, v.dataRestored]),
    ).to.deep.equal([
      ['data-db-0', 'PodVolumeBackup', 'PodVolumeRestore', true],
      ['web-1/cache', 'PodVolumeBackup', 'PodVolumeRestore', true],
      ['logs-db-0', 'unknown', 'none', false],
    ]);
    expect(volumes[0]).to.include({
      bytes: 10485760,
      durationSeconds: 4,
      reason: 'PodVolumeRestore Completed, 10485760 bytes',
    });
    expect(volumes[2]!.reason).to.equal(
      'the backup has no volume info (made before Velero 1.13) and no pod volume backup of this claim: a snapshot of it, if any, is not checked',
    );
  });

  it('a pod volume backup that did not complete, or a PodVolumeRestore that failed, is not restored data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dr-drill-pvb-'));
    mkdirSync(join(dir, 'backups', 'b1'), { recursive: true });
    const failed = {
      metadata: { name: 'b1-x', namespace: 'velero', annotations: { 'velero.io/pvc-name': 'data-db-0' } },
      spec: { pod: { kind: 'Pod', namespace: 'shop', name: 'db-0' }, volume: 'data', tags: { backup: 'b1' } },
      status: { phase: 'Failed', message: 'error running kopia backup: node-agent pod not found', progress: {} },
    };
    writeFileSync(join(dir, 'backups', 'b1', 'b1-podvolumebackups.json.gz'), gzipSync(JSON.stringify([failed]) + '\n'));
    const backup = await readBackupPodVolumeBackups(fromStorage(dir), 'b1');
    const [v] = proveVolumes({
      mapping: { shop: T },
      backup,
      backupBasis: 'podvolumebackups',
      backupUnreadable: null,
      restore: null,
      movers: [],
      restoredClaims: [{ namespace: T, name: 'data-db-0' }],
    });
    expect(v).to.include({ dataRestored: false, reason: 'its backup by PodVolumeBackup failed (Failed)' });
    const [w] = proveVolumes({
      mapping: { shop: T },
      backup: await readBackupPodVolumeBackups(fromStorage(FIXTURE), 'shop-pre113'),
      backupBasis: 'podvolumebackups',
      backupUnreadable: null,
      restore: null,
      movers: [pvr('db-0', 'data', 'Failed')],
      restoredClaims: [],
    });
    expect(w).to.include({ dataRestored: false, reason: 'PodVolumeRestore Failed' });
  });

  it("Velero's nil list (null) and a missing file are no pod volume backup; a corrupt file is an error naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dr-drill-pvb-'));
    mkdirSync(join(dir, 'backups', 'b1'), { recursive: true });
    writeFileSync(join(dir, 'backups', 'b1', 'b1-podvolumebackups.json.gz'), gzipSync('null\n'));
    expect(await readBackupPodVolumeBackups(fromStorage(dir), 'b1')).to.deep.equal([]);
    expect(await readBackupPodVolumeBackups(fromStorage(dir), 'b2')).to.deep.equal([]);
    mkdirSync(join(dir, 'backups', 'b3'), { recursive: true });
    writeFileSync(join(dir, 'backups', 'b3', 'b3-podvolumebackups.json.gz'), gzipSync('null\n').subarray(0, 12));
    let err: Error | null = null;
    await readBackupPodVolumeBackups(fromStorage(dir), 'b3').catch((e: Error) => (err = e));
    expect(err!.message).to.match(
      /backup b3's pod volume backups: truncated gzip \(backups\/b3\/b3-podvolumebackups\.json\.gz\)/,
    );
  });

  it("without storage: the backup's PodVolumeBackup CRs (as Velero's sync creates them), not another backup's", async () => {
    const gw = new MemoryGateway();
    gw.kinds.set('velero.io/v1/PodVolumeBackup', 'namespaced');
    const cr = (name: string, backup: string, pod: string) => ({
      apiVersion: 'velero.io/v1',
      kind: 'PodVolumeBackup',
      metadata: { name, namespace: 'velero', labels: { 'velero.io/backup-name': backup } },
      spec: { pod: { kind: 'Pod', namespace: 'shop', name: pod }, volume: 'data', tags: { backup } },
      status: { phase: 'Completed', progress: { totalBytes: 1, bytesDone: 1 } },
    });
    gw.put(cr('a', 'b1', 'db-0'));
    gw.put(cr('b', 'b0', 'db-1'));
    const src = { storage: null, gateway: gw, veleroNamespace: 'velero', labels: {} };
    const infos = await readBackupPodVolumeBackups(src, 'b1');
    expect(infos!.map((i) => i.pvbInfo!.podName)).to.deep.equal(['db-0']);
    // A Velero without the CRD backed nothing up by file system.
    gw.forgetKind('velero.io/v1', 'PodVolumeBackup');
    expect(await readBackupPodVolumeBackups(src, 'b1')).to.deep.equal([]);
  });
});
