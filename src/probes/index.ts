/** The probe registry: one kind, one file. The union of kind names is derived from it. */
import { workloadProbe } from './workload.js';
import { resourceProbe } from './resource.js';
import { pvcProbe } from './pvc.js';
import type { ProbeKind as ProbeKindImpl } from './probe.js';

export const probes = {
  workload: workloadProbe,
  resource: resourceProbe,
  pvc: pvcProbe,
} as const;

export type ProbeKind = keyof typeof probes;

export function probeKind(kind: string): ProbeKindImpl<unknown> {
  const impl = (probes as Record<string, unknown>)[kind];
  if (!impl) throw new Error(`unknown probe kind ${kind}`);
  return impl as ProbeKindImpl<unknown>;
}

export type { ProbeContext, ProbeResult } from './probe.js';
