/**
 * The demo workload in primary (local/demo/*.yaml): namespace `shop` (Deployment web, StatefulSet db whose
 * claim data-db-0 binds the static PV shop-db-pv, Services, ConfigMap, Secret), namespace `catalog` (no
 * volumes) and the Velero Schedules shop-daily and catalog-hourly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { infraError } from '../errors.js';
import type { BinDir } from './binaries.js';
import { clusterKubeconfig } from './clusters.js';
import { apply, jsonpath, kubectl } from './kubectl.js';
import { VELERO_NAMESPACE, type LocalLayout } from './layout.js';

/** The demo's Velero Schedules (local/demo/schedules.yaml). */
export const DEMO_SCHEDULES = ['shop-daily', 'catalog-hourly'] as const;

/** Applies the demo manifests and schedules to primary (idempotent). */
export async function seedDemo(layout: LocalLayout, bin: BinDir): Promise<void> {
  const kc = clusterKubeconfig(layout, 'primary');
  for (const f of ['primary.yaml', 'schedules.yaml']) {
    await apply(bin, kc, readFileSync(join(layout.repoRoot, 'local', 'demo', f), 'utf8'));
  }
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
