/**
 * End-to-end drills against the real local environment: kube-apiserver + kube-controller-manager + scheduler +
 * kwok per cluster, a real Velero server each with the Azure plugin, Azurite as the backup storage.
 * Backups are shared between cases: Velero's backup sync runs on a one-minute tick.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { e2eNodeEnv, ensureLocalEnv, killVelero, restartVelero, veleroRunning, type E2eEnv } from './support/env.js';
import {
  cli,
  ensureBuilt,
  finishDrill,
  kubectl,
  kubectlJson,
  ROOT,
  runDrillCli,
  scenario,
  startDrill,
  tempDir,
  type DrillRun,
  writeScenario,
} from './support/drill.js';
import {
  DR,
  DRILL_LABEL,
  expectNoLeftovers as sharedNoLeftovers,
  expectSealed,
  PRIMARY,
  veleroBackup as sharedVeleroBackup,
  waitSynced as sharedWaitSynced,
} from './support/checks.js';

const LABEL = DRILL_LABEL;

let env: E2eEnv;
let reportDir: string;
const snapshot = async (context: string, ns: string) =>
  Object.fromEntries(
    (await kubectlJson(env, context, ['-n', ns, 'get', 'all,configmaps,secrets,pvc'])).items.map((o) => [
      `${o.metadata.name}`,
      o.metadata.resourceVersion,
    ]),
  );

const veleroBackup = (name: string, args: string[]) => sharedVeleroBackup(env, name, args);
const waitSynced = (name: string) => sharedWaitSynced(env, name);

/** Case h: after every drill nothing with its label remains in either cluster, and planted objects are untouched. */
async function expectNoLeftovers(run: DrillRun): Promise<void> {
  await sharedNoLeftovers(env, run);
  for (const ctx of [PRIMARY, DR]) expect(await snapshot(ctx, 'planted')).to.deep.equal(planted[ctx]);
}

/** The drill's report.html in headless Chromium: verdict shown, timeline drawn, nothing requested but the file. */
async function expectHtmlRenders(file: string, verdict: string): Promise<void> {
  expect(existsSync(file), 'report.html').to.equal(true);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: process.env.DR_DRILL_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  try {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(file).href;
    await page.goto(url);
    expect(requests).to.deep.equal([url]);
    expect(await page.locator('body').innerText()).to.contain(verdict);
    expect(await page.locator('svg').count()).to.be.greaterThan(0);
    await page.screenshot({ path: file.replace(/\.html$/, '.e2e.png'), fullPage: true });
  } finally {
    await browser.close();
  }
}

const planted: Record<string, Record<string, string>> = {};
const stamp = Date.now().toString(36);
const bulkBackup = `e2e-bulk-${stamp}`;
const catalogBackup = `e2e-catalog-${stamp}`;
const shopBackup = `e2e-shop-${stamp}`;
/** A namespace whose claim binds a Retain hostPath PV (the demo's own db keeps its data on `local-data` now). */
const RETAIN_NS = 'e2e-retain';
const RETAIN_PV = 'e2e-retain-pv';
const retainBackup = `e2e-retain-${stamp}`;
const retainWorkload = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: RETAIN_NS } },
  {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: RETAIN_PV },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: 'manual',
      hostPath: { path: '/var/lib/dr-drill-e2e/retain' },
      claimRef: { namespace: RETAIN_NS, name: 'data' },
    },
  },
  {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: RETAIN_NS },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'manual',
      volumeName: RETAIN_PV,
      resources: { requests: { storage: '1Gi' } },
    },
  },
];

describe('e2e: drills against the local environment', function () {
  this.timeout(20 * 60_000);

  before(async function () {
    env = await ensureLocalEnv();
    reportDir = tempDir('reports');
    await ensureBuilt();
    // Plant objects a drill must never touch, in both clusters.
    for (const ctx of [PRIMARY, DR]) {
      await kubectl(
        env,
        ctx,
        ['apply', '-f', '-'],
        stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'planted' } }),
      );
      await kubectl(
        env,
        ctx,
        ['apply', '-f', '-'],
        stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'keep-me', namespace: 'planted' },
          data: { a: '1' },
        }),
      );
      planted[ctx] = await snapshot(ctx, 'planted');
    }
    // A namespace with many objects, so that a restore of it runs long enough to be interrupted (case f).
    const items = Array.from({ length: 1500 }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${i}`, namespace: 'bulk' },
      data: { i: String(i), pad: 'x'.repeat(200) },
    }));
    await kubectl(
      env,
      PRIMARY,
      ['apply', '-f', '-'],
      stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bulk' } }),
    );
    await kubectl(
      env,
      PRIMARY,
      ['apply', '--server-side', '-f', '-'],
      stringify({ apiVersion: 'v1', kind: 'List', items }),
    );
    await veleroBackup(bulkBackup, ['--include-namespaces', 'bulk', '--snapshot-volumes=false']);
    await veleroBackup(catalogBackup, ['--include-namespaces', 'catalog', '--snapshot-volumes=false']);
    await veleroBackup(shopBackup, ['--include-namespaces', 'shop', '--snapshot-volumes=false']);
    await kubectl(env, PRIMARY, ['apply', '-f', '-'], retainWorkload.map((o) => stringify(o)).join('---\n'));
    await kubectl(env, PRIMARY, ['-n', RETAIN_NS, 'wait', '--for=jsonpath={.status.phase}=Bound', 'pvc/data']);
    await veleroBackup(retainBackup, ['--include-namespaces', RETAIN_NS, '--snapshot-volumes=false']);
  });

  after(async () => {
    await kubectl(env, PRIMARY, ['delete', 'namespace', RETAIN_NS, '--ignore-not-found', '--wait=false']);
    await kubectl(env, PRIMARY, ['delete', 'pv', RETAIN_PV, '--ignore-not-found', '--wait=false']);
  });

  it('a. cross-cluster drill of the demo scenario passes with a complete, schema-valid report folder', async () => {
    const run = await runDrillCli(
      env,
      JSON.parse(
        JSON.stringify(
          await import('yaml').then((y) => y.parse(readFileSync(join(ROOT, 'scenarios', 'local-demo.yaml'), 'utf8'))),
        ),
      ),
      reportDir,
    );
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.report!.verdict).to.equal('PASS');
    expectSealed(run);
    expect(run.report!.rto.achievedSeconds).to.be.a('number');
    // The shipped demo has a canary: RPO is measured to data read back from the restored copy.
    expect(run.report!.rpo.basis).to.equal('canary');
    expect(run.report!.backup.takenByDrill).to.equal(true);
    // The db's volumes came back through Velero's node-agent (file-system backup, the environment's default),
    // and the checksum probe compared the restored database files with the source's.
    expect(run.report!.restore.volumeData).to.equal('checked');
    expect(
      run.report!.restore.volumes!.map((v) => [v.volume, v.pvc, v.backupMethod, v.restoreMethod, v.dataRestored]),
    ).to.have.deep.members([
      ['data', 'data-db-0', 'PodVolumeBackup', 'PodVolumeRestore', true],
      ['wal', null, 'PodVolumeBackup', 'PodVolumeRestore', true],
    ]);
    expect(run.report!.restore.volumes!.every((v) => (v.bytes ?? 0) > 0)).to.equal(true);
    expect(run.report!.probes.find((p) => p.name === 'data-intact')).to.include({ outcome: 'passed' });
    expect(run.report!.warnings.join('\n')).to.not.match(/volume data not checked/);
    // A cross-cluster drill states its measurement uncertainty (the figures go into the session note).
    const { rto, rpo, clocks } = run.report!;
    expect(rto.uncertaintySeconds).to.be.a('number');
    expect(rpo.uncertaintySeconds).to.be.a('number');
    process.stderr.write(
      `      figures: RTO ${rto.achievedSeconds} s ± ${rto.uncertaintySeconds} s (${rto.reason ?? ''}); RPO ${rpo.achievedSeconds} s ± ${rpo.uncertaintySeconds} s basis ${rpo.basis} (${rpo.reason ?? ''}); clocks ${JSON.stringify(clocks)}\n`,
    );
    expect(run.report!.teardown.leftBehind).to.deep.equal([]);
    const contract = await execa('bash', [join(ROOT, '..', 'shared', 'checks', 'contract.sh'), run.folder!], {
      cwd: ROOT,
      reject: false,
    });
    if (existsSync(join(ROOT, '..', 'shared', 'checks', 'contract.sh')))
      expect(contract.stdout, contract.stdout).to.match(/contract: 0 miss/);
    expect((await cli(['report', 'verify', run.folder!])).exitCode).to.equal(0);
    await expectHtmlRenders(join(run.folder!, 'report.html'), 'PASS');
    // The backup the drill took is real and kept.
    const b = await kubectlJson(env, PRIMARY, [
      '-n',
      'velero',
      'get',
      'backups',
      '-l',
      `dr-drill.io/taken-by=${run.drillId}`,
    ]);
    expect(b.items).to.have.length(1);
    await expectNoLeftovers(run);
  });

  const catalogDrill = (name: string, extra: Record<string, unknown> = {}) =>
    scenario(name, {
      source: { kubeContext: PRIMARY },
      backup: { name: catalogBackup },
      target: { namespace: { suffix: '-drill-{{drillId}}' } },
      restore: { includedNamespaces: ['catalog'], timeout: '5m' },
      probes: [
        {
          name: 'api-ready',
          kind: 'workload',
          ref: { kind: 'Deployment', namespace: 'catalog', name: 'api' },
          timeout: '2m',
        },
        {
          name: 'config',
          kind: 'resource',
          ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'catalog', selector: 'app=api' },
          minCount: 1,
        },
      ],
      ...extra,
    });

  it('b. namespace-mapping drill inside primary of a namespace without volumes passes; the source is untouched', async () => {
    const before = await snapshot(PRIMARY, 'catalog');
    const run = await runDrillCli(env, catalogDrill('e2e-catalog'), reportDir);
    expect(run.exitCode, run.stderr).to.equal(0);
    expect(run.report!.verdict).to.equal('PASS');
    expectSealed(run);
    expect(Object.values(run.report!.target.namespaceMapping)[0]).to.equal(`catalog-drill-${run.drillId}`);
    expect(await snapshot(PRIMARY, 'catalog')).to.deep.equal(before);
    await expectNoLeftovers(run);
  });

  it('b2. namespace-mapping drill of a claim on a Retain hostPath PV (no snapshot) inside primary is refused before any Restore', async () => {
    const before = await snapshot(PRIMARY, RETAIN_NS);
    const restoresBefore = (await kubectlJson(env, PRIMARY, ['-n', 'velero', 'get', 'restores'])).items.length;
    const run = await runDrillCli(
      env,
      scenario('e2e-retain-mapped', {
        source: { kubeContext: PRIMARY },
        backup: { name: retainBackup },
        target: { namespace: {} },
        restore: { includedNamespaces: [RETAIN_NS], restorePVs: true, timeout: '5m' },
        probes: [{ name: 'volumes-bound', kind: 'pvc', ref: { namespace: RETAIN_NS }, timeout: '45s' }],
      }),
      reportDir,
    );
    // Velero would restore the PV as-is (no snapshot, Retain) onto the source's own hostPath volume.
    expect(run.exitCode, run.stderr).to.equal(2);
    expectSealed(run);
    expect(run.report!.reasons.join('\n')).to.contain('PV_ON_SOURCE_STORAGE').and.contain(RETAIN_PV);
    expect(run.report!.reasons.join('\n')).to.contain('restore.allowSharedVolumeAssets');
    expect((await kubectlJson(env, PRIMARY, ['-n', 'velero', 'get', 'restores'])).items.length).to.equal(
      restoresBefore,
    );
    expect(await snapshot(PRIMARY, RETAIN_NS)).to.deep.equal(before);
    const pvc = await kubectlJson<{ items: Array<{ status?: { phase?: string } }> }>(env, PRIMARY, [
      '-n',
      RETAIN_NS,
      'get',
      'pvc',
    ]);
    expect(pvc.items.map((p) => p.status?.phase)).to.deep.equal(['Bound']);
    await expectNoLeftovers(run);
  });

  it('c. a probe that cannot pass fails the drill (exit 1) and the report shows its last observation', async () => {
    const s = catalogDrill('e2e-probe-fails') as { spec: { probes: object[] } };
    s.spec.probes.push({
      name: 'missing',
      kind: 'resource',
      ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'catalog', name: 'does-not-exist' },
      timeout: '15s',
    });
    const run = await runDrillCli(env, s, reportDir);
    expect(run.exitCode, run.stderr).to.equal(1);
    const p = run.report!.probes.find((x) => x.name === 'missing')!;
    expect(p.outcome).to.equal('failed');
    expect(p.lastObservation).to.match(/does-not-exist|no ConfigMap/);
    expect(run.report!.rto.achievedSeconds).to.equal(null);
    await expectNoLeftovers(run);
  });

  it('d. an RTO objective too tight fails with the margin', async () => {
    const run = await runDrillCli(
      env,
      catalogDrill('e2e-rto-tight', { objectives: { rto: '1s', rpo: '24h' } }),
      reportDir,
    );
    expect(run.exitCode, run.stderr).to.equal(1);
    expect(run.report!.rto.met).to.equal(false);
    expect(run.report!.rto.marginSeconds).to.be.below(0);
    expect(run.report!.reasons.join('\n')).to.match(/RTO objective missed: .*over by/);
    await expectNoLeftovers(run);
  });

  it('e. a backup older than maxAge fails before any restore is created', async () => {
    const run = await runDrillCli(
      env,
      catalogDrill('e2e-too-old', { backup: { name: catalogBackup, maxAge: '1s' } }),
      reportDir,
    );
    expect(run.exitCode, run.stderr).to.equal(1);
    expect(run.report!.reasons.join('\n')).to.match(/no backup young enough/);
    expect(run.report!.restore.name).to.equal(null);
    expect(run.report!.phases.find((p) => p.name === 'restore')!.outcome).to.equal('skipped');
    const rs = await kubectlJson(env, PRIMARY, ['-n', 'velero', 'get', 'restores', '-l', `${LABEL}=${run.drillId}`]);
    expect(rs.items).to.deep.equal([]);
  });

  it('g. SIGINT during verification tears down and exits 130', async () => {
    const s = catalogDrill('e2e-sigint') as { spec: { probes: object[] } };
    s.spec.probes.push({
      name: 'forever',
      kind: 'resource',
      ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'catalog', name: 'never' },
      timeout: '10m',
    });
    const file = writeScenario(reportDir, s);
    const child = startDrill(env, file, reportDir);
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const deadline = Date.now() + 120_000;
    while (!/verify: phase verify started/.test(stderr) && Date.now() < deadline) await sleep(200);
    expect(stderr).to.match(/phase verify started/);
    await sleep(1000);
    child.kill('SIGINT');
    const run = await finishDrill(child, reportDir, 'e2e-sigint');
    expect(run.exitCode, stderr).to.equal(130);
    expectSealed(run);
    expect(run.report!.teardown.performed).to.equal(true);
    expect(run.report!.phases.find((p) => p.name === 'verify')!.outcome).to.equal('interrupted');
    await expectNoLeftovers(run);
  });

  describe('i. RBAC', () => {
    let tokenKubeconfig: (sa: string) => Promise<string>;
    before(async () => {
      await kubectl(env, PRIMARY, ['apply', '-f', join(ROOT, 'deploy', 'rbac', 'drill-runner.yaml')]);
      await kubectl(env, PRIMARY, [
        '-n',
        'dr-drill',
        'create',
        'serviceaccount',
        'nobody',
        '--dry-run=client',
        '-o',
        'yaml',
      ]).then((y) => kubectl(env, PRIMARY, ['apply', '-f', '-'], y));
      const cfg = JSON.parse(await kubectl(env, PRIMARY, ['config', 'view', '--raw', '--minify', '-o', 'json'])) as {
        clusters: Array<{ cluster: Record<string, string> }>;
      };
      tokenKubeconfig = async (sa) => {
        const token = (
          await kubectl(env, PRIMARY, ['-n', 'dr-drill', 'create', 'token', sa, '--duration', '1h'])
        ).trim();
        const file = join(reportDir, `kubeconfig-${sa}`);
        writeFileSync(
          file,
          stringify({
            apiVersion: 'v1',
            kind: 'Config',
            'current-context': PRIMARY,
            clusters: [{ name: 'primary', cluster: cfg.clusters[0]!.cluster }],
            users: [{ name: sa, user: { token } }],
            contexts: [{ name: PRIMARY, context: { cluster: 'primary', user: sa } }],
          }),
          { mode: 0o600 },
        );
        return file;
      };
    });

    it('a ServiceAccount bound to deploy/rbac/drill-runner.yaml can run a drill', async () => {
      const run = await runDrillCli(
        env,
        catalogDrill('e2e-rbac'),
        reportDir,
        [],
        await tokenKubeconfig('dr-drill-runner'),
      );
      expect(run.exitCode, `${run.stderr}\n${run.report?.reasons.join('\n')}`).to.equal(0);
      await expectNoLeftovers(run);
    });

    it('one without it gets an error naming the denied verb and resource', async () => {
      const run = await runDrillCli(
        env,
        catalogDrill('e2e-rbac-denied'),
        reportDir,
        [],
        await tokenKubeconfig('nobody'),
      );
      expect(run.exitCode, run.stderr).to.equal(3);
      expect(run.report!.verdict).to.equal('ERROR');
      expect(run.report!.reasons.join('\n')).to.match(/permission denied to (get|list|watch|create) \S+/);
    });
  });

  it('f. the dr velero server killed during the restore: ERROR (exit 3), journal intact, teardown does not hang, cleanup finishes later', async () => {
    await waitSynced(bulkBackup);
    const s = scenario('e2e-velero-killed', {
      source: { kubeContext: PRIMARY },
      backup: { name: bulkBackup },
      target: { cluster: { kubeContext: DR } },
      restore: { includedNamespaces: ['bulk'], timeout: '10m' },
      probes: [
        {
          name: 'configs',
          kind: 'resource',
          ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'bulk' },
          minCount: 1500,
        },
      ],
      teardown: { when: 'always', timeout: '20s' },
    });
    const file = writeScenario(reportDir, s);
    const child = startDrill(env, file, reportDir);
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const deadline = Date.now() + 180_000;
    while (!/Restore dr-drill-\w+ is InProgress/.test(stderr) && Date.now() < deadline && child.exitCode === null)
      await sleep(100);
    expect(stderr).to.match(/is InProgress/);
    await killVelero('dr');
    expect(veleroRunning('dr')).to.equal(false);
    const run = await finishDrill(child, reportDir, 'e2e-velero-killed');
    try {
      expect(run.exitCode, stderr).to.equal(3);
      expect(run.report!.verdict).to.equal('ERROR');
      expect(run.report!.reasons.join('\n')).to.match(/VELERO_NOT_RESPONDING|did not answer/);
      expectSealed(run);
      expect(run.report!.teardown.leftBehind.map((l) => l.object).join('\n')).to.match(/Restore velero\/dr-drill-/);
    } finally {
      await restartVelero(env, 'dr');
    }
    const deadline2 = Date.now() + 120_000;
    let cleaned = await cli([
      '--kubeconfig',
      env.kubeconfig,
      'cleanup',
      '--drill-id',
      run.drillId!,
      '--context',
      DR,
      '--timeout',
      '60s',
    ]);
    while (cleaned.exitCode !== 0 && Date.now() < deadline2) {
      await sleep(5000);
      cleaned = await cli([
        '--kubeconfig',
        env.kubeconfig,
        'cleanup',
        '--drill-id',
        run.drillId!,
        '--context',
        DR,
        '--timeout',
        '60s',
      ]);
    }
    expect(cleaned.exitCode, cleaned.stdout + cleaned.stderr).to.equal(0);
    await expectNoLeftovers(run);
  });

  it('j. a drill from the backup storage alone (no source cluster): integrity phase, restore in dr, signed and uploaded evidence', async () => {
    await waitSynced(catalogBackup);
    const keyDir = tempDir('key');
    const key = join(keyDir, 'ed25519.pem');
    await execa('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', key]);
    await execa('openssl', ['pkey', '-in', key, '-pubout', '-out', join(keyDir, 'pub.pem')]);
    const blobEnv = e2eNodeEnv(env);
    const sourceless = scenario('e2e-sourceless', {
      storage: { connectionString: '${AZURE_STORAGE_CONNECTION_STRING}', container: 'velero' },
      backup: { name: catalogBackup },
      target: { cluster: { kubeContext: DR } },
      restore: { includedNamespaces: ['catalog'], timeout: '5m' },
      probes: [
        {
          name: 'api-ready',
          kind: 'workload',
          ref: { kind: 'Deployment', namespace: 'catalog', name: 'api' },
          timeout: '2m',
        },
      ],
      report: { upload: { container: 'drill-evidence', prefix: 'e2e' } },
    });
    const run = await runDrillCli(env, sourceless, reportDir, ['--sign-key', key], undefined, blobEnv);
    expect(run.exitCode, `${run.stderr}\n${run.report?.reasons.join('\n')}`).to.equal(0);
    const r = run.report!;
    expect(r.source.kubeContext).to.equal(null);
    expect(r.phases.find((p) => p.name === 'integrity')!.outcome).to.equal('succeeded');
    expect(r.restore.messagesSource).to.equal('storage');
    expectSealed(run);
    expect((await cli(['report', 'verify', run.folder!, '--public-key', join(keyDir, 'pub.pem')])).exitCode).to.equal(
      0,
    );
    const folderName = run.folder!.split('/').pop()!;
    const remote = await cli(
      ['report', 'verify', '--container', 'drill-evidence', '--prefix', 'e2e', `e2e-sourceless/${folderName}`],
      blobEnv,
    );
    expect(remote.exitCode, remote.stdout + remote.stderr).to.equal(0);
    await expectNoLeftovers(run);

    // The next nightly run on a fresh CI runner (an empty report dir) chains to the uploaded report, and the
    // history comes from the evidence container.
    const freshDir = tempDir('fresh-runner');
    const next = await runDrillCli(env, sourceless, freshDir, [], undefined, blobEnv);
    expect(next.exitCode, `${next.stderr}\n${next.report?.reasons.join('\n')}`).to.equal(0);
    expect(next.report!.evidence).to.include({ previousDrillId: run.drillId, previousFrom: 'evidence-container' });
    const nextRemote = await cli(
      [
        'report',
        'verify',
        '--container',
        'drill-evidence',
        '--prefix',
        'e2e',
        `e2e-sourceless/${next.folder!.split('/').pop()}`,
      ],
      blobEnv,
    );
    expect(nextRemote.exitCode, nextRemote.stdout + nextRemote.stderr).to.equal(0);
    expect(nextRemote.stdout).to.contain(`chained to ${folderName}`);
    const hist = await cli(
      [
        'report',
        'history',
        '--container',
        'drill-evidence',
        '--prefix',
        'e2e',
        '--scenario',
        'e2e-sourceless',
        '--output',
        'json',
      ],
      blobEnv,
    );
    expect(hist.exitCode, hist.stderr).to.equal(0);
    const ids = (JSON.parse(hist.stdout) as { drills: Array<{ drillId: string }> }).drills.map((d) => d.drillId);
    expect(ids.slice(0, 2)).to.deep.equal([next.drillId, run.drillId]);
    await expectNoLeftovers(next);
  });

  it('k. report history shows the drills of a scenario, its trend and the last verified restore', async () => {
    const keyDir = tempDir('history-key');
    const key = join(keyDir, 'ed25519.pem');
    await execa('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', key]);
    await execa('openssl', ['pkey', '-in', key, '-pubout', '-out', join(keyDir, 'pub.pem')]);
    const again = await runDrillCli(env, catalogDrill('e2e-catalog'), reportDir, ['--sign-key', key]);
    expect(again.exitCode, again.stderr).to.equal(0);
    // Who ran it, as the cluster saw it (SelfSubjectReview), and the key that signed it.
    const ranBy = again.report!.evidence.ranBy!;
    expect(ranBy.kube.map((k) => [k.cluster, k.error])).to.deep.include(['source', null]);
    expect(ranBy.kube[0]!.user).to.be.a('string').and.not.equal('');
    expect(again.report!.evidence.signedBy!.publicKeySha256).to.match(/^[0-9a-f]{64}$/);
    const history = async (...extra: string[]) => {
      const h = await cli([
        'report',
        'history',
        '--report-dir',
        reportDir,
        '--scenario',
        'e2e-catalog',
        '--output',
        'json',
        ...extra,
      ]);
      expect(h.exitCode, h.stderr).to.equal(0);
      return JSON.parse(h.stdout) as {
        drills: Array<{ drillId: string; verdict: string; evidence: string | null }>;
        lastVerifiedRestore: Record<string, { drillId: string } | null>;
        lastPass: Record<string, { drillId: string } | null>;
        trends: Array<{ drills: unknown[]; summary: string }>;
      };
    };
    // Without a trusted key no PASS is a verified restore; with the drill's public key the signed one is.
    const unauthenticated = await history();
    expect(unauthenticated.lastVerifiedRestore['e2e-catalog']).to.equal(null);
    expect(unauthenticated.lastPass['e2e-catalog']!.drillId).to.equal(again.drillId);
    const h = await history('--public-key', join(keyDir, 'pub.pem'));
    expect(h.drills.length).to.be.at.least(2);
    expect(h.drills[0]!.drillId).to.equal(again.drillId);
    expect(h.drills[0]!.evidence).to.equal('verified');
    expect(h.lastVerifiedRestore['e2e-catalog']!.drillId).to.equal(again.drillId);
    expect(h.trends[0]!.drills.length).to.be.at.least(2);
    expect(h.trends[0]!.summary).to.match(/RTO/);
    // The newest report is chained to the one before it.
    expect(again.report!.evidence.previousReportSha256).to.match(/^[0-9a-f]{64}$/);
  });
});
