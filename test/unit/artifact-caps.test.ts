/**
 * Bounded reads of Velero artefacts: whoever can write the backup storage decides their size, so a small gzip
 * that inflates far past the cap must end as ARTIFACT_TOO_LARGE (naming the artefact and the cap), never as a
 * runner that runs out of memory before teardown. Every reader is attacked through its public entry point:
 * DownloadRequest bodies, restore results and resource lists from storage, backup contents, logs.
 */
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { MemoryGateway } from '../support/memory-gateway.js';
import { downloadArtifact, type DownloadTargetKind } from '../../src/velero/download.js';
import { readBackupItems } from '../../src/velero/backup-contents.js';
import { openLocalStorage } from '../../src/velero/storage/local-storage.js';
import { readGzipJsonArtifact, checkGzipArtifact } from '../../src/velero/storage/read-artifact.js';
import { isDrillError, type DrillError } from '../../src/util/errors.js';
import { artifactLimit } from '../../src/util/size-cap.js';

const MiB = 1 << 20;

/** A gzip of `inflated` bytes of a JSON-looking prefix and spaces: ~1000:1, built in 1 MiB steps. */
async function gzipBomb(inflated: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((r) => gz.on('end', r));
  const chunk = Buffer.alloc(MiB, 0x20);
  gz.write('{"warnings":');
  for (let n = 0; n < inflated; n += MiB) gz.write(chunk);
  gz.end();
  await done;
  return Buffer.concat(out);
}

async function caught(p: Promise<unknown>): Promise<DrillError> {
  try {
    await p;
  } catch (e) {
    if (isDrillError(e)) return e;
    throw e;
  }
  throw new Error('expected ARTIFACT_TOO_LARGE, got a result');
}

function expectCapError(e: DrillError, artefact: RegExp, cap: string): void {
  expect(e.code).to.equal('ARTIFACT_TOO_LARGE');
  expect(e.message).to.match(artefact);
  expect(e.message).to.contain(cap);
  expect(e.hint).to.contain('DR_DRILL_ARTIFACT_LIMIT_MB');
}

describe('bounded reads of Velero artefacts', function () {
  this.timeout(60_000);
  let bomb: Buffer;
  before(async () => {
    // Past the default 64 MiB JSON cap, as the results file that inflated to gigabytes; ~70 KB on disk.
    bomb = await gzipBomb(72 * MiB);
    expect(bomb.length).to.be.lessThan(200_000);
  });

  it('the default caps are documented sizes, and DR_DRILL_ARTIFACT_LIMIT_MB scales them together', () => {
    expect(artifactLimit('json', {})).to.equal(64 * MiB);
    expect(artifactLimit('json', { DR_DRILL_ARTIFACT_LIMIT_MB: '8' })).to.equal(8 * MiB);
    expect(artifactLimit('stream', { DR_DRILL_ARTIFACT_LIMIT_MB: '8' })).to.equal(1024 * MiB);
    expect(artifactLimit('json', { DR_DRILL_ARTIFACT_LIMIT_MB: 'lots' })).to.equal(64 * MiB);
  });

  describe('through a DownloadRequest', () => {
    let server: Server;
    let body: Buffer = Buffer.alloc(0);
    let gw: MemoryGateway;
    before(async () => {
      server = createServer((_req, res) => res.writeHead(200).end(body));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x?sig=secret`;
      gw = new MemoryGateway();
      gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'velero' } });
      // Velero's part: sign a URL for every DownloadRequest.
      gw.subscribe((type, o) => {
        if (type === 'ADDED' && o.kind === 'DownloadRequest')
          setImmediate(() =>
            gw.update(
              { apiVersion: o.apiVersion!, kind: o.kind!, namespace: 'velero', name: o.metadata.name },
              (d) => void (d.status = { phase: 'Processed', downloadURL: url }),
            ),
          );
      });
    });
    after(() => new Promise((r) => server.close(r)));
    const download = (kind: DownloadTargetKind) =>
      downloadArtifact(gw, 'velero', kind, 'nightly-1', { timeoutMs: 10_000, caCertPem: null, labels: {} });

    for (const kind of ['RestoreResults', 'RestoreResourceList', 'BackupResourceList'] as const) {
      it(`${kind}: a small gzip that inflates past the cap is refused`, async () => {
        body = bomb;
        const e = await caught(download(kind));
        expectCapError(e, new RegExp(`${kind} of nightly-1 inflates past`), '64 MiB');
        expect(e.message).to.not.contain('sig=secret');
        expect(gw.all('DownloadRequest'), 'the DownloadRequest is removed all the same').to.deep.equal([]);
      });
    }

    it('a body larger than the download cap is refused while it arrives', async () => {
      process.env.DR_DRILL_ARTIFACT_LIMIT_MB = '0.0625';
      try {
        body = Buffer.alloc(2 * MiB, 0x20);
        expectCapError(await caught(download('BackupContents')), /BackupContents of nightly-1 is larger than/, '1 MiB');
        expectCapError(
          await caught(download('RestoreResults')),
          /RestoreResults of nightly-1 is larger than/,
          '64 KiB',
        );
      } finally {
        delete process.env.DR_DRILL_ARTIFACT_LIMIT_MB;
      }
    });

    it('an ordinary artefact still reads', async () => {
      body = gzipSync(JSON.stringify({ warnings: {}, errors: {} }));
      expect(JSON.parse((await download('RestoreResults')).toString())).to.deep.equal({ warnings: {}, errors: {} });
    });
  });

  describe('from backup storage', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dr-drill-caps-'));
    const storage = openLocalStorage(dir);
    const put = (key: string, b: Buffer) => {
      mkdirSync(dirname(join(dir, key)), { recursive: true });
      writeFileSync(join(dir, key), b);
    };

    it('restore results and resource lists: refused past the JSON cap', async () => {
      for (const artefact of ['results', 'resourceList'] as const) {
        const key = storage.layout.restoreKey('drill-1', artefact);
        put(key, bomb);
        expectCapError(await caught(readGzipJsonArtifact(storage, key)), new RegExp(`${key} inflates past`), '64 MiB');
      }
    });

    it('volume info and logs, streamed without keeping them: refused past the streaming cap', async () => {
      process.env.DR_DRILL_ARTIFACT_LIMIT_MB = '0.0625';
      try {
        const key = storage.layout.backupKey('nightly-1', 'volumeInfo');
        put(key, await gzipBomb(9 * MiB));
        expectCapError(await caught(readGzipJsonArtifact(storage, key)), /inflates past/, '64 KiB');
        expectCapError(await caught(checkGzipArtifact(storage, key)), /inflates past/, '8 MiB');
      } finally {
        delete process.env.DR_DRILL_ARTIFACT_LIMIT_MB;
      }
    });
  });

  describe('backup contents (tar.gz)', () => {
    async function tarball(entries: Array<{ name: string; body: Buffer }>): Promise<Buffer> {
      const pack = tar.pack();
      for (const e of entries) pack.entry({ name: e.name, size: e.body.length }, e.body);
      pack.finalize();
      const chunks: Buffer[] = [];
      for await (const c of pack.pipe(createGzip())) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    }
    const pv = (i: number, pad: number) =>
      Buffer.from(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'PersistentVolume',
          metadata: { name: `pv-${i}` },
          pad: ' '.repeat(pad),
        }),
      );
    const wanted = new Set(['persistentvolumes']);

    it('what is kept from the wanted items is capped', async () => {
      process.env.DR_DRILL_ARTIFACT_LIMIT_MB = '0.25';
      try {
        // kept cap = 1 MiB: three 400 KB PVs exceed it.
        const gz = await tarball(
          [0, 1, 2].map((i) => ({ name: `resources/persistentvolumes/cluster/pv-${i}.json`, body: pv(i, 400_000) })),
        );
        const e = await caught(readBackupItems(Readable.from([gz]), wanted, null, 'BackupContents of nightly-1'));
        expectCapError(e, /the items read from BackupContents of nightly-1 is larger than/, '1 MiB');
      } finally {
        delete process.env.DR_DRILL_ARTIFACT_LIMIT_MB;
      }
    });

    it('what the tarball inflates to is capped even when nothing is kept', async () => {
      process.env.DR_DRILL_ARTIFACT_LIMIT_MB = '0.0625';
      try {
        const gz = await tarball([
          { name: 'resources/secrets/namespaces/a/filler.json', body: Buffer.alloc(9 * MiB, 0x20) },
        ]);
        const e = await caught(readBackupItems(Readable.from([gz]), wanted, null, 'BackupContents of nightly-1'));
        expectCapError(e, /BackupContents of nightly-1 inflates past/, '8 MiB');
      } finally {
        delete process.env.DR_DRILL_ARTIFACT_LIMIT_MB;
      }
    });

    it('an ordinary tarball still reads', async () => {
      const gz = await tarball([{ name: 'resources/persistentvolumes/cluster/pv-0.json', body: pv(0, 10) }]);
      const items = await readBackupItems(Readable.from([gz]), wanted, null);
      expect(items.map((i) => i.name)).to.deep.equal(['pv-0']);
    });
  });
});
