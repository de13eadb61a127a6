/**
 * The demo workload in primary (local/demo/*.yaml): namespace `shop` (Deployment web, StatefulSet db, Services,
 * ConfigMap, Secret), namespace `catalog` (no volumes) and the Velero Schedules shop-daily and catalog-hourly.
 * With file-system backup (volume data) db's claim data-db-0 is of the `local-data` class and db has a `wal`
 * emptyDir, both seeded with a small "database" once; without, data-db-0 binds the static hostPath PV shop-db-pv.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { infraError } from '../util/errors.js';
import type { BinDir } from './binaries.js';
import { clusterKubeconfig } from './clusters.js';
import { parseAllDocuments, stringify } from 'yaml';
import { mountsDir } from './exec-wrapper.js';
import { LOCAL_DATA_CLASS } from './local-data-class.js';
import { apply, jsonpath, kubectl } from './kubectl.js';
import { VELERO_NAMESPACE, type LocalLayout } from './layout.js';

/** The demo's Velero Schedules (local/demo/schedules.yaml). */
export const DEMO_SCHEDULES = ['shop-daily', 'catalog-hourly'] as const;

/** The demo database's manifest: with volume data (file-system backup on) or without. */
export const demoDbFile = (volumeData: boolean): string => (volumeData ? 'db-data.yaml' : 'db-metadata-only.yaml');

/**
 * The Schedules of local/demo/schedules.yaml with `defaultVolumesToFsBackup` as the environment can honour it
 * (true with file-system backup: Velero fails a pod volume backup when no node-agent runs on the pod's node).
 */
export function demoSchedules(text: string, volumeData: boolean): string {
  return parseAllDocuments(text)
    .map((d) => {
      d.setIn(['spec', 'template', 'defaultVolumesToFsBackup'], volumeData);
      return stringify(d.toJS());
    })
    .join('---\n');
}

/**
 * Applies the demo manifests and schedules to primary (idempotent). A db StatefulSet made before in the other
 * variant stays as it is (its claim templates cannot change): returns whether db has volume data.
 */
export async function seedDemo(
  layout: LocalLayout,
  bin: BinDir,
  opts: { volumeData: boolean },
): Promise<{ volumeData: boolean }> {
  const kc = clusterKubeconfig(layout, 'primary');
  const read = (f: string): string => readFileSync(join(layout.repoRoot, 'local', 'demo', f), 'utf8');
  await apply(bin, kc, read('primary.yaml'));
  const existing = await jsonpath(
    bin,
    kc,
    ['-n', 'shop', 'statefulset', 'db'],
    '{.spec.volumeClaimTemplates[0].spec.storageClassName}',
  );
  const volumeData = existing ? existing === LOCAL_DATA_CLASS : opts.volumeData;
  await apply(bin, kc, read(demoDbFile(volumeData)));
  await apply(bin, kc, demoSchedules(read('schedules.yaml'), opts.volumeData));
  return { volumeData };
}

/** The demo database's files: mountPath → relative path → content (`seedDemoData` writes them once). */
export function demoDatabaseFiles(): Record<string, Record<string, Buffer>> {
  const orders = Array.from({ length: 2000 }, (_, i) => `${100000 + i},sku-${(i * 7919) % 613},${1 + (i % 5)}\n`);
  const customers = Array.from({ length: 500 }, (_, i) => `${i},customer-${i},${['weu', 'neu', 'eus'][i % 3]}\n`);
  return {
    '/var/lib/postgresql/data': {
      PG_VERSION: Buffer.from('16\n'),
      'base/16384/orders.csv': Buffer.from(orders.join('')),
      'base/16384/customers.csv': Buffer.from(customers.join('')),
      'global/pg_control': randomBytes(8192),
    },
    '/var/lib/postgresql/wal': { '000000010000000000000001': randomBytes(64 * 1024) },
  };
}

/** Where `seedDemoData` marks the database as written (inside the data volume, so a restored copy has it too). */
const SEEDED = 'PG_VERSION';

/**
 * Writes the demo database into shop/db-0's volumes in primary, once (a volume that has PG_VERSION is left as it
 * is): each file goes to the host directory the node stand-in laid out for the volume, found through the pod's
 * mount table (what the exec wrapper bind-mounts at the mountPath). Returns the bytes written (0 when seeded before).
 */
export async function seedDemoData(layout: LocalLayout, timeoutMs: number): Promise<number> {
  const table = join(mountsDir(layout, 'primary'), 'shop', 'db-0', 'postgres');
  const deadline = Date.now() + timeoutMs;
  const files = demoDatabaseFiles();
  let dirs = new Map<string, string>();
  // The stand-in writes the table once the claim is bound and the volume laid out: moments after db is ready.
  while (Object.keys(files).some((m) => !dirs.has(m))) {
    if (Date.now() > deadline)
      throw infraError(
        'LOCAL_DEMO_NOT_SEEDED',
        `the node stand-in laid out no volumes for shop/db-0 within ${timeoutMs / 1000}s (no mount table ${table})`,
        `see ${join(layout.logsDir, 'node-stand-in-primary.log')}`,
      );
    if (existsSync(table))
      dirs = new Map(
        readFileSync(table, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split('\t') as [string, string]),
      );
    if (Object.keys(files).some((m) => !dirs.has(m))) await sleep(200);
  }
  if (existsSync(join(dirs.get('/var/lib/postgresql/data')!, SEEDED))) return 0;
  let bytes = 0;
  // The marker file last: a seed cut short is written again by the next `up`.
  for (const [mount, entries] of Object.entries(files).reverse()) {
    for (const [rel, content] of Object.entries(entries).sort(([a], [b]) =>
      a === SEEDED ? 1 : b === SEEDED ? -1 : 0,
    )) {
      const file = join(dirs.get(mount)!, rel);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
      bytes += content.length;
    }
  }
  return bytes;
}

/** What the demo looks like now: ready replicas and the claim's phase. */
export interface DemoState {
  webReady: number;
  dbReady: number;
  apiReady: number;
  pvcPhase: string;
}

/** Reads the demo's readiness from primary. */
export async function demoState(layout: LocalLayout, bin: BinDir): Promise<DemoState> {
  const kc = clusterKubeconfig(layout, 'primary');
  const num = async (args: string[]): Promise<number> =>
    Number((await jsonpath(bin, kc, args, '{.status.readyReplicas}')) || 0);
  return {
    webReady: await num(['-n', 'shop', 'deployment', 'web']),
    dbReady: await num(['-n', 'shop', 'statefulset', 'db']),
    apiReady: await num(['-n', 'catalog', 'deployment', 'api']),
    pvcPhase: (await jsonpath(bin, kc, ['-n', 'shop', 'pvc', 'data-db-0'], '{.status.phase}')) ?? 'missing',
  };
}

/** Waits until web has 2 ready replicas, db 1, api 2 and data-db-0 is Bound; the error says what was seen. */
export async function waitDemoReady(layout: LocalLayout, bin: BinDir, timeoutMs: number): Promise<DemoState> {
  const deadline = Date.now() + timeoutMs;
  let s = await demoState(layout, bin);
  const ok = (x: DemoState): boolean => x.webReady >= 2 && x.dbReady >= 1 && x.apiReady >= 2 && x.pvcPhase === 'Bound';
  while (!ok(s)) {
    if (Date.now() > deadline) {
      throw infraError(
        'LOCAL_DEMO_NOT_READY',
        `demo not ready after ${timeoutMs / 1000}s: shop/web ${s.webReady}/2 ready, shop/db ${s.dbReady}/1, catalog/api ${s.apiReady}/2, pvc shop/data-db-0 ${s.pvcPhase}`,
        'check the primary cluster: kubectl --context dr-drill-primary get pods,pvc -A',
      );
    }
    await sleep(1000);
    s = await demoState(layout, bin);
  }
  return s;
}

/**
 * Velero does not run a new Schedule at once, so a drill that selects "the newest backup of shop-daily" would
 * find none until 03:00. For each demo Schedule without a backup, this takes one now, as
 * `velero backup create --from-schedule` does (labelled velero.io/schedule-name). Returns the names created.
 */
export async function ensureScheduleBackups(layout: LocalLayout, bin: BinDir): Promise<string[]> {
  const kc = clusterKubeconfig(layout, 'primary');
  const created: string[] = [];
  for (const schedule of DEMO_SCHEDULES) {
    const have = await kubectl(bin, kc, [
      '-n',
      VELERO_NAMESPACE,
      'get',
      'backups',
      '-l',
      `velero.io/schedule-name=${schedule}`,
      '-o',
      'name',
    ]);
    if (have.trim()) continue;
    const r = await execa(
      bin.path('velero'),
      ['--kubeconfig', kc, '-n', VELERO_NAMESPACE, 'backup', 'create', '--from-schedule', schedule],
      { reject: false, stdin: 'ignore' },
    );
    if (r.exitCode !== 0)
      throw infraError(
        'LOCAL_BACKUP_FAILED',
        `velero backup create --from-schedule ${schedule}: ${r.stderr.trim()}`,
        'see the velero-primary log',
      );
    const m = /Backup request "([^"]+)"/.exec(r.stdout);
    created.push(m ? m[1]! : schedule);
  }
  return created;
}
