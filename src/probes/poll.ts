/**
 * Polling for probes that have nothing to watch: a command's output or an HTTP answer changes without any API
 * object changing, so exec, http, canary and checksum probes try again every interval until they pass, fail for
 * good, or the timeout ends. Object-state probes (workload, resource, pvc, job) watch instead.
 */
import { WaitAborted, WaitFailed, WaitTimeout } from '../kube/wait.js';
import { isDrillError, describeError } from '../util/errors.js';
import type { ProbePlanCommon } from '../plan/probe-plan.js';
import type { ProbeContext } from './probe.js';

/** One attempt's conclusion, in the words of kube/wait's Verdict. */
export interface Attempt {
  state: 'done' | 'failed' | 'waiting';
  observation: string;
}

/** How a polling probe polls: timeout, interval, stop signal, and who hears each observation and each look. */
export interface PollOptions {
  timeoutMs: number;
  intervalMs: number;
  signal: AbortSignal;
  onObservation?: (observation: string) => void;
  /** Called as each attempt begins: the look before the passing one bounds when the copy became ready. */
  onLook?: () => void;
}

/** Errors that another attempt cannot fix: the identity may not do this. */
const NOTHING_YET = 'no attempt finished';
const FATAL = new Set(['KUBE_FORBIDDEN', 'KUBE_UNAUTHORIZED', 'EXEC_UNSUPPORTED', 'PORT_FORWARD_UNSUPPORTED']);

/**
 * Runs `attempt(remainingMs)` until it is done (resolves with its observation), failed (WaitFailed) or the
 * timeout passes (WaitTimeout with the last observation). A thrown error counts as a waiting attempt (a pod
 * restarting, a stream cut), except permission errors, which propagate at once.
 */
export async function poll(attempt: (remainingMs: number) => Promise<Attempt>, o: PollOptions): Promise<string> {
  const deadline = Date.now() + o.timeoutMs;
  let last = NOTHING_YET;
  for (;;) {
    if (o.signal.aborted) throw new WaitAborted(last);
    let a: Attempt;
    o.onLook?.();
    try {
      a = await attempt(Math.max(1, deadline - Date.now()));
    } catch (e) {
      if (e instanceof WaitAborted) throw e;
      if (isDrillError(e) && FATAL.has(e.code)) throw e;
      // An attempt cut short by the deadline says nothing new: report what the last full attempt saw.
      if (Date.now() >= deadline && last !== NOTHING_YET) throw new WaitTimeout(last, o.timeoutMs);
      a = { state: 'waiting', observation: describeError(e) };
    }
    if (a.observation !== last) o.onObservation?.(a.observation);
    last = a.observation;
    if (a.state === 'done') return a.observation;
    if (a.state === 'failed') throw new WaitFailed(a.observation);
    const left = deadline - Date.now();
    if (left <= 0) throw new WaitTimeout(last, o.timeoutMs);
    await sleep(Math.min(o.intervalMs, left), o.signal);
  }
}

/**
 * A polling probe's poll: its compiled interval, the verify phase's signal, observations and looks. Resolves with
 * the passing attempt's observation.
 */
export function pollProbe(
  attempt: (remainingMs: number) => Promise<Attempt>,
  p: Pick<ProbePlanCommon, 'intervalMs'>,
  ctx: ProbeContext,
  timeoutMs: number,
): Promise<string> {
  return poll(attempt, {
    timeoutMs,
    intervalMs: p.intervalMs,
    signal: ctx.signal,
    onObservation: ctx.onObservation,
    onLook: ctx.onLook,
  });
}

/** A sleep that ends early (without throwing) when the signal aborts; the caller checks the signal. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
