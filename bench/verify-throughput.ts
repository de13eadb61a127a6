/**
 * `npm run bench`: verify a synthetic 100,000-item Velero backup from local disk and compare its throughput
 * with plain `gunzip -c file > /dev/null` of the same tarball in the same run. Goal (issue 17): verify at
 * ≥ 85 % of gunzip's MB/s, peak RSS ≤ 200 MB. Prints numbers; asserts nothing. Both wall time and CPU time
 * (user + sys) are printed: on a shared machine the wall-time ratio mostly measures the load, CPU time does not.
 *
 * Env: BENCH_ITEMS (default 100000), BENCH_DIR (default a fresh temp dir, removed afterwards).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
// Imported directly (not through storage/index.ts) so that the Azure SDK's ~60 MB of modules, which a local
// verify does not use, do not count against verify's RSS.
import { openLocalStorage } from '../src/velero/storage/local-storage.js';
import { verifyBackup } from '../src/velero/storage/verify-backup.js';
import { storageLayout } from '../src/velero/storage-layout.js';
import { buildBackupFiles, resourceList, writeTarball, type FixtureItem } from '../test/support/velero-fixture.js';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 100_000);
const NAME = 'bench-100k';

/** A spread like a big cluster's backup: many namespaces, mostly pods, configmaps, secrets, services. */
function* benchItems(): Generator<FixtureItem> {
  const kinds = [
    { apiVersion: 'v1', kind: 'Pod', groupResource: 'pods' },
    { apiVersion: 'v1', kind: 'ConfigMap', groupResource: 'configmaps' },
    { apiVersion: 'v1', kind: 'Secret', groupResource: 'secrets' },
    { apiVersion: 'v1', kind: 'Service', groupResource: 'services' },
    { apiVersion: 'apps/v1', kind: 'Deployment', groupResource: 'deployments.apps' },
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', groupResource: 'replicasets.apps' },
  ];
  for (let i = 0; i < ITEMS; i++) {
    const k = kinds[i % kinds.length]!;
    yield { ...k, namespace: `team-${i % 200}`, name: `${k.kind.toLowerCase()}-${i}` };
  }
}

const mb = (bytes: number) => bytes / 1e6;

async function main(): Promise<void> {
  const dir = process.env.BENCH_DIR ?? (await mkdtemp(join(tmpdir(), 'dr-drill-bench-')));
  const layout = storageLayout();
  try {
    let t = performance.now();
    // The small artifacts come from the fixture builder; the big tarball and list are streamed/generated here.
    for (const [key, body] of await buildBackupFiles({ name: NAME, items: [] })) {
      await mkdir(dirname(join(dir, key)), { recursive: true });
      if (!key.endsWith('.tar.gz') && !key.endsWith('-resource-list.json.gz')) await writeFile(join(dir, key), body);
    }
    const tarPath = join(dir, layout.backupKey(NAME, 'contents'));
    await writeTarball(benchItems(), createWriteStream(tarPath), NAME);
    const { gzipSync } = await import('node:zlib');
    await writeFile(
      join(dir, layout.backupKey(NAME, 'resourceList')),
      gzipSync(JSON.stringify(resourceList(benchItems())) + '\n'),
    );
    const size = (await stat(tarPath)).size;
    console.log(
      `built ${ITEMS} items in ${((performance.now() - t) / 1000).toFixed(1)} s: tarball ${mb(size).toFixed(1)} MB compressed`,
    );

    // Verify runs in a child process so that its peak RSS is its own, not the fixture builder's. gunzip and
    // verify alternate twice and the best of each counts, so page-cache warm-up favours neither.
    const runs: { gunzip: number; gunzipCpu: number; verify: VerifyRun }[] = [];
    for (let round = 0; round < 2; round++) {
      t = performance.now();
      // /usr/bin/time reports gunzip's own user + sys seconds (the shell's are not in it).
      const g = spawnSync('sh', ['-c', `/usr/bin/time -f '%U %S' gunzip -c '${tarPath}' > /dev/null`], {
        encoding: 'utf8',
      });
      if (g.status !== 0) throw new Error(`gunzip failed: ${g.stderr}`);
      const gunzip = (performance.now() - t) / 1000;
      const [user, sys] = g.stderr.trim().split(/\s+/).slice(-2).map(Number);
      const gunzipCpu = (user ?? NaN) + (sys ?? NaN);
      const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--verify', dir], {
        encoding: 'utf8',
      });
      if (child.status !== 0) throw new Error(`verify run failed: ${child.stderr}`);
      runs.push({ gunzip, gunzipCpu, verify: JSON.parse(child.stdout) as VerifyRun });
    }
    const gunzipS = Math.min(...runs.map((r) => r.gunzip));
    const gunzipCpuS = Math.min(...runs.map((r) => r.gunzipCpu));
    const verify = runs.map((r) => r.verify).sort((a, b) => a.seconds - b.seconds)[0]!;
    const verifyCpuS = Math.min(...runs.map((r) => r.verify.cpuSeconds));
    const load = loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
    const gunzipMBs = mb(size) / gunzipS;
    const verifyMBs = mb(size) / verify.seconds;
    console.log(
      `items:           ${verify.items} (+${verify.items} preferred-version copies), ${mb(verify.uncompressed).toFixed(1)} MB uncompressed`,
    );
    console.log(
      `gunzip -c:       ${gunzipS.toFixed(2)} s  ${gunzipMBs.toFixed(1)} MB/s compressed (${(mb(verify.uncompressed) / gunzipS).toFixed(0)} MB/s uncompressed)`,
    );
    console.log(
      `dr-drill verify: ${verify.seconds.toFixed(2)} s  ${verifyMBs.toFixed(1)} MB/s compressed (${(mb(verify.uncompressed) / verify.seconds).toFixed(0)} MB/s uncompressed) = ${((verifyMBs / gunzipMBs) * 100).toFixed(0)} % of gunzip (goal >= 85 %)`,
    );
    console.log(
      `CPU (user+sys):  gunzip ${gunzipCpuS.toFixed(2)} s, verify ${verifyCpuS.toFixed(2)} s (all of its threads) = ${((gunzipCpuS / verifyCpuS) * 100).toFixed(0)} % of gunzip's throughput per CPU second`,
    );
    console.log(
      `load average:    ${load} on ${cpus().length} CPUs (at the end; wall times stretch with it, CPU times barely)`,
    );
    console.log(
      `peak RSS:        ${verify.maxRssMB.toFixed(0)} MB in the verify process, ${verify.baselineRssMB.toFixed(0)} MB of it before verify started (Node + tsx + modules) (goal <= 200 MB)`,
    );
  } finally {
    if (!process.env.BENCH_DIR) await rm(dir, { recursive: true, force: true });
  }
}

interface VerifyRun {
  seconds: number;
  /** user + sys of the whole verify process (main thread, zlib's thread pool, GC) during verify. */
  cpuSeconds: number;
  items: number;
  uncompressed: number;
  maxRssMB: number;
  baselineRssMB: number;
}

/** The child: verify the backup in `dir` once and print timing and peak RSS as JSON. */
async function verifyOnly(dir: string): Promise<void> {
  const baselineRssMB = process.resourceUsage().maxRSS / 1024;
  const t = performance.now();
  const cpu = process.cpuUsage();
  const v = await verifyBackup(openLocalStorage(dir), NAME);
  const seconds = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  if (!v.ok) throw new Error(`verify found defects: ${JSON.stringify(v.defects.slice(0, 3))}`);
  const run: VerifyRun = {
    seconds,
    cpuSeconds: (used.user + used.system) / 1e6,
    items: v.tarball?.items ?? 0,
    uncompressed: v.tarball?.uncompressedBytes ?? 0,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    baselineRssMB,
  };
  process.stdout.write(JSON.stringify(run));
}

if (process.argv[2] === '--verify') await verifyOnly(process.argv[3]!);
else await main();
