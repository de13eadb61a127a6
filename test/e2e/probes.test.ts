/**
 * End-to-end: data probes against the real local environment. What this proves for real, and what not:
 * - exec runs through the API server's pods/exec and kwok's ClusterExec, which runs the command on this host;
 * - http runs through the API server's pods/portforward (client-node's WebSocket PortForward) and kwok's
 *   ClusterPortForward, which connects to a server on this host that stands in for the restored pod's port;
 * - canary with a ConfigMap carrier: the drill writes the marker on the source, real Velero backs it up to
 *   Azurite and restores it into the mapped namespace, and the probe reads it back there (rpo.basis canary);
 * - the negative control of the same scenario fails, and the CLI exits 0 for that.
 * A file canary or a checksum manifest would read the same host files on "source" and "target" here (kwok exec
 * runs on the host), so they are not proven by this file; see docs/probes.md.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { ensureLocalEnv, type E2eEnv } from './support/env.js';
import {
  cli,
  ensureBuilt,
  kubectl,
  kubectlJson,
  manifestTake,
  ROOT,
  runDrillCli,
  scenario,
  tempDir,
  writeScenario,
} from './support/drill.js';
import { validateReport } from '../../src/report/validate-report.js';
import { startApiRecorder, type ApiRecorder, type ApiRequest, type PolicyRule } from '../support/api-recorder.js';
import { madePairs, roleDiff } from '../support/rbac-proof.js';

const PRIMARY = 'dr-drill-primary';
const stamp = Date.now().toString(36);
const NS = `probes-e2e-${stamp}`;
const RESTORED = `${NS}-restored`;
const EXEC_RULE = `dr-drill-e2e-probes-${stamp}`;
const FORWARD_RULE = `dr-drill-e2e-probes-${stamp}`;
/** What the restored pod's port 8080 answers (kwok forwards it to this host): the requests it saw, and its mood. */
const app = { requests: [] as string[], healthy: true };
let appServer: Server;
const DATA_DIR = mkdtempSync(join(tmpdir(), 'dr-drill-e2e-data-'));
writeFileSync(join(DATA_DIR, 'orders.csv'), 'id,total\n1,42\n');
mkdirSync(join(DATA_DIR, 'wal'));
writeFileSync(join(DATA_DIR, 'wal', '0001'), 'x'.repeat(4096));
writeFileSync(join(DATA_DIR, 'scratch.tmp'), 'ignored');

let env: E2eEnv;
let reportDir: string;

function probesScenario(name: string): object {
  return scenario(name, {
    objectives: { rto: '10m', rpo: '1h' },
    source: { kubeContext: PRIMARY },
    backup: { create: { includedNamespaces: [NS], ttl: '2h', timeout: '5m' } },
    // A fixed suffix, not the drill id, so that the ClusterExec rule can name the restored namespace beforehand.
    target: { namespace: { suffix: '-restored' } },
    restore: { includedNamespaces: [NS], timeout: '8m' },
    probes: [
      { name: 'app-ready', kind: 'workload', ref: { kind: 'Deployment', namespace: NS, name: 'app' }, timeout: '2m' },
      {
        name: 'settings',
        kind: 'resource',
        ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'settings' },
        match: { data: { mode: 'primary' } },
      },
      {
        name: 'health-json',
        kind: 'exec',
        pod: { namespace: NS, selector: 'app=probe-app' },
        command: ['sh', '-c', 'printf \'{"status":"ok","count":3}\''],
        expect: { exitCode: 0, json: { path: 'status', equals: 'ok' } },
        timeout: '1m',
        interval: '2s',
      },
      {
        name: 'ns-visible',
        kind: 'exec',
        pod: { namespace: NS, selector: 'app=probe-app' },
        command: ['sh', '-c', 'echo hello from $0', 'probe'],
        expect: { stdout: '^hello from probe$' },
        timeout: '1m',
        interval: '2s',
      },
      {
        name: 'canary',
        kind: 'canary',
        carrier: { configMap: { namespace: NS, name: 'dr-drill-canary' } },
        timeout: '1m',
        interval: '2s',
      },
      // Runs the real manifest path (exec find + sha256sum in the source pod before the backup, in the restored pod
      // after) — but kwok's exec runs on this host, so both read the same directory: this proves the mechanics,
      // not that Velero restored the files (docs/probes.md).
      {
        name: 'api-health',
        kind: 'http',
        target: { namespace: NS, selector: 'app=probe-app', port: 8080 },
        path: '/healthz',
        headers: { Authorization: 'Bearer e2e-secret-token' },
        expect: { status: 200, json: { path: 'status', equals: 'ok' } },
        timeout: '1m',
        interval: '2s',
      },
      {
        name: 'files',
        kind: 'checksum',
        pod: { namespace: NS, selector: 'app=probe-app' },
        path: DATA_DIR,
        ignore: ['*.tmp'],
        timeout: '1m',
        interval: '2s',
      },
    ],
    teardown: { when: 'always' },
  });
}

describe('e2e: data probes (exec, canary) and the negative control', function () {
  this.timeout(20 * 60_000);

  before(async function () {
    env = await ensureLocalEnv();
    reportDir = tempDir('probes');
    await ensureBuilt();
    appServer = createServer((req, res) => {
      app.requests.push(`${req.method} ${req.url} auth=${req.headers.authorization ? 'yes' : 'no'}`);
      res.writeHead(app.healthy ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: app.healthy ? 'ok' : 'degraded' }));
    });
    await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
    const appPort = (appServer.address() as AddressInfo).port;
    const labels = { app: 'probe-app' };
    const docs = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: NS }, data: { mode: 'primary' } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'app', namespace: NS, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'busybox:1.36' }] } },
        },
      },
      // kwok's exec rules are cluster objects (enableCRDs: ClusterExec): one for this test's namespaces only.
      {
        apiVersion: 'kwok.x-k8s.io/v1alpha1',
        kind: 'ClusterExec',
        metadata: { name: EXEC_RULE },
        spec: {
          selector: { matchNamespaces: [NS, RESTORED] },
          execs: [{ local: { workDir: mkdtempSync(join(tmpdir(), 'dr-drill-e2e-exec-')) } }],
        },
      },
      // …and so are port-forward rules (enableCRDs: ClusterPortForward): port 8080 of these pods is appServer.
      {
        apiVersion: 'kwok.x-k8s.io/v1alpha1',
        kind: 'ClusterPortForward',
        metadata: { name: FORWARD_RULE },
        spec: {
          selector: { matchNamespaces: [NS, RESTORED] },
          forwards: [{ ports: [8080], target: { port: appPort, address: '127.0.0.1' } }],
        },
      },
    ];
    await kubectl(env, PRIMARY, ['apply', '-f', '-'], docs.map((d) => stringify(d)).join('---\n'));
    await kubectl(env, PRIMARY, ['-n', NS, 'rollout', 'status', 'deployment/app', '--timeout=120s']);
  });

  after(async function () {
    if (!env) return;
    await kubectl(env, PRIMARY, ['delete', 'namespace', NS, '--ignore-not-found', '--wait=false']).catch(
      () => undefined,
    );
    await kubectl(env, PRIMARY, ['delete', 'clusterexec', EXEC_RULE, '--ignore-not-found']).catch(() => undefined);
    await kubectl(env, PRIMARY, ['delete', 'clusterportforward', FORWARD_RULE, '--ignore-not-found']).catch(
      () => undefined,
    );
    appServer?.close();
  });

  it('a drill with exec, canary and resource probes passes with rpo.basis canary', async () => {
    const run = await runDrillCli(env, probesScenario('e2e-probes'), reportDir);
    expect(run.exitCode, run.stderr).to.equal(0);
    const r = run.report!;
    expect(r.verdict, r.reasons.join('\n')).to.equal('PASS');
    expect(validateReport(r)).to.deep.equal([]);
    expect(r.negativeControl).to.equal(false);
    expect(r.probes.map((p) => [p.name, p.outcome])).to.deep.equal([
      ['app-ready', 'passed'],
      ['settings', 'passed'],
      ['health-json', 'passed'],
      ['ns-visible', 'passed'],
      ['canary', 'passed'],
      ['api-health', 'passed'],
      ['files', 'passed'],
    ]);
    // The request went API server → pods/portforward → kwok → this host, with its header; the value never reported.
    const http = r.probes.find((p) => p.name === 'api-health')!;
    expect(http.subject).to.contain(RESTORED);
    expect(http.lastObservation).to.match(/answered 200 in \d+ms; body: \{"status":"ok"\}/);
    expect(app.requests).to.include('GET /healthz auth=yes');
    expect(readFileSync(join(run.folder!, 'report.json'), 'utf8')).to.not.contain('e2e-secret-token');
    expect(r.probes.find((p) => p.name === 'files')!.lastObservation).to.match(/2 file\(s\)|2 files|match/i);
    // The command really ran (kwok ClusterExec on this host), in a restored pod, and its stdout is in the report.
    const health = r.probes.find((p) => p.name === 'health-json')!;
    expect(health.subject).to.contain(RESTORED);
    expect(health.lastObservation).to.match(/exit 0; stdout: \{"status":"ok","count":3\}/);
    // The marker came back through a real Velero backup and restore; RPO is measured to it.
    expect(r.rpo.basis).to.equal('canary');
    expect(r.rpo.recoveryPoint).to.be.a('string');
    const canary = r.probes.find((p) => p.name === 'canary')!;
    expect(canary.lastObservation).to.contain(`marker ${run.drillId}-`);
    const rp = Date.parse(r.rpo.recoveryPoint!);
    expect(rp).to.be.at.most(Date.parse(r.t0));
    expect(rp).to.be.at.most(Date.parse(r.backup.startTimestamp!) + 999);
    // The marker's time (runner clock) is put on T0's clock (Velero's) with the measured offset, so the achieved
    // RPO differs from the naive difference by at most the stated uncertainty.
    expect(r.rpo.uncertaintySeconds).to.be.a('number');
    expect(Math.abs(r.rpo.achievedSeconds! - (Date.parse(r.t0) - rp) / 1000)).to.be.at.most(r.rpo.uncertaintySeconds!);
    // The marker is in the source carrier too (the drill wrote it there before the backup).
    const cm = await kubectlJson<{ data: Record<string, string> }>(env, PRIMARY, [
      '-n',
      NS,
      'get',
      'configmap',
      'dr-drill-canary',
    ]);
    expect(Object.keys(cm.data).some((k) => k.startsWith(`marker.${run.drillId}-`))).to.equal(true);
    // Torn down.
    const left = await kubectlJson(env, PRIMARY, ['get', 'namespaces', '-l', `dr-drill.io/drill-id=${run.drillId}`]);
    expect(left.items).to.deep.equal([]);
  });

  it('its negative control fails as it must (impossible canary nonce), and the CLI exits 0', async () => {
    const run = await runDrillCli(env, probesScenario('e2e-probes'), reportDir, ['--negative-control']);
    expect(run.exitCode, run.stderr).to.equal(0);
    const r = run.report!;
    expect(r.negativeControl).to.equal(true);
    expect(r.verdict).to.equal('FAIL');
    expect(validateReport(r)).to.deep.equal([]);
    const canary = r.probes.find((p) => p.name === 'canary')!;
    expect(canary.outcome).to.equal('failed');
    expect(canary.lastObservation).to.match(/^canary not found: no marker negative-control-/);
    expect(r.reasons.join('\n')).to.contain('critical probe canary failed');
    // Everything else still passed: only the impossible expectation made it fail.
    expect(r.probes.filter((p) => p.name !== 'canary').every((p) => p.outcome === 'passed')).to.equal(true);
    expect(run.stderr).to.contain('negative control: FAIL as required');
  });

  it('an http probe answered 503 fails the drill with the status and body it saw', async () => {
    app.healthy = false;
    try {
      const run = await runDrillCli(
        env,
        scenario('e2e-probes-http', {
          ...(probesScenario('e2e-probes-http') as { spec: Record<string, unknown> }).spec,
          probes: [
            {
              name: 'api-health',
              kind: 'http',
              target: { namespace: NS, selector: 'app=probe-app', port: 8080 },
              path: '/healthz',
              timeout: '10s',
              interval: '2s',
            },
          ],
        }),
        reportDir,
      );
      expect(run.exitCode, run.stderr).to.equal(1);
      const probe = run.report!.probes[0]!;
      expect(probe.outcome).to.equal('failed');
      expect(probe.lastObservation).to.match(
        /status 503, want 200 .*answered 503 in \d+ms; body: \{"status":"degraded"\}/,
      );
    } finally {
      app.healthy = true;
    }
  });

  /**
   * Item 6 of #11: the roles of deploy/rbac grant what the code does and nothing else. The requests are recorded by
   * a plain-HTTP front of the real API server (test/support/api-recorder.ts): the drill runs with a ServiceAccount
   * token, so the server itself authorizes each request against the manifest.
   */
  describe('under deploy/rbac, every request recorded', () => {
    let recorder: ApiRecorder;
    let kubeconfigFor: (sa: string) => Promise<string>;
    /** The backup the drill took, for a plan that names it (the resource list read through Velero). */
    let drilledBackup: string | null = null;
    const roles: Record<string, PolicyRule[]> = {};
    /**
     * Grants of the runner role this drill does not exercise, and the feature that makes them (docs/rbac.md says
     * the same). Anything granted beyond the drill's requests and this list fails the test.
     */
    const RUNNER_UNEXERCISED: Record<string, string> = {
      'create /pods/exec':
        'SPDY clients, and API servers that also authorize the WebSocket upgrade as create (AuthorizePodWebsocketUpgradeCreatePermission): not a request of its own',
      'create /pods/portforward':
        'SPDY clients, and API servers that also authorize the WebSocket upgrade as create (AuthorizePodWebsocketUpgradeCreatePermission): not a request of its own',
      'delete /persistentvolumes': 'volumes: restored PVs and PVCs (volume drills, teardown of created PVs)',
      'get /persistentvolumes': 'volumes: restored PVs and PVCs (volume drills, teardown of created PVs)',
      'get /pods': 'workload and resource probes on other kinds, by name (get) or waiting (watch)',
      'get /services': 'workload and resource probes on other kinds, by name (get) or waiting (watch)',
      'get apps/daemonsets': 'workload and resource probes on other kinds, by name (get) or waiting (watch)',
      'get apps/deployments': 'workload and resource probes on other kinds, by name (get) or waiting (watch)',
      'list /events': 'why a probe failed: events of its pods (only on failure)',
      'list /nodes': 'cross-region readiness (storage classes and zones of another cluster)',
      'list /persistentvolumeclaims': 'volumes: restored PVs and PVCs (volume drills, teardown of created PVs)',
      'list /persistentvolumes': 'volumes: restored PVs and PVCs (volume drills, teardown of created PVs)',
      'list apps/daemonsets': 'workload and resource probes on other kinds, by name (get) or waiting (watch)',
      'list apps/statefulsets': 'workload and resource probes on other kinds, by name (get) or waiting (watch)',
      'list storage.k8s.io/storageclasses': 'cross-region readiness (storage classes and zones of another cluster)',
      'list velero.io/podvolumebackups':
        'volume proof of a backup made before Velero 1.13 (no volume info): its PodVolumeBackups, listed',
      'list velero.io/schedules': 'dr-drill init (reads the Schedules); fromSchedule selects backups by label',
      'list velero.io/volumesnapshotlocations': 'volume data from native snapshots (plan; an aks target)',
      'patch /configmaps': 'a canary carrier that already exists gets the marker by patch',
      'watch /configmaps': 'workload and resource probes on other kinds, by name (get) or waiting (watch)',
      'watch /persistentvolumeclaims': 'volumes: restored PVs and PVCs (volume drills, teardown of created PVs)',
      'watch /persistentvolumes': 'volumes: restored PVs and PVCs (volume drills, teardown of created PVs)',
      'watch /pods': 'workload and resource probes on other kinds, by name (get) or waiting (watch)',
      'watch /serviceaccounts': 'workload and resource probes on other kinds, by name (get) or waiting (watch)',
      'watch /services': 'workload and resource probes on other kinds, by name (get) or waiting (watch)',
      'watch apps/daemonsets': 'workload and resource probes on other kinds, by name (get) or waiting (watch)',
      'watch apps/deployments': 'workload and resource probes on other kinds, by name (get) or waiting (watch)',
      'watch apps/replicasets': 'workload and resource probes on other kinds, by name (get) or waiting (watch)',
      'watch apps/statefulsets': 'workload and resource probes on other kinds, by name (get) or waiting (watch)',
      'watch coordination.k8s.io/leases': 'another drill of the same scenario holds the Lease (waiting for it)',
      'watch velero.io/serverstatusrequests': 'the Velero server wait (list, then watch while it waits)',
    };
    const PREFLIGHT_UNEXERCISED: Record<string, string> = {
      'get apps/daemonsets': 'volume data: node-agent in the target (e2e rbac-audit plans a backup with it)',
      'get apps/deployments': 'volume data from CSI snapshots or data-mover uploads: the velero Deployment --features',
      'list velero.io/backups': 'backup.fromSchedule: the newest backup of a schedule',
      'list velero.io/volumesnapshotlocations': 'volume data from native snapshots',
      'list velero.io/schedules': 'dr-drill init (reads the Schedules); fromSchedule selects backups by label',
      'get /persistentvolumes': 'the PVs bound to the source PVCs (a namespace with volumes)',
    };

    before(async () => {
      for (const file of ['drill-runner.yaml', 'drill-preflight.yaml']) {
        const text = readFileSync(join(ROOT, 'deploy', 'rbac', file), 'utf8');
        await kubectl(env, PRIMARY, ['apply', '-f', '-'], text);
        for (const d of parseAllDocuments(text).map(
          (x) => x.toJS() as { kind: string; metadata: { name: string }; rules?: PolicyRule[] },
        ))
          if (d.kind === 'ClusterRole') roles[d.metadata.name] = d.rules!;
      }
      const cfg = JSON.parse(await kubectl(env, PRIMARY, ['config', 'view', '--raw', '--minify', '-o', 'json'])) as {
        clusters: Array<{ cluster: Record<string, string> }>;
      };
      const cluster = cfg.clusters[0]!.cluster;
      const ca = cluster['certificate-authority-data']
        ? Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8')
        : readFileSync(cluster['certificate-authority']!, 'utf8');
      recorder = await startApiRecorder(cluster.server!, ca);
      kubeconfigFor = async (sa) => {
        const token = (
          await kubectl(env, PRIMARY, ['-n', 'dr-drill', 'create', 'token', sa, '--duration', '1h'])
        ).trim();
        const file = join(reportDir, `kubeconfig-recorded-${sa}`);
        writeFileSync(
          file,
          stringify({
            apiVersion: 'v1',
            kind: 'Config',
            'current-context': PRIMARY,
            // client-node speaks plain HTTP only with this flag; the recorder verifies the real server's TLS.
            clusters: [{ name: 'recorded', cluster: { server: recorder.url, 'insecure-skip-tls-verify': true } }],
            users: [{ name: sa, user: { token } }],
            contexts: [{ name: PRIMARY, context: { cluster: 'recorded', user: sa } }],
          }),
          { mode: 0o600 },
        );
        return file;
      };
    });

    after(async () => {
      await recorder?.close();
    });

    /** Nothing denied, nothing made that the role does not grant, nothing granted that is neither made nor listed. */
    const compare = (role: string, made: ApiRequest[], unexercised: Record<string, string>) =>
      // One message with everything, so a change to the code or the manifest shows the whole difference at once.
      expect(roleDiff(roles[role]!, made, unexercised), `${role}: made ${madePairs(made).join(', ')}`).to.deep.equal({
        denied: [],
        ungranted: [],
        unused: [],
        stale: [],
      });

    it('a drill with every probe kind under dr-drill-runner passes; the role is what the drill uses', async () => {
      const s = probesScenario('e2e-rbac-drill') as { spec: { probes: object[] } };
      s.spec.probes.push({
        name: 'verify-job',
        kind: 'job',
        namespace: NS,
        image: 'busybox:1.36',
        command: ['true'],
        timeout: '2m',
      });
      // The carrier is created by this drill (create), not patched: the same requests whatever ran before.
      await kubectl(env, PRIMARY, ['-n', NS, 'delete', 'configmap', 'dr-drill-canary', '--ignore-not-found']);
      // …and so is the scenario's Lease (a first drill creates it, later ones patch it).
      await kubectl(env, PRIMARY, ['-n', 'velero', 'delete', 'lease', 'dr-drill-e2e-rbac-drill', '--ignore-not-found']);
      const from = recorder.requests.length;
      const run = await runDrillCli(env, s, reportDir, [], await kubeconfigFor('dr-drill-runner'));
      const made = recorder.requests.slice(from);
      expect(run.exitCode, `${run.stderr}\n${run.report?.reasons.join('\n')}`).to.equal(0);
      expect(run.report!.verdict).to.equal('PASS');
      expect(
        run.stderr.split('\n').filter((l) => /permission denied|forbidden/i.test(l)),
        'denied requests',
      ).to.deep.equal([]);
      expect(run.report!.blastRadius!.notChecked).to.deep.equal([]);
      drilledBackup = run.report!.backup.name;
      compare('dr-drill-runner', made, RUNNER_UNEXERCISED);
    });

    it('plan with dr-drill-preflight answers every check, for a backup taken on the spot and a named one; the role is what plan uses', async () => {
      expect(drilledBackup, 'the drill above ran').to.be.a('string');
      const kubeconfig = await kubeconfigFor('dr-drill-preflight');
      const from = recorder.requests.length;
      for (const s of [
        probesScenario('e2e-rbac-plan'),
        (() => {
          // A canary writer and a source manifest need backup.create: the named plan leaves those two probes out.
          const spec = (probesScenario('e2e-rbac-plan-named') as { spec: { probes: Array<{ kind: string }> } }).spec;
          return scenario('e2e-rbac-plan-named', {
            ...spec,
            probes: spec.probes.filter((p) => p.kind !== 'canary' && p.kind !== 'checksum'),
            backup: { name: drilledBackup },
          });
        })(),
      ]) {
        const r = await cli(['--kubeconfig', kubeconfig, 'plan', writeScenario(reportDir, s), '--output', 'json']);
        expect(r.exitCode, `${r.stdout}\n${r.stderr}`).to.equal(0);
        expect(r.stdout + r.stderr).to.not.match(/permission denied|forbidden/i);
      }
      compare('dr-drill-preflight', recorder.requests.slice(from), PREFLIGHT_UNEXERCISED);
    });
  });

  it('manifest take records a directory of a real pod (pods/exec) for checksum probes', async () => {
    const out = join(reportDir, 'manifest.json');
    const r = await manifestTake(env, {
      context: PRIMARY,
      namespace: NS,
      selector: 'app=probe-app',
      path: DATA_DIR,
      out,
    });
    expect(r.exitCode, r.stderr).to.equal(0);
    const m = r.manifest!;
    expect(m.kind).to.equal('FileManifest');
    expect(m.files.map((f) => f.path).sort()).to.deep.equal(['orders.csv', 'scratch.tmp', 'wal/0001']);
    expect(m.files.find((f) => f.path === 'wal/0001')!.size).to.equal(4096);
  });
});
