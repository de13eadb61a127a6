/**
 * The built-in phases before teardown, in running order, as objects the runner drives (runbook hooks are placed
 * among them by hook-steps). Each names its default time limit; the plan's own timeouts, where it has them, make
 * the limit more specific.
 */
import type { DrillPlan } from '../plan/types.js';
import type { DrillPhase } from './phase.js';
import { SkipPhase } from './phase.js';
import { selectBackup } from './select-backup.js';
import { checkIntegrity } from './integrity-step.js';
import { prepareTarget } from './prepare-target.js';
import { runRestore } from './restore-step.js';
import { runProbes } from './verify-step.js';
import { confirmSnapshotClaims } from './volume-step.js';
import { provisionAks, type AksHandle } from './aks-lifecycle.js';

const MINUTE = 60_000;

/** The phases of a drill; `aks` receives the handle of a cluster the drill provisions, for teardown. */
export function builtinPhases(onAks: (h: AksHandle) => void): DrillPhase[] {
  return [
    {
      name: 'select-backup',
      defaultTimeoutMs: 10 * MINUTE,
      // A backup the drill takes has its own timeout; the canary written before it needs a little more.
      timeoutMs: (plan: DrillPlan) => (plan.backup.mode === 'create' ? plan.backup.timeoutMs + 10 * MINUTE : null),
      onTimeout: 'ERROR',
      run: (ctx) => selectBackup(ctx),
    },
    {
      name: 'integrity',
      defaultTimeoutMs: 30 * MINUTE,
      onTimeout: 'ERROR',
      run: async (ctx) => {
        if (!ctx.storage) throw new SkipPhase('no storage credentials in the scenario');
        await checkIntegrity(ctx);
      },
    },
    {
      name: 'provision-target',
      defaultTimeoutMs: 60 * MINUTE,
      timeoutMs: (plan) =>
        plan.target.aks ? plan.target.aks.provisionTimeoutMs + plan.target.aks.velero.timeoutMs + 10 * MINUTE : null,
      onTimeout: 'ERROR',
      run: async (ctx) => {
        const { plan } = ctx;
        const produced = plan.hooks?.find((h) => h.produces);
        if (plan.target.kind !== 'aks')
          throw new SkipPhase(
            produced
              ? `the cluster comes from hook ${produced.name}`
              : `target kind ${plan.target.kind} is an existing cluster`,
          );
        await provisionAks(ctx, onAks);
      },
    },
    {
      name: 'prepare-target',
      defaultTimeoutMs: 30 * MINUTE,
      onTimeout: 'ERROR',
      run: (ctx) => prepareTarget(ctx),
    },
    {
      name: 'restore',
      defaultTimeoutMs: 40 * MINUTE,
      // restore.timeout is the wait for Velero; reading its results and resource list comes after.
      timeoutMs: (plan) => plan.restore.timeoutMs + 5 * MINUTE,
      onTimeout: 'FAIL',
      run: (ctx) => runRestore(ctx),
    },
    {
      name: 'verify',
      defaultTimeoutMs: 15 * MINUTE,
      // Probes run together, each under its own timeout (and a continuous one samples for its duration after).
      timeoutMs: (plan) =>
        plan.probes.length
          ? Math.max(...plan.probes.map((p) => p.timeoutMs + (p.continuous?.durationMs ?? 0))) + 2 * MINUTE
          : null,
      onTimeout: 'FAIL',
      run: async (ctx) => {
        if (!ctx.restoreUsable) throw new SkipPhase('the restore did not produce a usable copy');
        // Claims made from a snapshot are watched beside the probes: they bind as their restored pods schedule.
        const [end] = await Promise.all([runProbes(ctx), confirmSnapshotClaims(ctx)]);
        return end;
      },
    },
  ];
}
