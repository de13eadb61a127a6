import { expect } from 'chai';
import type { ContainerClient } from '@azure/storage-blob';
import { compilePlan } from '../../src/plan/compile.js';
import type { DrillPlan } from '../../src/plan/types.js';
import type { Scenario } from '../../src/scenario/schema.js';
import type { DrillContext } from '../../src/engine/context.js';
import { selectBackup } from '../../src/engine/select-backup.js';
import { checkIntegrity } from '../../src/engine/integrity-step.js';
import { runRestore } from '../../src/engine/restore-step.js';
import { prepareTarget } from '../../src/engine/prepare-target.js';
import { LazyStorage } from '../../src/engine/drill-storage.js';
import { Shortfall } from '../../src/engine/outcome.js';
import { ManualClock } from '../../src/util/clock.js';
import { isDrillError } from '../../src/util/errors.js';
import type { KubeGateway } from '../../src/kube/gateway.js';
import { azuriteConnectionString, newTestContainer } from '../support/azurite.js';
import { appItems, buildBackupFiles, buildRestoreFiles, uploadFiles } from '../support/velero-fixture.js';
import { drillContextFor } from '../support/drill-context.js';
import { MemoryGateway } from '../support/memory-gateway.js';

const NOW = new Date('2026-01-03T12:00:00Z');

function scenario(
  container: string,
  backup: Scenario['spec']['backup'],
  target: Scenario['spec']['target'] = { cluster: { kubeContext: 'dr' } },
): Scenario {
  return {
    apiVersion: 'dr-drill/v1',
    kind: 'Scenario',
    metadata: { name: 'shop-sourceless' },
    spec: {
      objectives: { rto: '30m', rpo: '48h' },
      storage: { connectionString: '${AZURE_STORAGE_CONNECTION_STRING}', container, prefix: 'weu' },
      backup,
      target,
      probes: [],
    },
  };
}

const compile = (s: Scenario) =>
  compilePlan(s, {
    drillId: 'abcd1234',
    file: null,
    sha256: null,
    env: { AZURE_STORAGE_CONNECTION_STRING: azuriteConnectionString() },
  });

function context(plan: DrillPlan, disasterAt: Date | null = null): DrillContext {
  const ctx = drillContextFor(plan, {
    clock: new ManualClock(NOW),
    rpoObjectiveSeconds: 172800,
    gatewayFor: () => {
      throw new Error('a source-less drill must not reach for a source cluster');
    },
    disasterAt,
    storage: plan.storage ? new LazyStorage(plan.storage) : null,
  });
  if (disasterAt) ctx.rec.setT0(0, disasterAt, 'disaster-at');
  return ctx;
}

async function expectFail(p: Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await p;
    expect.fail('should have failed');
  } catch (e) {
    expect(e).to.be.instanceOf(Shortfall);
    expect((e as Shortfall).verdict).to.equal('FAIL');
    expect((e as Error).message, (e as Error).message).to.match(message);
  }
}

describe('source-less drills: backup selection, integrity and restore results from storage (Azurite)', () => {
  let container: ContainerClient;
  before(async () => {
    container = await newTestContainer('sourceless');
    const at = (d: string) => new Date(`2026-01-0${d}Z`);
    for (const f of [
      { name: 'daily-20260101', schedule: 'daily', start: at('1T02:00:00') },
      { name: 'daily-20260102', schedule: 'daily', start: at('2T02:00:00') },
      { name: 'daily-20260103', schedule: 'daily', start: at('3T02:00:00'), phase: 'PartiallyFailed' },
      { name: 'weekly-20260102', schedule: 'weekly', start: at('2T05:00:00') },
      { name: 'manual-1', start: at('3T01:00:00') },
      { name: 'broken-1', start: at('3T03:00:00'), dropFromTarball: ['apps/v1/Deployment shop/api'] },
    ])
      await uploadFiles(container, await buildBackupFiles({ ...f, prefix: 'weu' }));
  });

  it('selects a named backup from storage, without a source cluster', async () => {
    const ctx = context(compile(scenario(container.containerName, { name: 'manual-1' })));
    await selectBackup(ctx);
    expect(ctx.backup?.metadata.name).to.equal('manual-1');
    expect(ctx.backup?.spec?.includedNamespaces).to.deep.equal(['shop']);
    expect(ctx.rec.report.source).to.deep.equal({ kubeContext: null, veleroNamespace: null });
    expect(ctx.rec.report.backup).to.include({ name: 'manual-1', phase: 'Completed', storageLocation: 'default' });
  });

  it('selects the newest Completed backup of a schedule (by the velero.io/schedule-name label), before T0 with --disaster-at', async () => {
    const ctx = context(compile(scenario(container.containerName, { fromSchedule: 'daily' })));
    await selectBackup(ctx);
    expect(ctx.backup?.metadata.name).to.equal('daily-20260102'); // 0103 is PartiallyFailed
    expect(ctx.rec.report.backup.schedule).to.equal('daily');
    const before = context(
      compile(scenario(container.containerName, { fromSchedule: 'daily' })),
      new Date('2026-01-02T01:00:00Z'),
    );
    await selectBackup(before);
    expect(before.backup?.metadata.name).to.equal('daily-20260101');
  });

  it('FAILs when there is no such backup, or none of the schedule', async () => {
    await expectFail(
      selectBackup(context(compile(scenario(container.containerName, { name: 'nope' })))),
      /backup nope does not exist in http:\/\/.*\/sourceless-[0-9a-f]+ \(prefix weu\/\) \(no weu\/backups\/nope\/velero-backup.json\)/,
    );
    await expectFail(
      selectBackup(context(compile(scenario(container.containerName, { fromSchedule: 'hourly' })))),
      /no Completed backup of schedule hourly in .* \(0 backup\(s\) of it found\)/,
    );
    await expectFail(
      selectBackup(context(compile(scenario(container.containerName, { fromSchedule: 'daily', maxAge: '1h' })))),
      /no backup young enough: daily-20260102/,
    );
  });

  it('refuses, at compile time, what cannot run without a source: a backup to take, a namespace target', () => {
    for (const [s, code] of [
      [scenario('c', { create: { includedNamespaces: ['shop'] } }), 'SOURCELESS_CREATE'],
      [scenario('c', { name: 'x' }, { namespace: { kubeContext: 'dr' } }), 'SOURCELESS_TARGET'],
    ] as const) {
      try {
        compile(s);
        expect.fail('should throw');
      } catch (e) {
        expect(isDrillError(e) && e.code).to.equal(code);
      }
    }
  });

  it('integrity: a whole backup passes; a damaged one FAILs before any restore, naming the artifact and defect', async () => {
    const good = context(compile(scenario(container.containerName, { name: 'manual-1' })));
    await selectBackup(good);
    await checkIntegrity(good);
    expect(good.rec.report.warnings).to.deep.equal([]);

    const bad = context(compile(scenario(container.containerName, { name: 'broken-1' })));
    await selectBackup(bad);
    await expectFail(
      checkIntegrity(bad),
      /backup broken-1 failed its integrity check before restore: 1 defect\(s\), first broken-1-resource-list.json.gz: item in resource list missing from tarball — apps\/v1\/Deployment shop\/api/,
    );
  });

  it('reads the restore results and resource list from storage (no DownloadRequest)', async () => {
    const [ns, deploy, , , , sa] = appItems('shop');
    await uploadFiles(
      container,
      buildRestoreFiles({
        name: 'dr-drill-abcd1234',
        prefix: 'weu',
        warnings: { namespaces: { shop: ['could not restore, ServiceAccount "default" already exists.'] } },
        items: [
          { item: ns!, action: 'created' },
          { item: deploy!, action: 'created' },
          { item: sa!, action: 'skipped' },
        ],
      }),
    );
    const ctx = context(compile(scenario(container.containerName, { name: 'manual-1' })));
    await selectBackup(ctx);
    const gw = new MemoryGateway('dr');
    gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'velero' } });
    // A minimal Velero: every Restore created goes to Completed on the next tick.
    gw.subscribe((type, obj) => {
      if (type !== 'ADDED' || obj.kind !== 'Restore') return;
      setImmediate(() =>
        gw.update(
          { apiVersion: 'velero.io/v1', kind: 'Restore', namespace: 'velero', name: obj.metadata.name },
          (o) => {
            (o as { status?: unknown }).status = {
              phase: 'Completed',
              startTimestamp: '2026-01-03T12:00:01Z',
              completionTimestamp: '2026-01-03T12:00:09Z',
              warnings: 1,
              errors: 0,
            };
          },
        ),
      );
    });
    ctx.target = {
      kind: 'cluster',
      gateway: gw as unknown as KubeGateway,
      veleroNamespace: 'velero',
      sameClusterAsSource: false,
      mapNamespace: (n) => n,
    };
    ctx.namespaceMapping = { shop: 'shop' };
    await runRestore(ctx);
    expect(ctx.rec.report.restore.messagesSource).to.equal('storage');
    expect(ctx.rec.report.restore.messages?.warnings.namespaces).to.deep.equal({
      shop: ['could not restore, ServiceAccount "default" already exists.'],
    });
    expect(ctx.owned.restoredItems).to.deep.include({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'shop',
      name: 'api',
      action: 'created',
    });
    expect(gw.all('DownloadRequest')).to.deep.equal([]);
    expect(ctx.restoreUsable).to.equal(true);
  });

  it('ERRORs at once when the target has no BSL on spec.storage, instead of waiting for a sync that cannot come', async () => {
    const ctx = context(compile(scenario(container.containerName, { name: 'manual-1' })));
    await selectBackup(ctx);
    const gw = new MemoryGateway('dr');
    gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'velero' } });
    gw.put({
      apiVersion: 'velero.io/v1',
      kind: 'BackupStorageLocation',
      metadata: { name: 'default', namespace: 'velero' },
      spec: {
        provider: 'azure',
        objectStorage: { bucket: container.containerName, prefix: 'other' },
        accessMode: 'ReadOnly',
      },
      status: { phase: 'Available' },
    } as never);
    ctx.gatewayFor = () => gw as unknown as KubeGateway;
    try {
      await prepareTarget(ctx);
      expect.fail('should have thrown');
    } catch (e) {
      expect(e).to.be.instanceOf(Shortfall);
      expect((e as Shortfall).verdict).to.equal('ERROR');
      expect((e as Error).message)
        .to.contain(`points at spec.storage (${container.containerName}/weu)`)
        .and.contain(`default → ${container.containerName}/other`);
    }
    expect(
      gw.all('Namespace').map((n) => n.metadata.name),
      'nothing created',
    ).to.deep.equal(['velero']);
  });
});
