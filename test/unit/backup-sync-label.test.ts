/**
 * A drill into another cluster waits for Velero's backup sync (a one-minute tick) before it can restore: that wait
 * is part of a real RTO, so the timeline names it (prepare-target's subphases), in report.json, report.md and the
 * HTML chart.
 */
import { expect } from 'chai';
import type { DrillContext } from '../../src/engine/context.js';
import { prepareTarget } from '../../src/engine/prepare-target.js';
import type { KubeObject } from '../../src/kube/types.js';
import { renderers } from '../../src/report/render/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import { drillContextFor } from '../support/drill-context.js';
import { aPlan } from '../support/plan-builder.js';

const NOW = new Date('2026-01-03T12:00:00Z');

function cluster(name: string, uid: string): MemoryGateway {
  const gw = new MemoryGateway(name, `https://${name}`);
  gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', uid } });
  gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'velero' } });
  gw.put({
    apiVersion: 'velero.io/v1',
    kind: 'BackupStorageLocation',
    metadata: { name: 'default', namespace: 'velero' },
    spec: { provider: 'azure', default: true, objectStorage: { bucket: 'velero', prefix: 'weu' }, config: {} },
    status: { phase: 'Available' },
  } as KubeObject);
  return gw;
}

describe('timeline: the backup-sync wait of a cross-cluster drill', () => {
  it('is a subphase of prepare-target with the time the drill waited for the sync', async () => {
    const source = cluster('prod-weu', 'uid-prod');
    const target = cluster('dr-sec', 'uid-dr');
    // Every namespace: the drill stops (input error) right after the sync, before anything it would write.
    const backup = {
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: { name: 'payments-daily-1', namespace: 'velero' },
      spec: { includedNamespaces: ['*'], storageLocation: 'default' },
      status: { phase: 'Completed' },
    } as KubeObject;
    source.put(backup);
    const plan = aPlan().build();
    plan.target = { ...plan.target, kind: 'cluster', kubeContext: 'dr-sec', namespaceSuffix: '' };
    plan.restore.includedNamespaces = null;
    const clock = new ManualClock(NOW);
    const ctx = drillContextFor(plan, {
      clock,
      gatewayFor: (c: string | null) => (c === 'dr-sec' ? target : source),
      backup: backup as DrillContext['backup'],
    });
    const rec = ctx.rec;
    // Velero's sync tick in the target, 48 s into the wait.
    target.subscribe(() => undefined);
    setTimeout(() => {
      clock.advance(48_000);
      target.put({ ...backup, metadata: { ...backup.metadata, resourceVersion: undefined } } as KubeObject);
    }, 30);
    rec.startPhase('prepare-target');
    const err = await prepareTarget(ctx).catch((e: Error) => e);
    expect(String(err)).to.contain('includes all namespaces');
    rec.endPhase('failed', 'x');
    const phase = rec.report.phases.find((p) => p.name === 'prepare-target')!;
    expect(phase.subphases.map((s) => s.name)).to.deep.equal(['checks', 'backup-sync']);
    expect(phase.subphases[1]!.durationSeconds).to.equal(48);
    expect(renderers.markdown.render(rec.report)).to.contain('backup-sync 48');
  });
});
