import type { KubeGateway } from '../kube/gateway.js';
import type { TargetPlan } from '../plan/types.js';
import { sameCluster, type Target } from './target.js';

/** Scratch namespaces (namespace mapping with a suffix), usually in the source cluster. */
export function namespaceTarget(plan: TargetPlan, gateway: KubeGateway, source: KubeGateway | null): Target {
  return {
    kind: 'namespace',
    gateway,
    veleroNamespace: plan.veleroNamespace,
    sameClusterAsSource: sameCluster(gateway, source),
    mapNamespace: (ns) => ns + plan.namespaceSuffix,
  };
}
