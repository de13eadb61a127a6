/** Probe test helpers: a ProbeContext over a MemoryGateway (namespaces map to <ns>-drill-x) and Ready pods. */
import type { KubeObject } from '../../src/kube/types.js';
import type { ProbeContext } from '../../src/probes/probe.js';
import { compileProbe } from '../../src/plan/probe-compile.js';
import type { ProbePlanOf } from '../../src/plan/probe-plan.js';
import type { ScenarioProbe } from '../../src/scenario/schema.js';
import type { MemoryGateway } from './memory-gateway.js';

export const ctxOf = (gw: MemoryGateway, extra: Partial<ProbeContext> = {}): ProbeContext => ({
  gateway: gw,
  mapNamespace: (ns) => `${ns}-drill-x`,
  signal: new AbortController().signal,
  onObservation: () => undefined,
  ...extra,
});
/** A probe as written in a scenario, compiled as a drill would; polled every 10ms unless the spec says. */
export const planOf = <K extends ScenarioProbe['kind']>(spec: Extract<ScenarioProbe, { kind: K }>): ProbePlanOf<K> => ({
  ...compileProbe(spec),
  ...(spec.interval === undefined ? { intervalMs: 10 } : {}),
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
