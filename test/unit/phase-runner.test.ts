import { expect } from 'chai';
import type { DrillContext } from '../../src/engine/context.js';
import { SkipPhase, type DrillPhase } from '../../src/engine/phase.js';
import { runPhases } from '../../src/engine/phase-runner.js';
import { fail } from '../../src/engine/outcome.js';
import { inputError } from '../../src/util/errors.js';
import { systemClock } from '../../src/util/clock.js';
import { drillContextFor } from '../support/drill-context.js';
import { aPlan } from '../support/plan-builder.js';

function context(signal = new AbortController().signal): DrillContext {
  return drillContextFor(aPlan().build(), { clock: systemClock, signal });
}

const phase = (name: DrillPhase['name'], run: DrillPhase['run'], more: Partial<DrillPhase> = {}): DrillPhase => ({
  name,
  defaultTimeoutMs: 60_000,
  onTimeout: 'FAIL',
  run,
  ...more,
});

/** A phase that only ends when its signal is aborted, as every wait in the engine does. */
const hangs: DrillPhase['run'] = (_ctx, signal) =>
  new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
/** A phase that ignores its signal entirely (a hung call): the runner must still move on. */
const ignoresSignal: DrillPhase['run'] = () => new Promise(() => {});

describe('the phase runner', () => {
  const outcome = (ctx: DrillContext, name: string) => ctx.rec.report.phases.find((p) => p.name === name)!;

  it('records each phase with outcome, reason and effect; after one that ends the drill the rest are skipped', async () => {
    const ctx = context();
    const run = await runPhases(
      ctx,
      [
        phase('select-backup', async () => {}),
        phase('integrity', async () => {
          throw new SkipPhase('no storage credentials in the scenario');
        }),
        phase('restore', async () => ({ outcome: 'failed', effect: 'FAIL', reason: 'PartiallyFailed' })),
        phase('verify', async () => {
          throw fail('critical thing');
        }),
        phase('teardown', async () => {}),
      ],
      {},
    );
    expect(outcome(ctx, 'select-backup')).to.include({ outcome: 'succeeded', effect: null });
    expect(outcome(ctx, 'integrity')).to.include({ outcome: 'skipped', effect: null });
    expect(outcome(ctx, 'restore')).to.include({ outcome: 'failed', effect: 'FAIL', reason: 'PartiallyFailed' });
    expect(outcome(ctx, 'verify')).to.include({ outcome: 'failed', effect: 'FAIL', reason: 'critical thing' });
    expect(outcome(ctx, 'teardown')).to.include({ outcome: 'skipped', reason: 'not run: verify failed' });
    expect(run).to.include({ interrupted: false, inputProblem: false, stopped: 'not run: verify failed' });
  });

  it('an unexpected exception is ERROR; an input error also marks the run as an input problem', async () => {
    const ctx = context();
    const run = await runPhases(
      ctx,
      [
        phase('prepare-target', async () => {
          throw inputError('TARGET_EXISTS', 'namespace x exists', 'pick another suffix');
        }),
      ],
      {},
    );
    expect(outcome(ctx, 'prepare-target')).to.include({ outcome: 'failed', effect: 'ERROR' });
    expect(run.inputProblem).to.equal(true);
  });

  for (const [label, run] of [
    ['honours its signal', hangs],
    ['ignores its signal', ignoresSignal],
  ] as const) {
    it(`owns the time limit of a phase that ${label}: failed with the phase's onTimeout effect, the rest skipped`, async () => {
      const ctx = context();
      const r = await runPhases(
        ctx,
        [phase('restore', run, { defaultTimeoutMs: 30, onTimeout: 'FAIL' }), phase('verify', async () => {})],
        {},
      );
      expect(outcome(ctx, 'restore')).to.include({ outcome: 'failed', effect: 'FAIL' });
      expect(outcome(ctx, 'restore').reason).to.match(/did not finish within its time limit/);
      expect(outcome(ctx, 'verify').outcome).to.equal('skipped');
      expect(r.interrupted).to.equal(false);
    });
  }

  it("the plan's own limit is more specific than the phase's default", async () => {
    const ctx = context();
    await runPhases(ctx, [phase('prepare-target', hangs, { onTimeout: 'ERROR', timeoutMs: () => 20 })], {});
    expect(outcome(ctx, 'prepare-target')).to.include({ outcome: 'failed', effect: 'ERROR' });
  });

  it("the drill's interrupt aborts the running phase's signal: interrupted, not timed out", async () => {
    const drill = new AbortController();
    const ctx = context(drill.signal);
    const running = runPhases(ctx, [phase('verify', hangs), phase('teardown', async () => {})], {});
    drill.abort();
    const r = await running;
    expect(outcome(ctx, 'verify').outcome).to.equal('interrupted');
    expect(outcome(ctx, 'teardown')).to.include({ outcome: 'skipped', reason: 'interrupted' });
    expect(r.interrupted).to.equal(true);
    expect(ctx.signal).to.equal(drill.signal);
  });
});
