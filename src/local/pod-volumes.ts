/**
 * Where a pod's volumes live on a "node" of the local environment, laid out as kubelet lays them out under
 * /var/lib/kubelet/pods, because Velero's node-agent finds a volume by globbing exactly that layout
 * (`<root>/<pod uid>/volumes/*\/<volume dir>`, pkg/exposer/host_path.go; it must match one path).
 * Pure: the node stand-in decides what to create, this module says where.
 */
import { join } from 'node:path';

/** The parts of a pod this layout needs. */
export interface PodVolumesInput {
  uid: string;
  namespace: string;
  volumes: Array<{ name: string; emptyDir?: object | null; persistentVolumeClaim?: { claimName: string } | null }>;
}

/** The parts of a bound PersistentVolume this layout needs. */
export interface BoundVolume {
  name: string;
  /** `spec.local.path` of a local PV: the volume dir is a link to it, as kubelet bind-mounts it. */
  localPath: string | null;
  /** CSI PVs are mounted at `<pv>/mount` (Velero's volDir adds "/mount" for them). */
  csi: boolean;
}

/** One volume directory of a pod. */
export interface PodVolumeDir {
  volume: string;
  /** The directory the node-agent finds (under the pods root). */
  dir: string;
  /** When set, `dir` is a symlink to this directory (the data outlives the pod). */
  linkTo: string | null;
}

/** The pod's directory under the pods root (the node-agent's startup check wants one per running pod). */
export function podDir(podsRoot: string, uid: string): string {
  return join(podsRoot, uid);
}

/**
 * The volume directories of a pod: emptyDir as `kubernetes.io~empty-dir/<volume>`; a claim bound to a PV as
 * `kubernetes.io~local-volume/<pv>` (a link to the PV's local path, or to `<pvStore>/<pv>`), or
 * `kubernetes.io~csi/<pv>/mount` for CSI PVs. Other volume types (configMap, secret, hostPath…) get none:
 * Velero's file-system backup skips hostPath and has nothing to do with projected data.
 * `boundVolume` returns the PV a claim of the pod's namespace is bound to, or null while unbound.
 */
export function podVolumeDirs(
  podsRoot: string,
  pvStore: string,
  pod: PodVolumesInput,
  boundVolume: (claimName: string) => BoundVolume | null,
): PodVolumeDir[] {
  const base = join(podDir(podsRoot, pod.uid), 'volumes');
  const out: PodVolumeDir[] = [];
  for (const v of pod.volumes) {
    if (v.emptyDir) {
      out.push({ volume: v.name, dir: join(base, 'kubernetes.io~empty-dir', v.name), linkTo: null });
    } else if (v.persistentVolumeClaim) {
      const pv = boundVolume(v.persistentVolumeClaim.claimName);
      if (!pv) continue;
      const store = pv.localPath ?? join(pvStore, pv.name);
      if (pv.csi) out.push({ volume: v.name, dir: join(base, 'kubernetes.io~csi', pv.name, 'mount'), linkTo: store });
      else out.push({ volume: v.name, dir: join(base, 'kubernetes.io~local-volume', pv.name), linkTo: store });
    }
  }
  return out;
}
