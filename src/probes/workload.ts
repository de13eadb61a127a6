import type { WorkloadProbePlan } from '../plan/probe-plan.js';
import { diagnosePods, selectorString } from './diagnose.js';
import { rollouts } from './rollout.js';
import { settle, watchObjects, type ProbeKind } from './probe.js';

type Spec = WorkloadProbePlan;

/** A Deployment, StatefulSet or DaemonSet is rolled out and ready, watched (one list + one watch). */
export const workloadProbe: ProbeKind<Spec> = {
  subject: (p, ctx) => `${p.ref.kind} ${ctx.mapNamespace(p.ref.namespace)}/${p.ref.name}`,
  async run(p, ctx, timeoutMs) {
    const namespace = ctx.mapNamespace(p.ref.namespace);
    const rollout = rollouts[p.ref.kind];
    let selector: string | undefined;
    return settle(
      this.subject(p, ctx),
      async () => {
        const { verdict } = await watchObjects(
          ctx,
          { apiVersion: 'apps/v1', kind: p.ref.kind, namespace, name: p.ref.name },
          (objs) => {
            const w = objs[0];
            if (!w) return { state: 'waiting', observation: `${p.ref.kind} ${namespace}/${p.ref.name} does not exist` };
            selector = selectorString(w.spec?.selector);
            const r = rollout(w);
            return { state: r.ready ? 'done' : r.failed ? 'failed' : 'waiting', observation: r.message };
          },
          timeoutMs,
        );
        return verdict.observation;
      },
      () => (selector ? diagnosePods(ctx.gateway, namespace, selector) : Promise.resolve(null)),
    );
  },
};
