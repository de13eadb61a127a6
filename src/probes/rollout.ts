/**
 * Readiness by the rules of `kubectl rollout status` (kubectl polymorphichelpers/rollout_status.go), as pure
 * functions over the workload object. Where kubectl refuses (OnDelete update strategy) the drill falls back to
 * "all replicas ready", because a freshly restored workload has no rollout in flight.
 */
import type { KubeObject } from '../kube/types.js';

/** Whether a workload has rolled out, in kubectl's rollout status terms, and why not. */
export interface Rollout {
  ready: boolean;
  /** A definite failure (progress deadline exceeded): waiting longer will not help. */
  failed?: boolean;
  message: string;
}

const waiting = (message: string): Rollout => ({ ready: false, message });

export function deploymentRollout(d: KubeObject): Rollout {
  const name = d.metadata.name;
  const s = d.status ?? {};
  if ((d.metadata.generation ?? 0) > (s.observedGeneration ?? 0))
    return waiting(`Waiting for deployment "${name}" spec update to be observed`);
  const progressing = ((s.conditions ?? []) as Array<{ type: string; reason?: string }>).find(
    (c) => c.type === 'Progressing',
  );
  if (progressing?.reason === 'ProgressDeadlineExceeded')
    return { ready: false, failed: true, message: `deployment "${name}" exceeded its progress deadline` };
  const want = d.spec?.replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  if (updated < want)
    return waiting(
      `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated`,
    );
  if ((s.replicas ?? 0) > updated)
    return waiting(
      `Waiting for deployment "${name}" rollout to finish: ${(s.replicas ?? 0) - updated} old replicas are pending termination`,
    );
  if ((s.availableReplicas ?? 0) < updated)
    return waiting(
      `Waiting for deployment "${name}" rollout to finish: ${s.availableReplicas ?? 0} of ${updated} updated replicas are available`,
    );
  return {
    ready: true,
    message: `deployment "${name}" successfully rolled out (${s.availableReplicas ?? 0}/${want} available)`,
  };
}

export function statefulSetRollout(sts: KubeObject): Rollout {
  const name = sts.metadata.name;
  const s = sts.status ?? {};
  const want = sts.spec?.replicas ?? 1;
  if (!s.observedGeneration || (sts.metadata.generation ?? 0) > s.observedGeneration)
    return waiting(`Waiting for statefulset "${name}" spec update to be observed`);
  if ((s.readyReplicas ?? 0) < want)
    return waiting(
      `Waiting for ${want - (s.readyReplicas ?? 0)} pods of statefulset "${name}" to be ready (${s.readyReplicas ?? 0}/${want})`,
    );
  if (sts.spec?.updateStrategy?.type === 'OnDelete')
    return { ready: true, message: `statefulset "${name}": ${want}/${want} ready (OnDelete strategy)` };
  const partition = sts.spec?.updateStrategy?.rollingUpdate?.partition;
  if (partition && partition > 0) {
    if ((s.updatedReplicas ?? 0) < want - partition)
      return waiting(
        `Waiting for partitioned roll out of "${name}" to finish: ${s.updatedReplicas ?? 0} out of ${want - partition} new pods have been updated`,
      );
    return {
      ready: true,
      message: `partitioned roll out of "${name}" complete: ${s.updatedReplicas ?? 0} new pods have been updated`,
    };
  }
  if (s.updateRevision && s.currentRevision && s.updateRevision !== s.currentRevision) {
    return waiting(
      `waiting for statefulset "${name}" rolling update to complete ${s.updatedReplicas ?? 0} pods at revision ${s.updateRevision}`,
    );
  }
  return { ready: true, message: `statefulset "${name}" rolling update complete ${want} pods ready` };
}

export function daemonSetRollout(ds: KubeObject): Rollout {
  const name = ds.metadata.name;
  const s = ds.status ?? {};
  if ((ds.metadata.generation ?? 0) > (s.observedGeneration ?? 0))
    return waiting(`Waiting for daemon set "${name}" spec update to be observed`);
  const desired = s.desiredNumberScheduled ?? 0;
  if (ds.spec?.updateStrategy?.type !== 'OnDelete' && (s.updatedNumberScheduled ?? 0) < desired) {
    return waiting(
      `Waiting for daemon set "${name}" rollout to finish: ${s.updatedNumberScheduled ?? 0} out of ${desired} new pods have been updated`,
    );
  }
  if ((s.numberAvailable ?? 0) < desired)
    return waiting(
      `Waiting for daemon set "${name}" rollout to finish: ${s.numberAvailable ?? 0} of ${desired} updated pods are available`,
    );
  return {
    ready: true,
    message: `daemon set "${name}" successfully rolled out (${s.numberAvailable ?? 0}/${desired} available)`,
  };
}

export const rollouts = {
  Deployment: deploymentRollout,
  StatefulSet: statefulSetRollout,
  DaemonSet: daemonSetRollout,
} as const;
