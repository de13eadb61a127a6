import type { VerdictT } from '../report/schema.js';
import { formatSeconds } from '../util/duration.js';
import type { Measured } from './objectives.js';

/** What the drill established, reduced to what the verdict depends on. */
export interface Findings {
  /** Recovery could not be exercised (infrastructure, credentials, Velero missing). */
  errors: string[];
  /** Recovery was exercised and fell short. */
  failures: string[];
  rto: Measured;
  rpo: Measured;
}

/**
 * ERROR beats FAIL beats PASS: when the drill could not exercise recovery, a missed objective says nothing.
 * Objectives add their own reasons, with the margin.
 */
export function decideVerdict(f: Findings): { verdict: VerdictT; reasons: string[] } {
  const reasons = [...f.errors, ...f.failures];
  if (f.rto.met === false)
    reasons.push(
      `RTO objective missed: achieved ${formatSeconds(f.rto.achievedSeconds!)} against ${formatSeconds(f.rto.objectiveSeconds)} (over by ${formatSeconds(-f.rto.marginSeconds!)})`,
    );
  if (f.rpo.met === false)
    reasons.push(
      `RPO objective missed: achieved ${formatSeconds(f.rpo.achievedSeconds!)} against ${formatSeconds(f.rpo.objectiveSeconds)} (over by ${formatSeconds(-f.rpo.marginSeconds!)})`,
    );
  if (f.errors.length) return { verdict: 'ERROR', reasons };
  if (reasons.length) return { verdict: 'FAIL', reasons };
  if (f.rto.met === null) return { verdict: 'FAIL', reasons: ['RTO was not measured: recovery was not proven'] };
  return { verdict: 'PASS', reasons };
}
