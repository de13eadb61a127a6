/**
 * The Kubernetes objects that fence a scratch copy in: a default-deny NetworkPolicy per scratch namespace that
 * lets through only DNS and traffic among the drill's own namespaces, and the source namespace's Pod Security
 * labels. Pure builders; the engine creates them.
 */
import type { KubeObject } from './types.js';

export const ISOLATION_POLICY_NAME = 'dr-drill-isolation';

/** Pod Security admission labels (pod-security.kubernetes.io/enforce, -version, audit, warn, …). */
const POD_SECURITY_PREFIX = 'pod-security.kubernetes.io/';

export function podSecurityLabels(labels: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(labels ?? {}).filter(([k]) => k.startsWith(POD_SECURITY_PREFIX)));
}

/**
 * Default deny in both directions for every pod of the namespace. Allowed: ingress from and egress to pods of the
 * namespaces labelled with this drill's id (the drill's scratch namespaces, this one included), and egress to the
 * cluster DNS (kube-dns pods in kube-system, port 53 UDP and TCP). Probes reach pods through the API server (exec,
 * port-forward), which a NetworkPolicy does not govern.
 */
export function isolationNetworkPolicy(
  namespace: string,
  drillLabel: { key: string; value: string },
  labels: Record<string, string>,
): KubeObject {
  const ownNamespaces = { namespaceSelector: { matchLabels: { [drillLabel.key]: drillLabel.value } } };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: ISOLATION_POLICY_NAME, namespace, labels: { ...labels } },
    spec: {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [ownNamespaces] }],
      egress: [
        { to: [ownNamespaces] },
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
      ],
    },
  };
}
