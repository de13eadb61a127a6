/**
 * Runs the phases in order and records each in the report tree: its outcome, reason and effect on the verdict.
 * The runner owns every phase's time limit (an AbortSignal the phase honours, and it stops waiting when the limit
 * passes), the drill's interrupt, and the operator's pauses of run --step. After the first phase that ends the
 * drill early, the rest are recorded as skipped, with why.
 */
import { isDrillError, describeWithCode } from '../util/errors.js';
import { WaitAborted } from '../kube/wait.js';
import type { PhaseNameT } from '../report/schema.js';
import { formatSeconds } from '../util/duration.js';
import type { DrillContext } from './context.js';
import { Shortfall } from './outcome.js';
import { phaseTimeoutMs, SkipPhase, type DrillPhase, type PhaseEnd } from './phase.js';

/** An operator pause of a rehearsal (--step): before which phase, when, and how long; reported apart from RTO. */
export interface Pause {
  beforePhase: PhaseNameT;
  atSeconds: number;
  seconds: number;
}

/** How the phases ran: interrupted, ended on bad input, stopped early (and why), and the operator's pauses. */
export interface PhasesRun {
  interrupted: boolean;
  /** A phase ended on bad input discovered at run time (exit 2). */
  inputProblem: boolean;
  /** Why the phases after the one that ended the drill did not run; null when all ran. */
  stopped: string | null;
  pauses: Pause[];
}

export async function runPhases(
  ctx: DrillContext,
  phases: DrillPhase[],
  opts: { beforePhase?: (phase: PhaseNameT) => Promise<'continue' | 'abort'> },
): Promise<PhasesRun> {
  const { rec } = ctx;
  const drillSignal = ctx.signal;
  const out: PhasesRun = { interrupted: false, inputProblem: false, stopped: null, pauses: [] };
  for (const phase of phases) {
    const name = phase.name;
    if (out.stopped) {
      rec.skipPhase(name, out.stopped);
      continue;
    }
    if (drillSignal.aborted) {
      out.interrupted = true;
      out.stopped = 'interrupted';
      rec.skipPhase(name, out.stopped);
      continue;
    }
    if (opts.beforePhase) {
      const pauseStart = rec.now();
      const decision = await opts.beforePhase(name);
      out.pauses.push({
        beforePhase: name,
        atSeconds: rec.sinceT0(pauseStart),
        seconds: (rec.now() - pauseStart) / 1000,
      });
      if (decision === 'abort' || drillSignal.aborted) {
        out.interrupted = true;
        out.stopped = 'aborted by the operator';
        rec.event('warn', `the operator aborted the drill before ${name}`);
        rec.skipPhase(name, `the operator aborted the drill before ${name}`, 'ERROR');
        continue;
      }
    }
    rec.startPhase(name);
    const end = await runOne(ctx, phase, drillSignal);
    rec.endPhase(end.outcome, end.reason, end.effect);
    if (end.outcome === 'interrupted') {
      out.interrupted = true;
      out.stopped = 'interrupted';
    } else if (end.stops) out.stopped = `not run: ${name} failed`;
    if (end.input) out.inputProblem = true;
  }
  return out;
}

type Ending = PhaseEnd & { stops: boolean; input: boolean };

async function runOne(ctx: DrillContext, phase: DrillPhase, drillSignal: AbortSignal): Promise<Ending> {
  const limitMs = phaseTimeoutMs(phase, ctx.plan);
  const limit = new AbortController();
  const controller = new AbortController();
  const abort = () => controller.abort();
  drillSignal.addEventListener('abort', abort, { once: true });
  limit.signal.addEventListener('abort', abort, { once: true });
  const timer = setTimeout(() => limit.abort(), limitMs);
  const timedOut = (): Ending => ({
    outcome: 'failed',
    reason: `phase ${phase.name} did not finish within its time limit of ${formatSeconds(limitMs / 1000)}`,
    effect: phase.onTimeout,
    stops: true,
    input: false,
  });
  // Phases read the running phase's signal from the context too (the adapters they call take ctx.signal).
  ctx.signal = controller.signal;
  try {
    const running = phase.run(ctx, controller.signal);
    running.catch(() => {}); // after a timeout nobody awaits it any more
    const expired = new Promise<'expired'>((resolve) =>
      limit.signal.addEventListener('abort', () => resolve('expired'), { once: true }),
    );
    const r = await Promise.race([running, expired]);
    if (r === 'expired') return timedOut();
    if (r) return { ...r, stops: false, input: false };
    return { outcome: 'succeeded', reason: null, effect: null, stops: false, input: false };
  } catch (e) {
    if (e instanceof SkipPhase)
      return { outcome: 'skipped', reason: e.message, effect: null, stops: false, input: false };
    if (limit.signal.aborted && !drillSignal.aborted) return timedOut();
    if (e instanceof WaitAborted || drillSignal.aborted)
      return {
        outcome: 'interrupted',
        reason: `interrupted (SIGINT/SIGTERM/SIGHUP) while: ${e instanceof WaitAborted ? e.observation : describeWithCode(e)}`,
        effect: 'ERROR',
        stops: true,
        input: false,
      };
    return {
      outcome: 'failed',
      reason: describeWithCode(e),
      effect: e instanceof Shortfall && e.verdict === 'FAIL' ? 'FAIL' : 'ERROR',
      stops: true,
      input: isDrillError(e) && e.category === 'input',
    };
  } finally {
    clearTimeout(timer);
    drillSignal.removeEventListener('abort', abort);
    ctx.signal = drillSignal;
  }
}
