/**
 * A DrillContext for tests that drive one phase or step directly (not through runDrill): a fresh report and recorder
 * for the plan, nothing owned yet, nothing restored. Tests override what their step reads (clusters, backup, storage).
 */
import { noFindingsYet, type DrillContext } from '../../src/engine/context.js';
import { DrillRecorder, emptyReport } from '../../src/engine/recorder.js';
import type { DrillPlan } from '../../src/plan/types.js';
import type { Journal } from '../../src/report/journal.js';
import { ManualClock, type Clock } from '../../src/util/clock.js';

export interface DrillContextOptions extends Partial<Omit<DrillContext, 'plan' | 'rec'>> {
  /** Written beside the report, as a real run does; null keeps no journal. */
  journal?: Journal | null;
  /** The report's RPO objective; the RTO objective is 30 min. */
  rpoObjectiveSeconds?: number;
}

export function drillContextFor(plan: DrillPlan, opts: DrillContextOptions = {}): DrillContext {
  const { journal = null, rpoObjectiveSeconds = 93600, ...over } = opts;
  const clock: Clock = over.clock ?? new ManualClock(new Date('2026-01-03T12:00:00Z'));
  const report = emptyReport({
    toolVersion: 't',
    drillId: plan.drillId,
    scenario: { name: plan.scenario.name, file: null, sha256: null, labels: {} },
    startedAt: clock.now(),
    negativeControl: false,
    rtoObjectiveSeconds: 1800,
    rpoObjectiveSeconds,
  });
  return {
    plan,
    rec: new DrillRecorder(report, clock, journal),
    clock,
    signal: new AbortController().signal,
    gatewayFor: () => {
      throw new Error('this test gives the step no cluster');
    },
    disasterAt: null,
    ...noFindingsYet(),
    ...over,
  };
}
