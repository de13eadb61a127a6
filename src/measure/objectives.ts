/** RTO/RPO arithmetic: pure, in seconds, from recorded timestamps only. */

export interface Measured {
  objectiveSeconds: number;
  achievedSeconds: number | null;
  met: boolean | null;
  marginSeconds: number | null;
  uncertaintySeconds: number | null;
  reason: string | null;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * An achieved value against its objective. `met` is conservative: the achieved value plus its uncertainty must fit
 * the objective, so a report never says met where the measurement cannot tell. The margin is objective − achieved.
 */
export function againstObjective(
  objectiveSeconds: number,
  achievedSeconds: number | null,
  uncertaintySeconds = 0,
  reason: string | null = null,
): Measured {
  if (achievedSeconds === null)
    return {
      objectiveSeconds,
      achievedSeconds: null,
      met: null,
      marginSeconds: null,
      uncertaintySeconds: null,
      reason,
    };
  const achieved = round3(achievedSeconds);
  const uncertainty = round3(uncertaintySeconds);
  return {
    objectiveSeconds,
    achievedSeconds: achieved,
    met: achieved + uncertainty <= objectiveSeconds,
    marginSeconds: round3(objectiveSeconds - achieved),
    uncertaintySeconds: uncertainty,
    reason,
  };
}

/**
 * Achieved RTO: T0 until every critical probe has passed (the latest pass), on the monotonic clock. With no
 * critical probes the restore's end stands in. null when any critical probe did not pass or the restore did not
 * finish: recovery was not achieved, so there is no time to report.
 */
export function achievedRto(input: {
  criticalPassedAtSeconds: Array<number | null>;
  restoreEndedAtSeconds: number | null;
}): number | null {
  if (input.criticalPassedAtSeconds.length === 0) return input.restoreEndedAtSeconds;
  if (input.criticalPassedAtSeconds.some((s) => s === null)) return null;
  return Math.max(...(input.criticalPassedAtSeconds as number[]));
}

/** Achieved RPO: T0 minus the recovery point (wall-clock, UTC). A recovery point after T0 is an input error. */
export function achievedRpo(t0: Date, recoveryPoint: Date | null): number | null {
  if (!recoveryPoint) return null;
  const s = (t0.getTime() - recoveryPoint.getTime()) / 1000;
  if (s < 0) throw new RangeError(`the recovery point ${recoveryPoint.toISOString()} is after T0 ${t0.toISOString()}`);
  return s;
}
