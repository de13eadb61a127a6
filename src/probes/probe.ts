import type { KubeGateway } from '../kube/gateway.js';
import type { ProbeOutcomeT } from '../report/schema.js';
import { WaitAborted, WaitFailed, WaitTimeout } from '../kube/wait.js';
import { isDrillError } from '../errors.js';

/** What a probe is given: the target cluster and the source → target namespace mapping. */
export interface ProbeContext {
  gateway: KubeGateway;
  /** Probe references name namespaces as they are in the source. */
  mapNamespace(sourceNamespace: string): string;
  signal: AbortSignal;
  onObservation(observation: string): void;
}

export interface ProbeResult {
  outcome: Exclude<ProbeOutcomeT, 'skipped'>;
  /** What was looked at, in target terms. */
  subject: string;
  /** The last thing seen; for a failure, why it is not passing. */
  observation: string | null;
}

/** One probe kind: one file, this interface, registered in probes/index.ts. */
export interface ProbeKind<Spec> {
  subject(spec: Spec, ctx: Pick<ProbeContext, 'mapNamespace'>): string;
  run(spec: Spec, ctx: ProbeContext, timeoutMs: number): Promise<ProbeResult>;
}

/**
 * Turns a wait's end into a probe result: timeout or a definite failure → failed with the last observation;
 * a permission or API error → error; an interrupt propagates so the engine can tear down.
 */
export async function settle(subject: string, wait: () => Promise<string>, diagnose?: () => Promise<string | null>): Promise<ProbeResult> {
  try {
    return { outcome: 'passed', subject, observation: await wait() };
  } catch (e) {
    if (e instanceof WaitAborted) throw e;
    if (e instanceof WaitTimeout || e instanceof WaitFailed) {
      const why = await diagnose?.().catch(() => null);
      const prefix = e instanceof WaitTimeout ? `timed out after ${Math.round(e.timeoutMs / 1000)}s: ` : '';
      return { outcome: 'failed', subject, observation: prefix + e.observation + (why ? `; ${why}` : '') };
    }
    if (isDrillError(e)) return { outcome: 'error', subject, observation: `${e.message} (${e.hint})` };
    return { outcome: 'error', subject, observation: e instanceof Error ? e.message : String(e) };
  }
}
