import type { DrillPlan } from '../plan/types.js';
import type { PhaseNameT, PhaseReport } from '../report/schema.js';
import type { DrillContext } from './context.js';

/**
 * One phase of a drill. The runner owns its time limit: it aborts `signal` when the limit passes (or the drill is
 * interrupted) and stops waiting for it; a phase only honours the signal. The plan's own, more specific timeouts
 * (restore.timeout, a probe's timeout) stay inside the phase and say what they waited for; the runner's limit is
 * the backstop that keeps a hung call from holding the drill.
 */
export interface DrillPhase {
  name: PhaseNameT;
  /** The limit when the plan says nothing more specific. */
  defaultTimeoutMs: number;
  /** The plan's limit for this phase, when it has one (the most specific wins). */
  timeoutMs?(plan: DrillPlan): number | null;
  /** What running out of time means: FAIL for recovery that fell short, ERROR for the drill's own infrastructure. */
  onTimeout: 'FAIL' | 'ERROR';
  /**
   * Runs the phase. Throwing ends the drill early (a Shortfall says FAIL or ERROR); a returned PhaseEnd records a
   * failure that lets the drill go on (a PartiallyFailed restore: the probes still show what it cost).
   */
  run(ctx: DrillContext, signal: AbortSignal): Promise<PhaseEnd | void>;
}

/** A phase's own ending when it did not simply succeed. */
export type PhaseEnd = Pick<PhaseReport, 'outcome' | 'reason' | 'effect'>;

/** Thrown by a phase that has nothing to do here; the phase is recorded as skipped with the message. */
export class SkipPhase extends Error {}

export function phaseTimeoutMs(phase: DrillPhase, plan: DrillPlan): number {
  return phase.timeoutMs?.(plan) ?? phase.defaultTimeoutMs;
}
