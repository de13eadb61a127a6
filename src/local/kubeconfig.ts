/**
 * The environment's own kubeconfig: kwokctl's two admin kubeconfigs merged, with contexts (and their cluster
 * and user entries) renamed to dr-drill-primary and dr-drill-dr. Never touches ~/.kube/config.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { clusterKubeconfig } from './clusters.js';
import { CLUSTERS, CONTEXTS, type LocalLayout } from './layout.js';

interface Named {
  name: string;
  [k: string]: unknown;
}
interface KubeconfigDoc {
  clusters?: Named[];
  users?: Named[];
  contexts?: { name: string; context: { cluster: string; user: string; [k: string]: unknown } }[];
  'current-context'?: string;
}

/** Writes the merged kubeconfig (mode 0600, current context dr-drill-primary); returns its path. */
export function writeEnvironmentKubeconfig(layout: LocalLayout): string {
  const merged = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [] as Named[],
    users: [] as Named[],
    contexts: [] as unknown[],
    'current-context': CONTEXTS.primary,
  };
  for (const name of CLUSTERS) {
    const doc = parse(readFileSync(clusterKubeconfig(layout, name), 'utf8')) as KubeconfigDoc;
    const ctx = doc.contexts?.find((c) => c.name === doc['current-context']) ?? doc.contexts?.[0];
    const cluster = doc.clusters?.find((c) => c.name === ctx?.context.cluster);
    const user = doc.users?.find((u) => u.name === ctx?.context.user);
    if (!ctx || !cluster || !user) throw new Error(`kwokctl kubeconfig of ${name} has no usable context`);
    const id = CONTEXTS[name];
    merged.clusters.push({ ...cluster, name: id });
    merged.users.push({ ...user, name: id });
    merged.contexts.push({ name: id, context: { ...ctx.context, cluster: id, user: id } });
  }
  const text = stringify(merged);
  let current = '';
  try {
    current = readFileSync(layout.kubeconfig, 'utf8');
  } catch {
    /* first write */
  }
  if (current !== text) writeFileSync(layout.kubeconfig, text, { mode: 0o600 });
  return layout.kubeconfig;
}
