/**
 * Item 6 of #11, proven from the API servers' audit logs: a drill that uses every probe kind, runbook hooks, a
 * cross-region mapping (storage class and zone) and strict isolation runs from primary into dr as the
 * ServiceAccount bound to deploy/rbac's dr-drill-runner in both clusters, and `plan` as the one bound to
 * dr-drill-preflight. Each token's requests are read back from both clusters' audit logs (the local clusters
 * record the requests of namespace dr-drill's ServiceAccounts at Metadata level: src/local/clusters.ts), named as
 * the server's authorizer named them, and compared with the role: nothing denied, nothing made that the role does
 * not grant, and every grant either made or listed below with the feature that needs it (docs/rbac.md lists the
 * same). The requests are told apart by the token's id (jti), so nothing else in the environment can mix in.
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
  manifestTake,
  ROOT,
  runDrillCli,
  scenario,
  tempDir,
  writeScenario,
} from './support/drill.js';
import { veleroBackup, veleroDeleteBackup } from './support/checks.js';
import { deleteKwokRules, kwokRules, retainedVolume, ZONE_LABEL } from './support/fixtures.js';
import { validateReport } from '../../src/report/validate-report.js';
import { auditLogPath } from '../../src/local/clusters.js';
import { CLUSTERS, CONTEXTS, localLayout } from '../../src/local/layout.js';
import type { ApiRequest, PolicyRule } from '../support/api-recorder.js';
import { auditedRequests, auditLogFiles, madePairs, roleDiff, tokenId } from '../support/rbac-proof.js';

const PRIMARY = CONTEXTS.primary;
const DR = CONTEXTS.dr;
const stamp = Date.now().toString(36);
const NS = `audit-e2e-${stamp}`;
const SUFFIX = '-audited';
const RESTORED = `${NS}${SUFFIX}`;
const PV = `audit-e2e-pv-${stamp}`;
const RULE = `dr-drill-e2e-audit-${stamp}`;
/** The volume-data drill: a StatefulSet whose volumes go through Velero's file-system backup, and its Schedule. */
const FSB_NS = `audit-fsb-${stamp}`;
const SCHEDULE = `audit-e2e-${stamp}`;
const SCHEDULE_BACKUP = `${SCHEDULE}-1`;
const DB_PATH = '/srv/dr-drill-e2e/audit-db';
const WAL_PATH = '/srv/dr-drill-e2e/audit-wal';
const DATA_DIR = mkdtempSync(join(tmpdir(), 'dr-drill-e2e-audit-data-'));
writeFileSync(join(DATA_DIR, 'orders.csv'), 'id,total\n1,42\n');
mkdirSync(join(DATA_DIR, 'wal'));
writeFileSync(join(DATA_DIR, 'wal', '0001'), 'x'.repeat(1024));

/**
 * Grants of dr-drill-runner this drill does not make, and the feature that makes them. Anything else granted and
 * not made fails the test; so does a listed grant that gets made (the list would be out of date), except those
 * only made sometimes (roleDiff).
 */
const RUNNER_UNEXERCISED: Record<string, string> = {
  'create /pods/exec':
    'SPDY clients, and API servers that also authorize the WebSocket upgrade as create (AuthorizePodWebsocketUpgradeCreatePermission): not a request of its own',
  'create /pods/portforward':
    'SPDY clients, and API servers that also authorize the WebSocket upgrade as create (AuthorizePodWebsocketUpgradeCreatePermission): not a request of its own',
  'get /pods': 'exec, checksum and http probes that name their pod (pod.name)',
  'get /services': 'http probes that name a Service (target.service)',
  'get apps/deployments':
    'volume data from CSI snapshots or data-mover uploads: the target Velero runs --features=EnableCSI (plan; an aks target reusing an installed Velero)',
  'list /events': 'why a probe failed: events of its pods (only on failure)',
  'list /serviceaccounts': 'resource probes on ServiceAccounts',
  'list apps/daemonsets':
    'workload probes on DaemonSets; plan (this role serves it too): cross-region readiness of the live source',
  'list apps/replicasets': 'plan (this role serves it too): cross-region readiness of the live source',
  'list velero.io/podvolumebackups':
    'volume proof of a backup made before Velero 1.13 (no volume info): its PodVolumeBackups, listed',
  'list velero.io/schedules': 'dr-drill init (reads the Schedules); fromSchedule selects backups by label',
  'list velero.io/volumesnapshotlocations':
    'volume data from native snapshots: the target has a VolumeSnapshotLocation (plan; an aks target borrowing the source’s)',
  'patch /configmaps': 'a canary carrier that already exists gets the marker by patch',
  'watch /configmaps':
    'resource probes and the canary (list, then watch while it waits: made only when the first list does not settle it)',
  'watch /persistentvolumeclaims':
    'pvc probes (list, then watch while it waits: made only when the first list does not settle it)',
  'watch /persistentvolumes':
    'teardown, waiting for the restored PV to go (list, then watch while it waits: made only when the first list does not settle it)',
  'watch /namespaces':
    'teardown, waiting for the drill namespaces to go (list, then watch while it waits: made only when the first list does not settle it)',
  'watch velero.io/downloadrequests':
    'the wait for Velero to answer a DownloadRequest (list, then watch while it waits: made only when the first list does not settle it)',
  'watch batch/jobs':
    'the job probe, waiting for its Job to finish (list, then watch while it waits: made only when the first list does not settle it)',
  'watch velero.io/backups':
    'the wait for the backup the drill takes (list, then watch while it waits: made only when the first list does not settle it)',
  'watch velero.io/restores':
    'the wait for the Restore (list, then watch while it waits: made only when the first list does not settle it)',
  'watch /pods':
    'resource probes on Pods (list, then watch while it waits: made only when the first list does not settle it)',
  'watch /serviceaccounts':
    'resource probes on ServiceAccounts (list, then watch while it waits: made only when the first list does not settle it)',
  'watch /services':
    'resource probes on Services (list, then watch while it waits: made only when the first list does not settle it)',
  'watch apps/daemonsets':
    'workload probes (list, then watch while it waits: made only when the first list does not settle it)',
  'watch apps/deployments':
    'workload probes (list, then watch while it waits: made only when the first list does not settle it)',
  'watch apps/replicasets':
    'workload probes (list, then watch while it waits: made only when the first list does not settle it)',
  'watch apps/statefulsets':
    'workload probes (list, then watch while it waits: made only when the first list does not settle it)',
  'watch coordination.k8s.io/leases': 'another drill of the same scenario holds the Lease (waiting for it)',
  'watch velero.io/serverstatusrequests':
    'the Velero server wait (list, then watch while it waits: made only when the first list does not settle it)',
};
/**
 * Grants the first drill (metadata only, a backup of its own) does not make and the volume-data drill does: the
 * first drill's check lists them, the second's requires them made.
 */
const VOLUME_DATA_DRILL: Record<string, string> = {
  'get apps/daemonsets': 'plan of a backup with file-system volume data: node-agent runs in the target',
  'list apps/statefulsets':
    'workload probes on StatefulSets; plan (this role serves it too): cross-region readiness of the live source',
};
const PREFLIGHT_UNEXERCISED: Record<string, string> = {
  'get apps/deployments':
    'volume data from CSI snapshots or data-mover uploads: the target Velero runs --features=EnableCSI',
  'list velero.io/volumesnapshotlocations':
    'volume data from native snapshots: the target has a VolumeSnapshotLocation',
  'list velero.io/schedules': 'dr-drill init (reads the Schedules); fromSchedule selects backups by label',
};

let env: E2eEnv;
let reportDir: string;
let appServer: Server;
/** The checksum manifest of the seeded claim, taken from the source pod before the Schedule's backup. */
const manifestFile = () => join(reportDir, 'audit-db-manifest.json');
const roles: Record<string, PolicyRule[]> = {};

/** A kubeconfig with both contexts, each reaching its API server directly with a fresh token of `sa`, and the tokens' ids. */
async function kubeconfigAs(sa: string): Promise<{ file: string; jtis: string[] }> {
  const clusters = [];
  const users = [];
  const contexts = [];
  const jtis: string[] = [];
  for (const ctx of [PRIMARY, DR]) {
    const cfg = JSON.parse(await kubectl(env, ctx, ['config', 'view', '--raw', '--minify', '-o', 'json'])) as {
      clusters: Array<{ cluster: Record<string, string> }>;
    };
    const token = (await kubectl(env, ctx, ['-n', 'dr-drill', 'create', 'token', sa, '--duration', '1h'])).trim();
    jtis.push(tokenId(token));
    clusters.push({ name: ctx, cluster: cfg.clusters[0]!.cluster });
    users.push({ name: `${sa}@${ctx}`, user: { token } });
    contexts.push({ name: ctx, context: { cluster: ctx, user: `${sa}@${ctx}` } });
  }
  const file = join(reportDir, `kubeconfig-${sa}`);
  writeFileSync(
    file,
    stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': PRIMARY, clusters, users, contexts }),
    { mode: 0o600 },
  );
  return { file, jtis };
}

/** What the tokens did, from both clusters' audit logs. */
function audited(jtis: string[]): ApiRequest[] {
  const layout = localLayout();
  return CLUSTERS.flatMap((c) => jtis.flatMap((j) => auditedRequests(auditLogFiles(auditLogPath(layout, c)), j)));
}

const probes = () => [
  { name: 'app-ready', kind: 'workload', ref: { kind: 'Deployment', namespace: NS, name: 'app' }, timeout: '3m' },
  {
    name: 'settings',
    kind: 'resource',
    ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'settings' },
    match: { data: { mode: 'primary' } },
  },
  { name: 'claim-bound', kind: 'pvc', ref: { namespace: NS, name: 'data' }, timeout: '3m' },
  {
    name: 'health-json',
    kind: 'exec',
    pod: { namespace: NS, selector: 'app=audit-app' },
    command: ['sh', '-c', 'printf \'{"status":"ok"}\''],
    expect: { exitCode: 0, json: { path: 'status', equals: 'ok' } },
    timeout: '2m',
    interval: '2s',
  },
  {
    name: 'api-health',
    kind: 'http',
    target: { namespace: NS, selector: 'app=audit-app', port: 8080 },
    path: '/healthz',
    expect: { status: 200 },
    timeout: '2m',
    interval: '2s',
  },
  { name: 'verify-job', kind: 'job', namespace: NS, image: 'busybox:1.36', command: ['true'], timeout: '2m' },
  {
    name: 'files',
    kind: 'checksum',
    pod: { namespace: NS, selector: 'app=audit-app' },
    path: DATA_DIR,
    timeout: '2m',
    interval: '2s',
  },
  {
    name: 'canary',
    kind: 'canary',
    carrier: { configMap: { namespace: NS, name: 'dr-drill-canary' } },
    timeout: '2m',
    interval: '2s',
  },
];

/** primary → dr with every probe kind, hooks, a storage-class and zone mapping, and strict isolation. */
function fullDrill(name: string): { spec: Record<string, unknown> } {
  return scenario(name, {
    objectives: { rto: '10m', rpo: '1h' },
    source: { kubeContext: PRIMARY },
    backup: { create: { includedNamespaces: [NS], ttl: '2h', timeout: '5m' } },
    // A fixed suffix, so that the exec and port-forward rules in dr can name the restored namespace beforehand.
    target: { cluster: { kubeContext: DR, namespaceSuffix: SUFFIX }, isolation: 'strict' },
    restore: {
      includedNamespaces: [NS],
      timeout: '8m',
      volumeData: 'metadata-only',
      storageClassMapping: { 'fast-primary': 'fast-dr' },
      zones: { map: { 'local-primary-1': 'local-dr-1' } },
    },
    probes: probes(),
    hooks: [
      { name: 'announce', at: 'after-restore', command: ['sh', '-c', 'echo "restored: $DR_DRILL_NAMESPACE_MAPPING"'] },
      { name: 'record', at: 'on-teardown', command: ['sh', '-c', 'echo "$DR_DRILL_VERDICT $DR_DRILL_ID"'] },
    ],
    teardown: { when: 'always' },
  }) as { spec: Record<string, unknown> };
}

/**
 * The source of the volume-data drill, as the demo's db: a StatefulSet with a claim of the stand-in's local-data
 * class and an emptyDir, files written into both through exec, a checksum manifest of the claim's files taken from
 * the source pod, and a backup of a paused Schedule this file owns (`velero backup create --from-schedule`, so it
 * carries velero.io/schedule-name as a scheduled run's does) with file-system backup of every volume.
 * Taken before the first drill, so that dr's one-minute backup sync runs while that drill does.
 */
async function seedScheduledBackup(manifestFile: string): Promise<void> {
  const labels = { app: 'audit-db' };
  const objects = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: FSB_NS } },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: FSB_NS },
      spec: {
        serviceName: 'db',
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'db',
                image: 'registry.example/db:1',
                volumeMounts: [
                  { name: 'data', mountPath: DB_PATH },
                  { name: 'wal', mountPath: WAL_PATH },
                ],
              },
            ],
            volumes: [{ name: 'wal', emptyDir: {} }],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: 'local-data',
              resources: { requests: { storage: '1Gi' } },
            },
          },
        ],
      },
    },
    {
      apiVersion: 'velero.io/v1',
      kind: 'Schedule',
      metadata: { name: SCHEDULE, namespace: 'velero' },
      spec: {
        schedule: '0 3 * * *',
        paused: true,
        template: {
          includedNamespaces: [FSB_NS],
          snapshotVolumes: false,
          defaultVolumesToFsBackup: true,
          ttl: '2h0m0s',
        },
      },
    },
  ];
  await kubectl(env, PRIMARY, ['apply', '-f', '-'], objects.map((d) => stringify(d)).join('---\n'));
  await kubectl(env, PRIMARY, ['-n', FSB_NS, 'rollout', 'status', 'statefulset/db', '--timeout=120s']);
  const seed = [
    `mkdir -p ${DB_PATH}/base`,
    `head -c 40000 /dev/urandom > ${DB_PATH}/base/orders`,
    `echo 16 > ${DB_PATH}/PG_VERSION`,
    `head -c 8192 /dev/urandom > ${WAL_PATH}/0001`,
  ].join(' && ');
  await kubectl(env, PRIMARY, ['-n', FSB_NS, 'exec', 'db-0', '--', 'sh', '-c', seed]);
  const take = await manifestTake(env, {
    context: PRIMARY,
    namespace: FSB_NS,
    selector: 'app=audit-db',
    path: DB_PATH,
    out: manifestFile,
  });
  if (take.exitCode !== 0) throw new Error(`manifest take in ${FSB_NS}: ${take.stderr}`);
  await veleroBackup(env, SCHEDULE_BACKUP, ['--from-schedule', SCHEDULE]);
}

/** primary → dr of the seeded StatefulSet: the newest backup of the Schedule, its volume data required (the default). */
function volumeDataDrill(name: string, manifestFile: string): { spec: Record<string, unknown> } {
  return scenario(name, {
    objectives: { rto: '10m', rpo: '1h' },
    source: { kubeContext: PRIMARY },
    backup: { fromSchedule: SCHEDULE, maxAge: '1h' },
    target: { cluster: { kubeContext: DR, namespaceSuffix: SUFFIX } },
    restore: { includedNamespaces: [FSB_NS], restorePVs: true, timeout: '8m' },
    probes: [
      {
        name: 'db-ready',
        kind: 'workload',
        ref: { kind: 'StatefulSet', namespace: FSB_NS, name: 'db' },
        timeout: '3m',
      },
      {
        name: 'data-intact',
        kind: 'checksum',
        pod: { namespace: FSB_NS, selector: 'app=audit-db' },
        path: DB_PATH,
        against: { manifestFile },
        timeout: '2m',
        interval: '2s',
      },
    ],
    teardown: { when: 'always' },
  }) as { spec: Record<string, unknown> };
}

describe('e2e: RBAC proven from the API servers’ audit logs', function () {
  this.timeout(20 * 60_000);
  let drilledBackup: string | null = null;
  /** The runner's requests in the first drill, compared with the role together with the volume-data drill's. */
  const runnerMade: ApiRequest[] = [];

  before(async function () {
    env = await ensureLocalEnv();
    reportDir = tempDir('rbac-audit');
    await ensureBuilt();
    const layout = localLayout();
    for (const c of CLUSTERS)
      expect(
        auditLogFiles(auditLogPath(layout, c)),
        `cluster ${c} records no audit log: it was created before local up set an audit policy; run local down, then local up`,
      ).to.not.be.empty;
    appServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
    });
    await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
    const appPort = (appServer.address() as AddressInfo).port;
    for (const ctx of [PRIMARY, DR])
      for (const file of ['drill-runner.yaml', 'drill-preflight.yaml']) {
        const text = readFileSync(join(ROOT, 'deploy', 'rbac', file), 'utf8');
        await kubectl(env, ctx, ['apply', '-f', '-'], text);
        for (const d of parseAllDocuments(text).map(
          (x) => x.toJS() as { kind: string; metadata: { name: string }; rules?: PolicyRule[] },
        ))
          if (d.kind === 'ClusterRole') roles[d.metadata.name] = d.rules!;
      }
    const labels = { app: 'audit-app' };
    const source = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: NS }, data: { mode: 'primary' } },
      // A volume pinned to a primary-only storage class and zone: restorable in dr only through the mapping.
      ...retainedVolume({
        pv: PV,
        namespace: NS,
        storageClass: 'fast-primary',
        hostPath: `/var/lib/dr-drill-e2e/${NS}`,
        zone: 'local-primary-1',
      }),
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'app', namespace: NS, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              nodeSelector: { [ZONE_LABEL]: 'local-primary-1' },
              containers: [
                { name: 'app', image: 'busybox:1.36', volumeMounts: [{ name: 'data', mountPath: '/data' }] },
              ],
              volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
            },
          },
        },
      },
    ];
    await kubectl(env, PRIMARY, ['apply', '-f', '-'], source.map((d) => stringify(d)).join('---\n'));
    // kwok runs no containers: exec runs on this host, and port 8080 of these pods is appServer (both clusters:
    // the checksum manifest is taken in the source pod, the probes run in the restored one).
    for (const ctx of [PRIMARY, DR])
      await kubectl(
        env,
        ctx,
        ['apply', '-f', '-'],
        kwokRules(RULE, [NS, RESTORED], appPort)
          .map((d) => stringify(d))
          .join('---\n'),
      );
    await kubectl(env, PRIMARY, ['-n', NS, 'rollout', 'status', 'deployment/app', '--timeout=120s']);
    await seedScheduledBackup(manifestFile());
  });

  after(async function () {
    if (!env) return;
    const quietly = (ctx: string, args: string[]) => kubectl(env, ctx, args).catch(() => undefined);
    // The claim's volume (local-data, reclaim Delete) goes with the namespace.
    for (const ns of [NS, FSB_NS])
      await quietly(PRIMARY, ['delete', 'namespace', ns, '--ignore-not-found', '--wait=true']);
    await quietly(PRIMARY, ['delete', 'pv', PV, '--ignore-not-found']);
    await quietly(PRIMARY, ['-n', 'velero', 'delete', 'schedule', SCHEDULE, '--ignore-not-found']);
    // Velero deletes the backup, its PodVolumeBackups and its data in storage; dr's synced copy goes at its next sync.
    await veleroDeleteBackup(env, SCHEDULE_BACKUP);
    // Velero deletes the first drill's backup too (kept otherwise by its TTL, as the other e2e files keep theirs).
    if (drilledBackup) await veleroDeleteBackup(env, drilledBackup);
    for (const ctx of [PRIMARY, DR]) {
      await deleteKwokRules(env, ctx, RULE);
      for (const s of ['e2e-audit-drill', 'e2e-audit-fsb'])
        await quietly(ctx, ['-n', 'velero', 'delete', 'lease', `dr-drill-${s}`, '--ignore-not-found']);
    }
    appServer?.close();
  });

  /** One message with the whole difference, so a change to the code or the manifest shows it at once. */
  const expectRoleIsUse = (role: string, made: ApiRequest[], unexercised: Record<string, string>) =>
    expect(roleDiff(roles[role]!, made, unexercised), `${role}: made ${madePairs(made).join(', ')}`).to.deep.equal({
      denied: [],
      ungranted: [],
      unused: [],
      stale: [],
    });

  it('a cross-region drill with every probe kind, hooks and strict isolation passes under dr-drill-runner; the audit logs show the role is what it uses', async () => {
    const s = fullDrill('e2e-audit-drill');
    // The scenario's Lease is created by this drill (a first drill creates it, later ones patch it).
    for (const ctx of [PRIMARY, DR])
      await kubectl(env, ctx, ['-n', 'velero', 'delete', 'lease', 'dr-drill-e2e-audit-drill', '--ignore-not-found']);
    const { file, jtis } = await kubeconfigAs('dr-drill-runner');
    const run = await runDrillCli(env, s, reportDir, [], file);
    const r = run.report;
    expect(run.exitCode, `${run.stderr}\n${r?.reasons.join('\n')}`).to.equal(0);
    expect(r!.verdict).to.equal('PASS');
    expect(validateReport(r!)).to.deep.equal([]);
    expect(r!.probes.map((p) => [p.kind, p.outcome])).to.deep.equal([
      ['workload', 'passed'],
      ['resource', 'passed'],
      ['pvc', 'passed'],
      ['exec', 'passed'],
      ['http', 'passed'],
      ['job', 'passed'],
      ['checksum', 'passed'],
      ['canary', 'passed'],
    ]);
    expect(r!.hooks!.map((h) => [h.name, h.outcome])).to.deep.equal([
      ['announce', 'succeeded'],
      ['record', 'succeeded'],
    ]);
    expect(r!.restore.crossRegion!.storageClassConfigMap!.mapping).to.deep.equal({ 'fast-primary': 'fast-dr' });
    expect(r!.isolation!.mode).to.equal('strict');
    expect(r!.isolation!.networkPolicies).to.deep.equal([`${RESTORED}/dr-drill-isolation`]);
    expect(r!.teardown.leftBehind).to.deep.equal([]);
    expect(
      run.stderr.split('\n').filter((l) => /permission denied|forbidden/i.test(l)),
      'denied requests',
    ).to.deep.equal([]);
    drilledBackup = r!.backup.name;
    process.stderr.write(`      phases: ${r!.phases.map((p) => `${p.name} ${p.durationSeconds}s`).join(', ')}\n`);
    const made = audited(jtis);
    expect(made.length, 'requests of the runner token in the audit logs').to.be.above(0);
    process.stderr.write(`      audited runner pairs: ${madePairs(made).join(', ')}\n`);
    expectRoleIsUse('dr-drill-runner', made, { ...RUNNER_UNEXERCISED, ...VOLUME_DATA_DRILL });
    runnerMade.push(...made);
  });

  it('a drill that restores file-system-backed volume data, its backup chosen by fromSchedule, passes under dr-drill-runner; the audit logs show the volume-data grants made and nothing beyond the role', async () => {
    expect(runnerMade, 'the drill above ran').to.not.be.empty;
    const s = volumeDataDrill('e2e-audit-fsb', manifestFile());
    const { file, jtis } = await kubeconfigAs('dr-drill-runner');
    const run = await runDrillCli(env, s, reportDir, [], file);
    const r = run.report;
    expect(run.exitCode, `${run.stderr}\n${r?.reasons.join('\n')}`).to.equal(0);
    expect(r!.verdict).to.equal('PASS');
    expect(validateReport(r!)).to.deep.equal([]);
    expect(r!.backup).to.include({ name: SCHEDULE_BACKUP, schedule: SCHEDULE, takenByDrill: false });
    expect(r!.probes.map((p) => [p.name, p.outcome])).to.deep.equal([
      ['db-ready', 'passed'],
      ['data-intact', 'passed'],
    ]);
    expect(r!.restore.volumeData).to.equal('checked');
    expect(
      r!.restore.volumes!.map((v) => [v.volume, v.pvc, v.backupMethod, v.restoreMethod, v.dataRestored]),
    ).to.have.deep.members([
      ['data', 'data-db-0', 'PodVolumeBackup', 'PodVolumeRestore', true],
      ['wal', null, 'PodVolumeBackup', 'PodVolumeRestore', true],
    ]);
    expect(r!.warnings.join('\n')).to.not.match(/could not be checked|permission denied|forbidden/i);
    expect(r!.teardown.leftBehind).to.deep.equal([]);
    expect(
      run.stderr.split('\n').filter((l) => /permission denied|forbidden/i.test(l)),
      'denied requests',
    ).to.deep.equal([]);
    process.stderr.write(`      phases: ${r!.phases.map((p) => `${p.name} ${p.durationSeconds}s`).join(', ')}\n`);
    // The same identity plans it (the runner role serves plan too): what the target needs for the volume data is
    // checked; the kopia repository passwords are said not compared, without a denied Secret read.
    const plan = await cli(['--kubeconfig', file, 'plan', writeScenario(reportDir, s), '--output', 'json']);
    expect(plan.exitCode, `${plan.stdout}\n${plan.stderr}`).to.equal(0);
    expect(plan.stdout + plan.stderr).to.not.match(/permission denied|forbidden|could not be checked/i);
    expect(plan.stdout).to.match(/has 2 PodVolumeBackups; dr-drill-dr has node-agent/);
    expect(plan.stdout).to.contain('the kopia repository passwords were not compared');
    const made = audited(jtis);
    process.stderr.write(`      audited runner pairs: ${madePairs(made).join(', ')}\n`);
    expect(madePairs(made)).to.include.members([
      ...Object.keys(VOLUME_DATA_DRILL),
      'list velero.io/podvolumerestores',
      'list velero.io/datadownloads',
    ]);
    // Both drills together: every grant made, or listed with the feature that needs it.
    expectRoleIsUse('dr-drill-runner', [...runnerMade, ...made], RUNNER_UNEXERCISED);
  });

  it('plan under dr-drill-preflight answers every check, for a backup taken on the spot, a named one and the newest of a Schedule with volume data; the audit logs show the role is what plan uses', async () => {
    expect(drilledBackup, 'the drill above ran').to.be.a('string');
    const { file, jtis } = await kubeconfigAs('dr-drill-preflight');
    const spec = fullDrill('e2e-audit-plan').spec as { probes: Array<{ kind: string }> };
    for (const s of [
      scenario('e2e-audit-plan', spec),
      // A canary writer and a source manifest need backup.create: the named plan leaves those two probes out.
      scenario('e2e-audit-plan-named', {
        ...spec,
        probes: spec.probes.filter((p) => p.kind !== 'canary' && p.kind !== 'checksum'),
        backup: { name: drilledBackup },
      }),
      // The newest backup of a Schedule, with file-system volume data: what the target needs to restore it.
      scenario('e2e-audit-plan-schedule', volumeDataDrill('e2e-audit-plan-schedule', manifestFile()).spec),
    ]) {
      const r = await cli(['--kubeconfig', file, 'plan', writeScenario(reportDir, s), '--output', 'json']);
      expect(r.exitCode, `${r.stdout}\n${r.stderr}`).to.equal(0);
      const denied = (r.stdout + r.stderr).split('\n').filter((l) => /permission denied|forbidden/i.test(l));
      expect(denied, 'denied requests').to.deep.equal([]);
    }
    const made = audited(jtis);
    process.stderr.write(`      audited preflight pairs: ${madePairs(made).join(', ')}\n`);
    expectRoleIsUse('dr-drill-preflight', made, PREFLIGHT_UNEXERCISED);
  });
});
