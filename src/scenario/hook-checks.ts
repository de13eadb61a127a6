/**
 * What spec.hooks need beyond their schema: unique names, and a produced kubeconfig only where the engine can
 * use one (a provision hook of a cluster target, at most one).
 */
import type { Scenario } from './schema.js';
import type { PathSegment } from './problems.js';

/** Problems of spec.hooks as (path, message, key) triples; the caller locates them. */
export function hookProblems(spec: Scenario['spec']): Array<{ path: PathSegment[]; message: string; key?: boolean }> {
  const out: Array<{ path: PathSegment[]; message: string; key?: boolean }> = [];
  const first = new Map<string, number>();
  let producer: number | null = null;
  (spec.hooks ?? []).forEach((h, i) => {
    const at = (path: PathSegment[], message: string, key = false) =>
      out.push({ path: ['spec', 'hooks', i, ...path], message, key });
    const seen = first.get(h.name);
    if (seen !== undefined) at(['name'], `duplicate hook name "${h.name}" (also spec.hooks[${seen}])`);
    else first.set(h.name, i);
    if (h.at === 'on-teardown' && h.onFailure === 'fail') {
      at(
        ['onFailure'],
        'an on-teardown hook never stops teardown nor changes the verdict: expected warn (or leave it out)',
      );
    }
    if (h.produces) {
      if (h.at !== 'provision')
        at(['produces'], `only a provision hook can produce the target kubeconfig (this one runs at ${h.at})`, true);
      else if (!('cluster' in spec.target))
        at(
          ['produces'],
          'a produced kubeconfig needs a cluster target (target.cluster.kubeContext names the context it is routed to)',
          true,
        );
      else if (producer !== null)
        at(
          ['produces'],
          `only one hook can produce the target kubeconfig (spec.hooks[${producer}] already does)`,
          true,
        );
      else producer = i;
    }
  });
  return out;
}
