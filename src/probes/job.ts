import type { JobProbePlan } from '../plan/probe-plan.js';
import type { KubeGateway } from '../kube/gateway.js';
import type { KubeObject } from '../kube/types.js';
import { waitFor } from '../kube/wait.js';
import { reportable } from './exec-client.js';
import { notRestored, settle, type ProbeKind } from './probe.js';
import { describeError } from '../util/errors.js';

type Spec = JobProbePlan;

const LOG_LIMIT_BYTES = 16_000;

/** `dr-drill-<probe>-<drillId>`, cut to a valid name. */
export function jobName(probe: string, drillId: string): string {
  const room = 63 - 'dr-drill--'.length - drillId.length;
  return `dr-drill-${probe.slice(0, room).replace(/-+$/, '')}-${drillId}`;
}

/** The verification Job: no retries (a failing check is an answer), restored claims mounted read-only by default. */
export function jobManifest(p: Spec, namespace: string, name: string, labels: Record<string, string>): KubeObject {
  const volumes = p.volumes.map((v, i) => ({
    name: `claim-${i}`,
    persistentVolumeClaim: { claimName: v.claim, readOnly: v.readOnly },
  }));
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace, labels: { ...labels, 'dr-drill.io/probe': p.name } },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: { ...labels, 'dr-drill.io/probe': p.name } },
        spec: {
          restartPolicy: 'Never',
          ...(p.serviceAccountName ? { serviceAccountName: p.serviceAccountName } : {}),
          containers: [
            {
              name: 'verify',
              image: p.image,
              command: p.command,
              env: Object.entries(p.env).map(([n, value]) => ({ name: n, value })),
              volumeMounts: p.volumes.map((v, i) => ({
                name: `claim-${i}`,
                mountPath: v.mountPath,
                readOnly: v.readOnly,
              })),
            },
          ],
          volumes,
        },
      },
    },
  };
}

/** Complete or Failed, from the Job's conditions (as kubectl wait --for=condition=complete reads them). */
export function jobState(job: KubeObject | undefined): { state: 'done' | 'failed' | 'waiting'; observation: string } {
  if (!job) return { state: 'waiting', observation: 'Job does not exist' };
  const conds = (job.status?.conditions ?? []) as Array<{
    type: string;
    status: string;
    reason?: string;
    message?: string;
  }>;
  const failed = conds.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed)
    return {
      state: 'failed',
      observation: `Job ${job.metadata.name} Failed: ${failed.reason ?? ''}${failed.message ? ` (${failed.message})` : ''}`,
    };
  if (conds.some((c) => c.type === 'Complete' && c.status === 'True'))
    return {
      state: 'done',
      observation: `Job ${job.metadata.name} Complete (${job.status?.succeeded ?? 0} succeeded)`,
    };
  return {
    state: 'waiting',
    observation: `Job ${job.metadata.name}: ${job.status?.active ?? 0} active, ${job.status?.failed ?? 0} failed`,
  };
}

/** The Job pod's log tail, or why there is none (kwok, for one, runs no containers and keeps no logs). */
async function jobLogs(gw: KubeGateway, namespace: string, name: string): Promise<string> {
  if (!gw.logs) return 'logs: not available through this gateway';
  try {
    const { items } = await gw.list({ apiVersion: 'v1', kind: 'Pod', namespace, labelSelector: `job-name=${name}` });
    const pod = items.sort((a, b) =>
      (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''),
    )[0];
    if (!pod) return 'logs: no Job pod found';
    const text = await gw.logs(namespace, pod.metadata.name, 'verify', LOG_LIMIT_BYTES);
    return text.trim() ? `logs: ${reportable(text)}` : 'logs: (empty)';
  } catch (e) {
    return `logs: not available (${describeError(e).slice(0, 200)})`;
  }
}

/**
 * A user-defined verification Job in the restored namespace succeeds. It carries the drill labels; the probe
 * deletes it when it ends (its outcome and logs are in the report), and the namespace teardown would take it
 * anyway — the explicit delete covers cluster targets that keep namespace names the drill does not own.
 */
export const jobProbe: ProbeKind<Spec> = {
  subject: (p, ctx) => `verification Job of probe ${p.name} in ${ctx.mapNamespace(p.namespace)} (${p.image})`,
  async run(p, ctx, timeoutMs) {
    const namespace = ctx.mapNamespace(p.namespace);
    const name = jobName(p.name, ctx.drillId ?? 'drill');
    const ref = { apiVersion: 'batch/v1', kind: 'Job', namespace, name };
    try {
      await ctx.gateway.create(jobManifest(p, namespace, name, ctx.labels ?? {}));
    } catch (e) {
      // The namespace the Job goes into is part of what the restore should have brought back.
      const missing = notRestored(e);
      if (missing)
        return {
          outcome: 'failed',
          subject: this.subject(p, ctx),
          observation: `not in the restored copy: ${missing}`,
        };
      throw e;
    }
    try {
      const r = await settle(this.subject(p, ctx), async () => {
        const { verdict } = await waitFor(ctx.gateway, ref, (objs) => jobState(objs[0]), {
          timeoutMs,
          signal: ctx.signal,
          onObservation: ctx.onObservation,
        });
        return verdict.observation;
      });
      const logs = await jobLogs(ctx.gateway, namespace, name);
      return { ...r, observation: `${r.observation ?? ''}; ${logs}` };
    } finally {
      // Interrupted or not, the Job goes; a failed delete is left to the namespace teardown and dr-drill cleanup.
      await ctx.gateway.delete(ref).catch(() => undefined);
    }
  },
};
