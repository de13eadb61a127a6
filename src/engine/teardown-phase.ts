import type { DrillContext } from './context.js';
import { clusterScopedCreated, teardown } from './teardown.js';
import { describeWithCode } from '../util/errors.js';

/**
 * teardown of a drill in an existing cluster: what the drill owns, unless kept (--keep, teardown.when never, or
 * on-pass and the drill did not pass). Its outcome is evidence, never part of RTO, and never changes the verdict:
 * what it leaves is listed for dr-drill cleanup.
 */
export async function runTeardown(ctx: DrillContext, keep: boolean, passing: boolean): Promise<void> {
  const { plan, rec } = ctx;
  const report = rec.report;
  const when = keep ? 'never' : plan.teardown.when;
  const nothing = !ctx.owned.namespaces.length && !ctx.owned.restore && !ctx.owned.configMaps?.length;
  if (nothing || when === 'never' || (when === 'on-pass' && !passing)) {
    const reason = nothing
      ? 'the drill created nothing to remove'
      : keep
        ? 'kept on request (--keep)'
        : `teardown.when is ${when}`;
    rec.skipPhase('teardown', reason);
    report.teardown = { performed: false, reason, deleted: [], leftBehind: [] };
    if (!nothing)
      rec.event(
        'info',
        `left the restored copy in place: ${reason}; remove it with dr-drill cleanup --drill-id ${plan.drillId}`,
      );
    return;
  }
  rec.startPhase('teardown');
  const gw = ctx.target!.gateway;
  try {
    const clusterScoped = ctx.owned.restore
      ? await clusterScopedCreated(gw, ctx.owned.restore, ctx.owned.restoreCreatedAt, ctx.owned.restoredItems)
      : [];
    const result = await teardown(
      gw,
      {
        drillId: plan.drillId,
        namespaces: ctx.owned.namespaces,
        restore: ctx.owned.restore ? { name: ctx.owned.restore, veleroNamespace: ctx.target!.veleroNamespace } : null,
        clusterScoped,
        configMaps: ctx.owned.configMaps ?? [],
      },
      plan.teardown.timeoutMs,
      rec,
    );
    report.teardown = { performed: true, reason: null, ...result };
    rec.endPhase(
      result.leftBehind.length ? 'failed' : 'succeeded',
      result.leftBehind.length
        ? `${result.leftBehind.length} object(s) left for dr-drill cleanup --drill-id ${plan.drillId}`
        : null,
    );
  } catch (e) {
    report.teardown = { performed: true, reason: describeWithCode(e), deleted: [], leftBehind: [] };
    rec.endPhase('failed', describeWithCode(e));
  }
  if (report.teardown.leftBehind.length)
    report.warnings.push(
      `teardown left ${report.teardown.leftBehind.length} object(s): run dr-drill cleanup --drill-id ${plan.drillId}`,
    );
}
