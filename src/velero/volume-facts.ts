/**
 * What a backup's objects say about storage and placement: each PVC's class and volume, each PV's class and
 * zones, and every place a zone value sits in a PV's node affinity or a pod spec's nodeSelector/node affinity —
 * as the exact JSON pointer Velero's resource modifiers need. Pure: the objects come from the backup tarball
 * (backup-contents.ts) or, before a backup exists, from the live source cluster.
 */
import type { KubeObject } from '../kube/types.js';

/** Node label keys whose values are zones: the GA key, the deprecated beta key, and the Azure Disk CSI topology key. */
export const ZONE_KEYS = [
  'topology.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/zone',
  'topology.disk.csi.azure.com/zone',
] as const;
const isZoneKey = (k: unknown): k is string => typeof k === 'string' && (ZONE_KEYS as readonly string[]).includes(k);

/** The workload kinds that carry a pod spec, by group-resource as in the tarball: their API kind and where the pod spec sits. */
export const WORKLOADS: Record<string, { apiVersion: string; kind: string; podSpec: string[] }> = {
  pods: { apiVersion: 'v1', kind: 'Pod', podSpec: ['spec'] },
  'deployments.apps': { apiVersion: 'apps/v1', kind: 'Deployment', podSpec: ['spec', 'template', 'spec'] },
  'statefulsets.apps': { apiVersion: 'apps/v1', kind: 'StatefulSet', podSpec: ['spec', 'template', 'spec'] },
  'daemonsets.apps': { apiVersion: 'apps/v1', kind: 'DaemonSet', podSpec: ['spec', 'template', 'spec'] },
  'replicasets.apps': { apiVersion: 'apps/v1', kind: 'ReplicaSet', podSpec: ['spec', 'template', 'spec'] },
  'jobs.batch': { apiVersion: 'batch/v1', kind: 'Job', podSpec: ['spec', 'template', 'spec'] },
  'cronjobs.batch': {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    podSpec: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  },
};

/** Where a pod spec sits in each workload kind Velero restores (group-resource as in the tarball). */
export const POD_SPEC_PATHS: Record<string, string[]> = Object.fromEntries(
  Object.entries(WORKLOADS).map(([gr, w]) => [gr, w.podSpec]),
);

/** A backed-up object with where it was found. */
export interface BackupItem {
  groupResource: string;
  namespace: string | null;
  name: string;
  object: KubeObject;
}

/** One zone value in one object, addressable by a JSON pointer. */
export interface ZoneSite {
  groupResource: string;
  namespace: string | null;
  name: string;
  /** JSON pointer (RFC 6901) to the zone value. */
  path: string;
  /** JSON pointer to the expression's key (node affinity), or null where the key is the path's last segment (nodeSelector). */
  keyPath: string | null;
  key: string;
  zone: string;
}

/** A PersistentVolumeClaim of the backup (or the live source): its class, volume and selected node. */
export interface PvcFact {
  namespace: string;
  name: string;
  storageClass: string | null;
  volumeName: string | null;
  selectedNode: string | null;
}
/** A PersistentVolume of the backup: its class, zones and claim. */
export interface PvFact {
  name: string;
  storageClass: string | null;
  zones: string[];
  claim: { namespace: string; name: string } | null;
}
/** A StatefulSet volume claim template of the backup (claims it will create on restore). */
export interface ClaimTemplateFact {
  namespace: string;
  statefulSet: string;
  template: string;
  storageClass: string | null;
}

/** What a backup's objects say about volumes: claims, volumes, claim templates and where zones are pinned. */
export interface VolumeFacts {
  pvcs: PvcFact[];
  pvs: PvFact[];
  claimTemplates: ClaimTemplateFact[];
  zoneSites: ZoneSite[];
}

/** The group-resources whose objects volumeFacts reads; a contents reader keeps only these. */
export const FACT_RESOURCES = new Set(['persistentvolumeclaims', 'persistentvolumes', ...Object.keys(POD_SPEC_PATHS)]);

const ptr = (segs: Array<string | number>) =>
  '/' + segs.map((s) => String(s).replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking unstructured JSON
type Json = any;

function dig(o: Json, segs: string[]): Json {
  let cur = o;
  for (const s of segs) cur = cur?.[s];
  return cur;
}

type Push = (path: Array<string | number>, keyPath: Array<string | number> | null, key: string, zone: string) => void;

/** Zone values in one term's matchExpressions (`base` points at the term), with pointers. */
function exprSites(term: Json, base: Array<string | number>, push: Push): void {
  const exprs = term?.matchExpressions;
  if (!Array.isArray(exprs)) return;
  exprs.forEach((e: Json, j: number) => {
    if (!isZoneKey(e?.key) || !Array.isArray(e.values)) return;
    e.values.forEach((v: unknown, k: number) => {
      if (typeof v === 'string')
        push([...base, 'matchExpressions', j, 'values', k], [...base, 'matchExpressions', j, 'key'], e.key, v);
    });
  });
}

/** Zone values in a list of node selector terms. */
function termSites(terms: Json, base: Array<string | number>, push: Push): void {
  if (Array.isArray(terms)) terms.forEach((t: Json, i: number) => exprSites(t, [...base, i], push));
}

/** Storage and zone facts from backed-up (or live) objects; unknown kinds are ignored. */
export function volumeFacts(items: Iterable<BackupItem>): VolumeFacts {
  const facts: VolumeFacts = { pvcs: [], pvs: [], claimTemplates: [], zoneSites: [] };
  for (const it of items) {
    const o: Json = it.object;
    const site = (path: Array<string | number>, keyPath: Array<string | number> | null, key: string, zone: string) =>
      facts.zoneSites.push({
        groupResource: it.groupResource,
        namespace: it.namespace,
        name: it.name,
        path: ptr(path),
        keyPath: keyPath && ptr(keyPath),
        key,
        zone,
      });
    if (it.groupResource === 'persistentvolumeclaims') {
      facts.pvcs.push({
        namespace: it.namespace ?? '',
        name: it.name,
        storageClass:
          o.spec?.storageClassName ?? o.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? null,
        volumeName: o.spec?.volumeName || null,
        selectedNode: o.metadata?.annotations?.['volume.kubernetes.io/selected-node'] ?? null,
      });
    } else if (it.groupResource === 'persistentvolumes') {
      const before = facts.zoneSites.length;
      termSites(
        o.spec?.nodeAffinity?.required?.nodeSelectorTerms,
        ['spec', 'nodeAffinity', 'required', 'nodeSelectorTerms'],
        site,
      );
      const cr = o.spec?.claimRef;
      facts.pvs.push({
        name: it.name,
        storageClass: o.spec?.storageClassName || null,
        zones: [...new Set(facts.zoneSites.slice(before).map((s) => s.zone))],
        claim: cr?.name ? { namespace: cr.namespace ?? '', name: cr.name } : null,
      });
    } else if (POD_SPEC_PATHS[it.groupResource]) {
      const base = POD_SPEC_PATHS[it.groupResource]!;
      const spec = dig(o, base);
      if (!spec) continue;
      for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) {
        if (isZoneKey(k) && typeof v === 'string') site([...base, 'nodeSelector', k], null, k, v);
      }
      const na = spec.affinity?.nodeAffinity;
      termSites(
        na?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
        [...base, 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms'],
        site,
      );
      const preferred = na?.preferredDuringSchedulingIgnoredDuringExecution;
      if (Array.isArray(preferred)) {
        preferred.forEach((p: Json, i: number) =>
          exprSites(
            p?.preference,
            [...base, 'affinity', 'nodeAffinity', 'preferredDuringSchedulingIgnoredDuringExecution', i, 'preference'],
            site,
          ),
        );
      }
      if (it.groupResource === 'statefulsets.apps' && Array.isArray(o.spec?.volumeClaimTemplates)) {
        for (const t of o.spec.volumeClaimTemplates as Json[]) {
          facts.claimTemplates.push({
            namespace: it.namespace ?? '',
            statefulSet: it.name,
            template: t?.metadata?.name ?? '?',
            storageClass: t?.spec?.storageClassName ?? null,
          });
        }
      }
    }
  }
  return facts;
}
