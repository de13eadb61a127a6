import { expect } from 'chai';
import { achievedRpo, achievedRto, againstObjective } from '../../src/measure/objectives.js';

describe('RTO/RPO arithmetic', () => {
  describe('againstObjective', () => {
    const cases = [
      { name: 'met with margin', objective: 1800, achieved: 420, unc: 1, met: true, margin: 1380 },
      { name: 'met exactly, with no uncertainty', objective: 600, achieved: 600, unc: 0, met: true, margin: 0 },
      { name: 'met exactly, counting the uncertainty', objective: 600, achieved: 599, unc: 1, met: true, margin: 1 },
      {
        name: 'within the objective only without its uncertainty: not met',
        objective: 1,
        achieved: 0.65,
        unc: 1,
        met: false,
        margin: 0.35,
      },
      { name: 'missed: negative margin', objective: 600, achieved: 754.5, unc: 0, met: false, margin: -154.5 },
      { name: 'rounded to milliseconds', objective: 10, achieved: 1.23456, unc: 0.0004, met: true, margin: 8.765 },
      { name: 'not measured', objective: 600, achieved: null, unc: 0, met: null, margin: null },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const m = againstObjective(c.objective, c.achieved, c.unc);
        expect(m).to.deep.equal({
          objectiveSeconds: c.objective,
          achievedSeconds: c.achieved === null ? null : Math.round(c.achieved * 1000) / 1000,
          met: c.met,
          marginSeconds: c.margin,
          uncertaintySeconds: c.achieved === null ? null : Math.round(c.unc * 1000) / 1000,
          reason: null,
        });
      });
    }
  });

  describe('achievedRto', () => {
    const cases = [
      { name: 'the last critical probe to pass', passed: [120, 300, 45], restoreEnd: 100, rto: 300 },
      { name: 'a critical probe did not pass: not achieved', passed: [120, null], restoreEnd: 100, rto: null },
      { name: 'no critical probes: the restore end stands in', passed: [], restoreEnd: 88, rto: 88 },
      { name: 'no critical probes and no restore end', passed: [], restoreEnd: null, rto: null },
    ];
    for (const c of cases) {
      it(c.name, () =>
        expect(achievedRto({ criticalPassedAtSeconds: c.passed, restoreEndedAtSeconds: c.restoreEnd })).to.equal(c.rto),
      );
    }
  });

  describe('achievedRpo', () => {
    const t0 = new Date('2026-01-01T02:00:00Z');
    it('is T0 minus the recovery point', () =>
      expect(achievedRpo(t0, new Date('2026-01-01T00:00:00Z'))).to.equal(7200));
    it('is zero when the recovery point is T0', () => expect(achievedRpo(t0, t0)).to.equal(0));
    it('is null without a recovery point', () => expect(achievedRpo(t0, null)).to.equal(null));
    it('is never negative: a recovery point after T0 is refused', () => {
      expect(() => achievedRpo(t0, new Date('2026-01-01T02:00:01Z'))).to.throw(RangeError, /after T0/);
    });
  });
});
