import type { Static } from '@sinclair/typebox';
import type { ResourceProbe } from '../scenario/schema.js';
import { waitFor } from '../kube/wait.js';
import { partialMatch, showSecretValue } from './match.js';
import { runSecrets } from '../util/secrets.js';
import { settle, type ProbeKind } from './probe.js';

type Spec = Static<typeof ResourceProbe>;

function describe(p: Spec, namespace: string | undefined): string {
  const where = namespace ? `${namespace}/` : '';
  return p.ref.name
    ? `${p.ref.kind} ${where}${p.ref.name}`
    : `${p.ref.kind} ${where}${p.ref.selector ? `[${p.ref.selector}]` : '*'}`;
}

/** Objects of any kind exist (at least minCount) and each contains the partial object `match`. */
export const resourceProbe: ProbeKind<Spec> = {
  subject: (p, ctx) => describe(p, p.ref.namespace ? ctx.mapNamespace(p.ref.namespace) : undefined),
  async run(p, ctx, timeoutMs) {
    const namespace = p.ref.namespace ? ctx.mapNamespace(p.ref.namespace) : undefined;
    const min = p.minCount ?? 1;
    return settle(this.subject(p, ctx), async () => {
      const { verdict } = await waitFor(
        ctx.gateway,
        { apiVersion: p.ref.apiVersion, kind: p.ref.kind, namespace, name: p.ref.name, labelSelector: p.ref.selector },
        (objs) => {
          const live = objs.filter((o) => !o.metadata.deletionTimestamp);
          const secret = p.ref.kind === 'Secret';
          // A Secret's values join the run's secrets before anything could quote them.
          if (secret) for (const o of live) registerSecretData(o);
          const mismatches = p.match
            ? live
                .map((o) => [o, partialMatch(o, p.match, '', secret ? showSecretValue : undefined)] as const)
                .filter(([, d]) => d)
            : [];
          const matching = live.length - mismatches.length;
          if (matching >= min && mismatches.length === 0) {
            return { state: 'done', observation: `${matching} ${p.ref.kind} object(s) match` };
          }
          if (!live.length)
            return { state: 'waiting', observation: `no ${describe(p, namespace)} found (want ${min})` };
          const first = mismatches[0];
          return {
            state: 'waiting',
            observation: first
              ? `${p.ref.kind} ${first[0].metadata.name}: ${first[1]} (${matching}/${live.length} match, want all and at least ${min})`
              : `${matching} ${p.ref.kind} object(s) found, want at least ${min}`,
          };
        },
        { timeoutMs, signal: ctx.signal, onObservation: ctx.onObservation },
      );
      return verdict.observation;
    });
  },
};

function registerSecretData(o: { [k: string]: unknown }): void {
  for (const field of ['data', 'stringData']) {
    const m = o[field];
    if (m && typeof m === 'object') for (const v of Object.values(m)) if (typeof v === 'string') runSecrets.register(v);
  }
}
