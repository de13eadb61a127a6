/**
 * The live objects that copied a restore's volume data: PodVolumeRestores (velero.io/v1, file-system backup) and
 * DataDownloads (velero.io/v2alpha1, CSI snapshot data movement), labelled `velero.io/restore-name` in Velero's
 * namespace (pkg/podvolume/restorer.go, pkg/apis/velero @ v1.17.2). Velero's volume info files are read by
 * backup-reading.ts; this says how each copy ended.
 */
import type { KubeGateway } from '../kube/gateway.js';
import { isNotFound } from '../kube/errors.js';
import type { KubeObject } from '../kube/types.js';
import { LABEL_RESTORE_NAME, validLabelValue } from './names.js';
import { describeError } from '../util/errors.js';

export const PVR_API = 'velero.io/v1';
export const DATA_DOWNLOAD_API = 'velero.io/v2alpha1';

/** The live objects that moved a restore's data, by Velero's phases. */
export interface DataMover {
  kind: 'PodVolumeRestore' | 'DataDownload';
  /** Target namespace and pod/volume (PodVolumeRestore) or PVC (DataDownload). */
  namespace: string;
  pod: string | null;
  volume: string | null;
  pvc: string | null;
  phase: string;
  message: string | null;
  bytes: number | null;
  durationSeconds: number | null;
  /** The repository snapshot it restores from (spec.snapshotID of both kinds); null when not set. */
  snapshotId: string | null;
}

export function dataMoverOf(o: KubeObject): DataMover {
  const spec = (o.spec ?? {}) as {
    pod?: { namespace?: string; name?: string };
    volume?: string;
    targetVolume?: { namespace?: string; pvc?: string };
    snapshotID?: string;
  };
  const s = (o.status ?? {}) as {
    phase?: string;
    message?: string;
    startTimestamp?: string;
    completionTimestamp?: string;
    progress?: { totalBytes?: number };
  };
  const pvr = o.kind === 'PodVolumeRestore';
  const start = s.startTimestamp ? Date.parse(s.startTimestamp) : NaN;
  const end = s.completionTimestamp ? Date.parse(s.completionTimestamp) : NaN;
  return {
    kind: pvr ? 'PodVolumeRestore' : 'DataDownload',
    namespace: (pvr ? spec.pod?.namespace : spec.targetVolume?.namespace) ?? '',
    pod: pvr ? (spec.pod?.name ?? null) : null,
    volume: pvr ? (spec.volume ?? null) : null,
    pvc: pvr ? null : (spec.targetVolume?.pvc ?? null),
    phase: s.phase || 'New',
    message: s.message || null,
    bytes: s.progress?.totalBytes ?? null,
    durationSeconds: Number.isFinite(start) && Number.isFinite(end) ? (end - start) / 1000 : null,
    snapshotId: spec.snapshotID || null,
  };
}

/** The restore's PodVolumeRestores and DataDownloads (label velero.io/restore-name), and what could not be listed. */
export async function listDataMovers(
  gw: KubeGateway,
  veleroNamespace: string,
  restoreName: string,
): Promise<{ movers: DataMover[]; problems: string[] }> {
  const movers: DataMover[] = [];
  const problems: string[] = [];
  const labelSelector = `${LABEL_RESTORE_NAME}=${validLabelValue(restoreName)}`;
  for (const [apiVersion, kind] of [
    [PVR_API, 'PodVolumeRestore'],
    [DATA_DOWNLOAD_API, 'DataDownload'],
  ] as const) {
    try {
      const { items } = await gw.list({ apiVersion, kind, namespace: veleroNamespace, labelSelector });
      movers.push(...items.map((o) => dataMoverOf({ ...o, kind })));
    } catch (e) {
      // A Velero without the data mover CRD has no DataDownloads to show.
      if (!isNotFound(e)) problems.push(`could not list ${kind}s: ${describeError(e)}`);
    }
  }
  return { movers, problems };
}
