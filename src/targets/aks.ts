import type { KubeGateway } from '../kube/gateway.js';
import type { TargetPlan } from '../plan/types.js';
import { sameCluster, type Target } from './target.js';

/**
 * A fresh AKS cluster the drill provisioned (provision-target phase): by the time this is built, the gateway
 * reaches the new cluster through its own kubeconfig. Namespace names are kept unless a suffix is given.
 */
export function aksTarget(plan: TargetPlan, gateway: KubeGateway, source: KubeGateway | null): Target {
  return {
    kind: 'aks',
    gateway,
    veleroNamespace: plan.veleroNamespace,
    sameClusterAsSource: sameCluster(gateway, source),
    mapNamespace: (ns) => ns + plan.namespaceSuffix,
  };
}
