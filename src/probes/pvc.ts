import type { PvcProbePlan } from '../plan/probe-plan.js';
import { newestWarning } from './diagnose.js';
import { settle, watchObjects, type ProbeKind } from './probe.js';

type Spec = PvcProbePlan;

/** PersistentVolumeClaims are Bound; on failure the claim's newest warning event says why. */
export const pvcProbe: ProbeKind<Spec> = {
  subject: (p, ctx) =>
    `PersistentVolumeClaim ${ctx.mapNamespace(p.ref.namespace)}/${p.ref.name ?? (p.ref.selector ? `[${p.ref.selector}]` : '*')}`,
  async run(p, ctx, timeoutMs) {
    const namespace = ctx.mapNamespace(p.ref.namespace);
    const min = p.minCount;
    let pending: string | null = null;
    return settle(
      this.subject(p, ctx),
      async () => {
        const { verdict } = await watchObjects(
          ctx,
          {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            namespace,
            name: p.ref.name,
            labelSelector: p.ref.selector,
          },
          (claims) => {
            const notBound = claims.filter((c) => c.status?.phase !== 'Bound');
            pending = notBound[0]?.metadata.name ?? null;
            if (claims.length >= min && !notBound.length)
              return { state: 'done', observation: `${claims.length} claim(s) Bound` };
            if (claims.length < min)
              return {
                state: 'waiting',
                observation: `${claims.length} claim(s) found in ${namespace}, want at least ${min}`,
              };
            const c = notBound[0];
            return {
              state: notBound.some((x) => x.status?.phase === 'Lost') ? 'failed' : 'waiting',
              observation: `claim ${c.metadata.name} is ${c.status?.phase ?? 'Pending'} (${claims.length - notBound.length}/${claims.length} Bound)`,
            };
          },
          timeoutMs,
        );
        return verdict.observation;
      },
      async () => (pending ? newestWarning(ctx.gateway, namespace, pending) : null),
    );
  },
};
