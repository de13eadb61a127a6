/**
 * No secret leaks, end to end: a real drill on the local environment with a value planted in every place one could
 * come from — the data of a Secret object in the backup (a resource probe on it fails and reports what it saw), an
 * environment variable the scenario references in a hook's arguments, a hook's own `env`, a runner variable the
 * scenario never names (DR_DRILL_ARM_TOKEN: hooks must not inherit it), and the webhook URL's token — and a hook
 * that prints its environment and its arguments and fails with them in its error output. Then every file of the
 * report folder, the drill's stdout and stderr, `plan`'s output and the webhook payload are searched for each
 * value raw, base64-encoded, JSON-escaped and URL-encoded.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ensureLocalEnv, type E2eEnv } from './support/env.js';
import { cli, ensureBuilt, kubectl, runDrillCli, scenario, tempDir, writeScenario } from './support/drill.js';
import { expectNoLeftovers, expectSealed, PRIMARY, veleroDeleteBackup } from './support/checks.js';

const hex = () => randomBytes(6).toString('hex');
const NS = `leak-e2e-${Date.now().toString(36)}`;
const PLANTED = {
  'Secret object data': `Planted-Obj-${hex()}`,
  // A quote, so that the JSON-escaped form differs from the raw one.
  'env referenced by a hook argument': `Planted"Env-${hex()}`,
  'hook env value': `Planted-HookEnv-${hex()}`,
  'runner env never referenced (DR_DRILL_ARM_TOKEN)': `Planted-Runner-${hex()}`,
  'webhook URL token': `Planted-Webhook-${hex()}`,
};
const [OBJ, ENV, HOOK_ENV, RUNNER, WEBHOOK] = Object.values(PLANTED) as [string, string, string, string, string];

/** Every form a value could take on its way out. */
function forms(v: string): Record<string, string> {
  return {
    raw: v,
    base64: Buffer.from(v).toString('base64'),
    'JSON-escaped': JSON.stringify(v).slice(1, -1),
    'URL-encoded': encodeURIComponent(v),
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('e2e: a planted secret appears nowhere', function () {
  this.timeout(10 * 60_000);
  let env: E2eEnv;
  let reportDir: string;
  let server: Server;
  const payloads: string[] = [];
  const urls: string[] = [];

  before(async () => {
    env = await ensureLocalEnv();
    reportDir = tempDir('leaks');
    await ensureBuilt();
    await kubectl(
      env,
      PRIMARY,
      ['apply', '-f', '-'],
      stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
          {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'db', namespace: NS },
            data: { TOKEN: Buffer.from(OBJ).toString('base64') },
          },
        ],
      }),
    );
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        // The URL (with its token) is where the drill was told to post; only what it sent is searched.
        urls.push(req.url ?? '');
        payloads.push(body);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  after(async () => {
    server?.close();
    await kubectl(env, PRIMARY, ['delete', 'namespace', NS, '--wait=false', '--ignore-not-found']);
  });

  it('a drill whose probe on a Secret fails and whose hook prints everything: no planted value in the report folder, console, plan output or webhook payload', async () => {
    const port = (server.address() as AddressInfo).port;
    const runnerEnv = {
      LEAK_PASSWORD: ENV,
      LEAK_WEBHOOK: `http://127.0.0.1:${port}/hooks/${WEBHOOK}`,
      DR_DRILL_ARM_TOKEN: RUNNER,
    };
    const s = scenario('e2e-leaks', {
      objectives: { rto: '10m', rpo: '1h' },
      source: { kubeContext: PRIMARY },
      backup: { create: { includedNamespaces: [NS], ttl: '1h', timeout: '3m' } },
      target: { namespace: { suffix: '-drill-{{drillId}}' } },
      restore: { includedNamespaces: [NS], timeout: '5m' },
      probes: [
        {
          name: 'db-token',
          kind: 'resource',
          ref: { apiVersion: 'v1', kind: 'Secret', namespace: NS, name: 'db' },
          match: { data: { TOKEN: Buffer.from('not-the-planted-value').toString('base64') } },
          timeout: '5s',
        },
      ],
      hooks: [
        {
          name: 'leaky',
          at: 'after-restore',
          // Prints its whole environment and its arguments, then fails with them in its error output.
          command: [
            'sh',
            '-c',
            'env; echo "args: $*"; echo "login failed for --password $2 (hook env $LEAK_HOOK_PW)" >&2; exit 3',
            'sh',
            '--password',
            '${LEAK_PASSWORD}',
          ],
          env: { LEAK_HOOK_PW: HOOK_ENV },
          onFailure: 'warn',
          timeout: '30s',
        },
      ],
      teardown: { when: 'always', timeout: '2m' },
      report: { html: true, notify: { webhook: '${LEAK_WEBHOOK}', format: 'json', on: 'always' } },
    });
    const plan = await cli(['--kubeconfig', env.kubeconfig, 'plan', writeScenario(reportDir, s)], runnerEnv);
    const run = await runDrillCli(env, s, reportDir, [], undefined, runnerEnv);
    try {
      expect(run.exitCode, `${run.stderr}\n${run.report?.reasons.join('\n')}`).to.equal(1);
      expectSealed(run);
      const r = run.report!;
      expect(r.verdict).to.equal('FAIL');
      // It did see the value: the observation says how it differs without saying what it is.
      expect(r.probes.find((p) => p.name === 'db-token')!.lastObservation).to.match(/redacted: \d+ bytes, sha256/);
      const hookLog = readFileSync(join(run.folder!, 'hook-leaky.log'), 'utf8');
      expect(hookLog, 'the hook ran and printed its environment').to.match(/DR_DRILL_ID=/);
      expect(hookLog).to.match(/LEAK_HOOK_PW=/);
      expect(hookLog, 'hooks never inherit the ARM token').not.to.match(/DR_DRILL_ARM_TOKEN/);
      expect(r.hooks?.find((h) => h.name === 'leaky')?.exitCode, 'the hook ran and failed').to.equal(3);
      expect(urls, 'the webhook was called at the URL the env gave').to.include(`/hooks/${WEBHOOK}`);

      const places: Record<string, string> = {
        stdout: run.stdout,
        stderr: run.stderr,
        'plan output': plan.stdout + plan.stderr,
        'webhook payload': payloads.join('\n'),
      };
      for (const f of filesUnder(run.folder!)) places[f.slice(run.folder!.length + 1)] = readFileSync(f, 'utf8');
      const leaks: string[] = [];
      for (const [what, value] of Object.entries(PLANTED))
        for (const [form, text] of Object.entries(forms(value)))
          for (const [place, content] of Object.entries(places))
            if (content.includes(text)) leaks.push(`${what} (${form}) in ${place}`);
      expect(leaks).to.deep.equal([]);
      expect(Object.keys(places)).to.include.members(['report.json', 'report.md', 'report.html', 'junit.xml']);
    } finally {
      await expectNoLeftovers(env, run);
      if (run.report?.backup.name) await veleroDeleteBackup(env, run.report.backup.name);
    }
  });
});
