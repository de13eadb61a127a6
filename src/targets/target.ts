import type { KubeGateway } from '../kube/gateway.js';

/** Where a drill restores, as the engine sees it: a gateway, Velero's namespace, and the namespace mapping. */
export interface Target {
  kind: 'namespace' | 'cluster' | 'aks';
  gateway: KubeGateway;
  veleroNamespace: string;
  /** Same API server as the source: then a target namespace must never be a source namespace. */
  sameClusterAsSource: boolean;
  mapNamespace(sourceNamespace: string): string;
}

/** Two gateways reach the same cluster when they share the API server URL (context names may differ). */
export function sameCluster(a: KubeGateway, b: KubeGateway | null): boolean {
  if (!b) return false;
  const norm = (s: string) => s.replace(/\/+$/, '').toLowerCase();
  return a.context === b.context || norm(a.server) === norm(b.server);
}
