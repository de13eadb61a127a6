/**
 * Probe modes, as LitmusChaos has them: `once` (default) passes the first time the probe passes; `continuous`
 * then keeps sampling it for a window ("the service stays healthy for 5 minutes after restore") and passes when
 * enough samples pass. Generic over every kind: a sample is simply another run of the same probe.
 */
import { WaitAborted } from '../kube/wait.js';
import { formatSeconds } from '../util/duration.js';
import type { ProbeContext, ProbeKind, ProbeResult } from './probe.js';
import { sleep } from './poll.js';
import { systemClock, type Clock } from '../util/clock.js';

/** How a probe is run: its timeout, and the continuous window when it has one. */
export interface ModePlan {
  timeoutMs: number;
  intervalMs: number;
  continuous?: { durationMs: number; minSuccessRatio: number };
}

/** The window's time: a monotonic clock and a sleep that honours the drill's abort signal. Tests pass their own. */
export interface ModeTiming {
  clock: Pick<Clock, 'monotonicMs'>;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

const realTiming: ModeTiming = { clock: systemClock, sleep };

/**
 * Runs a probe in its mode. `onFirstPass` fires when it first passes: RTO counts that moment (recovery was
 * achieved then); the continuous window afterwards can still fail the probe, but does not lengthen RTO.
 */
export async function runInMode<S>(
  kind: ProbeKind<S>,
  spec: S,
  ctx: ProbeContext,
  mode: ModePlan,
  onFirstPass: () => void,
  timing: ModeTiming = realTiming,
): Promise<ProbeResult> {
  const now = () => timing.clock.monotonicMs();
  const first = await kind.run(spec, ctx, mode.timeoutMs);
  if (first.outcome !== 'passed') return first;
  onFirstPass();
  const c = mode.continuous;
  if (!c) return first;
  const end = now() + c.durationMs;
  let passed = 1;
  let samples = 1;
  let lastFailure: string | null = null;
  // Samples are quiet: their observations would flood the journal; the summary says what matters.
  const quiet: ProbeContext = { ...ctx, onObservation: () => undefined };
  while (now() < end) {
    await timing.sleep(Math.min(mode.intervalMs, Math.max(0, end - now())), ctx.signal);
    if (ctx.signal.aborted) throw new WaitAborted(`continuous sampling: ${passed}/${samples} samples passed so far`);
    if (now() >= end) break;
    const r = await kind.run(spec, quiet, Math.max(1_000, mode.intervalMs));
    samples++;
    if (r.outcome === 'passed') passed++;
    else lastFailure = r.observation;
    ctx.onObservation(`continuous: ${passed}/${samples} samples passed`);
  }
  const ratio = passed / samples;
  const summary = `continuous for ${formatSeconds(c.durationMs / 1000)}: ${passed}/${samples} samples passed (${Math.round(ratio * 100)}%, want ≥ ${Math.round(c.minSuccessRatio * 100)}%)`;
  const ok = ratio >= c.minSuccessRatio;
  return {
    ...first,
    outcome: ok ? 'passed' : 'failed',
    observation: `${summary}${lastFailure ? `; last failure: ${lastFailure}` : ''}${ok ? `; first pass: ${first.observation ?? ''}` : ''}`,
  };
}
