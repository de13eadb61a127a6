/**
 * `npm run bench:volume`: Velero file-system backup and restore throughput for one pod volume of mixed files,
 * through the local environment's real node-agents, kopia uploader and Azurite (`dr-drill local up --fs-backup`),
 * against plain `tar | gzip` and `gunzip | tar -x` of the same directory in the same run; and what the volume data
 * adds to a restore (the restore phase of RTO), measured against a metadata-only restore of the same namespace.
 * Prints numbers; asserts nothing beyond the restored bytes being the source's.
 *
 * Usage: npm run bench:volume -- [--size 1GiB|256MiB|…] [--up] [--down] [--json]
 *   The environment is the one DR_DRILL_LOCAL_STATE / DR_DRILL_LOCAL_PORT_OFFSET select (as for `local up`); it
 *   must be up with --fs-backup, or pass --up to bring it up (--no-demo). --down brings it down at the end.
 */
import { execa } from 'execa';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { existingBinDir } from '../src/local/environment.js';
import { CONTEXTS, localLayout } from '../src/local/layout.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const MiB = 1024 * 1024;
const NS = 'bench-vol';

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(KiB|MiB|GiB)?$/i.exec(s.trim());
  if (!m) throw new Error(`--size ${s}: expected e.g. 1GiB, 256MiB`);
  const unit = { kib: 1024, mib: MiB, gib: 1024 * MiB }[(m[2] ?? 'MiB').toLowerCase() as 'kib' | 'mib' | 'gib'];
  return Math.round(Number(m[1]) * unit);
}

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const SIZE = parseSize(option('--size') ?? '1GiB');
const layout = localLayout();
const dr = (a: string[], env: NodeJS.ProcessEnv = {}) =>
  execa(process.execPath, [join(root, 'bin', 'dr-drill.js'), ...a], {
    env: { ...process.env, ...env },
    reject: false,
  });

const mb = (bytes: number) => bytes / MiB;
/** The machine is shared: each figure carries the 1-minute load average beside the core count when it was taken. */
const load = () => `load ${loadavg()[0]!.toFixed(1)}/${cpus().length} cores`;
const rate = (bytes: number, s: number) => (s > 0 ? `${(mb(bytes) / s).toFixed(1)} MiB/s` : 'n/a');
const since = (t: number) => (performance.now() - t) / 1000;

/**
 * A mix like an application's volume: half in 64 MiB files of random bytes (media, compressed pages: neither gzip
 * nor kopia can shrink them), 30 % in 1 MiB and 20 % in 4–64 KiB files of log/JSON-like text (compresses about
 * 2×). Every file has its own random content, so kopia's deduplication finds nothing to share.
 */
function fill(dir: string, total: number): { files: number; bytes: number } {
  let bytes = 0;
  let files = 0;
  const write = (rel: string, body: Buffer) => {
    writeFileSync(join(dir, rel), body);
    bytes += body.length;
    files++;
  };
  const text = (n: number): Buffer => {
    const lines: string[] = [];
    let len = 0;
    while (len < n) {
      const r = randomBytes(24).toString('hex');
      const line = `{"ts":"2026-01-03T12:${String(files % 60).padStart(2, '0')}:00Z","level":"info","id":"${r.slice(0, 16)}","user":${r.charCodeAt(17)},"msg":"order ${r.slice(16, 40)} accepted"}\n`;
      lines.push(line);
      len += line.length;
    }
    return Buffer.from(lines.join('')).subarray(0, n);
  };
  for (const d of ['media', 'logs', 'db']) mkdirSync(join(dir, d), { recursive: true });
  const big = Math.floor(total * 0.5);
  for (let i = 0; bytes < big; i++) write(`media/blob-${i}.bin`, randomBytes(Math.min(64 * MiB, big - bytes)));
  const medium = Math.floor(total * 0.8);
  for (let i = 0; bytes < medium; i++) write(`logs/app-${i}.log`, text(Math.min(MiB, medium - bytes)));
  for (let i = 0; bytes < total; i++) {
    const n = Math.min(4096 + ((i * 7919) % (60 * 1024)), total - bytes);
    mkdirSync(join(dir, 'db', `t${i % 64}`), { recursive: true });
    write(`db/t${i % 64}/row-${i}.json`, text(n));
  }
  return { files, bytes };
}

async function digests(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (e === '.velero') continue;
      if (statSync(p).isDirectory()) await walk(p);
      else {
        const h = createHash('sha256');
        for await (const c of createReadStream(p)) h.update(c as Buffer);
        out.set(relative(dir, p), h.digest('hex'));
      }
    }
  };
  await walk(dir);
  return out;
}

async function main(): Promise<void> {
  if (flag('--up')) {
    console.error('bench:volume: local up --no-demo --fs-backup …');
    const up = await dr(['local', 'up', '--no-demo', '--fs-backup']);
    if (up.exitCode !== 0) throw new Error(`local up --fs-backup: exit ${up.exitCode}\n${up.stderr.slice(-2000)}`);
  }
  const bin = existingBinDir(layout);
  const status = await dr(['local', 'status', '--output', 'json']);
  const components =
    status.exitCode === 0 ? (JSON.parse(status.stdout) as { components: Array<{ name: string }> }).components : [];
  if (!bin || !components.some((c) => c.name === 'primary/node-stand-in'))
    throw new Error(
      `no local environment with --fs-backup at ${layout.stateDir}: run \`dr-drill local up --fs-backup\` (same DR_DRILL_LOCAL_STATE / DR_DRILL_LOCAL_PORT_OFFSET) or pass --up`,
    );
  const kubectl = async (ctx: string, a: string[], input?: string) => {
    const r = await execa(bin.path('kubectl'), ['--kubeconfig', layout.kubeconfig, '--context', ctx, ...a], {
      input,
      reject: false,
    });
    if (r.exitCode !== 0) throw new Error(`kubectl ${a.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const velero = async (a: string[]) => {
    const r = await execa(
      bin.path('velero'),
      ['--kubeconfig', layout.kubeconfig, '--kubecontext', CONTEXTS.primary, '-n', 'velero', ...a],
      { reject: false },
    );
    if (r.exitCode !== 0) throw new Error(`velero ${a.join(' ')}: ${r.stderr || r.stdout}`);
    return r.stdout;
  };
  const json = async (ctx: string, a: string[]) => JSON.parse(await kubectl(ctx, [...a, '-o', 'json']));
  async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe().catch(() => null);
      if (v !== null) return v;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
      await sleep(2000);
    }
  }
  /** Each figure is printed the moment it is measured, so a run cut short still leaves what it got. */
  const rows: Array<[string, string, string, string]> = [];
  const figure = (what: string, seconds: number | null, r = '') => {
    const row: [string, string, string, string] = [
      what,
      seconds === null ? 'n/a' : `${seconds.toFixed(1)} s`,
      r,
      load(),
    ];
    rows.push(row);
    if (!flag('--json')) console.log(`${row[0].padEnd(46)} ${row[1].padStart(9)}  ${row[2].padEnd(28)} ${row[3]}`);
  };
  /** Velero's timestamps are whole seconds: a copy's duration is ±1 s. */
  const copySeconds = (st: { startTimestamp?: string; completionTimestamp?: string }) => {
    const d = (Date.parse(st.completionTimestamp ?? '') - Date.parse(st.startTimestamp ?? '')) / 1000;
    return Number.isFinite(d) ? d : null;
  };
  const stamp = Date.now().toString(36);
  const names = { fsb: `bench-fsb-${stamp}`, meta: `bench-meta-${stamp}` };
  const work = await mkdtemp(join(tmpdir(), 'dr-drill-bench-volume-'));
  const cleanup = async () => {
    for (const ctx of [CONTEXTS.primary, CONTEXTS.dr])
      for (const ns of [NS, `${NS}-fsb`, `${NS}-meta`])
        await kubectl(ctx, ['delete', 'namespace', ns, '--ignore-not-found', '--wait=false']).catch(() => {});
    for (const b of Object.values(names)) {
      await kubectl(CONTEXTS.dr, ['-n', 'velero', 'delete', 'restore', `${b}-r`, '--ignore-not-found']).catch(() => {});
      await velero(['backup', 'delete', b, '--confirm']).catch(() => {});
    }
    await rm(work, { recursive: true, force: true });
  };
  try {
    await kubectl(CONTEXTS.primary, ['create', 'namespace', NS]);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'data', namespace: NS },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'busybox',
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    };
    await kubectl(CONTEXTS.primary, ['apply', '-f', '-'], JSON.stringify(pod));
    await kubectl(CONTEXTS.primary, ['-n', NS, 'wait', '--for=condition=Ready', 'pod/data', '--timeout=120s']);
    const uid = await kubectl(CONTEXTS.primary, ['-n', NS, 'get', 'pod', 'data', '-o', 'jsonpath={.metadata.uid}']);
    const volumeDir = (cluster: 'primary' | 'dr', podUid: string) =>
      join(layout.stateDir, 'kubelet', cluster, 'pods', podUid, 'volumes', 'kubernetes.io~empty-dir', 'data');
    const src = volumeDir('primary', uid);
    await until('the pod volume directory', 60_000, async () => (existsSync(src) ? true : null));
    let t = performance.now();
    const made = fill(src, SIZE);
    const fillSeconds = since(t);
    const before = await digests(src);
    if (!flag('--json'))
      console.log(
        `volume: ${made.files} files, ${mb(made.bytes).toFixed(0)} MiB (50 % random 64 MiB files, 50 % text in 1 MiB and 4–64 KiB files)`,
      );
    figure('writing the volume (node, fs)', fillSeconds, rate(made.bytes, fillSeconds));

    // The baseline, same directory, same run: what a plain archive of the volume costs on this machine.
    const tgz = join(work, 'volume.tgz');
    t = performance.now();
    await execa('bash', ['-o', 'pipefail', '-c', `tar -C "${src}" -cf - . | gzip -c > "${tgz}"`]);
    const tarSeconds = since(t);
    const tgzBytes = statSync(tgz).size;
    figure('tar | gzip (baseline)', tarSeconds, `${rate(made.bytes, tarSeconds)} (→ ${mb(tgzBytes).toFixed(0)} MiB)`);
    const untarDir = join(work, 'untar');
    mkdirSync(untarDir);
    t = performance.now();
    await execa('bash', ['-o', 'pipefail', '-c', `gzip -dc "${tgz}" | tar -C "${untarDir}" -xf -`]);
    const untarSeconds = since(t);
    figure('gunzip | tar -x (baseline)', untarSeconds, rate(made.bytes, untarSeconds));
    await rm(untarDir, { recursive: true, force: true });
    await rm(tgz, { force: true });

    t = performance.now();
    await velero([
      'backup',
      'create',
      names.meta,
      '--include-namespaces',
      NS,
      '--default-volumes-to-fs-backup=false',
      '--wait',
    ]);
    const metaBackupSeconds = since(t);
    figure('Velero backup without volume data', metaBackupSeconds);
    t = performance.now();
    await velero([
      'backup',
      'create',
      names.fsb,
      '--include-namespaces',
      NS,
      '--default-volumes-to-fs-backup',
      '--wait',
    ]);
    const fsbBackupSeconds = since(t);
    const backupDone = performance.now();
    const fsb = await json(CONTEXTS.primary, ['-n', 'velero', 'get', 'backup', names.fsb]);
    if (fsb.status?.phase !== 'Completed') throw new Error(`backup ${names.fsb} is ${fsb.status?.phase}`);
    const pvbs = (
      await json(CONTEXTS.primary, [
        '-n',
        'velero',
        'get',
        'podvolumebackups',
        '-l',
        `velero.io/backup-name=${names.fsb}`,
      ])
    ).items;
    const pvb = pvbs[0]?.status ?? {};
    const pvbSeconds = copySeconds(pvb);
    figure('Velero backup, PodVolumeBackup (± 1 s)', pvbSeconds, rate(pvb.progress?.totalBytes ?? 0, pvbSeconds ?? 0));
    figure('Velero backup, create → Completed', fsbBackupSeconds, rate(made.bytes, fsbBackupSeconds));

    await until('both backups to sync into dr', 300_000, async () => {
      for (const b of Object.values(names)) await kubectl(CONTEXTS.dr, ['-n', 'velero', 'get', 'backup', b]);
      return true;
    });
    const syncSeconds = since(backupDone);
    figure('backup sync into dr (after Completed)', syncSeconds);

    const restore = async (backup: string, ns: string): Promise<number> => {
      const name = `${backup}-r`;
      const s = performance.now();
      await kubectl(
        CONTEXTS.dr,
        ['-n', 'velero', 'create', '-f', '-'],
        JSON.stringify({
          apiVersion: 'velero.io/v1',
          kind: 'Restore',
          metadata: { name, namespace: 'velero' },
          spec: {
            backupName: backup,
            includedNamespaces: [NS],
            namespaceMapping: { [NS]: ns },
          },
        }),
      );
      let shown = performance.now();
      const phase = await until(`restore ${name}`, 1_800_000, async () => {
        // A long copy shows how far it got every 30 s: a stalled one is seen, not guessed at.
        if (performance.now() - shown > 30_000 && !flag('--json')) {
          shown = performance.now();
          const pvrs = await json(CONTEXTS.dr, [
            '-n',
            'velero',
            'get',
            'podvolumerestores',
            '-l',
            `velero.io/restore-name=${name}`,
          ]);
          for (const o of pvrs.items as Array<{
            status?: { phase?: string; progress?: { bytesDone?: number; totalBytes?: number } };
          }>)
            console.log(
              `  … ${since(s).toFixed(0)} s: PodVolumeRestore ${o.status?.phase ?? 'New'}, ${mb(o.status?.progress?.bytesDone ?? 0).toFixed(0)}/${mb(o.status?.progress?.totalBytes ?? 0).toFixed(0)} MiB (${load()})`,
            );
        }
        const p = await kubectl(CONTEXTS.dr, [
          '-n',
          'velero',
          'get',
          'restore',
          name,
          '-o',
          'jsonpath={.status.phase}',
        ]);
        return ['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation'].includes(p) ? p : null;
      });
      if (phase !== 'Completed') throw new Error(`restore ${name} ended ${phase}`);
      return since(s);
    };
    const metaRestoreSeconds = await restore(names.meta, `${NS}-meta`);
    figure('Velero restore without volume data', metaRestoreSeconds);
    const fsbRestoreSeconds = await restore(names.fsb, `${NS}-fsb`);
    const pvr =
      (
        await json(CONTEXTS.dr, [
          '-n',
          'velero',
          'get',
          'podvolumerestores',
          '-l',
          `velero.io/restore-name=${names.fsb}-r`,
        ])
      ).items[0]?.status ?? {};
    const pvrSeconds = copySeconds(pvr);
    figure(
      'Velero restore, PodVolumeRestore (± 1 s)',
      pvrSeconds,
      rate(pvr.progress?.totalBytes ?? 0, pvrSeconds ?? 0),
    );
    figure('Velero restore, create → Completed', fsbRestoreSeconds, rate(made.bytes, fsbRestoreSeconds));
    figure('volume data adds to the restore phase (RTO)', fsbRestoreSeconds - metaRestoreSeconds);
    const dstUid = await kubectl(CONTEXTS.dr, [
      '-n',
      `${NS}-fsb`,
      'get',
      'pod',
      'data',
      '-o',
      'jsonpath={.metadata.uid}',
    ]);
    const after = await digests(volumeDir('dr', dstUid));
    const differing =
      [...before].filter(([f, h]) => after.get(f) !== h).length +
      [...after.keys()].filter((f) => !before.has(f)).length;
    if (differing) throw new Error(`${differing} restored files differ from the source`);

    const result = {
      sizeBytes: made.bytes,
      files: made.files,
      seconds: {
        fill: fillSeconds,
        tarGzip: tarSeconds,
        gunzipTar: untarSeconds,
        pvb: pvbSeconds,
        backup: fsbBackupSeconds,
        backupMetadataOnly: metaBackupSeconds,
        sync: syncSeconds,
        pvr: pvrSeconds,
        restore: fsbRestoreSeconds,
        restoreMetadataOnly: metaRestoreSeconds,
        dataAddsToRestore: fsbRestoreSeconds - metaRestoreSeconds,
      },
      pvbBytes: pvb.progress?.totalBytes ?? null,
      pvrBytes: pvr.progress?.totalBytes ?? null,
      tgzBytes,
      restoredFilesIdentical: true,
      loadAverage1m: rows.map(([what, , , l]) => ({ what, load: l })),
    };
    if (flag('--json')) console.log(JSON.stringify(result, null, 2));
    else console.log(`restored volume: ${made.files} files byte-identical to the source (sha256 of each)`);
  } finally {
    await cleanup();
    if (flag('--down')) await dr(['local', 'down']);
  }
}

main().catch((e) => {
  console.error(`bench:volume: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
