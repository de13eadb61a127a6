/**
 * `run --negative-control`: the same drill with one expectation that cannot be met, to prove on the same
 * infrastructure that the drill is able to fail. With a canary probe, it requires a marker nonce nobody ever
 * writes; otherwise it adds a critical resource probe for an object that cannot exist. Pure: plan in, plan out.
 */
import { mapNamespace } from './compile.js';
import type { DrillPlan, ProbePlan } from './types.js';

/** How long the impossible resource probe looks before it fails. */
const NEGATIVE_PROBE_TIMEOUT_MS = 15_000;

/** The plan of the negative control and a sentence for the report of what was made impossible. */
export function negativeControlPlan(plan: DrillPlan): { plan: DrillPlan; expectation: string } {
  const p = structuredClone(plan);
  const nonce = `negative-control-${p.drillId}-never-written`;
  const canary = p.probes.find((x) => x.kind === 'canary' && x.critical);
  if (canary && canary.spec.kind === 'canary') {
    canary.spec = { ...canary.spec, nonce };
    return { plan: p, expectation: `canary probe ${canary.name} requires marker ${nonce}, which is never written` };
  }
  const ns =
    p.restore.includedNamespaces?.[0] ?? (p.backup.mode === 'create' ? p.backup.includedNamespaces[0] : undefined);
  const name = `dr-drill-negative-control-${p.drillId}`;
  const spec: ProbePlan['spec'] = ns
    ? { name: 'negative-control', kind: 'resource', ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name } }
    : { name: 'negative-control', kind: 'resource', ref: { apiVersion: 'v1', kind: 'Namespace', name } };
  p.probes.push({ name: spec.name, kind: 'resource', critical: true, timeoutMs: NEGATIVE_PROBE_TIMEOUT_MS, spec });
  return {
    plan: p,
    expectation: `critical probe negative-control requires ${ns ? `ConfigMap ${mapNamespace(p, ns)}/${name}` : `Namespace ${name}`}, which cannot exist`,
  };
}
