/**
 * Just before a drill-created backup: the probes that need the source as it is backed up (a canary marker, a
 * checksum manifest) do their part there. What each returns is kept by probe name and handed back to it in the
 * verify phase. A failure here is an ERROR: without the marker the drill cannot measure what it promised.
 */
import { probeKind } from '../probes/index.js';
import { isDrillError, infraError, describeError } from '../util/errors.js';
import type { KubeGateway } from '../kube/gateway.js';
import type { DrillContext } from './context.js';

export async function prepareProbesBeforeBackup(ctx: DrillContext, source: KubeGateway): Promise<void> {
  const prepared: Record<string, unknown> = {};
  for (const p of ctx.plan.probes) {
    const kind = probeKind(p.kind);
    if (!kind.beforeBackup) continue;
    try {
      const value = await kind.beforeBackup(p, {
        gateway: source,
        signal: ctx.signal,
        drillId: ctx.plan.drillId,
        now: () => ctx.clock.now(),
      });
      if (value === undefined) continue;
      prepared[p.name] = value;
      ctx.rec.event('info', `probe ${p.name}: prepared on the source before the backup (${p.kind})`);
      ctx.rec.journalEntry('probe-prepared', {
        probe: p.name,
        kind: p.kind,
        ...(p.kind === 'canary' ? (value as object) : {}),
      });
    } catch (e) {
      if (isDrillError(e)) throw e;
      throw infraError(
        'PROBE_PREPARE_FAILED',
        `probe ${p.name} (${p.kind}) could not prepare on the source before the backup: ${describeError(e)}`,
        'check that the source pod or ConfigMap it names exists and that the drill identity may write it',
      );
    }
  }
  ctx.prepared = prepared;
}
