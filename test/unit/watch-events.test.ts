/**
 * What `watch` sees and serves, against the in-memory cluster: completed backups of schedules as they complete
 * (never the old ones again, not after a relist either), and metrics read back from the report folders.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryGateway } from '../support/memory-gateway.js';
import { watchCompletedBackups, type CompletedBackup } from '../../src/fleet/watch/backup-events.js';
import { runWatch } from '../../src/fleet/watch/run-watch.js';
import { WatchMetrics } from '../../src/fleet/watch/metrics.js';
import { aReport } from '../support/report-builder.js';

const ref = (name: string) => ({ apiVersion: 'velero.io/v1', kind: 'Backup', namespace: 'velero', name });

function backup(gw: MemoryGateway, name: string, schedule: string | null, phase: string): void {
  gw.put({
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name, namespace: 'velero', labels: schedule ? { 'velero.io/schedule-name': schedule } : {} },
    status: { phase, completionTimestamp: phase === 'Completed' ? '2026-11-29T12:00:00Z' : undefined },
  });
}

const tick = () => new Promise((r) => setImmediate(r));

async function watching(gw: MemoryGateway) {
  const seen: CompletedBackup[] = [];
  const controller = new AbortController();
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  const done = watchCompletedBackups(gw, 'velero', {
    signal: controller.signal,
    onCompleted: (b) => seen.push(b),
    onReady: ready,
    restartMs: 1,
  });
  await isReady;
  return { seen, stop: async () => (controller.abort(), await done) };
}

describe('watch: completed backups', () => {
  it('reports a schedule backup when it completes, once, and not the ones completed before the watch', async () => {
    const gw = new MemoryGateway();
    backup(gw, 'old', 'shop-daily', 'Completed');
    backup(gw, 'running', 'shop-daily', 'InProgress');
    backup(gw, 'manual', null, 'InProgress');
    const w = await watching(gw);
    gw.update(
      ref('running'),
      (o) => void (o.status = { phase: 'Completed', completionTimestamp: '2026-11-29T12:00:00Z' }),
    );
    gw.update(ref('manual'), (o) => void (o.status.phase = 'Completed'));
    await tick();
    gw.update(ref('running'), (o) => void (o.metadata.annotations = { touched: 'yes' }));
    backup(gw, 'failed', 'shop-daily', 'Failed');
    await tick();
    await w.stop();
    expect(w.seen).to.deep.equal([
      { schedule: 'shop-daily', name: 'running', completionTimestamp: '2026-11-29T12:00:00Z' },
    ]);
    expect(gw.openWatches).to.equal(0);
  });

  it('a watch the server ends with 410 Gone relists without reporting old backups again, and catches what completed meanwhile', async () => {
    const gw = new MemoryGateway();
    backup(gw, 'a', 'catalog-hourly', 'InProgress');
    const w = await watching(gw);
    gw.update(ref('a'), (o) => void (o.status.phase = 'Completed'));
    await tick();
    gw.failNextWatch(410);
    gw.closeWatches();
    backup(gw, 'b', 'catalog-hourly', 'Completed');
    for (let i = 0; i < 10 && w.seen.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    await w.stop();
    expect(w.seen.map((b) => b.name)).to.deep.equal(['a', 'b']);
  });

  it('is a watch, not a poll: one list and one watch for any number of backups', async () => {
    const gw = new MemoryGateway();
    const w = await watching(gw);
    for (let i = 0; i < 50; i++) backup(gw, `b${i}`, 'shop-daily', 'Completed');
    await tick();
    await w.stop();
    expect(w.seen).to.have.length(50);
    expect(gw.requests.list).to.equal(1);
    expect(gw.requests.watch).to.equal(1);
  });
});

describe('watch: scenarios drilled by completed backups', () => {
  it('triggers every scenario of the schedule in that Velero namespace and cluster, and no other', async () => {
    const gw = new MemoryGateway('primary');
    const controller = new AbortController();
    const drilled: string[] = [];
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    const running = runWatch({
      scenarios: [
        { file: 'a.yaml', name: 'shop-a', context: 'primary', veleroNamespace: 'velero', schedule: 'shop-daily' },
        { file: 'b.yaml', name: 'shop-b', context: 'primary', veleroNamespace: 'velero', schedule: 'shop-daily' },
        { file: 'c.yaml', name: 'catalog', context: 'primary', veleroNamespace: 'velero', schedule: 'catalog-hourly' },
        { file: 'd.yaml', name: 'other', context: 'primary', veleroNamespace: 'velero-2', schedule: 'shop-daily' },
      ],
      gatewayFor: () => gw,
      debounceMs: 0,
      parallel: 4,
      maxQueued: 4,
      drill: async (s, b) => void drilled.push(`${s.name}<-${b}`),
      signal: controller.signal,
      log: () => {},
      onReady: ready,
    });
    await isReady;
    backup(gw, 'nightly-1', 'shop-daily', 'Completed');
    for (let i = 0; i < 20 && drilled.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    await running;
    expect(drilled.sort()).to.deep.equal(['shop-a<-nightly-1', 'shop-b<-nightly-1']);
  });
});

describe('watch: metrics', () => {
  it('a scenario never drilled has its series, a last passing drill at 0 (so the 48 h alert fires) and no verdict', async () => {
    const m = new WatchMetrics(mkdtempSync(join(tmpdir(), 'dr-drill-metrics-')));
    m.declare('shop');
    const text = await m.registry.metrics();
    expect(text).to.match(/dr_drill_last_pass_timestamp_seconds\{scenario="shop"\} 0/);
    expect(text).to.match(/dr_drill_drills_total\{scenario="shop",verdict="PASS"\} 0/);
    expect(text).to.not.match(/dr_drill_last_verdict\{/);
  });
});

describe('watch: metrics from the report folders', () => {
  function writeReport(dir: string, r: ReturnType<ReturnType<typeof aReport>['build']>): void {
    const stamp = r.startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const folder = join(dir, r.scenario.name, `${stamp}-${r.drillId}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'report.json'), JSON.stringify(r));
  }

  it('last verdict, last passing drill, achieved RTO/RPO with objectives and margins, drills by verdict', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dr-drill-metrics-'));
    const m = new WatchMetrics(dir);
    m.declare('shop');
    const pass = aReport()
      .scenario('shop')
      .drillId('aaaa1111')
      .startedAt('2026-11-29T10:00:00.000Z')
      .verdict('PASS')
      .rto(120, 600, 2)
      .build();
    writeReport(dir, pass);
    m.recordDrill(pass);
    const fail = aReport()
      .scenario('shop')
      .drillId('bbbb2222')
      .startedAt('2026-11-29T11:00:00.000Z')
      .verdict('FAIL', 'rto missed')
      .rto(700, 600, 2)
      .build();
    writeReport(dir, fail);
    m.recordDrill(fail);
    const text = await m.registry.metrics();
    expect(text).to.match(/dr_drill_last_verdict\{scenario="shop",verdict="FAIL"\} 1/);
    expect(text).to.match(/dr_drill_last_verdict\{scenario="shop",verdict="PASS"\} 0/);
    // The FAIL is the last drill; the PASS before it is still the last passing drill.
    expect(text).to.include(
      `dr_drill_last_pass_timestamp_seconds{scenario="shop"} ${Date.parse(pass.startedAt) / 1000}`,
    );
    expect(text).to.include(
      `dr_drill_last_drill_timestamp_seconds{scenario="shop"} ${Date.parse(fail.startedAt) / 1000}`,
    );
    expect(text).to.match(/dr_drill_achieved_seconds\{scenario="shop",objective="rto"\} 700/);
    expect(text).to.match(/dr_drill_objective_seconds\{scenario="shop",objective="rto"\} 600/);
    // objective − achieved − uncertainty: below 0, as the verdict saw it.
    expect(text).to.match(/dr_drill_margin_seconds\{scenario="shop",objective="rto"\} -102/);
    expect(text).to.match(/dr_drill_drills_total\{scenario="shop",verdict="PASS"\} 1/);
    expect(text).to.match(/dr_drill_drills_total\{scenario="shop",verdict="FAIL"\} 1/);

    // A restarted watcher serves the same last verdict and last passing drill, from the folders.
    const again = new WatchMetrics(dir);
    again.declare('shop');
    const restarted = await again.registry.metrics();
    expect(restarted).to.match(/dr_drill_last_verdict\{scenario="shop",verdict="FAIL"\} 1/);
    expect(restarted).to.include(
      `dr_drill_last_pass_timestamp_seconds{scenario="shop"} ${Date.parse(pass.startedAt) / 1000}`,
    );
  });
});

describe('watch: shutdown', () => {
  it('after the signal no new drill starts, the watches close, and runWatch ends only when the running drill has', async () => {
    const gw = new MemoryGateway('primary');
    const controller = new AbortController();
    const started: string[] = [];
    let finishDrill!: () => void;
    let ready!: () => void;
    const isReady = new Promise<void>((r) => (ready = r));
    let ended = false;
    const running = runWatch({
      scenarios: [
        { file: 'a.yaml', name: 'shop', context: null, veleroNamespace: 'velero', schedule: 'shop-daily' },
        { file: 'b.yaml', name: 'catalog', context: null, veleroNamespace: 'velero', schedule: 'catalog-hourly' },
      ],
      gatewayFor: () => gw,
      debounceMs: 0,
      parallel: 1,
      maxQueued: 4,
      drill: (s) => (started.push(s.name), new Promise<void>((r) => (finishDrill = r))),
      signal: controller.signal,
      log: () => {},
      onReady: ready,
    }).then(() => (ended = true));
    await isReady;
    backup(gw, 's1', 'shop-daily', 'Completed');
    for (let i = 0; i < 20 && started.length < 1; i++) await new Promise((r) => setTimeout(r, 5));
    backup(gw, 'c1', 'catalog-hourly', 'Completed');
    await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await new Promise((r) => setTimeout(r, 10));
    expect(ended, 'waits for the running drill').to.equal(false);
    expect(gw.openWatches).to.equal(0);
    finishDrill();
    await running;
    // catalog was queued behind shop: it never starts after the signal.
    expect(started).to.deep.equal(['shop']);
  });
});
