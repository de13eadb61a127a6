/**
 * Which of a Restore's errors concern volume data. Velero reports pod volume restore failures as Velero-level
 * messages ("pod volume restore failed: …", "timed out waiting for all PodVolumeRestores to complete"), PVC and PV
 * errors as "error restoring persistentvolumeclaims/…", and data-mover downloads as failed restore item operations
 * (status.restoreItemOperationsFailed) — pkg/restore/restore.go and pkg/podvolume/restorer.go @ v1.17.2.
 * A volume error means data may be missing, which no error budget may hide (issue #12 item 6).
 */
import type { ResultMessages, RestoreResults, RestoreStatus } from './types.js';

const VOLUME = /volume|\bpvc?\b|snapshot|datadownload|data ?mover|node-agent|kopia|restic/i;

function all(m: ResultMessages): string[] {
  return [...m.velero, ...m.cluster, ...Object.values(m.namespaces).flat()];
}

/** The error messages that concern volume data, Velero's words, plus failed restore item operations. */
export function volumeErrors(results: RestoreResults, status: RestoreStatus): string[] {
  const out = all(results.errors).filter((m) => VOLUME.test(m));
  const ops = status.restoreItemOperationsFailed ?? 0;
  if (ops > 0) out.push(`${ops} restore item operation(s) failed (data mover downloads)`);
  return out;
}

/** Every error message of a results file (backup or restore), for reasons. */
export function errorMessages(results: RestoreResults): string[] {
  return all(results.errors);
}
