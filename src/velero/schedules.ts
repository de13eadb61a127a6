/** Velero Schedules (velero.io/v1): the parts `dr-drill init` and `watch` read. */
import type { KubeGateway } from '../kube/gateway.js';
import type { KubeObject } from '../kube/types.js';
import { VELERO_API } from './types.js';

/** A velero.io/v1 Schedule, the fields the drill reads. */
export interface VeleroSchedule extends KubeObject {
  spec?: {
    schedule?: string;
    paused?: boolean;
    template?: {
      includedNamespaces?: string[];
      excludedNamespaces?: string[];
      snapshotVolumes?: boolean | null;
      defaultVolumesToFsBackup?: boolean | null;
      storageLocation?: string;
      ttl?: string;
    };
  };
}

/** A Schedule as dr-drill uses it. */
export interface ScheduleFacts {
  name: string;
  veleroNamespace: string;
  /** spec.schedule, the cron expression. */
  expression: string;
  paused: boolean;
  /** The namespaces its backups include; null when it backs up every namespace (`*` or none named). */
  includedNamespaces: string[] | null;
  /** Whether its backups carry volume data: snapshots (Velero's default) or file-system backup. */
  volumeData: boolean;
}

export function scheduleFacts(s: VeleroSchedule): ScheduleFacts {
  const t = s.spec?.template ?? {};
  const included = t.includedNamespaces ?? [];
  return {
    name: s.metadata.name,
    veleroNamespace: s.metadata.namespace ?? '',
    expression: s.spec?.schedule ?? '',
    paused: s.spec?.paused === true,
    includedNamespaces: included.length === 0 || included.includes('*') ? null : [...included],
    // Velero snapshots volumes unless snapshotVolumes is false; fs-backup only when asked.
    volumeData: t.snapshotVolumes !== false || t.defaultVolumesToFsBackup === true,
  };
}

export async function listSchedules(gw: KubeGateway, veleroNamespace: string): Promise<ScheduleFacts[]> {
  const { items } = await gw.list({ apiVersion: VELERO_API, kind: 'Schedule', namespace: veleroNamespace });
  return (items as VeleroSchedule[]).map(scheduleFacts).sort((a, b) => a.name.localeCompare(b.name));
}
