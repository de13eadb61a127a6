/**
 * Child-process driver for the integration tests (NODE_EXTRA_CA_CERTS is read at process start): provisions a
 * drill cluster through src/azure against DR_DRILL_ARM_ENDPOINT, fetches its kubeconfig, then removes what it made
 * exactly as the drill's teardown does (azure/ownership.ts), and prints one JSON line with what happened — never
 * the kubeconfig itself.
 * Usage: node --import tsx drive.ts '<AksTargetPlan JSON>' [keep]
 */
import { KubeConfig } from '@kubernetes/client-node';
import { armSettings } from '../../../src/azure/arm.js';
import { AksClusters, type ProvisionedCluster } from '../../../src/azure/aks-cluster.js';
import { removeDrillResources } from '../../../src/azure/ownership.js';
import { isDrillError } from '../../../src/util/errors.js';
import type { AksTargetPlan } from '../../../src/plan/types.js';

const plan = JSON.parse(process.argv[2]) as AksTargetPlan;
const keep = process.argv[3] === 'keep';
const progress: string[] = [];
const out: Record<string, unknown> = { progress };
let made: ProvisionedCluster | null = null;
const clusters = new AksClusters(armSettings(), plan.subscriptionId);
try {
  made = await clusters.provision(plan, { now: new Date(), onProgress: (m) => progress.push(m) });
  out.provisioned = made;
  const kc = new KubeConfig();
  kc.loadFromString(await clusters.kubeconfig(plan));
  out.context = kc.getCurrentContext();
} catch (e) {
  made = (e as { provisioned?: ProvisionedCluster }).provisioned ?? made;
  out.provisioned = made;
  out.error = isDrillError(e)
    ? { code: e.code, message: e.message, hint: e.hint, category: e.category }
    : { code: 'UNEXPECTED', message: String(e) };
}
if (made && !keep) {
  const removal = await removeDrillResources(clusters, made, { timeoutMs: 10_000 });
  out.deleted = removal.deleted;
  out.leftBehind = removal.leftBehind;
  out.notOurs = removal.notOurs;
}
process.stdout.write(JSON.stringify(out) + '\n');
