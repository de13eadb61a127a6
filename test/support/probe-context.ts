/** Probe test helpers: a ProbeContext over a MemoryGateway (namespaces map to <ns>-drill-x) and Ready pods. */
import type { KubeObject } from '../../src/kube/types.js';
import type { ProbeContext } from '../../src/probes/probe.js';
import type { MemoryGateway } from './memory-gateway.js';

export const ctxOf = (gw: MemoryGateway, extra: Partial<ProbeContext> = {}): ProbeContext => ({
  gateway: gw,
  mapNamespace: (ns) => `${ns}-drill-x`,
  signal: new AbortController().signal,
  onObservation: () => undefined,
  intervalMs: 10,
  ...extra,
});
export const pod = (
  name: string,
  namespace: string,
  ready = true,
  labels: Record<string, string> = { app: 'db' },
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
  spec: { containers: [{ name: 'main' }, { name: 'sidecar' }] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
