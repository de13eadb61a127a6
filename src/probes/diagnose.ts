import type { KubeGateway } from '../kube/gateway.js';
import type { KubeObject } from '../kube/types.js';

/**
 * Why pods are not ready, in the words kubectl describe would give: phase, container waiting reasons, and the
 * newest warning event (e.g. a scheduler's "volume node affinity conflict" after a cross-zone restore).
 * Called once when a probe gives up, not in a loop.
 */
export async function diagnosePods(
  gw: KubeGateway,
  namespace: string,
  labelSelector: string | undefined,
): Promise<string | null> {
  const { items: pods } = await gw.list({ apiVersion: 'v1', kind: 'Pod', namespace, labelSelector });
  if (!pods.length) return `no pods match ${labelSelector ?? 'the workload'} in ${namespace}`;
  const notReady = pods.filter((p) => !isPodReady(p));
  if (!notReady.length) return null;
  const p = notReady[0];
  const waiting = (
    (p.status?.containerStatuses ?? []) as Array<{
      name: string;
      state?: { waiting?: { reason?: string; message?: string } };
    }>
  )
    .filter((c) => c.state?.waiting)
    .map(
      (c) =>
        `container ${c.name} waiting: ${c.state!.waiting!.reason ?? ''}${c.state!.waiting!.message ? ` (${c.state!.waiting!.message})` : ''}`,
    );
  const unscheduled = (
    (p.status?.conditions ?? []) as Array<{ type: string; status: string; reason?: string; message?: string }>
  ).find((c) => c.type === 'PodScheduled' && c.status === 'False');
  const event = await newestWarning(gw, namespace, p.metadata.name);
  const parts = [
    `pod ${p.metadata.name} is ${p.status?.phase ?? 'Unknown'}`,
    ...waiting,
    ...(unscheduled ? [`not scheduled: ${unscheduled.message ?? unscheduled.reason ?? ''}`] : []),
    ...(event && !unscheduled?.message?.includes(event) ? [`event: ${event}`] : []),
  ];
  return `${notReady.length}/${pods.length} pods not ready; ${parts.join('; ')}`;
}

export async function newestWarning(gw: KubeGateway, namespace: string, name: string): Promise<string | null> {
  const { items } = await gw.list({
    apiVersion: 'v1',
    kind: 'Event',
    namespace,
    fieldSelector: `involvedObject.name=${name}`,
  });
  const warnings = (
    items as Array<
      KubeObject & { type?: string; reason?: string; message?: string; lastTimestamp?: string; eventTime?: string }
    >
  )
    .filter((e) => e.type === 'Warning')
    .sort(
      (a, b) => Date.parse(b.lastTimestamp ?? b.eventTime ?? '') - Date.parse(a.lastTimestamp ?? a.eventTime ?? ''),
    );
  const w = warnings[0];
  return w ? `${w.reason ?? 'Warning'}: ${w.message ?? ''}`.trim() : null;
}

export function isPodReady(p: KubeObject): boolean {
  return ((p.status?.conditions ?? []) as Array<{ type: string; status: string }>).some(
    (c) => c.type === 'Ready' && c.status === 'True',
  );
}

/** matchLabels (and simple matchExpressions In/NotIn/Exists/DoesNotExist) as a label selector string. */
export function selectorString(
  sel:
    | {
        matchLabels?: Record<string, string>;
        matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
      }
    | undefined,
): string | undefined {
  if (!sel) return undefined;
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',') || undefined;
}
