import type { KubeGateway } from '../kube/gateway.js';
import type { KubeObject, ObjectQuery } from '../kube/types.js';
import type { SharedWatches } from '../kube/shared-watches.js';
import type { ProbeOutcomeT } from '../report/schema.js';
import { WaitAborted, WaitFailed, WaitTimeout, waitForIn, type Verdict } from '../kube/wait.js';
import { isDrillError, describeError } from '../util/errors.js';
import { isNotFound } from '../kube/errors.js';

/** What a probe is given: the target cluster and the source → target namespace mapping. */
export interface ProbeContext {
  gateway: KubeGateway;
  /** Probe references name namespaces as they are in the source. */
  mapNamespace(sourceNamespace: string): string;
  /**
   * The target namespaces the restore brought back (the mapping's values): where a probe that names no namespace
   * looks for a namespaced kind, so that it never matches the source's own objects in a same-cluster drill.
   */
  restoredNamespaces?: readonly string[];
  signal: AbortSignal;
  onObservation(observation: string): void;
  /**
   * The drill's watches over its restored namespaces, one per kind and selector shared by all probes (verify
   * sets it); without it each wait watches on its own.
   */
  watches?: SharedWatches;
  /** A polling kind calls this as each attempt begins (probe detection latency: see poll.ts). */
  onLook?(): void;
  /** What this probe's own beforeBackup returned (e.g. the canary nonce the drill wrote); undefined when it did not run. */
  prepared?: unknown;
  /** The drill's id, for names and labels of what a probe creates (job). */
  drillId?: string;
  /** Labels for what a probe creates in the target (drill-id, scenario), so teardown and cleanup find it. */
  labels?: Record<string, string>;
}

/**
 * A probe's wait on objects of the target (list + watch, see kube/wait.ts): through the drill's shared watches
 * when it has them, in `namespaces` (default: the query's namespace); with the probe's signal and observations.
 */
export function watchObjects<T>(
  ctx: ProbeContext,
  query: ObjectQuery,
  evaluate: (objects: KubeObject[]) => Verdict<T>,
  timeoutMs: number,
  namespaces?: ReadonlySet<string>,
): Promise<{ verdict: Verdict<T>; objects: KubeObject[] }> {
  const opts = { timeoutMs, signal: ctx.signal, onObservation: ctx.onObservation };
  return ctx.watches
    ? ctx.watches.waitFor(query, evaluate, opts, namespaces)
    : waitForIn(ctx.gateway, query, namespaces, evaluate, opts);
}

/** What beforeBackup is given: the source cluster, just before the drill creates its backup. */
export interface SourceContext {
  gateway: KubeGateway;
  signal: AbortSignal;
  drillId: string;
  /** UTC now (the drill's clock). */
  now(): Date;
}

/** How a probe ended, in target terms. */
export interface ProbeResult {
  outcome: Exclude<ProbeOutcomeT, 'skipped'>;
  /** What was looked at, in target terms. */
  subject: string;
  /** The last thing seen; for a failure, why it is not passing. */
  observation: string | null;
  /** A canary's recovery point: the newest marker found in the restored copy (rpo.basis canary). */
  recoveryPoint?: Date;
}

/** One probe kind: one file, this interface, registered in probes/index.ts. `Spec` is its compiled ProbePlan. */
export interface ProbeKind<Spec> {
  subject(spec: Spec, ctx: Pick<ProbeContext, 'mapNamespace' | 'restoredNamespaces'>): string;
  run(spec: Spec, ctx: ProbeContext, timeoutMs: number): Promise<ProbeResult>;
  /**
   * Runs on the source just before a drill-created backup (canary marker, checksum manifest); what it returns is
   * handed back to run() as ctx.prepared. Only kinds that need it implement it.
   */
  beforeBackup?(spec: Spec, ctx: SourceContext): Promise<unknown>;
  /**
   * The kind looks again every interval instead of watching: its first pass may come up to one interval after the
   * copy was ready (probe detection latency, part of rto.uncertaintySeconds).
   */
  readonly polls?: boolean;
}

/**
 * What the restore should have produced is not there: the API server answered 404 for the probe's own object,
 * its namespace or its kind (a CRD the restore did not bring back). That is recovery falling short (FAIL), not
 * the drill failing to look (ERROR); the message says which of them is missing.
 */
export function notRestored(e: unknown): string | null {
  return isDrillError(e) && isNotFound(e) ? e.message : null;
}

/**
 * Turns a wait's end into a probe result: timeout or a definite failure → failed with the last observation;
 * something the restore should have produced answering 404 → failed with that reason; a permission or other API
 * error → error; an interrupt propagates so the engine can tear down.
 */
export async function settle(
  subject: string,
  wait: () => Promise<string>,
  diagnose?: () => Promise<string | null>,
): Promise<ProbeResult> {
  try {
    return { outcome: 'passed', subject, observation: await wait() };
  } catch (e) {
    if (e instanceof WaitAborted) throw e;
    if (e instanceof WaitTimeout || e instanceof WaitFailed) {
      const why = await diagnose?.().catch(() => null);
      const prefix = e instanceof WaitTimeout ? `timed out after ${Math.round(e.timeoutMs / 1000)}s: ` : '';
      return { outcome: 'failed', subject, observation: prefix + e.observation + (why ? `; ${why}` : '') };
    }
    const missing = notRestored(e);
    if (missing) return { outcome: 'failed', subject, observation: `not in the restored copy: ${missing}` };
    if (isDrillError(e)) return { outcome: 'error', subject, observation: `${e.message} (${e.hint})` };
    return { outcome: 'error', subject, observation: describeError(e) };
  }
}
