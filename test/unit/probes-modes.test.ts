import { expect } from 'chai';
import { runInMode, type ModeTiming } from '../../src/probes/probe-modes.js';
import { ManualClock } from '../../src/util/clock.js';
import type { ProbeKind, ProbeResult } from '../../src/probes/probe.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import { ctxOf } from '../support/probe-context.js';

/** A probe kind that answers from a script of outcomes, one per run. */
function scripted(outcomes: Array<ProbeResult['outcome']>): ProbeKind<null> & { runs: number } {
  const k = {
    runs: 0,
    subject: () => 'scripted',
    async run(): Promise<ProbeResult> {
      const outcome = outcomes[Math.min(k.runs++, outcomes.length - 1)];
      return { outcome, subject: 'scripted', observation: `run ${k.runs}: ${outcome}` };
    },
  };
  return k;
}

/** Time that passes only when the mode sleeps: the number of samples in a window is exact, whatever the load. */
function manualTiming(): ModeTiming {
  const clock = new ManualClock();
  return { clock, sleep: async (ms) => clock.advance(ms) };
}

describe('probe modes', () => {
  const ctx = () => ctxOf(new MemoryGateway());
  const cases = [
    {
      name: 'once: the first pass is enough',
      outcomes: ['passed'] as const,
      continuous: undefined,
      want: 'passed',
      runs: 1,
    },
    { name: 'once: a failure is final', outcomes: ['failed'] as const, continuous: undefined, want: 'failed', runs: 1 },
    {
      name: 'continuous: every sample passes',
      outcomes: ['passed'] as const,
      continuous: { durationMs: 120, minSuccessRatio: 1 },
      want: 'passed',
      runs: 5,
    },
    {
      name: 'continuous: one bad sample fails a ratio of 1',
      outcomes: ['passed', 'passed', 'failed', 'passed'] as const,
      continuous: { durationMs: 120, minSuccessRatio: 1 },
      want: 'failed',
      runs: 5,
    },
    {
      name: 'continuous: one bad sample within a ratio of 0.7',
      outcomes: ['passed', 'passed', 'failed', 'passed'] as const,
      continuous: { durationMs: 120, minSuccessRatio: 0.7 },
      want: 'passed',
      runs: 5,
    },
    {
      name: 'continuous: two bad samples of five fall below a ratio of 0.7',
      outcomes: ['passed', 'failed', 'passed', 'failed', 'passed'] as const,
      continuous: { durationMs: 120, minSuccessRatio: 0.7 },
      want: 'failed',
      runs: 5,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const kind = scripted([...c.outcomes]);
      let firstPass = 0;
      const r = await runInMode(
        kind,
        null,
        ctx(),
        { timeoutMs: 100, intervalMs: 25, continuous: c.continuous },
        () => firstPass++,
        manualTiming(),
      );
      expect(r.outcome, r.observation ?? '').to.equal(c.want);
      expect(firstPass).to.equal(c.outcomes[0] === 'passed' ? 1 : 0);
      if (c.continuous) {
        expect(r.observation).to.match(/^continuous for .*samples passed/);
      }
      // A first run, then one sample every 25 ms until the 120 ms window closes (at 25, 50, 75 and 100 ms).
      expect(kind.runs).to.equal(c.runs);
    });
  }
});
