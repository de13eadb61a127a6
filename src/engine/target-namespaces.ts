/**
 * The target-namespace checks, in one place for `plan` (preflight) and `run` (prepare-target): a drill must never
 * restore over its own source, nor into a namespace that already exists.
 */
import type { KubeGateway } from '../kube/gateway.js';
import type { Target } from '../targets/target.js';
import { inputError } from '../util/errors.js';
import { LABEL_DRILL_ID } from '../plan/types.js';

/** The first target namespace that is a restored source namespace of the same cluster, or null. */
export function sourceNamespaceOverwritten(target: Target, included: readonly string[]): string | null {
  if (!target.sameClusterAsSource) return null;
  for (const ns of included) {
    const dst = target.mapNamespace(ns);
    if (dst === ns || included.includes(dst)) return dst;
  }
  return null;
}

/**
 * Throws TARGET_IS_SOURCE when a target namespace is a source namespace of the same cluster, else
 * TARGET_NAMESPACE_EXISTS naming every target namespace that exists already (and the drill that left it).
 * Reads only: the caller may run it before its first write.
 */
export async function requireTargetNamespacesFree(
  gw: KubeGateway,
  target: Target,
  included: readonly string[],
): Promise<void> {
  const overwritten = sourceNamespaceOverwritten(target, included);
  if (overwritten !== null) {
    throw inputError(
      'TARGET_IS_SOURCE',
      `target namespace ${overwritten} is a source namespace in the same cluster (${gw.context})`,
      'give the target a namespace suffix (target.namespace.suffix) or restore into another cluster',
    );
  }
  const taken: Array<{ name: string; owner: string | null }> = [];
  for (const ns of included) {
    const dst = target.mapNamespace(ns);
    const existing = await gw.get({ apiVersion: 'v1', kind: 'Namespace', name: dst });
    if (existing) taken.push({ name: dst, owner: existing.metadata.labels?.[LABEL_DRILL_ID] ?? null });
  }
  if (!taken.length) return;
  const left = (t: (typeof taken)[number]) =>
    t.owner ? `left by drill ${t.owner}` : `${taken.length > 1 ? '' : 'and '}was not created by a drill`;
  const owner = taken.find((t) => t.owner)?.owner;
  throw inputError(
    'TARGET_NAMESPACE_EXISTS',
    taken.length === 1
      ? `target namespace ${taken[0]!.name} already exists in ${gw.context}${taken[0]!.owner ? ` (${left(taken[0]!)})` : ` ${left(taken[0]!)}`}`
      : `target namespaces already exist in ${gw.context}: ${taken.map((t) => `${t.name} (${left(t)})`).join(', ')}`,
    owner
      ? `run dr-drill cleanup --drill-id ${owner}`
      : 'choose a target (suffix or cluster) where the restored namespaces do not exist yet',
  );
}
