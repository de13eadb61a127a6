/** The probe registry: one kind, one file. The union of kind names is derived from it. */
import { workloadProbe } from './workload.js';
import { resourceProbe } from './resource.js';
import { pvcProbe } from './pvc.js';
import { execProbe } from './exec.js';
import { httpProbe } from './http.js';
import { jobProbe } from './job.js';
import { checksumProbe } from './checksum.js';
import { canaryProbe } from './canary.js';
import type { ProbeKindName, ProbePlan, ProbePlanOf } from '../plan/probe-plan.js';
import type { ProbeKind as ProbeKindImpl } from './probe.js';

/** Exactly the kinds the plan compiles, each running its own compiled probe. */
export const probes = {
  workload: workloadProbe,
  resource: resourceProbe,
  pvc: pvcProbe,
  exec: execProbe,
  http: httpProbe,
  job: jobProbe,
  checksum: checksumProbe,
  canary: canaryProbe,
} as const satisfies { [K in ProbeKindName]: ProbeKindImpl<ProbePlanOf<K>> };

/** The probe kind names: the registry's keys. */
export type ProbeKind = keyof typeof probes;

/** The implementation of a compiled probe's kind. */
export function probeKind(kind: ProbePlan['kind']): ProbeKindImpl<ProbePlan> {
  const impl = (probes as Record<string, unknown>)[kind];
  if (!impl) throw new Error(`unknown probe kind ${kind}`);
  return impl as ProbeKindImpl<ProbePlan>;
}

export type { ProbeContext, ProbeResult } from './probe.js';
