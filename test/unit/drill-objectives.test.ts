import { expect } from 'chai';
import { clockOffset } from '../../src/measure/clock-offset.js';
import { measureObjectives, type DrillMeasurements } from '../../src/measure/drill-objectives.js';
import type { ProbeResultT } from '../../src/report/schema.js';

const at = (iso: string) => new Date(`2026-01-01T${iso}Z`);
const passed = (passedAtSeconds: number): ProbeResultT => ({
  name: 'api',
  kind: 'workload',
  critical: true,
  outcome: 'passed',
  passedAtSeconds,
  durationSeconds: 1,
  subject: 'Deployment x/api',
  lastObservation: null,
});

/** A drill of an existing backup: T0 at the drill's start (runner), recovery point at the backup's start (cluster). */
const base = (m: Partial<DrillMeasurements> = {}): DrillMeasurements => ({
  rtoObjectiveSeconds: 600,
  rpoObjectiveSeconds: 3600,
  t0: { at: at('02:00:00.000'), clock: 'runner', resolutionSeconds: 0 },
  t0ObservedAt: null,
  sourceClock: { offsetSeconds: 0, uncertaintySeconds: 0.2, method: 'date-header' },
  probes: [passed(120)],
  probeLatencySeconds: 0,
  restoreEndedAtSeconds: 100,
  canaryRecoveryPoint: null,
  canaryExpected: false,
  backupStart: at('01:30:00'),
  ...m,
});

describe('measureObjectives: RTO and RPO with their uncertainty', () => {
  it('backup-start on the cluster clock vs T0 on the runner clock: resolution plus the offset uncertainty', () => {
    const m = measureObjectives(base());
    expect(m.rpo).to.include({ achievedSeconds: 1800, uncertaintySeconds: 1.2, met: true, basis: 'backup-start' });
    expect(m.inputProblem).to.equal(false);
  });

  it('a measured clock offset moves the cluster timestamp onto the runner clock', () => {
    // The cluster runs 5 s ahead: its 01:30:00 is the runner's 01:29:55.
    const m = measureObjectives(
      base({ sourceClock: { offsetSeconds: 5, uncertaintySeconds: 0.1, method: 'date-header' } }),
    );
    expect(m.rpo.achievedSeconds).to.equal(1805);
  });

  it('without a measured offset, the times are compared as they are and a warning says so', () => {
    const m = measureObjectives(base({ sourceClock: null }));
    expect(m.rpo).to.include({ achievedSeconds: 1800, uncertaintySeconds: 1 });
    expect(m.rpo.reason).to.match(/not compared with the runner's/);
    expect(m.warnings.join('\n')).to.match(/could not be read/);
  });

  it("RTO with T0 at the backup's completion: the observation delay and Velero's resolution are in the uncertainty", () => {
    const m = measureObjectives(
      base({
        t0: { at: at('02:00:00'), clock: 'source', resolutionSeconds: 1 },
        t0ObservedAt: at('02:00:00.300'),
      }),
    );
    expect(m.rto).to.include({ achievedSeconds: 120, uncertaintySeconds: 1.5 });
    expect(m.rto.reason).to.match(/T0 observed 0.3 s after/);
  });

  it('probe detection latency of polling probes is in the RTO uncertainty', () => {
    const m = measureObjectives(base({ probeLatencySeconds: 5 }));
    expect(m.rto).to.include({ uncertaintySeconds: 5 });
    expect(m.rto.reason).to.match(/probe detection latency up to 5 s/);
  });

  it('an RTO that fits only without its uncertainty is not met', () => {
    const m = measureObjectives(base({ rtoObjectiveSeconds: 1, probes: [passed(0.65)], probeLatencySeconds: 0.5 }));
    expect(m.rto).to.include({ achievedSeconds: 0.65, met: false });
  });

  it('a canary marker a little after T0 (within the uncertainty) is RPO 0 ± the uncertainty', () => {
    const m = measureObjectives(
      base({
        t0: { at: at('02:00:00'), clock: 'source', resolutionSeconds: 1 },
        canaryRecoveryPoint: { at: at('02:00:01'), clock: 'runner', resolutionSeconds: 1 },
        canaryExpected: true,
      }),
    );
    expect(m.rpo).to.include({ achievedSeconds: 0, basis: 'canary', met: true });
    expect(m.rpo.uncertaintySeconds).to.equal(2.2);
    expect(m.rpo.reason).to.match(/within the measurement uncertainty: RPO 0 ± 2.2 s/);
    expect(m.inputProblem).to.equal(false);
  });

  it('a recovery point after T0 beyond the uncertainty is an input problem, and RPO is not measured', () => {
    const m = measureObjectives(
      base({
        canaryRecoveryPoint: { at: at('02:00:30'), clock: 'runner', resolutionSeconds: 1 },
        canaryExpected: true,
      }),
    );
    expect(m.inputProblem).to.equal(true);
    expect(m.rpo).to.include({ achievedSeconds: null, met: null });
    expect(m.rpo.reason).to.match(/30s after T0, beyond the measurement uncertainty/);
  });

  it('a critical canary that proved nothing leaves RPO unmeasured, with the reason', () => {
    const m = measureObjectives(base({ canaryExpected: true }));
    expect(m.rpo).to.include({ achievedSeconds: null, met: null, basis: null });
    expect(m.rpo.reason).to.match(/read no marker back/);
  });

  it('no usable restore: RTO not measured, with the reason', () => {
    const m = measureObjectives(base({ restoreEndedAtSeconds: null }));
    expect(m.rto).to.include({ achievedSeconds: null, met: null });
    expect(m.rto.reason).to.match(/recovery was not achieved/);
  });
});

describe('clockOffset from a Date header', () => {
  it('is the middle of the interval the server clock can be in, with half its width', () => {
    // Sent at .100, answered at .300; the server said 10:00:05 (its clock in [05.000, 06.000)).
    const o = clockOffset({
      sentAt: at('10:00:00.100'),
      receivedAt: at('10:00:00.300'),
      serverDate: at('10:00:05'),
    });
    // offset ∈ [05.000 − 00.300, 06.000 − 00.100] = [4.7, 5.9]
    expect(o).to.deep.equal({ offsetSeconds: 5.3, uncertaintySeconds: 0.6, method: 'date-header' });
  });
});
