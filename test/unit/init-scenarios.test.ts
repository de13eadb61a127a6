/**
 * `dr-drill init` against an in-memory cluster: one scenario per Velero Schedule, objectives from the schedule's
 * cadence, probes from what its namespaces hold, a data probe that validate refuses until a person fills it in,
 * and no existing file ever overwritten without --force.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { MemoryGateway } from '../support/memory-gateway.js';
import { initScenarios } from '../../src/fleet/init-scenarios.js';
import { formatProblem, loadScenario } from '../../src/scenario/index.js';
import { compileScenarioFile } from '../../src/plan/compile-file.js';
import { SCENARIO_MODELINE } from '../../src/scenario/modeline.js';

const NOW = new Date('2026-11-29T12:00:00Z');

function schedule(name: string, cron: string, namespaces: string[] | undefined, extra: object = {}) {
  return {
    apiVersion: 'velero.io/v1',
    kind: 'Schedule',
    metadata: { name, namespace: 'velero' },
    spec: { schedule: cron, template: { includedNamespaces: namespaces, snapshotVolumes: false, ...extra } },
  };
}

function cluster(): MemoryGateway {
  const gw = new MemoryGateway('prod-weu');
  for (const ns of ['shop', 'catalog']) gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  gw.put(schedule('shop-daily', '0 3 * * *', ['shop'], { defaultVolumesToFsBackup: true }));
  gw.put(schedule('catalog-hourly', '0 * * * *', ['catalog']));
  gw.put(schedule('weekdays', '0 3 * * 1-5', ['catalog', 'gone']));
  gw.put(schedule('everything', '0 1 * * *', undefined));
  gw.put(schedule('broken', '0 25 * * *', ['shop']));
  const deploy = (ns: string, name: string, app: string, volumes: object[] = []) =>
    gw.put({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns },
      spec: { selector: { matchLabels: { app } }, template: { spec: { volumes } } },
    });
  deploy('shop', 'web', 'web');
  deploy('catalog', 'api', 'api');
  gw.put({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'shop' },
    spec: {
      selector: { matchLabels: { app: 'db', tier: 'data' } },
      volumeClaimTemplates: [{ metadata: { name: 'data' } }],
    },
  });
  gw.put({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data-db-0', namespace: 'shop' } });
  // A 40-minute backup of shop-daily: the RPO grace covers the longest backup seen.
  gw.put({
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name: 'shop-daily-1', namespace: 'velero', labels: { 'velero.io/schedule-name': 'shop-daily' } },
    status: { phase: 'Completed', startTimestamp: '2026-11-29T03:00:00Z', completionTimestamp: '2026-11-29T03:40:00Z' },
  });
  return gw;
}

function outDir(): string {
  return mkdtempSync(join(tmpdir(), 'dr-drill-init-'));
}

async function init(gw: MemoryGateway, out: string, force = false) {
  return initScenarios(gw, { out, veleroNamespace: 'velero', targetContext: null, force, now: NOW });
}

/** What a reviewer does: replaces the placeholder data probe with a real one. */
function fillIn(file: string): void {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf('    - name: data-present');
  const end = text.indexOf('  teardown:');
  writeFileSync(
    file,
    text.slice(0, start) +
      '    - name: orders\n      kind: exec\n      pod: { namespace: shop, selector: app=db }\n' +
      '      command: [psql, -tAc, "select count(*) from orders"]\n      expect: { stdout: "^[1-9]" }\n' +
      text.slice(end),
  );
}

describe('dr-drill init', () => {
  it('writes one scenario per Schedule it can drill, and says why it skips the others', async () => {
    const out = outDir();
    const r = await init(cluster(), out);
    expect(r.written.map((w) => w.file)).to.deep.equal(
      ['catalog-hourly', 'shop-daily', 'weekdays'].map((n) => join(out, `${n}.yaml`)),
    );
    expect(r.skipped.map((s) => s.schedule)).to.deep.equal(['broken', 'everything']);
    expect(r.skipped.find((s) => s.schedule === 'broken')!.reason).to.match(/hour: 25 is outside 0-23/);
    expect(r.skipped.find((s) => s.schedule === 'everything')!.reason).to.match(/every namespace/);
  });

  const objectives = [
    // 24 h between runs + a twelfth (2 h), more than 15 min and the 40 min backup.
    { schedule: 'shop-daily', rpo: '26h', says: /"0 3 \* \* \*" runs every 24h, plus 2h/ },
    // 1 h + 15 min (the floor).
    { schedule: 'catalog-hourly', rpo: '1h15m', says: /runs every 1h, plus 15m/ },
    // Weekdays: Friday to Monday is 72 h, + 6 h.
    { schedule: 'weekdays', rpo: '78h', says: /runs at most 72h apart \(its longest gap\), plus 6h/ },
  ];
  for (const c of objectives)
    it(`${c.schedule}: RPO ${c.rpo} from its cadence, maxAge the same, and the file says how`, async () => {
      const out = outDir();
      await init(cluster(), out);
      const text = readFileSync(join(out, `${c.schedule}.yaml`), 'utf8');
      const doc = parse(text);
      expect(doc.spec.objectives.rpo).to.equal(c.rpo);
      expect(doc.spec.backup).to.deep.equal({ fromSchedule: c.schedule, maxAge: c.rpo });
      expect(text.replace(/\n\s*# /g, ' ')).to.match(c.says);
    });

  it('probes every workload and the claims of the namespaces, against the source context and Velero namespace', async () => {
    const out = outDir();
    await init(cluster(), out);
    const doc = parse(readFileSync(join(out, 'shop-daily.yaml'), 'utf8'));
    expect(readFileSync(join(out, 'shop-daily.yaml'), 'utf8').split('\n')[0]).to.equal(SCENARIO_MODELINE);
    expect(doc.spec.source).to.deep.equal({ kubeContext: 'prod-weu', veleroNamespace: 'velero' });
    expect(doc.spec.target).to.deep.equal({ namespace: { suffix: '-drill-{{drillId}}' } });
    expect(doc.spec.restore).to.deep.equal({ includedNamespaces: ['shop'], restorePVs: true });
    expect(doc.spec.probes.map((p: { name: string; kind: string }) => `${p.kind} ${p.name}`)).to.deep.equal([
      'workload deployment-web',
      'workload statefulset-db',
      'pvc volumes-shop',
      'exec data-present',
    ]);
    expect(doc.spec.probes[2]).to.include({ minCount: 1 });
    // The data probe runs in the pod that holds the data (the StatefulSet with claims).
    expect(doc.spec.probes[3].pod).to.deep.equal({ namespace: 'shop', selector: 'app=db,tier=data' });
  });

  it('validate refuses the unreviewed file at the placeholder file:line:col, and accepts it once filled in', async () => {
    const out = outDir();
    await init(cluster(), out);
    const file = join(out, 'shop-daily.yaml');
    const lines = readFileSync(file, 'utf8').split('\n');
    const problems = (await loadScenario(file)).problems.map(formatProblem);
    const commandLine = lines.findIndex((l) => l.includes('command: ["FILL-IN')) + 1;
    const stdoutLine = lines.findIndex((l) => l.includes('stdout: "FILL-IN')) + 1;
    expect(problems).to.deep.equal([
      `${file}:${commandLine}:${lines[commandLine - 1]!.indexOf('"FILL-IN') + 1} spec.probes[3].command[0]: expected a value in place of the FILL-IN placeholder: a command that reads your data, e.g. psql -tAc 'select count(*) from orders'`,
      `${file}:${stdoutLine}:${lines[stdoutLine - 1]!.indexOf('"FILL-IN') + 1} spec.probes[3].expect.stdout: expected a value in place of the FILL-IN placeholder: a regular expression its output must match, e.g. ^[1-9]`,
    ]);
    // run and plan refuse it too (exit 2), before anything touches a cluster.
    let refused: unknown = null;
    await compileScenarioFile(file, { drillId: 'abcd1234', env: {} }).catch((e) => (refused = e));
    expect(refused).to.have.property('code', 'SCENARIO_INVALID');
    fillIn(file);
    expect((await loadScenario(file)).problems.map(formatProblem)).to.deep.equal([]);
    const plan = await compileScenarioFile(file, { drillId: 'abcd1234', env: {} });
    expect(plan.backup).to.deep.include({ mode: 'schedule', schedule: 'shop-daily' });
  });

  it('every written file has only FILL-IN problems (the rest is valid as written), reported as validate does', async () => {
    const out = outDir();
    const r = await init(cluster(), out);
    for (const w of r.written) {
      expect(w.toFillIn.length, w.file).to.be.greaterThan(0);
      for (const p of w.toFillIn) expect(p.message).to.match(/FILL-IN placeholder/);
    }
  });

  it('a namespace without a data-holding workload still gets a data probe, with a FILL-IN selector when it has no workload', async () => {
    const gw = new MemoryGateway('c');
    gw.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'empty' } });
    gw.put(schedule('empty-daily', '@daily', ['empty']));
    const out = outDir();
    const r = await init(gw, out);
    const doc = parse(readFileSync(r.written[0]!.file, 'utf8'));
    expect(doc.spec.probes).to.have.length(1);
    expect(doc.spec.probes[0].pod.selector).to.match(/^FILL-IN/);
    expect(r.written[0]!.toFillIn.map((p) => p.path)).to.deep.equal([
      'spec.probes[0].pod.selector',
      'spec.probes[0].command[0]',
      'spec.probes[0].expect.stdout',
    ]);
  });

  it('notes what a reviewer must know: a namespace that is gone, claims without volume data, a paused schedule', async () => {
    const gw = cluster();
    gw.put(schedule('paused-hourly', '@hourly', ['shop'], { snapshotVolumes: false }));
    gw.update({ apiVersion: 'velero.io/v1', kind: 'Schedule', namespace: 'velero', name: 'paused-hourly' }, (o) => {
      o.spec.paused = true;
    });
    const out = outDir();
    const r = await init(gw, out);
    const notes = Object.fromEntries(r.written.map((w) => [w.schedule, w.warnings]));
    expect(notes['weekdays']).to.deep.equal(['namespace gone does not exist in prod-weu: no probes for it']);
    expect(notes['shop-daily']).to.deep.equal([]);
    expect(notes['paused-hourly']!.join('\n'))
      .to.match(/paused/)
      .and.match(/without their data/);
    expect(readFileSync(join(out, 'paused-hourly.yaml'), 'utf8')).to.match(/# Note: the schedule is paused/);
  });

  it('never overwrites: an existing file stops init before it writes anything; --force overwrites', async () => {
    const out = outDir();
    writeFileSync(join(out, 'shop-daily.yaml'), 'mine\n');
    let err: unknown = null;
    await init(cluster(), out).catch((e) => (err = e));
    expect(err).to.have.property('code', 'INIT_WOULD_OVERWRITE');
    expect((err as Error).message).to.include(join(out, 'shop-daily.yaml'));
    expect(readFileSync(join(out, 'shop-daily.yaml'), 'utf8')).to.equal('mine\n');
    expect(existsSync(join(out, 'catalog-hourly.yaml'))).to.equal(false);
    await init(cluster(), out, true);
    expect(readFileSync(join(out, 'shop-daily.yaml'), 'utf8')).to.match(/fromSchedule: shop-daily/);
  });

  it('reads and never writes the cluster', async () => {
    const gw = cluster();
    await init(gw, outDir());
    expect(gw.requests.create + gw.requests.patch + gw.requests.delete).to.equal(0);
  });

  it('--target-context restores into another cluster instead of a scratch namespace', async () => {
    const out = outDir();
    await initScenarios(cluster(), { out, veleroNamespace: 'velero', targetContext: 'dr-swc', force: false, now: NOW });
    expect(parse(readFileSync(join(out, 'catalog-hourly.yaml'), 'utf8')).spec.target).to.deep.equal({
      cluster: { kubeContext: 'dr-swc' },
    });
  });
});
