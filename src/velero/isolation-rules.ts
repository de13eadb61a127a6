/**
 * What a strict-isolation restore asks of Velero (v1.17 internal/resourcemodifiers, version v1): restored CronJobs
 * suspended, LoadBalancer Services made ClusterIP — both as resource-modifier rules, so the copy never runs a
 * schedule or asks the cloud for a load balancer, not even for a moment — and Ingresses left out of the Restore.
 */
import type { ModifierRule } from './restore-config.js';

/** Resources a strict restore leaves out (Restore spec.excludedResources): an Ingress would take live traffic. */
export const ISOLATION_EXCLUDED_RESOURCES = ['ingresses.networking.k8s.io'] as const;

/**
 * The rules for the restored namespaces. Velero applies resource modifiers before it remaps the namespace, so
 * `namespaces` are the source's. The Service rule is guarded by a match on /spec/type (Velero skips a rule whose
 * match fails) and nulls what only a LoadBalancer may carry; Velero's service action has already dropped the
 * node ports it allocated (not ones the source's manifest set explicitly: see docs/safety.md).
 */
export function isolationModifierRules(sourceNamespaces: string[]): ModifierRule[] {
  const namespaces = [...sourceNamespaces];
  return [
    {
      conditions: { groupResource: 'cronjobs.batch', namespaces },
      mergePatches: [{ patchData: JSON.stringify({ spec: { suspend: true } }) }],
    },
    {
      conditions: { groupResource: 'services', namespaces, matches: [{ path: '/spec/type', value: 'LoadBalancer' }] },
      mergePatches: [
        {
          patchData: JSON.stringify({
            spec: {
              type: 'ClusterIP',
              externalTrafficPolicy: null,
              healthCheckNodePort: null,
              loadBalancerIP: null,
              loadBalancerSourceRanges: null,
              loadBalancerClass: null,
              allocateLoadBalancerNodePorts: null,
            },
          }),
        },
      ],
    },
  ];
}
