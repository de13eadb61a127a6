/**
 * Which cluster a gateway reaches. Two contexts can reach one cluster through different URLs (a private endpoint
 * and a public one, a proxy, an IP and a name), and one URL can front different clusters over time; the
 * `kube-system` namespace's UID is fixed for a cluster's life, so it is the identity.
 */
import type { KubeGateway } from './gateway.js';

/** How two gateways were judged the same cluster or not, in words for the report. */
export interface ClusterComparison {
  same: boolean;
  basis: 'kube-system-uid' | 'server-url';
  detail: string;
}

/** The UID of the cluster's `kube-system` namespace, or null when it cannot be read (e.g. no RBAC to get it). */
export async function clusterUid(gw: KubeGateway): Promise<string | null> {
  try {
    const ns = await gw.get({ apiVersion: 'v1', kind: 'Namespace', name: 'kube-system' });
    return ns?.metadata.uid ?? null;
  } catch {
    return null;
  }
}

const norm = (s: string) => s.replace(/\/+$/, '').toLowerCase();

/**
 * Same cluster by `kube-system` UID; only when a UID cannot be read does the server URL (or the context name)
 * decide, and the detail says so.
 */
export async function compareClusters(a: KubeGateway, b: KubeGateway | null): Promise<ClusterComparison> {
  if (!b) return { same: false, basis: 'kube-system-uid', detail: 'no source cluster' };
  const [ua, ub] = await Promise.all([clusterUid(a), clusterUid(b)]);
  if (ua && ub)
    return {
      same: ua === ub,
      basis: 'kube-system-uid',
      detail: `kube-system UID ${ua === ub ? 'is the same in' : 'differs between'} ${b.context} and ${a.context}`,
    };
  const same = a.context === b.context || norm(a.server) === norm(b.server);
  return {
    same,
    basis: 'server-url',
    detail: `kube-system could not be read in ${ua ? b.context : a.context}; compared by API server URL: ${same ? 'same' : 'different'}`,
  };
}
