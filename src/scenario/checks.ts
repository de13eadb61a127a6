/**
 * Checks a JSON Schema cannot express, run on a scenario that passed the schema: unique probe names, probe refs
 * that say what to look at, namespaces that agree between backup, restore and probes, and a target that is not
 * the source itself.
 */
import type { Scenario } from './schema.js';
import { problemAt, type Locator, type PathSegment, type Problem } from './problems.js';
import { dataProbeProblems, probeNamespace } from './probe-checks.js';
import { hookProblems } from './hook-checks.js';
import { restoreConfigProblems } from './restore-checks.js';
import { webhookUrlProblem } from '../util/webhook-url.js';
import { fillInProblems } from './fill-in-checks.js';
import { CLUSTER_SCOPED_KINDS } from './cluster-scoped-kinds.js';
import { durationProblems } from './duration-checks.js';

const hasVariable = (s: string) => s.includes('${');

/** Problems beyond the schema, in the same shape. */
export function semanticProblems(s: Scenario, file: string, locate: Locator): Problem[] {
  const problems: Problem[] = [];
  const at = (path: PathSegment[], message: string, key = false) =>
    problems.push(problemAt(file, locate, path, message, key));
  const spec = s.spec;

  // The verdict needs proof the restored copy works: a drill whose probes are all optional proves nothing.
  if (!spec.probes.length)
    at(
      ['spec', 'probes'],
      'expected at least one critical probe: a drill without one proves nothing about the restored copy',
    );
  else if (!spec.probes.some((p) => p.critical !== false))
    at(
      ['spec', 'probes'],
      'expected at least one critical probe (every probe here is critical: false): a drill without one proves nothing about the restored copy',
    );

  const firstByName = new Map<string, number>();
  spec.probes.forEach((p, i) => {
    const first = firstByName.get(p.name);
    if (first !== undefined)
      at(['spec', 'probes', i, 'name'], `duplicate probe name "${p.name}" (also spec.probes[${first}])`);
    else firstByName.set(p.name, i);
    if (p.kind === 'resource' || p.kind === 'pvc') {
      const ref = p.ref as { name?: string; selector?: string; namespace?: string };
      if (ref.name !== undefined && ref.selector !== undefined) {
        at(['spec', 'probes', i, 'ref'], 'expected name or selector, not both', true);
      }
    }
    if (p.kind === 'resource' && p.ref.namespace === undefined && p.ref.name === undefined) {
      // Without a namespace a namespaced kind is looked for in the restored namespaces (probes/resource.ts); a
      // cluster-scoped kind cannot be scoped that way, and its selector would match objects the restore did not
      // bring back (the source's own, in a same-cluster drill). Kinds the file alone cannot place are refused at run time.
      if (CLUSTER_SCOPED_KINDS.has(p.ref.kind))
        at(
          ['spec', 'probes', i, 'ref'],
          `expected name: ${p.ref.kind} is cluster-scoped, so a selector alone would match objects anywhere in the cluster, the source included (a namespaced kind without a namespace is looked for in the restored namespaces)`,
          true,
        );
    }
    for (const d of dataProbeProblems(p, spec)) at(['spec', 'probes', i, ...d.path], d.message, d.key ?? false);
  });

  // Which source namespaces get restored, when the file says so; null: decided by the backup at run time.
  const created = 'create' in spec.backup ? spec.backup.create.includedNamespaces : null;
  const included = spec.restore?.includedNamespaces ?? null;
  if (created !== null && included !== null) {
    included.forEach((ns, i) => {
      if (!created.includes(ns) && !hasVariable(ns) && !created.some(hasVariable)) {
        at(
          ['spec', 'restore', 'includedNamespaces', i],
          `namespace "${ns}" is not in backup.create.includedNamespaces (${created.join(', ')})`,
        );
      }
    });
  }
  const excluded = spec.restore?.excludedNamespaces ?? [];
  excluded.forEach((ns, i) => {
    if (included?.includes(ns))
      at(['spec', 'restore', 'excludedNamespaces', i], `namespace "${ns}" is both included and excluded`);
  });
  const restored = included ?? created;
  if (restored !== null && !restored.some(hasVariable)) {
    spec.probes.forEach((p, i) => {
      const { namespace: ns, path } = probeNamespace(p);
      if (ns === undefined || hasVariable(ns)) return;
      if (!restored.includes(ns) || excluded.includes(ns)) {
        at(['spec', 'probes', i, ...path], `namespace "${ns}" is not restored (restored: ${restored.join(', ')})`);
      }
    });
  }

  if (spec.restore) for (const d of restoreConfigProblems(spec.restore)) at(d.path, d.message, d.key ?? false);

  // Restoring into the very cluster and namespaces the backup came from would overwrite the workload it protects.
  if ('cluster' in spec.target) {
    const t = spec.target.cluster;
    const source = spec.source?.kubeContext;
    if (source !== undefined && t.kubeContext === source && (t.namespaceSuffix ?? '') === '') {
      at(
        ['spec', 'target', 'cluster', 'kubeContext'],
        `the target is the source (${source}) with no namespaceSuffix: the restore would overwrite the protected workload; use a namespace target or set namespaceSuffix`,
      );
    }
  }
  for (const h of hookProblems(spec)) at(h.path, h.message, h.key ?? false);
  // A webhook written out in the file is checked now; one from ${ENV} when plan or run resolves it.
  const webhook = spec.report?.notify?.webhook;
  const webhookProblem = webhook === undefined || hasVariable(webhook) ? null : webhookUrlProblem(webhook);
  if (webhookProblem !== null) at(['spec', 'report', 'notify', 'webhook'], webhookProblem);
  for (const f of fillInProblems(s)) at(f.path, f.message);
  problems.push(...durationProblems(s, file, locate));
  return problems;
}
