/**
 * Signals to a real dr-drill process (docs/reliability.md). A second signal exits at once with 130, and the
 * temporary kubeconfig handed to a running hook is removed on that path too (process.exit skips `finally`);
 * SIGHUP (a closed terminal) is a stop signal like SIGINT and SIGTERM, not an instant death.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

/** A drill against a cluster that refuses connections: it ERRORs at once and runs its on-teardown hook. */
function fixture(): { dir: string; args: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'dr-drill-signals-'));
  writeFileSync(
    join(dir, 'kubeconfig'),
    `apiVersion: v1
kind: Config
clusters: [{ name: dead, cluster: { server: "https://127.0.0.1:1" } }]
users: [{ name: u, user: { token: not-a-real-token } }]
contexts: [{ name: dead, context: { cluster: dead, user: u } }]
current-context: dead
`,
  );
  // The hook ignores SIGTERM and outlives the drill's patience: only the forced exit path can end the drill.
  writeFileSync(
    join(dir, 's.yaml'),
    `apiVersion: dr-drill/v1
kind: Scenario
metadata: { name: signals }
spec:
  objectives: { rto: 10m, rpo: 1h }
  source: { kubeContext: dead }
  backup: { name: shop-1 }
  target: { namespace: {} }
  restore: { includedNamespaces: [shop] }
  probes:
    - { name: web, kind: workload, ref: { kind: Deployment, namespace: shop, name: web } }
  hooks:
    - name: destroy
      at: on-teardown
      workingDir: ${dir}
      command: [sh, -c, 'trap "" TERM; echo $$ > hook.pid; echo "$DR_DRILL_KUBECONFIG" > hook.kubeconfig; sleep 30']
      timeout: 1m
`,
  );
  const args = ['--import', 'tsx', join(root, 'src/cli/bin.ts'), '--kubeconfig', join(dir, 'kubeconfig')];
  return { dir, args: [...args, 'run', join(dir, 's.yaml'), '--report-dir', join(dir, 'reports')] };
}

/** Resolves when `check` holds, polling a file the child writes; rejects after `ms`. */
function until(check: () => boolean, ms: number, what: string): Promise<void> {
  return new Promise((res, rej) => {
    const started = Date.now();
    const t = setInterval(() => {
      if (check()) {
        clearInterval(t);
        res();
      } else if (Date.now() - started > ms) {
        clearInterval(t);
        rej(new Error(`timed out waiting for ${what}`));
      }
    }, 50);
  });
}

describe('signals to a running drill (real process)', function () {
  this.timeout(120_000);

  const cases: Array<{ first: NodeJS.Signals; second: NodeJS.Signals }> = [
    { first: 'SIGINT', second: 'SIGINT' },
    { first: 'SIGHUP', second: 'SIGTERM' },
  ];
  for (const c of cases) {
    it(`${c.first} then ${c.second} during an on-teardown hook: exit 130, the hook's temporary kubeconfig is gone`, async () => {
      const { dir, args } = fixture();
      const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | string>((res) => child.on('exit', (code, sig) => res(code ?? String(sig))));
      let hookPid = 0;
      try {
        const marker = join(dir, 'hook.kubeconfig');
        await until(() => existsSync(marker) && readFileSync(marker, 'utf8').trim() !== '', 90_000, 'the hook');
        hookPid = Number(readFileSync(join(dir, 'hook.pid'), 'utf8'));
        const kubeconfig = readFileSync(marker, 'utf8').trim();
        expect(existsSync(kubeconfig), 'the hook was handed a kubeconfig').to.equal(true);
        child.kill(c.first);
        await until(() => stderr.includes(`${c.first} received`), 20_000, 'the first signal to be seen');
        expect(child.exitCode, 'one signal does not end the drill while teardown runs').to.equal(null);
        child.kill(c.second);
        expect(await exited, stderr).to.equal(130);
        expect(stderr).to.include(`second ${c.second}: exiting now`);
        expect(existsSync(kubeconfig), 'temporary credentials removed on the forced exit').to.equal(false);
        // The hook (its own process group, e.g. a terraform destroy) does not outlive the forced exit.
        const alive = () => {
          try {
            process.kill(hookPid, 0);
            return true;
          } catch {
            return false;
          }
        };
        await until(() => !alive(), 10_000, "the hook's process group to end");
      } finally {
        child.kill('SIGKILL');
        if (hookPid) {
          try {
            process.kill(-hookPid, 'SIGKILL'); // the hook runs in its own process group
          } catch {
            // already gone
          }
        }
      }
    });
  }
});
