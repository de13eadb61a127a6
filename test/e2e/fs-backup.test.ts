/**
 * Volume bytes through Velero's real file-system backup (`local up --fs-backup`): a pod's emptyDir in primary is
 * backed up by a PodVolumeBackup (node-agent + kopia → Azurite), synced to dr, restored there by a
 * PodVolumeRestore into the restored pod's own volume directory, and the files compare byte for byte. Then
 * dr-drill's own data probes on those bytes: exec in a pod sees that pod's volumes at their mountPaths (the kwok
 * exec wrapper), so a checksum manifest taken in primary is compared with the restored copy in dr, a file canary
 * gives the real RPO, and a restored copy altered after the restore fails the checksum probe, naming the files.
 *
 * It runs in an environment of its own (temp state dir, ports shifted by DR_DRILL_LOCAL_PORT_OFFSET), brought up
 * and down through the CLI, so the shared environment the other e2e files use keeps running without fs-backup.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { binDir } from '../../src/local/binaries.js';
import { CONTEXTS } from '../../src/local/layout.js';
import { validateReport } from '../../src/report/validate-report.js';
import { DR, expectEnded, pollUntil, PRIMARY, veleroBackup, waitSynced } from './support/checks.js';
import { cli, ensureBuilt, kubectl, kubectlJson, manifestTake, runDrillCli, scenario } from './support/drill.js';
import type { E2eEnv } from './support/env.js';

/** Far from the shared environment's ports (10100…16444) and from CI's (the same). */
const OFFSET = '3000';
const NS = 'fsb-e2e';
/** The drills' namespace, and the absolute mountPaths its pod has in primary and in dr alike. */
const DNS = 'fsb-drill';
const DB_PATH = '/srv/dr-drill-e2e/db';
const WAL_PATH = '/srv/dr-drill-e2e/wal';
const PG_PATH = '/srv/dr-drill-e2e/pg';
/** A backup of the drills' namespace taken without file-system backup. */
const NODATA = 'fsb-nodata';

/** sha256 of every file under dir (relative path → digest), skipping Velero's `.velero` marks. */
function digests(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (e === '.velero') continue;
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

describe('e2e: file-system backup of volume data (local up --fs-backup, own environment)', function () {
  this.timeout(900_000);
  const state = join(mkdtempSync(join(tmpdir(), 'dr-drill-fsb-e2e-')), 'local');
  const envVars = { DR_DRILL_LOCAL_STATE: state, DR_DRILL_LOCAL_PORT_OFFSET: OFFSET };
  let env: E2eEnv;
  const reportDir = mkdtempSync(join(tmpdir(), 'dr-drill-fsb-e2e-reports-'));

  before(async () => {
    await ensureBuilt();
    const up = await cli(['local', 'up', '--no-demo', '--fs-backup', '--output', 'json'], envVars);
    if (up.exitCode !== 0) throw new Error(`local up --fs-backup: exit ${up.exitCode}\n${up.stderr.slice(-3000)}`);
    const status = JSON.parse(up.stdout) as { kubeconfig: string; components: Array<{ name: string }> };
    const names = status.components.map((c) => c.name);
    for (const c of ['primary', 'dr']) {
      expect(names).to.include(`${c}/node-stand-in`);
      expect(names.filter((n) => n.startsWith(`${c}/node-agent/`))).to.have.length(3);
    }
    env = {
      kubeconfig: status.kubeconfig,
      contexts: { ...CONTEXTS },
      azurite: undefined as never,
      bin: binDir(readFileSync(join(state, 'bin-dir'), 'utf8').trim()),
      stateDir: state,
    };
  });

  /** A backup's PodVolumeBackups in primary, as Velero's node-agent left them. */
  const podVolumeBackups = (backup: string) =>
    kubectlJson<{
      items: Array<{
        spec: { volume: string };
        status: { phase: string; snapshotID?: string; progress?: { totalBytes?: number } };
      }>;
    }>(env, PRIMARY, ['-n', 'velero', 'get', 'podvolumebackups', '-l', `velero.io/backup-name=${backup}`]);

  after(async () => {
    const down = await cli(['local', 'down'], envVars);
    if (down.exitCode !== 0) throw new Error(`local down: ${down.stderr}`);
    rmSync(dirname(state), { recursive: true, force: true });
    rmSync(reportDir, { recursive: true, force: true });
  });

  it('restores the bytes of a pod volume in dr through PodVolumeBackup and PodVolumeRestore', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'app', namespace: NS },
      spec: {
        containers: [{ name: 'app', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    };
    await kubectl(env, PRIMARY, ['create', 'namespace', NS]);
    await kubectl(env, PRIMARY, ['apply', '-f', '-'], JSON.stringify(pod));
    await kubectl(env, PRIMARY, ['-n', NS, 'wait', '--for=condition=Ready', 'pod/app', '--timeout=120s']);
    const uid = await kubectl(env, PRIMARY, ['-n', NS, 'get', 'pod', 'app', '-o', 'jsonpath={.metadata.uid}']);
    const srcDir = join(state, 'kubelet', 'primary', 'pods', uid, 'volumes', 'kubernetes.io~empty-dir', 'data');
    // The stand-in lays out the volume when the pod is scheduled; the pod is Ready by then (kwok), the dir soon.
    await pollUntil('the source volume directory', 30_000, async () => (statSync(srcDir).isDirectory() ? true : null));
    mkdirSync(join(srcDir, 'db'));
    for (let i = 0; i < 3; i++) writeFileSync(join(srcDir, 'db', `part-${i}`), randomBytes(64 * 1024 + i));
    writeFileSync(join(srcDir, 'canary'), `written ${new Date().toISOString()}\n`);
    const before = digests(srcDir);

    await veleroBackup(env, 'fsb-1', ['--include-namespaces', NS, '--default-volumes-to-fs-backup']);
    const pvbs = await podVolumeBackups('fsb-1');
    expect(pvbs.items.map((p) => p.status.phase)).to.deep.equal(['Completed']);
    expect(pvbs.items[0]?.status.snapshotID).to.match(/^[0-9a-f]{16,}$/);
    const bytes = Object.keys(before).reduce((n, f) => n + statSync(join(srcDir, f)).size, 0);
    expect(pvbs.items[0]?.status.progress?.totalBytes).to.equal(bytes);

    await waitSynced(env, 'fsb-1');
    await kubectl(
      env,
      DR,
      ['-n', 'velero', 'create', '-f', '-'],
      JSON.stringify({
        apiVersion: 'velero.io/v1',
        kind: 'Restore',
        metadata: { name: 'fsb-r1', namespace: 'velero' },
        spec: { backupName: 'fsb-1' },
      }),
    );
    const phase = await pollUntil('the restore in dr to end', 300_000, async () => {
      const p = await kubectl(env, DR, ['-n', 'velero', 'get', 'restore', 'fsb-r1', '-o', 'jsonpath={.status.phase}']);
      return ['Completed', 'PartiallyFailed', 'Failed'].includes(p) ? p : null;
    });
    expect(phase).to.equal('Completed');
    const pvrs = await kubectl(env, DR, [
      '-n',
      'velero',
      'get',
      'podvolumerestores',
      '-o',
      'jsonpath={.items[*].status.phase}',
    ]);
    expect(pvrs).to.equal('Completed');

    const dstUid = await kubectl(env, DR, ['-n', NS, 'get', 'pod', 'app', '-o', 'jsonpath={.metadata.uid}']);
    const dstDir = join(state, 'kubelet', 'dr', 'pods', dstUid, 'volumes', 'kubernetes.io~empty-dir', 'data');
    expect(dstDir).to.not.equal(srcDir);
    expect(digests(dstDir)).to.deep.equal(before);
    // restore-wait ends once the data mover's marks are found (and removed), as velero-restore-helper does.
    await pollUntil('restore-wait to end', 30_000, async () => {
      const s = await kubectl(env, DR, [
        '-n',
        NS,
        'get',
        'pod',
        'app',
        '-o',
        'jsonpath={.status.initContainerStatuses[0].state.terminated.exitCode}',
      ]);
      return s === '0' ? true : null;
    });
    expect(readdirSync(dstDir)).to.not.include('.velero');
  });
  /** Set by the drill case: its backup (kept by its TTL), which the tamper case restores again. */
  let drillBackup: string | null = null;
  /** Set by the drill case once the backup without volume data is taken, for the last case. */
  let nodataTaken = false;
  /** What a later case needs from the drill case, or a failure that says which case to look at. */
  const needs = (what: string, ready: boolean): void => {
    if (!ready)
      throw new Error(
        `this case restores ${what}, which the drill case ("a drill proves the restored bytes…") did not get to make: its failure above is the cause`,
      );
  };
  /** sha256 of the seeded files under DB_PATH in the source pod, by relative path. */
  let seeded: Record<string, string> = {};

  /** A drill that restores the drills' namespace from a backup named in the scenario (no backup of its own). */
  const drillFrom = (name: string, backup: string, spec: Record<string, unknown>) =>
    runDrillCli(
      env,
      scenario(name, {
        objectives: { rto: '15m', rpo: '24h' },
        source: { kubeContext: PRIMARY },
        backup: { name: backup },
        target: { cluster: { kubeContext: DR } },
        restore: { includedNamespaces: [DNS], timeout: '10m' },
        teardown: { when: 'always' },
        ...spec,
      }),
      reportDir,
    );
  const dbProbes = (checksum: Record<string, unknown>) => [
    { name: 'db-ready', kind: 'workload', ref: { kind: 'StatefulSet', namespace: DNS, name: 'db' }, timeout: '3m' },
    { name: 'data-intact', kind: 'checksum', pod: { namespace: DNS, selector: 'app=db' }, path: DB_PATH, ...checksum },
  ];

  it("a drill proves the restored bytes with dr-drill's own probes: checksum manifest from primary, file canary RPO, per-volume PVRs", async () => {
    const sts = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: DNS },
      spec: {
        serviceName: 'db',
        replicas: 1,
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: {
            containers: [
              {
                name: 'db',
                image: 'registry.example/db:1',
                volumeMounts: [
                  { name: 'data', mountPath: DB_PATH },
                  { name: 'wal', mountPath: WAL_PATH },
                  { name: 'pgdata', mountPath: PG_PATH },
                ],
              },
            ],
            volumes: [
              { name: 'data', emptyDir: {} },
              { name: 'wal', emptyDir: {} },
            ],
          },
        },
        // A claim of the stand-in's local-data class: in dr, Velero restores it into a freshly provisioned volume.
        volumeClaimTemplates: [
          {
            metadata: { name: 'pgdata' },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: 'local-data',
              resources: { requests: { storage: '1Gi' } },
            },
          },
        ],
      },
    };
    await kubectl(env, PRIMARY, ['create', 'namespace', DNS]);
    await kubectl(env, PRIMARY, ['apply', '-f', '-'], JSON.stringify(sts));
    await pollUntil('pod db-0 in primary', 60_000, async () =>
      (await kubectl(env, PRIMARY, ['-n', DNS, 'get', 'pod', 'db-0', '-o', 'name'])) ? true : null,
    );
    await kubectl(env, PRIMARY, ['-n', DNS, 'wait', '--for=condition=Ready', 'pod/db-0', '--timeout=120s']);
    const uid = await kubectl(env, PRIMARY, ['-n', DNS, 'get', 'pod', 'db-0', '-o', 'jsonpath={.metadata.uid}']);
    const dataDir = join(state, 'kubelet', 'primary', 'pods', uid, 'volumes', 'kubernetes.io~empty-dir', 'data');
    await pollUntil('the source volume directory', 30_000, async () => (statSync(dataDir).isDirectory() ? true : null));
    mkdirSync(join(dataDir, 'base'));
    for (let i = 1; i <= 3; i++) writeFileSync(join(dataDir, 'base', `rel-${i}`), randomBytes(200_000 + i));
    writeFileSync(join(dataDir, 'PG_VERSION'), '16\n');
    seeded = digests(dataDir);
    const seededBytes = Object.keys(seeded).reduce((n, f) => n + statSync(join(dataDir, f)).size, 0);
    // Written into the claim's volume through exec in the pod, at its mountPath.
    const pg = `mkdir -p ${PG_PATH}/base && head -c 150000 /dev/urandom > ${PG_PATH}/base/t1 && echo 16 > ${PG_PATH}/PG_VERSION`;
    await kubectl(env, PRIMARY, ['-n', DNS, 'exec', 'db-0', '--', 'sh', '-c', pg]);
    // A backup without volume data (file-system backup off) for the last case; it syncs to dr with the drill's.
    await veleroBackup(env, NODATA, ['--include-namespaces', DNS, '--default-volumes-to-fs-backup=false']);
    nodataTaken = true;

    const run = await runDrillCli(
      env,
      scenario('fsb-drill', {
        objectives: { rto: '15m', rpo: '1h' },
        source: { kubeContext: PRIMARY },
        backup: { create: { includedNamespaces: [DNS], defaultVolumesToFsBackup: true, ttl: '2h', timeout: '5m' } },
        target: { cluster: { kubeContext: DR } },
        restore: { includedNamespaces: [DNS], timeout: '10m' },
        probes: [
          ...dbProbes({ timeout: '2m' }),
          {
            name: 'canary',
            kind: 'canary',
            carrier: { file: { pod: { namespace: DNS, selector: 'app=db' }, path: `${WAL_PATH}/canary` } },
            timeout: '2m',
          },
        ],
        teardown: { when: 'always' },
      }),
      reportDir,
    );
    // The backup is kept by its TTL whatever this drill's verdict: the tamper case restores it again.
    drillBackup = run.report?.backup.name ?? null;
    const r = expectEnded(run, 0, 'PASS');
    expect(validateReport(r)).to.deep.equal([]);
    expect(r.probes.map((p) => [p.name, p.outcome])).to.deep.equal([
      ['db-ready', 'passed'],
      ['data-intact', 'passed'],
      ['canary', 'passed'],
    ]);
    // The canary line was appended to the source pod's own wal volume by exec, and read back from dr's copy.
    expect(r.rpo.basis).to.equal('canary');
    expect(r.rpo.achievedSeconds).to.be.a('number');
    const vols = r.restore.volumes ?? [];
    expect(
      vols.map((v) => [v.pod, v.volume, v.pvc, v.backupMethod, v.restoreMethod, v.dataRestored]),
    ).to.have.deep.members([
      ['db-0', 'data', null, 'PodVolumeBackup', 'PodVolumeRestore', true],
      ['db-0', 'wal', null, 'PodVolumeBackup', 'PodVolumeRestore', true],
      ['db-0', 'pgdata', 'pgdata-db-0', 'PodVolumeBackup', 'PodVolumeRestore', true],
    ]);
    expect(vols.find((v) => v.volume === 'pgdata')!.bytes).to.equal(150_003);
    const data = vols.find((v) => v.volume === 'data')!;
    expect(data.bytes).to.equal(seededBytes);
    expect(data.durationSeconds).to.be.a('number');
    // Each volume's snapshot id is the kopia snapshot its PodVolumeBackup in primary recorded.
    const pvbs = await podVolumeBackups(r.backup.name!);
    const pvbSnapshots = Object.fromEntries(pvbs.items.map((p) => [p.spec.volume, p.status.snapshotID]));
    expect(Object.keys(pvbSnapshots).sort()).to.deep.equal(['data', 'pgdata', 'wal']);
    for (const v of vols) {
      expect(v.snapshotId, `${v.volume}'s snapshot id`).to.match(/^[0-9a-f]{16,}$/);
      expect(v.snapshotId, `${v.volume}'s snapshot id`).to.equal(pvbSnapshots[v.volume!]);
    }
    const md = readFileSync(join(run.folder!, 'report.md'), 'utf8');
    expect(md).to.contain(`| \`${data.snapshotId}\` |`);
    process.stderr.write(
      `      RTO ${r.rto.achievedSeconds}s, RPO ${r.rpo.achievedSeconds}s (canary); data ${data.bytes} bytes restored in ${data.durationSeconds}s\n`,
    );
  });

  it("exec sees the pod's own volume: a file altered and one removed in the restored copy fail the checksum probe by name; the source is untouched", async () => {
    needs("the drill case's backup", drillBackup !== null);
    const source = { context: PRIMARY, namespace: DNS, selector: 'app=db', path: DB_PATH };
    // The manifest of the source pod's volume, taken through exec like the probe's (the CLI's manifest take).
    const manifestFile = join(reportDir, 'db-manifest.json');
    const take = await manifestTake(env, { ...source, out: manifestFile });
    expect(take.exitCode, take.stderr).to.equal(0);
    expect(Object.fromEntries(take.manifest!.files.map((f) => [f.path, f.sha256]))).to.deep.equal(seeded);

    // After the restore and before the probes, a runbook hook alters the restored copy through exec in dr's pod.
    const tamper = `echo tampered >> ${DB_PATH}/PG_VERSION && rm ${DB_PATH}/base/rel-2`;
    const run = await drillFrom('fsb-tamper', drillBackup!, {
      hooks: [
        {
          name: 'tamper',
          at: 'after-restore',
          command: [
            env.bin.path('kubectl'),
            '--kubeconfig',
            env.kubeconfig,
            '--context',
            DR,
            '-n',
            DNS,
            'exec',
            'db-0',
            '--',
            'sh',
            '-c',
            tamper,
          ],
          timeout: '1m',
        },
      ],
      probes: dbProbes({ against: { manifestFile }, timeout: '20s' }),
    });
    const r = expectEnded(run, 1, 'FAIL');
    expect((r.hooks ?? []).map((h) => [h.name, h.exitCode])).to.deep.equal([['tamper', 0]]);
    expect(r.reasons).to.have.length(1);
    expect(r.reasons[0]).to.match(/^critical probe data-intact failed: /);
    expect(r.reasons[0]).to.contain('1 removed: base/rel-2');
    expect(r.reasons[0]).to.match(/1 changed: PG_VERSION \(3→12 bytes, sha256 differs\)/);
    // The source pod reads its own, unchanged file at the same absolute path.
    const src = await kubectl(env, PRIMARY, ['-n', DNS, 'exec', 'db-0', '--', 'cat', `${DB_PATH}/PG_VERSION`]);
    expect(src).to.equal('16');
    const list = await kubectl(env, PRIMARY, ['-n', DNS, 'exec', 'db-0', '--', 'ls', `${DB_PATH}/base`]);
    expect(list.split('\n')).to.deep.equal(['rel-1', 'rel-2', 'rel-3']);
  });
  it('a backup without volume data: FAIL "volume data not restored" naming the claim, though the workload is ready', async () => {
    needs(`the backup ${NODATA}`, nodataTaken);
    await waitSynced(env, NODATA);
    const run = await drillFrom('fsb-nodata', NODATA, { probes: [dbProbes({})[0]] });
    const r = expectEnded(run, 1, 'FAIL');
    expect(r.probes.map((p) => p.outcome)).to.deep.equal(['passed']);
    expect(r.reasons).to.have.length(1);
    expect(r.reasons[0]).to.match(
      new RegExp(`^volume data not restored: ${DNS}/pgdata-db-0 \\(never in the backup: .+\\)$`),
    );
    expect(r.restore.volumes).to.have.length(1);
    expect(r.restore.volumes![0]).to.include({ pvc: 'pgdata-db-0', backupMethod: 'none', dataRestored: false });
  });
});
