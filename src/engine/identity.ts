import type { KubeGateway } from '../kube/gateway.js';
import { kubeIdentity } from '../evidence/ran-by.js';
import type { DrillRecorder } from './recorder.js';

/**
 * Records who the cluster took the drill for (report.evidence.ranBy), once per cluster the drill uses. A
 * review that fails is recorded with its reason and costs the drill nothing.
 */
export async function recordKubeIdentity(
  gw: KubeGateway,
  rec: DrillRecorder,
  cluster: 'source' | 'target',
): Promise<void> {
  const ranBy = rec.report.evidence.ranBy;
  if (!ranBy) return;
  const who = await kubeIdentity(gw, cluster);
  if (!who) return;
  ranBy.kube.push(who);
  if (who.error)
    rec.event('warn', `could not ask the ${cluster} cluster (${gw.context}) who runs the drill: ${who.error}`);
  else
    rec.event(
      'info',
      `the ${cluster} cluster (${gw.context}) authenticates the drill as ${who.user ?? 'an unnamed user'}`,
    );
}
