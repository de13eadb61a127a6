/**
 * What `dr-drill init` reads from a cluster: its Velero Schedules and, in the namespaces each backs up, the
 * workloads and PersistentVolumeClaims a drill of it should see come back. Read-only.
 */
import type { KubeGateway } from '../kube/gateway.js';
import type { KubeObject } from '../kube/types.js';
import { listSchedules, type ScheduleFacts } from '../velero/schedules.js';
import { listScheduleBackups } from '../velero/backups.js';
import type { ScenarioProbe } from '../scenario/schema.js';

/** The kinds a workload probe can wait for, in the order init writes their probes. */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'] as const satisfies ReadonlyArray<
  Extract<ScenarioProbe, { kind: 'workload' }>['ref']['kind']
>;
/** The workload kinds `init` lists in a schedule's namespaces. */
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** One workload `init` found in a schedule's namespace (a probe candidate). */
export interface InventoryWorkload {
  kind: WorkloadKind;
  name: string;
  /** spec.selector.matchLabels as a selector string; null when it has none. */
  selector: string | null;
  /** Mounts a claim (volumeClaimTemplates, or a persistentVolumeClaim volume): where the data probably is. */
  holdsData: boolean;
}

/** One namespace a Schedule backs up, and what runs in it. */
export interface InventoryNamespace {
  name: string;
  /** False when the namespace does not exist in the cluster (the schedule names one that is gone). */
  exists: boolean;
  workloads: InventoryWorkload[];
  pvcs: string[];
}

/** What `init` knows about one Schedule: its facts, namespaces and backup durations. */
export interface ScheduleInventory {
  schedule: ScheduleFacts;
  namespaces: InventoryNamespace[];
  /** The longest completion − start of the schedule's Completed backups, in seconds; null without any. */
  longestBackupSeconds: number | null;
}

function selectorOf(o: KubeObject): string | null {
  const labels = (o.spec?.selector?.matchLabels ?? {}) as Record<string, string>;
  const terms = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return terms.length ? terms.sort().join(',') : null;
}

function holdsData(o: KubeObject): boolean {
  if ((o.spec?.volumeClaimTemplates ?? []).length > 0) return true;
  const volumes = (o.spec?.template?.spec?.volumes ?? []) as Array<{ persistentVolumeClaim?: unknown }>;
  return volumes.some((v) => v.persistentVolumeClaim !== undefined);
}

async function readNamespace(gw: KubeGateway, name: string): Promise<InventoryNamespace> {
  const ns = await gw.get({ apiVersion: 'v1', kind: 'Namespace', name });
  if (!ns) return { name, exists: false, workloads: [], pvcs: [] };
  const workloads: InventoryWorkload[] = [];
  for (const kind of WORKLOAD_KINDS) {
    const { items } = await gw.list({ apiVersion: 'apps/v1', kind, namespace: name });
    for (const o of items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)))
      workloads.push({ kind, name: o.metadata.name, selector: selectorOf(o), holdsData: holdsData(o) });
  }
  const { items: claims } = await gw.list({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: name });
  return { name, exists: true, workloads, pvcs: claims.map((c) => c.metadata.name).sort() };
}

/** Every Schedule in the Velero namespace with what its namespaces hold now. */
export async function readScheduleInventory(gw: KubeGateway, veleroNamespace: string): Promise<ScheduleInventory[]> {
  const out: ScheduleInventory[] = [];
  for (const schedule of await listSchedules(gw, veleroNamespace)) {
    const namespaces: InventoryNamespace[] = [];
    for (const ns of schedule.includedNamespaces ?? []) namespaces.push(await readNamespace(gw, ns));
    let longest: number | null = null;
    for (const b of await listScheduleBackups(gw, veleroNamespace, schedule.name)) {
      const { phase, startTimestamp, completionTimestamp } = b.status ?? {};
      if (phase !== 'Completed' || !startTimestamp || !completionTimestamp) continue;
      const s = (Date.parse(completionTimestamp) - Date.parse(startTimestamp)) / 1000;
      if (Number.isFinite(s)) longest = Math.max(longest ?? 0, s);
    }
    out.push({ schedule, namespaces, longestBackupSeconds: longest });
  }
  return out;
}
