/**
 * `run --negative-control`: the same drill with one expectation that cannot be met, to prove on the same
 * infrastructure that the drill is able to fail. With a canary probe, it requires a marker nonce nobody ever
 * writes; otherwise it adds a critical resource probe for an object that cannot exist. Pure: plan in, plan out.
 */
import { mapNamespace } from './compile.js';
import { compileProbe } from './probe-compile.js';
import type { DrillPlan, PlantedExpectation } from './types.js';

/** How long the impossible resource probe looks before it fails. */
const NEGATIVE_PROBE_TIMEOUT_MS = 15_000;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The plan of the negative control and what was planted: the probe, a sentence for the report, and how that
 * probe's failure reads when the impossibility is why it failed.
 */
export function negativeControlPlan(plan: DrillPlan): {
  plan: DrillPlan;
  expectation: string;
  planted: PlantedExpectation;
} {
  const p = structuredClone(plan);
  const nonce = `negative-control-${p.drillId}-never-written`;
  const canary = p.probes.find((x) => x.kind === 'canary' && x.critical);
  if (canary?.kind === 'canary') {
    canary.nonce = nonce;
    const expectation = `canary probe ${canary.name} requires marker ${nonce}, which is never written`;
    return {
      plan: p,
      expectation,
      // The carrier was restored and read, holding at least one real marker: only the planted nonce was missing.
      planted: {
        probe: canary.name,
        expectation,
        failsWith: new RegExp(`^canary not found: no marker ${escape(nonce)} in .* \\([1-9][0-9]* marker\\(s\\)`),
      },
    };
  }
  const ns =
    p.restore.includedNamespaces?.[0] ?? (p.backup.mode === 'create' ? p.backup.includedNamespaces[0] : undefined);
  const name = `dr-drill-negative-control-${p.drillId}`;
  const spec = compileProbe({
    name: 'negative-control',
    kind: 'resource',
    ref: ns
      ? { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name }
      : { apiVersion: 'v1', kind: 'Namespace', name },
  });
  p.probes.push({ ...spec, timeoutMs: NEGATIVE_PROBE_TIMEOUT_MS });
  const object = ns ? `ConfigMap ${mapNamespace(p, ns)}/${name}` : `Namespace ${name}`;
  const expectation = `critical probe negative-control requires ${object}, which cannot exist`;
  return {
    plan: p,
    expectation,
    planted: { probe: spec.name, expectation, failsWith: new RegExp(`no ${escape(object)} found \\(want 1\\)`) },
  };
}
