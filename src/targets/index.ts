/** The target registry: one kind, one file. */
import { namespaceTarget } from './namespace.js';
import { clusterTarget } from './cluster.js';
import { aksTarget } from './aks.js';
import type { KubeGateway } from '../kube/gateway.js';
import type { TargetPlan } from '../plan/types.js';
import type { Target } from './target.js';

// `satisfies`: tsc fails while a target kind of the plan has no entry here, or an entry names no kind of the plan.
export const targets = { namespace: namespaceTarget, cluster: clusterTarget, aks: aksTarget } as const satisfies {
  [K in TargetPlan['kind']]: (plan: TargetPlan, gateway: KubeGateway, source: KubeGateway | null) => Target;
};
/** The target kinds (the registry's keys). */
export type TargetKind = keyof typeof targets;
export type { Target } from './target.js';
