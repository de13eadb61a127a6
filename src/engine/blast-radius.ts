/**
 * The blast-radius proof (report.blastRadius): before the Restore is created, every pre-existing object the
 * restore could write that the drill does not own is read in the target and fingerprinted (uid + digests); after
 * teardown it is read again, and the restore's `(updated)` entries are added. Anything changed or gone makes the
 * drill ERROR. Reads are one list per kind and namespace, not one GET per object.
 */
import { describeError, isDrillError } from '../util/errors.js';
import type { KubeGateway } from '../kube/gateway.js';
import { digestChange, digestObject } from '../kube/object-digest.js';
import type { KubeObject } from '../kube/types.js';
import type { Report } from '../report/schema.js';
import { restorable, type ListedItem } from '../velero/restore-reach.js';
import type { BlastState, DrillContext, WatchedRef } from './context.js';
import { clusterScopedInReach } from './harm-checks.js';
import { blastRadiusReason } from '../measure/verdict.js';

/**
 * Kinds whose objects live and change with the workload, whoever restores: a restore into scratch namespaces
 * cannot write them in the source's namespaces, and their churn would read as harm.
 */
const CHURN = new Set([
  '/Event',
  'events.k8s.io/Event',
  '/Endpoints',
  'discovery.k8s.io/EndpointSlice',
  'coordination.k8s.io/Lease',
]);
const group = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');

/**
 * Where each object the restore could write, and the drill does not own, lives in the target: cluster-scoped
 * items of the backup; items of restored namespaces mapped onto a namespace the drill did not create; and, in the
 * source cluster, the source namespaces themselves and their objects (a mapped restore must leave them untouched).
 */
export function blastSet(
  items: ListedItem[],
  o: {
    namespaces: string[];
    mapping: Record<string, string>;
    owned: string[];
    sameCluster: boolean;
    filters: { includedResources: string[]; excludedResources: string[] };
  },
): WatchedRef[] {
  const out = new Map<string, WatchedRef>();
  const add = (r: WatchedRef) => out.set(`${r.apiVersion}/${r.kind}/${r.namespace ?? ''}/${r.name}`, r);
  for (const i of clusterScopedInReach(items, o.filters, o.namespaces)) add({ ...i, namespace: null });
  for (const i of items) {
    if (i.namespace === null || !o.namespaces.includes(i.namespace) || !restorable(i)) continue;
    if (CHURN.has(`${group(i.apiVersion)}/${i.kind}`)) continue;
    const dst = o.mapping[i.namespace] ?? i.namespace;
    if (!o.owned.includes(dst)) add({ ...i, namespace: dst });
    if (o.sameCluster && dst !== i.namespace) add(i);
  }
  if (o.sameCluster)
    for (const ns of o.namespaces)
      if (!o.owned.includes(ns)) add({ apiVersion: 'v1', kind: 'Namespace', namespace: null, name: ns });
  return [...out.values()];
}

/** A controller's child (a Deployment's ReplicaSets and Pods) comes and goes with its parent's rollout. */
const controlled = (o: KubeObject) => (o.metadata.ownerReferences ?? []).some((r) => r.controller);

/** The objects of the set that exist now, by key, reading one list per kind and namespace. */
async function readSet(
  gw: KubeGateway,
  refs: WatchedRef[],
): Promise<{ found: Map<string, KubeObject>; failed: Map<string, string> }> {
  const groups = new Map<string, WatchedRef[]>();
  for (const r of refs) {
    const g = `${r.apiVersion}|${r.kind}|${r.namespace ?? ''}`;
    groups.set(g, [...(groups.get(g) ?? []), r]);
  }
  const found = new Map<string, KubeObject>();
  const failed = new Map<string, string>();
  for (const [g, rs] of groups) {
    const { apiVersion, kind, namespace } = rs[0]!;
    try {
      const { items } = await gw.list({ apiVersion, kind, ...(namespace ? { namespace } : {}) });
      const byName = new Map(items.map((x) => [x.metadata.name, x]));
      for (const r of rs) {
        const o = byName.get(r.name);
        if (o) found.set(key(r), o);
      }
    } catch (e) {
      // Without the opt-in Secrets role (deploy/rbac/drill-secrets.yaml) a Secret is not checked, and says why.
      const denied = isDrillError(e) && e.code === 'KUBE_FORBIDDEN';
      failed.set(
        g,
        denied && kind === 'Secret'
          ? `Secrets not checked: the drill's identity may not read Secrets; bind deploy/rbac/drill-secrets.yaml to check them`
          : describeError(e),
      );
    }
  }
  return { found, failed };
}

const key = (r: WatchedRef) => `${r.apiVersion}|${r.kind}|${r.namespace ?? ''}|${r.name}`;

/** Before the Restore: fingerprints what exists now of the blast set. Its time is kept out of RTO. */
export async function recordBlastRadius(ctx: DrillContext): Promise<void> {
  const { rec } = ctx;
  if (!ctx.reach || !ctx.target) return;
  if (ctx.target.kind === 'aks') {
    ctx.blast = {
      watched: [],
      notChecked: ['the target is a cluster this drill provisioned: nothing in it pre-existed the drill'],
      recordMs: 0,
    };
    return;
  }
  const start = rec.now();
  const refs = blastSet(ctx.reach.items, {
    namespaces: Object.keys(ctx.namespaceMapping),
    mapping: ctx.namespaceMapping,
    owned: ctx.owned.namespaces,
    sameCluster: ctx.target.sameClusterAsSource,
    filters: ctx.plan.restore,
  });
  const { found, failed } = await readSet(ctx.target.gateway, refs);
  const watched = refs
    .filter((r) => found.has(key(r)) && !(r.namespace !== null && controlled(found.get(key(r))!)))
    .map((r) => ({ ref: r, digest: digestObject(found.get(key(r))!) }));
  const notChecked = [...failed].map(([g, why]) => {
    const [apiVersion, kind, ns] = g.split('|');
    const n = refs.filter((r) => `${r.apiVersion}|${r.kind}|${r.namespace ?? ''}` === g).length;
    return `${n} ${apiVersion}/${kind}${ns ? ` in ${ns}` : ''}: could not be read (${why})`;
  });
  ctx.blast = { watched, notChecked, recordMs: rec.now() - start };
  for (const n of notChecked) rec.event('warn', `blast radius: ${n}`);
  rec.event(
    'info',
    `blast radius: recorded ${watched.length} pre-existing object(s) the restore could write in ${ctx.target.gateway.context} (${((rec.now() - start) / 1000).toFixed(1)}s, left out of RTO)`,
  );
}

/** The blast-radius phase, after teardown: reads the set again, adds the restore's `(updated)` entries, reports. */
export async function blastRadiusPhase(ctx: DrillContext): Promise<void> {
  const { rec } = ctx;
  const report = rec.report;
  if (!ctx.owned.restore || !ctx.blast) {
    rec.skipPhase(
      'blast-radius',
      ctx.owned.restore ? 'nothing was recorded before the Restore' : 'no Restore was created',
    );
    report.blastRadius = ctx.owned.restore
      ? { checked: 0, changed: [], notChecked: ['nothing was recorded before the Restore'], recordSeconds: null }
      : null;
    return;
  }
  rec.startPhase('blast-radius');
  const blast = ctx.blast;
  const changed: NonNullable<Report['blastRadius']>['changed'] = [];
  const notChecked = [...blast.notChecked];
  try {
    const { found, failed } = await readSet(
      ctx.target!.gateway,
      blast.watched.map((w) => w.ref),
    );
    for (const w of blast.watched) {
      const g = `${w.ref.apiVersion}|${w.ref.kind}|${w.ref.namespace ?? ''}`;
      if (failed.has(g)) continue;
      const after = found.get(key(w.ref));
      const what = digestChange(w.digest, after ? digestObject(after) : null);
      if (what) changed.push({ ...w.ref, what });
    }
    for (const [g, why] of failed)
      notChecked.push(`${g.split('|').slice(0, 2).join('/')}: not read again after teardown (${why})`);
  } catch (e) {
    notChecked.push(`not read again after teardown: ${describeError(e)}`);
  }
  // Velero's own account of what it updated, outside what the drill owns.
  const owned = new Set(ctx.owned.namespaces);
  for (const i of ctx.owned.restoredItems ?? []) {
    if (i.action !== 'updated') continue;
    if (i.namespace ? owned.has(i.namespace) : i.kind === 'Namespace' && owned.has(i.name)) continue;
    const hit = changed.find((c) => c.kind === i.kind && c.name === i.name && c.namespace === i.namespace);
    if (hit) hit.what += '; updated by the restore (its resource list)';
    else
      changed.push({
        apiVersion: i.apiVersion,
        kind: i.kind,
        namespace: i.namespace,
        name: i.name,
        what: 'updated by the restore (its resource list)',
      });
  }
  report.blastRadius = {
    checked: blast.watched.length,
    changed,
    notChecked,
    recordSeconds: Math.round(blast.recordMs) / 1000,
  };
  // The verdict reads report.blastRadius (measure/verdict.ts); the phase only records what it found.
  if (changed.length) {
    const reason = blastRadiusReason(report.blastRadius);
    rec.event('error', reason);
    rec.endPhase('failed', reason);
  } else {
    rec.event('info', `${blast.watched.length} pre-existing object(s) checked, none changed`);
    rec.endPhase('succeeded', notChecked.length ? `${notChecked.length} not checked` : null);
  }
}
