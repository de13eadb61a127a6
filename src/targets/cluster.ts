import type { KubeGateway } from '../kube/gateway.js';
import type { TargetPlan } from '../plan/types.js';
import { sameCluster, type Target } from './target.js';

/** An existing cluster (e.g. the DR region's standby), namespace names kept unless a suffix is given. */
export function clusterTarget(plan: TargetPlan, gateway: KubeGateway, source: KubeGateway | null): Target {
  return {
    kind: 'cluster',
    gateway,
    veleroNamespace: plan.veleroNamespace,
    sameClusterAsSource: sameCluster(gateway, source),
    mapNamespace: (ns) => ns + plan.namespaceSuffix,
  };
}
