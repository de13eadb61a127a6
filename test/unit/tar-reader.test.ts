/**
 * The tar reader verify scans Velero's backup tarballs with. It replaced tar-stream for speed, so it is checked
 * against tar-stream on a real Velero tarball and on pax-named entries, at every chunking, and attacked with the
 * damage a planted or broken archive can carry: bad checksums, foreign formats, oversized records, data that
 * ends early, and entries hidden after the end-of-archive marker that Velero's own reader never sees.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { MAX_TAR_META_BYTES, TarFormatError, TarReader, type TarEntry } from '../../src/util/tar-reader.js';
import { scanTarball } from '../../src/velero/storage/tarball-scan.js';

const REAL_TARBALL = join(
  import.meta.dirname,
  '..',
  'fixtures',
  'velero-v1.17.2',
  'backups',
  'fixture-catalog',
  'fixture-catalog.tar.gz',
);

interface Seen {
  name: string;
  type: string;
  size: number;
  body: string | null;
}

/** Feeds `archive` to a TarReader in chunks of `chunk` bytes; every file body is wanted. */
async function read(archive: Buffer, chunk = archive.length, want = (e: TarEntry) => e.type === 'file') {
  const seen: Seen[] = [];
  const reader = new TarReader({
    wantBody: want,
    onEntry: (e, body) => seen.push({ name: e.name, type: e.type, size: e.size, body: body?.toString('utf8') ?? null }),
  });
  const chunks: Buffer[] = [];
  for (let i = 0; i < archive.length; i += chunk) chunks.push(Buffer.from(archive.subarray(i, i + chunk)));
  await pipeline(Readable.from(chunks), reader);
  return { seen, bytes: reader.bytes };
}

async function failure(archive: Buffer, chunk?: number): Promise<Error> {
  try {
    await read(archive, chunk);
  } catch (e) {
    return e as Error;
  }
  throw new Error('the archive was read without an error');
}

/** tar-stream's view of an archive, the reference. */
async function referenceRead(archive: Buffer): Promise<Seen[]> {
  const seen: Seen[] = [];
  const extract = tar.extract();
  extract.on('entry', (h, stream, next) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: unknown) => parts.push(c as Buffer));
    stream.on('end', () => {
      const type = h.type ?? 'file';
      seen.push({
        name: h.name,
        type,
        size: h.size ?? 0,
        body: type === 'file' ? Buffer.concat(parts).toString('utf8') : null,
      });
      next();
    });
  });
  await pipeline(Readable.from([archive]), extract);
  return seen;
}

async function pack(entries: { name: string; body?: string; type?: 'file' | 'directory' }[]): Promise<Buffer> {
  const p = tar.pack();
  for (const e of entries)
    p.entry({ name: e.name, type: e.type ?? 'file', mode: 0o755, mtime: new Date(0) }, e.body ?? '');
  p.finalize();
  const out: Buffer[] = [];
  for await (const c of p) out.push(c as Buffer);
  return Buffer.concat(out);
}

const BLOCK = 512;

/** One hand-made header block, as Go's archive/tar or GNU tar would write it. */
function header(o: {
  name: string;
  size?: number;
  typeflag?: string;
  prefix?: string;
  format?: 'ustar' | 'gnu' | 'v7';
  sizeField?: Buffer;
  checksum?: 'ok' | 'signed' | 'bad';
}): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(o.name, 0, 100, 'utf8');
  b.write('0000755\0', 100, 'latin1');
  b.write('0000000\0', 108, 'latin1');
  b.write('0000000\0', 116, 'latin1');
  if (o.sizeField) o.sizeField.copy(b, 124);
  else b.write(`${(o.size ?? 0).toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  b.write('00000000000\0', 136, 'latin1');
  b.write(o.typeflag ?? '0', 156, 'latin1');
  if (o.format !== 'v7') {
    if (o.format === 'gnu') b.write('ustar  \0', 257, 'latin1');
    else b.write('ustar\x0000', 257, 'latin1');
  }
  if (o.prefix) b.write(o.prefix, 345, 155, 'utf8');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += o.checksum === 'signed' ? (byte << 24) >> 24 : byte;
  if (o.checksum === 'bad') sum += 1;
  b.write(`${(sum & 0o777777).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

/** A body padded to whole blocks. */
function body(text: string | Buffer): Buffer {
  const b = Buffer.from(text);
  return Buffer.concat([b, Buffer.alloc((BLOCK - (b.length % BLOCK)) % BLOCK)]);
}

const END = Buffer.alloc(2 * BLOCK);

function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let len = rest.length + 1;
  while (`${len}${rest}`.length !== len) len++;
  return `${len}${rest}`;
}

describe('tar reader', () => {
  it('reads the real Velero v1.17.2 tarball exactly as tar-stream does, however it is chunked', async () => {
    const archive = gunzipSync(readFileSync(REAL_TARBALL));
    const expected = await referenceRead(archive);
    expect(expected.length).to.be.greaterThan(10);
    for (const chunk of [1, 7, 511, 512, 513, 4096, archive.length]) {
      const { seen, bytes } = await read(archive, chunk);
      expect(seen, `chunks of ${chunk}`).to.deep.equal(expected);
      expect(bytes).to.equal(archive.length);
    }
  });

  it('takes names from pax records and ustar prefixes, as tar-stream writes them', async () => {
    const deep = `resources/${'a'.repeat(60)}/${'v'.repeat(60)}-preferredversion/namespaces/${'n'.repeat(63)}/${'p'.repeat(120)}.json`;
    const unsplittable = `resources/${'x'.repeat(200)}.json`;
    const archive = await pack([
      { name: deep, body: '{"a":1}' },
      { name: unsplittable, body: '{"b":2}' },
      { name: 'metadata/', type: 'directory' },
      { name: 'metadata/version', body: '1.1.0\n' },
    ]);
    const expected = await referenceRead(archive);
    expect(expected.map((e) => e.name)).to.deep.equal([deep, unsplittable, 'metadata/', 'metadata/version']);
    for (const chunk of [1, 100, archive.length]) expect((await read(archive, chunk)).seen).to.deep.equal(expected);
  });

  it('reads GNU long names, the ustar prefix, base-256 sizes and signed checksums', async () => {
    const long = `resources/pods/namespaces/shop/${'p'.repeat(150)}.json`;
    const base256 = Buffer.alloc(12);
    base256[0] = 0x80;
    base256[11] = 5;
    const archive = Buffer.concat([
      header({ name: '././@LongLink', typeflag: 'L', size: long.length + 1, format: 'gnu' }),
      body(`${long}\0`),
      header({ name: long.slice(0, 99), size: 2, format: 'gnu' }),
      body('{}'),
      header({ name: 'api.json', prefix: 'resources/deployments.apps/namespaces/shop', size: 3 }),
      body('[1]'),
      header({ name: 'b256.json', sizeField: base256 }),
      body('hello'),
      header({ name: 'signed-\u00e9.json', size: 1, checksum: 'signed' }),
      body('1'),
      END,
    ]);
    const { seen } = await read(archive, 64);
    expect(seen.map((e) => [e.name, e.body])).to.deep.equal([
      [long, '{}'],
      ['resources/deployments.apps/namespaces/shop/api.json', '[1]'],
      ['b256.json', 'hello'],
      ['signed-\u00e9.json', '1'],
    ]);
  });

  it('takes a body size from a pax record over the header', async () => {
    const archive = Buffer.concat([
      header({ name: 'PaxHeader/x', typeflag: 'x', size: Buffer.byteLength(paxRecord('size', '4')) }),
      body(paxRecord('size', '4')),
      header({ name: 'x.json', size: 0 }),
      body('abcd'),
      header({ name: 'after.json', size: 1 }),
      body('z'),
      END,
    ]);
    const { seen } = await read(archive);
    expect(seen.map((e) => [e.name, e.body])).to.deep.equal([
      ['x.json', 'abcd'],
      ['after.json', 'z'],
    ]);
  });

  it('gives header-only types no body, whatever their size field says (as Go reads them)', async () => {
    const archive = Buffer.concat([
      header({ name: 'dir/', typeflag: '5', size: 4096 }),
      header({ name: 'link', typeflag: '2', size: 99 }),
      header({ name: 'dir/file.json', size: 2 }),
      body('{}'),
      END,
    ]);
    const { seen } = await read(archive);
    expect(seen.map((e) => [e.name, e.type, e.size, e.body])).to.deep.equal([
      ['dir/', 'directory', 0, null],
      ['link', 'symlink', 0, null],
      ['dir/file.json', 'file', 2, '{}'],
    ]);
  });

  it('skips a body it was not asked for and reads on after it', async () => {
    const big = Buffer.alloc(3 * BLOCK + 17, 0x41);
    const archive = Buffer.concat([
      header({ name: 'big.bin', size: big.length }),
      body(big),
      header({ name: 'small.json', size: 2 }),
      body('{}'),
      END,
    ]);
    const seen: [string, number | null][] = [];
    const reader = new TarReader({
      wantBody: (e) => e.size < 100,
      onEntry: (e, b) => seen.push([e.name, b?.length ?? null]),
    });
    await pipeline(Readable.from([archive.subarray(0, 700), archive.subarray(700)]), reader);
    expect(seen).to.deep.equal([
      ['big.bin', null],
      ['small.json', 2],
    ]);
  });

  it('stops at the end-of-archive marker: entries hidden after it are never reported', async () => {
    const archive = Buffer.concat([
      header({ name: 'a.json', size: 2 }),
      body('{}'),
      END,
      header({ name: 'hidden.json', size: 2 }),
      body('{}'),
      Buffer.from('not even a header'),
    ]);
    const { seen, bytes } = await read(archive, 100);
    expect(seen.map((e) => e.name)).to.deep.equal(['a.json']);
    expect(bytes).to.equal(archive.length);
  });

  it('accepts an archive without the end marker or with one zero block at the end', async () => {
    const entry = Buffer.concat([header({ name: 'a.json', size: 2 }), body('{}')]);
    expect((await read(entry)).seen).to.have.length(1);
    expect((await read(Buffer.concat([entry, Buffer.alloc(BLOCK)]))).seen).to.have.length(1);
  });

  const damaged: { name: string; archive: () => Buffer; error: RegExp }[] = [
    {
      name: 'a header with a wrong checksum',
      archive: () => Buffer.concat([header({ name: 'a.json', size: 2, checksum: 'bad' }), body('{}'), END]),
      error: /bad header checksum at byte 0/,
    },
    {
      name: 'a flipped byte in the second header',
      archive: () => {
        const a = Buffer.concat([header({ name: 'a.json', size: 2 }), body('{}'), header({ name: 'b.json' }), END]);
        a[2 * BLOCK + 3] ^= 0x01;
        return a;
      },
      error: /bad header checksum at byte 1024/,
    },
    {
      name: 'data that is not tar at all',
      archive: () => Buffer.from('{"kind":"Backup"}'.repeat(100)),
      error: /bad header checksum/,
    },
    {
      name: 'a pre-POSIX (v7) header',
      archive: () => Buffer.concat([header({ name: 'a.json', size: 2, format: 'v7' }), body('{}'), END]),
      error: /neither ustar nor GNU/,
    },
    {
      name: 'a header after a single zero block',
      archive: () => Buffer.concat([header({ name: 'a.json' }), Buffer.alloc(BLOCK), header({ name: 'b.json' }), END]),
      error: /follows a single zero block at byte 1024/,
    },
    {
      name: 'an end inside a body',
      archive: () => Buffer.concat([header({ name: 'a.json', size: 600 }), Buffer.alloc(100)]),
      error: /ends inside the body of a\.json/,
    },
    {
      name: 'an end inside a header',
      archive: () => Buffer.concat([header({ name: 'a.json' }), header({ name: 'b.json' }).subarray(0, 300)]),
      error: /ends inside a header/,
    },
    {
      name: 'a pax record with no entry after it',
      archive: () =>
        Buffer.concat([
          header({ name: 'p', typeflag: 'x', size: paxRecord('path', 'a').length }),
          body(paxRecord('path', 'a')),
        ]),
      error: /ends after a pax or long-name record with no entry/,
    },
    {
      name: 'a pax record larger than 1 MiB',
      archive: () => header({ name: 'p', typeflag: 'x', size: MAX_TAR_META_BYTES + 1 }),
      error: /pax record of 1048577 bytes at byte 0 \(at most 1048576 are read\)/,
    },
    {
      name: 'a GNU long name larger than 1 MiB',
      archive: () => header({ name: '././@LongLink', typeflag: 'L', size: 2 * MAX_TAR_META_BYTES, format: 'gnu' }),
      error: /long-name record of 2097152 bytes/,
    },
    {
      name: 'a pax record whose length runs past its header',
      archive: () =>
        Buffer.concat([header({ name: 'p', typeflag: 'x', size: 12 }), body('99 path=a.j\n'), header({ name: 'a' })]),
      error: /bad pax record .*a length that does not fit/,
    },
    {
      name: 'a pax size that is not a number',
      archive: () =>
        Buffer.concat([
          header({ name: 'p', typeflag: 'x', size: paxRecord('size', '-5').length }),
          body(paxRecord('size', '-5')),
          header({ name: 'a' }),
        ]),
      error: /bad pax record .*size -5/,
    },
    {
      name: 'a negative base-256 size',
      archive: () => Buffer.concat([header({ name: 'a', sizeField: Buffer.alloc(12, 0xff) }), END]),
      error: /bad size field in the header at byte 0/,
    },
    {
      name: 'a size field that is not octal',
      archive: () => Buffer.concat([header({ name: 'a', sizeField: Buffer.from('00000000009\0') }), END]),
      error: /bad size field/,
    },
  ];
  for (const d of damaged) {
    it(`refuses ${d.name} with a TarFormatError saying where`, async () => {
      for (const chunk of [undefined, 1, 500]) {
        const e = await failure(d.archive(), chunk);
        expect(e, `chunks of ${chunk}`).to.be.instanceOf(TarFormatError);
        expect(e.message).to.match(d.error);
      }
    });
  }
});

describe('tarball scan through the tar reader', () => {
  const item = (ns: string, name: string) =>
    JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns } });

  it('does not count items hidden after the end-of-archive marker, which a Velero restore never reads', async () => {
    const visible = await pack([
      { name: 'metadata/version', body: '1.1.0\n' },
      { name: 'resources/configmaps/namespaces/shop/a.json', body: item('shop', 'a') },
      { name: 'resources/configmaps/v1-preferredversion/namespaces/shop/a.json', body: item('shop', 'a') },
    ]);
    const hidden = await pack([
      { name: 'resources/configmaps/namespaces/shop/smuggled.json', body: item('shop', 'smuggled') },
      {
        name: 'resources/configmaps/v1-preferredversion/namespaces/shop/smuggled.json',
        body: item('shop', 'smuggled'),
      },
    ]);
    const visited: string[] = [];
    const scan = await scanTarball(
      Readable.from([gzipSync(Buffer.concat([visible, hidden]))]),
      (key, entry) => visited.push(`${key} ${entry}`),
      (e) => e as Error,
    );
    expect(visited).to.deep.equal(['v1/ConfigMap shop/a']);
    expect(scan).to.deep.include({ items: 1, preferredCopies: 1, entries: 3, problems: [] });
    expect(scan.byNamespace).to.deep.equal({ shop: 1 });
  });

  it('counts a namespace named __proto__ as data', async () => {
    const archive = await pack([
      { name: 'metadata/version', body: '1.1.0\n' },
      { name: 'resources/configmaps/namespaces/__proto__/a.json', body: item('__proto__', 'a') },
      { name: 'resources/configmaps/v1-preferredversion/namespaces/__proto__/a.json', body: item('__proto__', 'a') },
    ]);
    const scan = await scanTarball(
      Readable.from([gzipSync(archive)]),
      () => {},
      (e) => e as Error,
    );
    expect(Object.keys(scan.byNamespace)).to.deep.equal(['__proto__']);
    expect(Object.getPrototypeOf(scan.byNamespace)).to.equal(Object.prototype);
    expect(scan.byKind).to.deep.equal({ 'v1/ConfigMap': 1 });
  });

  it('reports a damaged header as bad tar, counting what came before', async () => {
    const archive = await pack([
      { name: 'metadata/version', body: '1.1.0\n' },
      { name: 'resources/configmaps/namespaces/shop/a.json', body: item('shop', 'a') },
      { name: 'resources/configmaps/v1-preferredversion/namespaces/shop/a.json', body: item('shop', 'a') },
    ]);
    archive[4 * BLOCK + 10] ^= 0x20;
    const scan = await scanTarball(
      Readable.from([gzipSync(archive)]),
      () => {},
      (e) => e as Error,
    );
    expect(scan.items).to.equal(1);
    expect(scan.problems).to.have.length(1);
    expect(scan.problems[0]).to.deep.include({ problem: 'bad tar' });
    expect(scan.problems[0]!.detail).to.match(/bad header checksum at byte 2048/);
  });
});
