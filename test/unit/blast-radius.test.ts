import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/kube/types.js';
import { digestChange, digestObject } from '../../src/kube/object-digest.js';
import { blastSet } from '../../src/engine/blast-radius.js';
import { runDrill, type DrillOutcome } from '../../src/engine/run-drill.js';
import type { DrillPlan } from '../../src/plan/types.js';
import { validateReport } from '../../src/report/validate-report.js';
import { parseBackupResourceList } from '../../src/velero/restore-reach.js';
import { systemClock } from '../../src/util/clock.js';
import { MemoryGateway } from '../support/memory-gateway.js';
import { VeleroSim } from '../support/velero-sim.js';
import { aPlan, HOUR } from '../support/plan-builder.js';

const cm = (over: Partial<KubeObject> = {}, meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'settings',
    namespace: 'payments',
    uid: 'u1',
    resourceVersion: '1',
    labels: { app: 'api' },
    ...meta,
  },
  data: { mode: 'live' },
  ...over,
});

describe('object digests: what a writer can change, not what controllers bump', () => {
  const cases: Array<[string, KubeObject, string | null]> = [
    [
      'resourceVersion, managedFields and status are not changes',
      cm({ status: { x: 1 } }, { resourceVersion: '99', generation: 7 }),
      null,
    ],
    ['a data value', cm({ data: { mode: 'drill' } }), 'data changed'],
    ['stringData counts as data', cm({ stringData: { a: 'b' } }), 'data changed'],
    ['a label', cm({}, { labels: { app: 'other' } }), 'labels changed'],
    [
      "Velero's restore-name/backup-name labels alone",
      cm({}, { labels: { app: 'api', 'velero.io/restore-name': 'r', 'velero.io/backup-name': 'b' } }),
      null,
    ],
    ['an annotation', cm({}, { annotations: { a: '1' } }), 'annotations changed'],
    ['a spec', cm({ spec: { replicas: 2 } }), 'spec changed'],
    ['other top-level content (a ClusterRole rule)', cm({ rules: [{ verbs: ['*'] }] }), 'content changed'],
    ['a new uid: deleted and re-created', cm({}, { uid: 'u2' }), 'replaced (uid u1 → u2)'],
    [
      'key order does not matter',
      {
        ...cm(),
        data: { mode: 'live' },
        metadata: { labels: { app: 'api' }, uid: 'u1', namespace: 'payments', name: 'settings' },
      },
      null,
    ],
  ];
  for (const [name, after, what] of cases)
    it(name, () => expect(digestChange(digestObject(cm()), digestObject(after))).to.equal(what));
  it('gone', () => expect(digestChange(digestObject(cm()), null)).to.equal('gone'));
});

describe('the blast set: what the restore could write that the drill does not own', () => {
  const items = parseBackupResourceList({
    'v1/Namespace': ['payments'],
    'v1/ConfigMap': ['payments/settings'],
    'v1/Endpoints': ['payments/api'],
    'v1/PersistentVolume': ['pv-a'],
    'v1/Node': ['n1'],
    'rbac.authorization.k8s.io/v1/ClusterRole': ['reader'],
  });
  const base = {
    namespaces: ['payments'],
    mapping: { payments: 'payments-drill-x' },
    owned: ['payments-drill-x'],
    filters: { includedResources: [], excludedResources: [] },
  };
  const names = (sameCluster: boolean, over = {}) =>
    blastSet(items, { ...base, sameCluster, ...over }).map(
      (r) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`,
    );

  it('in another cluster: the cluster-scoped items Velero may restore', () =>
    expect(names(false)).to.deep.equal(['PersistentVolume pv-a', 'ClusterRole reader']));
  it('in the source cluster: also the source namespace and its objects (not churning kinds)', () =>
    expect(names(true)).to.deep.equal([
      'PersistentVolume pv-a',
      'ClusterRole reader',
      'ConfigMap payments/settings',
      'Namespace payments',
    ]));
  it('a namespace mapped onto one the drill did not create is in the set', () =>
    expect(names(false, { mapping: { payments: 'shared' }, owned: [] })).to.include('ConfigMap shared/settings'));
});

describe('runDrill: the blast-radius phase (memory cluster, simulated Velero)', function () {
  this.timeout(15_000);
  const SOURCE: KubeObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments' } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'payments', labels: { app: 'api' } },
      spec: { replicas: 1, selector: { matchLabels: { app: 'api' } } },
      status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'payments' },
      data: { mode: 'live' },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'payments-reader' },
      rules: [],
    },
  ];
  /** The backup's ClusterRole differs from the live one: an update restore would rewrite it. */
  const BACKUP = SOURCE.map((o) =>
    o.kind === 'ClusterRole' ? { ...o, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] } : o,
  );
  let gw: MemoryGateway;
  let sim: VeleroSim;
  let dir: string;
  beforeEach(async () => {
    gw = new MemoryGateway('prod', 'https://prod');
    for (const o of SOURCE) gw.put(o);
    sim = await new VeleroSim(gw, { content: BACKUP }).start();
    sim.seedBackup('payments-daily-1', { ageMs: HOUR, schedule: 'payments-daily' });
    dir = mkdtempSync(join(tmpdir(), 'dr-drill-blast-'));
  });
  afterEach(async () => {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const run = async (plan: DrillPlan, onEvent?: (e: { phase: string | null; message: string }) => void) => {
    const out: DrillOutcome = await runDrill(plan, {
      clock: systemClock,
      gatewayFor: () => gw,
      reportDir: dir,
      toolVersion: 't',
      onEvent,
    });
    expect(validateReport(JSON.parse(readFileSync(join(out.folder, 'report.json'), 'utf8')))).to.deep.equal([]);
    return out;
  };

  it('a clean drill into the source cluster checks the source namespace and its objects, and says none changed', async () => {
    const { report, folder } = await run(aPlan().build());
    expect(report.verdict, report.reasons.join()).to.equal('PASS');
    expect(report.blastRadius!.changed).to.deep.equal([]);
    // ClusterRole payments-reader, Namespace payments, Deployment api, ConfigMap settings.
    expect(report.blastRadius!.checked).to.equal(4);
    expect(report.blastRadius!.recordSeconds).to.be.a('number');
    const phases = report.phases.map((p) => p.name);
    expect(phases.indexOf('blast-radius')).to.equal(phases.indexOf('teardown') + 1);
    expect(report.phases.find((p) => p.name === 'blast-radius')!.outcome).to.equal('succeeded');
    expect(readFileSync(join(folder, 'report.md'), 'utf8')).to.contain(
      '4 pre-existing object(s) checked, none changed.',
    );
  });

  it('update opted in: Velero rewrites the pre-existing ClusterRole → ERROR naming it, though teardown was clean', async () => {
    const plan = aPlan().build();
    Object.assign(plan.restore, { existingResourcePolicy: 'update', allowClusterScopedUpdates: true });
    const { report } = await run(plan);
    expect(report.verdict).to.equal('ERROR');
    expect(report.teardown.leftBehind).to.deep.equal([]);
    expect(report.blastRadius!.changed).to.deep.equal([
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        namespace: null,
        name: 'payments-reader',
        what: 'content changed; updated by the restore (its resource list)',
      },
    ]);
    expect(report.reasons.join('\n')).to.contain(
      'the drill changed 1 object(s) it does not own: ClusterRole payments-reader',
    );
    expect(report.warnings.join('\n')).to.contain('allowClusterScopedUpdates');
    expect(report.phases.find((p) => p.name === 'blast-radius')!.outcome).to.equal('failed');
  });

  it('a source object changed or deleted while the drill runs is caught, whoever did it', async () => {
    let done = false;
    const { report } = await run(aPlan().build(), (e) => {
      if (done || e.phase !== 'verify') return;
      done = true;
      gw.update(
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'payments', name: 'settings' },
        (o) => void (o.data = { mode: 'x' }),
      );
      gw.remove({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'payments', name: 'api' });
    });
    expect(report.verdict).to.equal('ERROR');
    expect(report.blastRadius!.changed.map((c) => `${c.kind} ${c.name}: ${c.what}`).sort()).to.deep.equal([
      'ConfigMap settings: data changed',
      'Deployment api: gone',
    ]);
  });

  it('without the opt-in Secrets role: the source Secret is reported not checked, naming the role; the rest is checked', async () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'payments' }, data: {} };
    gw.put(secret);
    await sim.stop();
    sim = await new VeleroSim(gw, { content: [...BACKUP, secret] }).start();
    sim.seedBackup('payments-daily-1', { ageMs: HOUR, schedule: 'payments-daily' });
    gw.failOn('list', 'Secret');
    const { report } = await run(aPlan().build());
    expect(report.verdict, report.reasons.join()).to.equal('PASS');
    expect(report.blastRadius!.checked).to.equal(4);
    expect(report.blastRadius!.notChecked).to.deep.equal([
      "1 v1/Secret in payments: could not be read (Secrets not checked: the drill's identity may not read Secrets; bind deploy/rbac/drill-secrets.yaml to check them)",
    ]);
  });

  it('no Restore created: the phase is skipped and blastRadius is null', async () => {
    const plan = aPlan().build();
    plan.backup = { mode: 'name', name: 'does-not-exist', maxAgeMs: null };
    const { report } = await run(plan);
    expect(report.blastRadius).to.equal(null);
    expect(report.phases.find((p) => p.name === 'blast-radius')).to.include({
      outcome: 'skipped',
      reason: 'no Restore was created',
    });
  });
});
