/**
 * Faults a nightly drill meets in real life, on the real local environment: the target's control plane
 * restarting mid-drill, the backup storage failing, the runner stopped by a signal in each phase. Each case ends
 * with the right verdict, teardown done, the journal intact and nothing labelled left behind.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { basename } from 'node:path';
import {
  e2eNodeEnv,
  ensureLocalEnv,
  envStatus,
  killComponent,
  stopApiserver,
  stopAzurite,
  type E2eEnv,
  type StoppedComponent,
} from './support/env.js';
import {
  cli,
  ensureBuilt,
  finishDrill,
  kubectl,
  scenario,
  startDrill,
  tempDir,
  writeScenario,
} from './support/drill.js';
import { DR, expectNoLeftovers, expectSealed, PRIMARY, veleroBackup, waitSynced } from './support/checks.js';
import { localLayout } from '../../src/local/layout.js';
import { azuriteProcess } from '../../src/local/azurite.js';
import { runningPid } from '../../src/local/processes.js';

let env: E2eEnv;

/** The port of this environment's Azurite (offset 0: 10100; a private environment has its own). */
function azuritePort(): number {
  return Number(new URL(env.azurite.url).port);
}
let reportDir: string;
const stamp = Date.now().toString(36);
const bulkBackup = `e2e-faults-bulk-${stamp}`;
const smallBackup = `e2e-faults-small-${stamp}`;

type Child = ReturnType<typeof startDrill>;

/** A TCP proxy to a local port that the test can cut (every connection reset, new ones refused) and open again. */
class CuttableProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  constructor(private readonly targetPort: number) {}

  open(port = 0): Promise<number> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, '127.0.0.1');
      for (const sock of [client, upstream]) {
        this.sockets.add(sock);
        sock.on('close', () => this.sockets.delete(sock));
        sock.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    this.server = server;
    return new Promise((resolve) =>
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
    );
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const sock of this.sockets) sock.resetAndDestroy();
    if (server) await new Promise((r) => server.close(r));
  }
}

/** Collects a running drill's stderr; `until(re)` resolves when it has printed a matching line. */
function watchOutput(child: Child) {
  let seen = '';
  let ended = false;
  const waiters: Array<() => void> = [];
  child.stderr!.on('data', (c: Buffer) => {
    seen += c.toString();
    for (const w of waiters.splice(0)) w();
  });
  void child.finally(() => {
    ended = true;
    for (const w of waiters.splice(0)) w();
  });
  return {
    get text() {
      return seen;
    },
    async until(re: RegExp, timeoutMs = 240_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!re.test(seen)) {
        if (ended) throw new Error(`the drill ended before printing ${re}:\n${seen}`);
        if (Date.now() > deadline) throw new Error(`no ${re} within ${timeoutMs} ms:\n${seen}`);
        await Promise.race([new Promise<void>((r) => waiters.push(r)), sleep(1000)]);
      }
    },
  };
}

async function namespaceWithConfigMaps(ns: string, count: number): Promise<void> {
  const items = Array.from({ length: count }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `cm-${i}`, namespace: ns },
    data: { i: String(i), pad: 'x'.repeat(200) },
  }));
  await kubectl(
    env,
    PRIMARY,
    ['apply', '-f', '-'],
    stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
  );
  await kubectl(
    env,
    PRIMARY,
    ['apply', '--server-side', '-f', '-'],
    stringify({ apiVersion: 'v1', kind: 'List', items }),
  );
}

const configsProbe = (ns: string, minCount: number) => ({
  name: 'configs',
  kind: 'resource',
  ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns },
  minCount,
});

describe('e2e: faults (control-plane restart, storage outage, signals)', function () {
  this.timeout(20 * 60_000);

  before(async function () {
    env = await ensureLocalEnv();
    reportDir = tempDir('faults');
    await ensureBuilt();
    // Enough objects that a restore (and the deletion of its namespace) is still running when a fault hits.
    await namespaceWithConfigMaps('faults-bulk', 1500);
    await namespaceWithConfigMaps('faults-small', 3);
    await veleroBackup(env, bulkBackup, ['--include-namespaces', 'faults-bulk', '--snapshot-volumes=false']);
    await veleroBackup(env, smallBackup, ['--include-namespaces', 'faults-small', '--snapshot-volumes=false']);
  });

  describe('the dr control plane restarts (kube-apiserver, controller-manager and scheduler down ~10 s)', () => {
    let outage: StoppedComponent | null = null;
    afterEach(async () => {
      // Whatever happened, the environment is whole again for the next case.
      await outage?.restart();
      outage = null;
    });
    const restartAfter = async (ms: number) => {
      outage = await stopApiserver(env, 'dr');
      await sleep(ms);
      await outage.restart();
      outage = null;
    };

    it('while the drill waits for the backup to reach dr and again during the probes: it re-lists, re-watches and PASSes, stating both outages', async () => {
      // A backup made now: dr's Velero has not synced it yet, so the drill is waiting when the control plane goes.
      const fresh = `e2e-faults-fresh-${stamp}`;
      await veleroBackup(env, fresh, ['--include-namespaces', 'faults-small', '--snapshot-volumes=false']);
      const s = scenario('e2e-apiserver-restart', {
        source: { kubeContext: PRIMARY },
        backup: { name: fresh },
        target: { cluster: { kubeContext: DR } },
        restore: { includedNamespaces: ['faults-small'], timeout: '5m' },
        probes: [
          configsProbe('faults-small', 3),
          // Created by the test only after the second outage: the probe is waiting while the API server is away.
          {
            name: 'late',
            kind: 'resource',
            ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'faults-small', name: 'late' },
            timeout: '5m',
          },
        ],
        teardown: { when: 'always', timeout: '3m' },
      });
      const child = startDrill(env, writeScenario(reportDir, s), reportDir);
      const out = watchOutput(child);
      await out.until(/waiting for backup e2e-faults-fresh-\w+ to sync into dr-drill-dr/);
      await restartAfter(10_000);
      await out.until(/phase verify started/);
      await restartAfter(10_000);
      await kubectl(env, DR, ['-n', 'faults-small', 'create', 'configmap', 'late', '--from-literal=a=1']);
      const run = await finishDrill(child, reportDir, 'e2e-apiserver-restart');
      expect(run.exitCode, out.text).to.equal(0);
      expect(run.report!.verdict).to.equal('PASS');
      const outages = run.report!.warnings.filter((w) => /the API server of dr-drill-dr did not answer for/.test(w));
      expect(outages, run.report!.warnings.join('\n')).to.have.length.of.at.least(2);
      expect(readFileSync(`${run.folder}/report.md`, 'utf8')).to.match(/the API server of dr-drill-dr did not answer/);
      expect(run.report!.teardown.leftBehind).to.deep.equal([]);
      expectSealed(run);
      expect((await cli(['report', 'verify', run.folder!])).exitCode).to.equal(0);
      await expectNoLeftovers(env, run);
    });

    it("while Velero restores: Velero's restore fails or hangs on its own, and the drill says FAIL (never ERROR), states the outage and tears down", async () => {
      await waitSynced(env, bulkBackup);
      const s = scenario('e2e-apiserver-restart-mid-restore', {
        source: { kubeContext: PRIMARY },
        backup: { name: bulkBackup },
        target: { cluster: { kubeContext: DR } },
        restore: { includedNamespaces: ['faults-bulk'], timeout: '2m' },
        probes: [{ ...configsProbe('faults-bulk', 1500), timeout: '30s' }],
        teardown: { when: 'always', timeout: '3m' },
      });
      const child = startDrill(env, writeScenario(reportDir, s), reportDir);
      const out = watchOutput(child);
      await out.until(/Restore dr-drill-\w+ is InProgress/);
      await restartAfter(10_000);
      const run = await finishDrill(child, reportDir, 'e2e-apiserver-restart-mid-restore');
      // Velero v1.17 either ends the restore PartiallyFailed (discovery: connection refused) or leaves it
      // InProgress past the restore timeout; both are recovery that fell short, FAIL — the drill's own waits recovered.
      expect(run.exitCode, out.text).to.equal(1);
      expect(run.report!.verdict).to.equal('FAIL');
      expect(run.report!.reasons.join('\n')).to.match(/PartiallyFailed|Failed|did not finish within 2m/);
      expect(run.report!.warnings.join('\n')).to.match(/the API server of dr-drill-dr did not answer for/);
      expect(run.report!.teardown.leftBehind).to.deep.equal([]);
      expectSealed(run);
      await expectNoLeftovers(env, run);
    });
  });

  it('a controller-manager and scheduler that died while their API server answers: local up starts them again', async () => {
    await killComponent('dr', 'kube-controller-manager');
    await killComponent('dr', 'kube-scheduler');
    const before = await envStatus(env);
    expect(before.healthy).to.equal(false);
    const up = await cli(['local', 'up']);
    expect(up.exitCode, up.stderr).to.equal(0);
    const after = await envStatus(env);
    const dr = after.components.filter((c) => c.cluster === 'dr').map((c) => `${c.name}: ${c.detail}`);
    expect(after.healthy, dr.join('\n')).to.equal(true);
    expect(dr).to.include.members([
      'dr/kube-controller-manager: process running',
      'dr/kube-scheduler: process running',
    ]);
  });

  it("Azurite killed while the drill reads the restore's results: ERROR naming the storage; teardown completes once it is back", async () => {
    const s = scenario('e2e-storage-down', {
      source: { kubeContext: PRIMARY },
      backup: { name: smallBackup },
      target: { namespace: { suffix: '-drill-{{drillId}}' } },
      restore: { includedNamespaces: ['faults-small'], timeout: '5m' },
      probes: [configsProbe('faults-small', 3)],
      teardown: { when: 'always', timeout: '3m' },
    });
    const child = startDrill(env, writeScenario(reportDir, s), reportDir);
    const out = watchOutput(child);
    let storage: StoppedComponent | null = null;
    try {
      await out.until(/Restore dr-drill-\w+ is Completed/);
      // A crash, not a shutdown: connections in flight are reset at once.
      process.kill(runningPid(azuriteProcess(localLayout()))!, 'SIGKILL');
      storage = await stopAzurite();
      await out.until(/phase teardown started/);
      await storage.restart();
      storage = null;
      const run = await finishDrill(child, reportDir, 'e2e-storage-down');
      expect(run.exitCode, out.text).to.equal(3);
      expect(run.report!.verdict).to.equal('ERROR');
      const storageUrl = `https://127.0.0.1:${azuritePort()}/devstoreaccount1/velero`;
      const reasons = run.report!.reasons.join('\n');
      expect(reasons).to.match(
        /results file could not be read \(reading RestoreResults of dr-drill-\w+ from the backup storage /,
      );
      expect(reasons)
        .to.contain(storageUrl)
        .and.match(/failed: connect ECONNREFUSED/);
      expect(readFileSync(`${run.folder}/report.json`, 'utf8')).not.to.match(/sig=|se=\d/);
      expect(run.report!.teardown.performed).to.equal(true);
      expect(run.report!.teardown.leftBehind).to.deep.equal([]);
      expectSealed(run);
      await expectNoLeftovers(env, run);
    } finally {
      await storage?.restart();
    }
  });

  it('the evidence storage unreachable during the upload: the verdict stands, the failure is reported with the command that finishes it, and `report upload` completes it later', async () => {
    // Evidence reaches Azurite through a TCP proxy the test can cut: Velero keeps its own path to the BSL, so the
    // drill itself is untouched and only the upload meets the outage.
    const proxy = new CuttableProxy(azuritePort());
    const port = await proxy.open();
    const blobEnv = e2eNodeEnv(env);
    const evidenceCs = blobEnv.AZURE_STORAGE_CONNECTION_STRING!.replace(
      /BlobEndpoint=https:\/\/127\.0\.0\.1:\d+\//,
      `BlobEndpoint=https://127.0.0.1:${port}/`,
    );
    try {
      const s = scenario('e2e-upload-outage', {
        source: { kubeContext: PRIMARY },
        backup: { name: smallBackup },
        target: { namespace: { suffix: '-drill-{{drillId}}' } },
        restore: { includedNamespaces: ['faults-small'] },
        probes: [configsProbe('faults-small', 3)],
        report: { upload: { container: 'faults-evidence', prefix: 'e2e', connectionString: '${EVIDENCE_CS}' } },
      });
      const child = startDrill(env, writeScenario(reportDir, s), reportDir, [], undefined, {
        ...blobEnv,
        EVIDENCE_CS: evidenceCs,
      });
      const out = watchOutput(child);
      await out.until(/phase teardown started/);
      await proxy.cut();
      const run = await finishDrill(child, reportDir, 'e2e-upload-outage');
      expect(run.exitCode, out.text).to.equal(0);
      expect(run.report!.verdict).to.equal('PASS');
      expectSealed(run);
      expect(out.text).to.match(/evidence upload FAILED: .*127\.0\.0\.1/);
      expect(out.text).to.contain(`report upload ${run.folder} --container faults-evidence --prefix e2e`);
      expect(out.text).not.to.contain('AccountKey=');
      expect((await cli(['report', 'verify', run.folder!])).exitCode).to.equal(0);

      await proxy.open(port);
      const up = await cli(['report', 'upload', run.folder!, '--container', 'faults-evidence', '--prefix', 'e2e'], {
        ...blobEnv,
        AZURE_STORAGE_CONNECTION_STRING: evidenceCs,
      });
      expect(up.exitCode, up.stdout + up.stderr).to.equal(0);
      expect(up.stdout).to.match(/uploaded: .*e2e\/e2e-upload-outage\//);
      const remote = await cli(
        [
          'report',
          'verify',
          '--container',
          'faults-evidence',
          '--prefix',
          'e2e',
          `e2e-upload-outage/${basename(run.folder!)}`,
        ],
        blobEnv,
      );
      expect(remote.exitCode, remote.stdout + remote.stderr).to.equal(0);
      await expectNoLeftovers(env, run);
    } finally {
      await proxy.cut();
    }
  });

  describe('a signal in each phase: exit 130 after teardown, report sealed, nothing left', () => {
    const cases: Array<{
      title: string;
      signal: NodeJS.Signals;
      phase: string;
      at: RegExp;
      spec: () => Record<string, unknown>;
    }> = [
      {
        title: 'SIGTERM while the drill takes its backup (select-backup)',
        signal: 'SIGTERM',
        phase: 'select-backup',
        at: /creating Backup \S+ of faults-small/,
        spec: () => ({
          backup: { create: { includedNamespaces: ['faults-small'] } },
          restore: { includedNamespaces: ['faults-small'] },
          probes: [configsProbe('faults-small', 3)],
        }),
      },
      {
        title: 'SIGTERM while the probes wait (verify)',
        signal: 'SIGTERM',
        phase: 'verify',
        at: /phase verify started/,
        spec: () => ({
          backup: { name: smallBackup },
          restore: { includedNamespaces: ['faults-small'] },
          probes: [configsProbe('faults-small', 1000)],
        }),
      },
      {
        title: 'SIGHUP (a closed terminal) while the probes wait (verify)',
        signal: 'SIGHUP',
        phase: 'verify',
        at: /phase verify started/,
        spec: () => ({
          backup: { name: smallBackup },
          restore: { includedNamespaces: ['faults-small'] },
          probes: [configsProbe('faults-small', 1000)],
        }),
      },
      {
        title: 'SIGTERM during teardown: teardown still finishes',
        signal: 'SIGTERM',
        phase: 'teardown',
        at: /phase teardown started/,
        spec: () => ({
          backup: { name: bulkBackup },
          restore: { includedNamespaces: ['faults-bulk'], timeout: '5m' },
          probes: [configsProbe('faults-bulk', 1500)],
        }),
      },
      // Last: Velero cannot cancel a restore, so the interrupted one keeps primary's Velero busy for a while and
      // restores queue behind it.
      {
        title: 'SIGTERM while Velero restores (restore)',
        signal: 'SIGTERM',
        phase: 'restore',
        at: /Restore dr-drill-\w+ is InProgress/,
        spec: () => ({
          backup: { name: bulkBackup },
          restore: { includedNamespaces: ['faults-bulk'], timeout: '5m' },
          probes: [configsProbe('faults-bulk', 1500)],
        }),
      },
    ];
    for (const c of cases) {
      it(c.title, async () => {
        const name = `e2e-${c.signal.toLowerCase()}-${c.phase}`;
        const s = scenario(name, {
          source: { kubeContext: PRIMARY },
          target: { namespace: { suffix: '-drill-{{drillId}}' } },
          teardown: { when: 'always', timeout: '3m' },
          ...c.spec(),
        });
        const child = startDrill(env, writeScenario(reportDir, s), reportDir);
        const out = watchOutput(child);
        await out.until(c.at);
        child.kill(c.signal);
        const run = await finishDrill(child, reportDir, name);
        expect(run.exitCode, out.text).to.equal(130);
        expect(out.text).to.contain(`${c.signal} received`);
        expectSealed(run);
        // Stopped before it created anything (the backup it takes is kept by design), there is nothing to remove.
        if (c.phase === 'select-backup')
          expect(run.report!.teardown.reason).to.equal('the drill created nothing to remove');
        else expect(run.report!.teardown.performed, out.text).to.equal(true);
        expect(run.report!.teardown.leftBehind).to.deep.equal([]);
        if (c.phase !== 'teardown')
          expect(run.report!.phases.find((p) => p.name === c.phase)!.outcome).to.equal('interrupted');
        expect((await cli(['report', 'verify', run.folder!])).exitCode).to.equal(0);
        await expectNoLeftovers(env, run);
      });
    }
  });
});
