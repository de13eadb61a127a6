/**
 * target.isolation strict: a scratch copy beside live workloads must not act on them. Before the namespaces are
 * created the drill reads the source namespaces' Pod Security labels and adds the Velero rules (CronJobs
 * suspended, LoadBalancer Services made ClusterIP, Ingresses left out); right after creating each namespace it
 * puts a default-deny NetworkPolicy in it, before the Restore exists; after the restore it reads back what the
 * copy holds and says in report.isolation what was neutralised and what was not. Everything lives in the
 * drill's namespaces, labelled, and goes with them at teardown.
 */
import { isolationNetworkPolicy, ISOLATION_POLICY_NAME, podSecurityLabels } from '../kube/isolation-policy.js';
import { LABEL_DRILL_ID } from '../plan/types.js';
import type { Report } from '../report/schema.js';
import { isolationModifierRules, ISOLATION_EXCLUDED_RESOURCES } from '../velero/isolation-rules.js';
import { drillLabels, type DrillContext } from './context.js';
import { describeError } from '../util/errors.js';

type Isolation = NonNullable<Report['isolation']>;

const empty = (mode: Isolation['mode']): Isolation => ({
  mode,
  networkPolicies: [],
  cronJobsSuspended: [],
  servicesMadeClusterIP: [],
  ingressesLeftOut: [],
  podSecurityLabels: {},
  notes: [],
});

const strict = (ctx: DrillContext) => ctx.plan.target.isolation === 'strict';

/** Resources the Restore leaves out for isolation. */
export function isolationExcludedResources(ctx: DrillContext): string[] {
  return strict(ctx) ? [...ISOLATION_EXCLUDED_RESOURCES] : [];
}

/**
 * Before the first namespace: the labels each scratch namespace gets from its source namespace, and the Velero
 * rules. Under `none` the report says so and nothing else happens.
 */
export async function planIsolation(ctx: DrillContext): Promise<void> {
  const report = ctx.rec.report;
  if (!strict(ctx)) {
    report.isolation = empty('none');
    return;
  }
  const iso = empty('strict');
  report.isolation = iso;
  const sources = Object.keys(ctx.namespaceMapping);
  for (const src of sources) {
    const dst = ctx.namespaceMapping[src]!;
    if (!ctx.source) {
      iso.notes.push(`Pod Security labels of ${src} not copied: the drill has no source cluster to read them from`);
      continue;
    }
    try {
      const ns = await ctx.source.get({ apiVersion: 'v1', kind: 'Namespace', name: src });
      iso.podSecurityLabels[dst] = podSecurityLabels(ns?.metadata.labels);
      if (!ns) iso.notes.push(`Pod Security labels of ${src} not copied: ${src} does not exist in the source now`);
    } catch (e) {
      iso.notes.push(`Pod Security labels of ${src} not copied: ${describeError(e)}`);
    }
  }
  const rules = isolationModifierRules(sources);
  ctx.restoreConfig ??= { storageClass: { action: 'none' }, rules: [], generatedRules: 0 };
  ctx.restoreConfig.isolationRules = rules;
  // Ingresses of the backup the Restore will leave out, as the backup names them.
  iso.ingressesLeftOut = (ctx.reach?.items ?? [])
    .filter((i) => i.kind === 'Ingress' && i.namespace !== null && sources.includes(i.namespace))
    .map((i) => `${i.namespace}/${i.name}`);
}

/** The labels a scratch namespace is created with: the drill's, and under strict its source's Pod Security ones. */
export function scratchNamespaceLabels(ctx: DrillContext, dst: string): Record<string, string> {
  return { ...(ctx.rec.report.isolation?.podSecurityLabels[dst] ?? {}), ...drillLabels(ctx.plan) };
}

/** Right after a scratch namespace is created, before the Restore: its default-deny NetworkPolicy. */
export async function fenceNamespace(ctx: DrillContext, dst: string): Promise<void> {
  const iso = ctx.rec.report.isolation;
  if (!strict(ctx) || !iso) return;
  const gw = ctx.target!.gateway;
  await gw.create(isolationNetworkPolicy(dst, { key: LABEL_DRILL_ID, value: ctx.plan.drillId }, drillLabels(ctx.plan)));
  iso.networkPolicies.push(`${dst}/${ISOLATION_POLICY_NAME}`);
}

/**
 * After the restore: what the copy holds. Suspended CronJobs and ClusterIP Services that were LoadBalancers in the
 * source are listed as neutralised; anything still live (a CronJob not suspended, a LoadBalancer Service, an
 * Ingress) is a note and a warning, since the copy may then act on live traffic or schedules.
 */
export async function confirmIsolation(ctx: DrillContext): Promise<void> {
  const iso = ctx.rec.report.isolation;
  if (!strict(ctx) || !iso) return;
  const gw = ctx.target!.gateway;
  const warn = (m: string) => {
    iso.notes.push(m);
    ctx.rec.event('warn', `isolation: ${m}`);
  };
  for (const [src, dst] of Object.entries(ctx.namespaceMapping)) {
    try {
      for (const cj of (await gw.list({ apiVersion: 'batch/v1', kind: 'CronJob', namespace: dst })).items) {
        if (cj.spec?.suspend === true) iso.cronJobsSuspended.push(`${dst}/${cj.metadata.name}`);
        else warn(`CronJob ${dst}/${cj.metadata.name} was restored without suspend: it runs on its schedule`);
      }
      const sourceLbs = new Set(
        ctx.source
          ? (await ctx.source.list({ apiVersion: 'v1', kind: 'Service', namespace: src })).items
              .filter((s) => s.spec?.type === 'LoadBalancer')
              .map((s) => s.metadata.name)
          : [],
      );
      for (const svc of (await gw.list({ apiVersion: 'v1', kind: 'Service', namespace: dst })).items) {
        if (svc.spec?.type === 'LoadBalancer')
          warn(`Service ${dst}/${svc.metadata.name} is still of type LoadBalancer in the restored copy`);
        else if (sourceLbs.has(svc.metadata.name)) iso.servicesMadeClusterIP.push(`${dst}/${svc.metadata.name}`);
      }
      for (const ing of (await gw.list({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: dst })).items)
        warn(`Ingress ${dst}/${ing.metadata.name} is in the restored copy`);
    } catch (e) {
      warn(`could not read back ${dst} to confirm its isolation: ${describeError(e)}`);
    }
  }
}
