/**
 * Whether a negative control proved anything (issue #12 item 4). Its FAIL shows the drill can fail only when the
 * planted impossibility is what failed, for the planted reason, and nothing else stood against a PASS; any other
 * FAIL (a stale backup, a probe that failed on its own) is inconclusive and says the real reason. Pure.
 */
import type { NegativeControlResultT, Report } from '../report/schema.js';
import type { PlantedExpectation } from '../plan/types.js';
import { findings, type VerdictTree } from './verdict.js';

export function judgeNegativeControl(
  r: VerdictTree & Pick<Report, 'verdict' | 'reasons'>,
  planted: PlantedExpectation,
): NegativeControlResultT {
  const base = { expectation: planted.expectation, probe: planted.probe };
  if (r.verdict === 'ERROR')
    return { ...base, conclusive: false, reason: `ERROR, nothing was proven: ${r.reasons.join('; ')}` };
  if (r.verdict === 'PASS')
    return {
      ...base,
      conclusive: false,
      reason: `the drill PASSED although ${planted.expectation}: it cannot tell a broken restore from a good one; do not trust its PASS`,
    };
  const probe = r.probes.find((p) => p.name === planted.probe);
  if (!probe || !probe.critical || probe.outcome !== 'failed' || !planted.failsWith.test(probe.lastObservation ?? ''))
    return {
      ...base,
      conclusive: false,
      reason: `negative control inconclusive: the planted probe ${planted.probe} did not fail for the planted reason (${probe ? `${probe.outcome}: ${probe.lastObservation ?? 'no observation'}` : 'it did not run'}); real reasons: ${r.reasons.join('; ')}`,
    };
  // What would still stand against a PASS had the planted probe passed. An unmeasured RTO or RPO is left out: a
  // critical probe that never passes leaves RTO (and a canary's RPO) unmeasured by construction.
  const others = findings({
    ...r,
    probes: r.probes.map((p) => (p.name === planted.probe ? { ...p, outcome: 'passed' as const } : p)),
  });
  if (others.length)
    return {
      ...base,
      conclusive: false,
      reason: `negative control inconclusive: the drill also failed for another reason: ${others.map((f) => f.reason).join('; ')}`,
    };
  return {
    ...base,
    conclusive: true,
    reason: `FAIL as required, only because ${planted.expectation}: the drill is able to fail`,
  };
}
