/**
 * Volume bytes through Velero's real file-system backup (`local up --fs-backup`): a pod's emptyDir in primary is
 * backed up by a PodVolumeBackup (node-agent + kopia → Azurite), synced to dr, restored there by a
 * PodVolumeRestore into the restored pod's own volume directory, and the files compare byte for byte.
 *
 * It runs in an environment of its own (temp state dir, ports shifted by DR_DRILL_LOCAL_PORT_OFFSET), brought up
 * and down through the CLI, so the shared environment the other e2e files use keeps running without fs-backup.
 */
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { binDir } from '../../src/local/binaries.js';
import { CONTEXTS } from '../../src/local/layout.js';
import { DR, PRIMARY, veleroBackup, waitSynced } from './support/checks.js';
import { cli, ensureBuilt, kubectl } from './support/drill.js';
import type { E2eEnv } from './support/env.js';

/** Far from the shared environment's ports (10100…16444) and from CI's (the same). */
const OFFSET = '3000';
const NS = 'fsb-e2e';

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

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(1000);
  }
}

describe('e2e: file-system backup of volume data (local up --fs-backup, own environment)', function () {
  this.timeout(900_000);
  const state = join(mkdtempSync(join(tmpdir(), 'dr-drill-fsb-e2e-')), 'local');
  const envVars = { DR_DRILL_LOCAL_STATE: state, DR_DRILL_LOCAL_PORT_OFFSET: OFFSET };
  let env: E2eEnv;

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

  after(async () => {
    const down = await cli(['local', 'down'], envVars);
    if (down.exitCode !== 0) throw new Error(`local down: ${down.stderr}`);
    rmSync(dirname(state), { recursive: true, force: true });
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
    await waitFor('the source volume directory', 30_000, async () => (statSync(srcDir).isDirectory() ? true : null));
    mkdirSync(join(srcDir, 'db'));
    for (let i = 0; i < 3; i++) writeFileSync(join(srcDir, 'db', `part-${i}`), randomBytes(64 * 1024 + i));
    writeFileSync(join(srcDir, 'canary'), `written ${new Date().toISOString()}\n`);
    const before = digests(srcDir);

    await veleroBackup(env, 'fsb-1', ['--include-namespaces', NS, '--default-volumes-to-fs-backup']);
    const pvbs = JSON.parse(
      await kubectl(env, PRIMARY, [
        '-n',
        'velero',
        'get',
        'podvolumebackups',
        '-l',
        'velero.io/backup-name=fsb-1',
        '-o',
        'json',
      ]),
    ) as { items: Array<{ status: { phase: string; snapshotID?: string; progress?: { totalBytes?: number } } }> };
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
    const phase = await waitFor('the restore in dr to end', 300_000, async () => {
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
    await waitFor('restore-wait to end', 30_000, async () => {
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
});
