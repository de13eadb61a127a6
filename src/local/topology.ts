/**
 * Regions, zones and storage classes of the two local clusters, so that cross-region drills meet what a real DR
 * region has: other zone names and other storage classes. kwok's nodes get no topology labels of their own;
 * the scheduler and the PV controller are real, so a PV pinned to a zone no node has keeps its pod Pending,
 * exactly as in a region without that zone.
 */
import { stringify } from 'yaml';
import type { BinDir } from './binaries.js';
import { clusterKubeconfig } from './clusters.js';
import { apply, kubectl } from './kubectl.js';
import type { ClusterName, LocalLayout } from './layout.js';

/** Region per cluster; zones are `<region>-1` and `<region>-2`, alternating over the nodes in name order. */
export const REGIONS: Record<ClusterName, string> = { primary: 'local-primary', dr: 'local-dr' };
export const zonesOf = (name: ClusterName): string[] => [`${REGIONS[name]}-1`, `${REGIONS[name]}-2`];

/**
 * `manual` in both (the demo's static PV and claim use it); one class only in each cluster, as a premium tier
 * named per region would be. Fields match local/demo/primary.yaml's `manual`, since a StorageClass is immutable.
 */
export const STORAGE_CLASSES: Record<ClusterName, string[]> = {
  primary: ['manual', 'fast-primary'],
  dr: ['manual', 'fast-dr'],
};

function storageClass(name: string): object {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name, labels: { 'app.kubernetes.io/part-of': name === 'manual' ? 'dr-drill-demo' : 'dr-drill-local' } },
    provisioner: 'kubernetes.io/no-provisioner',
    volumeBindingMode: 'Immediate',
    reclaimPolicy: 'Retain',
  };
}

/** Labels the nodes and applies the storage classes (idempotent: labels are overwritten, classes server-side applied). */
export async function ensureTopology(
  layout: LocalLayout,
  bin: BinDir,
  name: ClusterName,
): Promise<{ nodes: number; zones: string[] }> {
  const kc = clusterKubeconfig(layout, name);
  const nodes = (await kubectl(bin, kc, ['get', 'nodes', '-o', 'name'])).split('\n').filter(Boolean).sort();
  const zones = zonesOf(name);
  for (const [i, node] of nodes.entries()) {
    await kubectl(bin, kc, [
      'label',
      '--overwrite',
      node,
      `topology.kubernetes.io/region=${REGIONS[name]}`,
      `topology.kubernetes.io/zone=${zones[i % zones.length]}`,
    ]);
  }
  await apply(bin, kc, STORAGE_CLASSES[name].map((c) => stringify(storageClass(c))).join('---\n'));
  return { nodes: nodes.length, zones };
}
