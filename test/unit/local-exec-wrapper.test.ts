/**
 * The local environment's exec wrapper (src/local/exec-wrapper.ts): which mounts a command in a pod sees, and the
 * wrapper script itself run as kwok runs it (`<wrapper> <ns> <pod> <container> <command…>`). The mount namespace
 * needs root: where this user cannot make one, the case that maps volumes checks the clear refusal instead.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clusterExecManifest,
  ensureExecWrapper,
  INIT_RUNNING,
  mountTables,
  mountsDir,
  removeCreatedMountPoints,
  MOUNTS_ENV,
  volumesClusterExec,
  WRAPPER_CANNOT,
  WRAPPER_ENV,
} from '../../src/local/exec-wrapper.js';
import { localLayout } from '../../src/local/layout.js';

function canUnshare(): boolean {
  return spawnSync('unshare', ['--mount', 'true']).status === 0;
}

describe('local exec wrapper: a command in a pod sees that pod’s volumes at their mountPaths', () => {
  it('lists each container’s mounts of laid-out volumes, parents first, subPath inside the volume', () => {
    const dirs = new Map([
      ['data', '/s/pods/u1/volumes/kubernetes.io~local-volume/pv-1'],
      ['cache', '/s/pods/u1/volumes/kubernetes.io~empty-dir/cache'],
    ]);
    const t = mountTables(
      [
        {
          name: 'db',
          volumeMounts: [
            { name: 'cache', mountPath: '/var/lib/db/cache' },
            { name: 'data', mountPath: '/var/lib/db/' },
            { name: 'config', mountPath: '/etc/db' }, // a ConfigMap: no host dir, not mapped
          ],
        },
        { name: 'sidecar', volumeMounts: [{ name: 'data', mountPath: '/logs', subPath: 'log' }] },
        { name: 'plain' },
      ],
      dirs,
    );
    expect([...t.keys()]).to.deep.equal(['db', 'sidecar']);
    expect(t.get('db')).to.deep.equal([
      '/var/lib/db\t/s/pods/u1/volumes/kubernetes.io~local-volume/pv-1',
      '/var/lib/db/cache\t/s/pods/u1/volumes/kubernetes.io~empty-dir/cache',
    ]);
    expect(t.get('sidecar')).to.deep.equal(['/logs\t/s/pods/u1/volumes/kubernetes.io~local-volume/pv-1/log']);
  });

  it('routes every namespace’s exec through the wrapper, and the demo rule to the same target', () => {
    const layout = localLayout({ DR_DRILL_LOCAL_STATE: '/tmp/x/local' });
    type Rule = { spec: { selector?: unknown; execs: Array<{ local: { workDir: string; envs?: unknown[] } }> } };
    const all = volumesClusterExec(layout, 'dr') as Rule;
    const demo = clusterExecManifest(layout, all.spec.execs[0]!.local.envs as never) as Rule;
    expect(all.spec.selector).to.equal(undefined);
    expect(demo.spec.execs).to.deep.equal(all.spec.execs);
    expect(all.spec.execs[0]!.local.envs).to.deep.equal([
      { name: WRAPPER_ENV, value: '/tmp/x/local/exec-in-pod.sh' },
      { name: MOUNTS_ENV, value: '/tmp/x/local/kubelet/dr/mounts' },
    ]);
    expect((clusterExecManifest(layout) as Rule).spec.execs[0]!.local).to.deep.equal({ workDir: layout.execDir });
  });

  describe('the script', () => {
    const state = mkdtempSync(join(tmpdir(), 'dr-drill-exec-wrapper-'));
    const layout = localLayout({ DR_DRILL_LOCAL_STATE: state });
    const wrapper = ensureExecWrapper(layout);
    const mounts = mountsDir(layout, 'primary');
    const run = (pod: string, cmd: string[]) =>
      spawnSync(wrapper, ['shop', pod, 'app', ...cmd], {
        env: { PATH: process.env.PATH, [MOUNTS_ENV]: mounts },
        encoding: 'utf8',
      });

    it('runs the command as it is for a pod without a mount table (no volumes, or fs-backup off)', () => {
      const r = run('web-1', ['sh', '-c', 'echo "$0:$1"', 'a b', 'c']);
      expect(r.status).to.equal(0);
      expect(r.stdout).to.equal('a b:c\n');
      const exit = run('web-1', ['sh', '-c', 'exit 7']);
      expect(exit.status).to.equal(7);
    });

    it('shows each of two pods its own directory at the same absolute path; the host path stays as it was', function () {
      const at = join(state, 'mnt', 'data'); // the same mountPath for both pods
      for (const pod of ['src', 'restored']) {
        mkdirSync(join(state, 'vol', pod), { recursive: true });
        writeFileSync(join(state, 'vol', pod, 'file'), `${pod}\n`);
        mkdirSync(join(mounts, 'shop', pod), { recursive: true });
        writeFileSync(join(mounts, 'shop', pod, 'app'), `${at}\t${join(state, 'vol', pod)}\n`);
      }
      if (!canUnshare()) {
        const r = run('src', ['cat', join(at, 'file')]);
        expect(r.status).to.equal(WRAPPER_CANNOT);
        expect(r.stderr).to.match(/pod shop\/src has volumes; .*needs a mount namespace/);
        return this.skip(); // not root (CI is): the refusal above is what such a user gets; mapping needs unshare
      }
      expect(run('src', ['cat', join(at, 'file')]).stdout).to.equal('src\n');
      expect(run('restored', ['cat', join(at, 'file')]).stdout).to.equal('restored\n');
      // A write through the mount lands in that pod's directory only.
      expect(run('restored', ['sh', '-c', `echo changed > ${join(at, 'file')}`]).status).to.equal(0);
      expect(readFileSync(join(state, 'vol', 'restored', 'file'), 'utf8')).to.equal('changed\n');
      expect(readFileSync(join(state, 'vol', 'src', 'file'), 'utf8')).to.equal('src\n');
      expect(existsSync(join(at, 'file')), 'the mount is gone with the command').to.equal(false);
    });

    it('records the mount-point directories it creates on the host; local down removes them, never what was there', function () {
      if (!canUnshare()) return this.skip(); // not root (CI is): without a mount namespace nothing is created
      const host = join(state, 'host');
      mkdirSync(join(host, 'existing'), { recursive: true });
      writeFileSync(join(host, 'existing', 'keep'), 'x');
      const table = [
        `${join(host, 'existing')}\t${join(state, 'vol', 'src')}`,
        `${join(host, 'missing', 'a', 'b')}\t${join(state, 'vol', 'src')}`,
        `${join(host, 'later', 'c')}\t${join(state, 'vol', 'src')}`,
      ];
      mkdirSync(join(state, 'vol', 'src'), { recursive: true });
      mkdirSync(join(mounts, 'shop', 'rec'), { recursive: true });
      writeFileSync(join(mounts, 'shop', 'rec', 'app'), `${table.join('\n')}\n`);
      expect(run('rec', ['true']).status).to.equal(0);
      expect(run('rec', ['true']).status, 'a second exec finds them and records nothing new').to.equal(0);
      // A pod of the other cluster mounts beside the first: its directory is recorded in dr's list, not the parent.
      const drMounts = mountsDir(layout, 'dr');
      mkdirSync(join(drMounts, 'shop', 'rec'), { recursive: true });
      writeFileSync(
        join(drMounts, 'shop', 'rec', 'app'),
        `${join(host, 'missing', 'a', 'z')}\t${join(state, 'vol', 'src')}\n`,
      );
      const inDr = spawnSync(wrapper, ['shop', 'rec', 'app', 'true'], {
        env: { PATH: process.env.PATH, [MOUNTS_ENV]: drMounts },
      });
      expect(inDr.status).to.equal(0);
      // Someone else puts a file into one of the created directories meanwhile: it stays.
      writeFileSync(join(host, 'later', 'theirs'), 'y');
      const removed = removeCreatedMountPoints(layout, ['primary', 'dr']);
      // Deepest first across both clusters' lists (the case above left its own chain, mnt/data, which goes too).
      const mine = removed.filter((d) => d.startsWith(`${host}/`));
      expect(mine).to.deep.equal([
        join(host, 'missing', 'a', 'b'),
        join(host, 'missing', 'a', 'z'),
        join(host, 'later', 'c'),
        join(host, 'missing', 'a'),
        join(host, 'missing'),
      ]);
      expect(removed.some((d) => d.startsWith(join(host, 'existing')))).to.equal(false);
      expect(existsSync(join(host, 'missing'))).to.equal(false);
      expect(readFileSync(join(host, 'existing', 'keep'), 'utf8')).to.equal('x');
      expect(readFileSync(join(host, 'later', 'theirs'), 'utf8')).to.equal('y');
      expect(removeCreatedMountPoints(layout, ['primary', 'dr']), 'a second down finds nothing left').to.deep.equal([]);
    });

    it('refuses exec while the restored pod’s restore-wait init container runs (no container has started yet)', () => {
      mkdirSync(join(mounts, 'shop', 'waiting'), { recursive: true });
      writeFileSync(join(mounts, 'shop', 'waiting', 'app'), `/srv/x\t${join(state, 'vol', 'src')}\n`);
      writeFileSync(join(mounts, 'shop', 'waiting', INIT_RUNNING), 'restore-wait\n');
      const r = run('waiting', ['echo', 'ran']);
      expect(r.status).to.equal(WRAPPER_CANNOT);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.contain(
        'container app of pod shop/waiting has not started: its init container restore-wait is running',
      );
    });
  });
});
