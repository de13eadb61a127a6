/**
 * The source most in-process drill tests protect: namespace payments with a ready Deployment api, in a memory
 * cluster whose simulated Velero has one backup of Schedule payments-daily, two hours old.
 */
import type { KubeObject } from '../../src/kube/types.js';
import { MemoryGateway } from './memory-gateway.js';
import { VeleroSim } from './velero-sim.js';
import { HOUR } from './plan-builder.js';

export const PAYMENTS_API: KubeObject[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments' } },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: 'payments', labels: { app: 'api' } },
    spec: { replicas: 1, selector: { matchLabels: { app: 'api' } } },
    status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 },
  },
];

/** The cluster and its started Velero simulator (stop it after the test). */
export async function paymentsCluster(
  objects: KubeObject[] = PAYMENTS_API,
): Promise<{ gw: MemoryGateway; sim: VeleroSim }> {
  const gw = new MemoryGateway('prod-weu', 'https://prod-weu.example:443');
  for (const o of objects) gw.put(o);
  const sim = await new VeleroSim(gw, { content: objects.filter((o) => o.kind !== 'Namespace') }).start();
  sim.seedBackup('payments-daily-1', { ageMs: 2 * HOUR, schedule: 'payments-daily' });
  return { gw, sim };
}
