import type { ResourceProbePlan } from '../plan/probe-plan.js';
import { WaitFailed } from '../kube/wait.js';
import { partialMatch, showSecretValue } from './match.js';
import { runSecrets } from '../util/secrets.js';
import { settle, watchObjects, type ProbeContext, type ProbeKind } from './probe.js';

type Spec = ResourceProbePlan;

function describe(p: Spec, namespace: string | undefined, restored?: readonly string[]): string {
  const what = p.ref.name ?? (p.ref.selector ? `[${p.ref.selector}]` : '*');
  if (namespace) return `${p.ref.kind} ${namespace}/${what}`;
  // Named without a namespace: a cluster-scoped object, or a namespaced one looked for in the restored namespaces.
  if (p.ref.name) return `${p.ref.kind} ${what}`;
  return `${p.ref.kind} ${what} in the restored namespaces (${restored?.length ? restored.join(', ') : 'none'})`;
}

/**
 * Where the probe looks. A namespace it names (mapped to the target); without one, a namespaced kind is looked for
 * only in the namespaces the restore brought back: the whole cluster would hold the source's own objects in a
 * same-cluster drill, and a pass there proves nothing about the restore. A cluster-scoped kind must be named for
 * the same reason. What cannot prove anything fails (WaitFailed) rather than passing on someone else's objects.
 */
async function scopeOf(p: Spec, ctx: ProbeContext): Promise<{ namespace?: string; only: Set<string> | null }> {
  if (p.ref.namespace) return { namespace: ctx.mapNamespace(p.ref.namespace), only: null };
  const scope = await ctx.gateway.scope(p.ref.apiVersion, p.ref.kind);
  // A kind the target does not serve: the list below answers 404, which settle() reports as not restored.
  if (scope === null) return { only: null };
  if (scope === 'cluster') {
    if (p.ref.name) return { only: null };
    throw new WaitFailed(
      `${p.ref.kind} is cluster-scoped: a selector alone would match objects the restore did not bring back; name the object (ref.name)`,
    );
  }
  const restored = [...new Set(ctx.restoredNamespaces ?? [])];
  if (!restored.length)
    throw new WaitFailed(`no restored namespace to look for ${p.ref.kind} in (the probe names no namespace)`);
  // One namespace: a namespaced list; several: one cluster-wide watch, kept to the restored namespaces.
  return restored.length === 1 ? { namespace: restored[0], only: null } : { only: new Set(restored) };
}

/** Objects of any kind exist (at least minCount) and each contains the partial object `match`. */
export const resourceProbe: ProbeKind<Spec> = {
  subject: (p, ctx) =>
    describe(p, p.ref.namespace ? ctx.mapNamespace(p.ref.namespace) : undefined, ctx.restoredNamespaces),
  async run(p, ctx, timeoutMs) {
    const min = p.minCount;
    const subject = this.subject(p, ctx);
    return settle(subject, async () => {
      const { namespace, only } = await scopeOf(p, ctx);
      const { verdict } = await watchObjects(
        ctx,
        { apiVersion: p.ref.apiVersion, kind: p.ref.kind, namespace, name: p.ref.name, labelSelector: p.ref.selector },
        (objs) => {
          const live = objs.filter(
            (o) => !o.metadata.deletionTimestamp && (!only || only.has(o.metadata.namespace ?? '')),
          );
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
          if (!live.length) return { state: 'waiting', observation: `no ${subject} found (want ${min})` };
          const first = mismatches[0];
          const name = (o: (typeof live)[number]) =>
            only ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
          return {
            state: 'waiting',
            observation: first
              ? `${p.ref.kind} ${name(first[0])}: ${first[1]} (${matching}/${live.length} match, want all and at least ${min})`
              : `${matching} ${p.ref.kind} object(s) found, want at least ${min}`,
          };
        },
        timeoutMs,
        only ?? undefined,
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
