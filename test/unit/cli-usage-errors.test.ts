/**
 * A rejected command line does nothing: every command and subcommand of the registry, given an unknown flag, a
 * bad --output choice or (where it has any) no required arguments, exits 2 with the usage on stderr before its
 * handler runs. Every endpoint the CLI could reach (kube API server, ARM, Blob Storage) is one recording server,
 * so "did nothing" is measured as zero connections, an unchanged working directory and empty stdout.
 */
import { expect } from 'chai';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs, { type CommandModule } from 'yargs';
import { staticCommands as commands } from '../support/cli-loaders.js';
import { runCli } from '../support/run-cli.js';
import { makeTls } from '../support/fake-arm/tls.js';
import { runSecrets } from '../../src/util/secrets.js';

interface Leaf {
  path: string[];
  module: CommandModule;
}

function words(c: CommandModule): string[] {
  const spec = Array.isArray(c.command) ? c.command[0] : c.command;
  return String(spec).trim().split(/\s+/);
}

/** Every runnable command, walked from the registry (groups carry their subcommands). */
function leaves(list: CommandModule[], prefix: string[] = []): Leaf[] {
  return list.flatMap((c) => {
    const path = [...prefix, words(c)[0]!];
    const subs = (c as { subcommands?: CommandModule[] }).subcommands;
    return subs ? leaves(subs, path) : [{ path, module: c }];
  });
}

function groups(list: CommandModule[], prefix: string[] = []): string[][] {
  return list.flatMap((c) => {
    const subs = (c as { subcommands?: CommandModule[] }).subcommands;
    const path = [...prefix, words(c)[0]!];
    return subs ? [path, ...groups(subs, path)] : [];
  });
}

/** Required positionals from the command string, and options the builder demands. */
function required(c: CommandModule): { positionals: string[]; options: string[] } {
  const positionals = words(c)
    .slice(1)
    .filter((w) => w.startsWith('<'))
    .map((w) => w.replace(/[<>.]/g, ''));
  const y = yargs();
  if (typeof c.builder === 'function') (c.builder as (y: unknown) => unknown)(y);
  else if (c.builder) y.options(c.builder);
  // getDemandedOptions is public in yargs but missing from @types/yargs.
  const demanded = (y as unknown as { getDemandedOptions(): Record<string, unknown> }).getDemandedOptions();
  return { positionals, options: Object.keys(demanded) };
}

describe('usage errors stop everything', function () {
  const scenario = join(import.meta.dirname, '..', '..', 'scenarios', 'local-demo.yaml');
  let server: Server;
  const seen: string[] = [];
  let work: string;
  let localState: string;
  // Taken in before(): mocha's global setup (Azurite) adds to process.env after this file loads.
  let saved: { cwd: string; env: NodeJS.ProcessEnv } = { cwd: process.cwd(), env: {} };

  before(async () => {
    saved = { cwd: process.cwd(), env: { ...process.env } };
    const tls = makeTls();
    server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"kind":"Status","code":404}');
    });
    // Counted per TCP connection, so a client that fails the TLS handshake (ARM, Blob) is seen too.
    server.on('connection', () => seen.push('connection'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const home = mkdtempSync(join(tmpdir(), 'dr-drill-usage-home-'));
    const kubeconfig = join(home, 'kubeconfig');
    // The contexts the example scenarios name, all pointing at the recorder.
    const contexts = ['recorder', 'dr-drill-primary', 'dr-drill-dr'];
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{ name: recorder, cluster: { server: 'https://127.0.0.1:${port}', certificate-authority: '${tls.caFile}' } }]`,
        'users: [{ name: u, user: { token: t } }]',
        `contexts: [${contexts.map((n) => `{ name: ${n}, context: { cluster: recorder, user: u } }`).join(', ')}]`,
        'current-context: recorder',
      ].join('\n'),
    );
    work = mkdtempSync(join(tmpdir(), 'dr-drill-usage-cwd-'));
    localState = join(home, 'local-state');
    Object.assign(process.env, {
      KUBECONFIG: kubeconfig,
      HOME: home,
      DR_DRILL_ARM_ENDPOINT: `https://127.0.0.1:${port}`,
      DR_DRILL_ARM_TOKEN: 'usage-test-arm-token-0b1c',
      AZURE_STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1`,
      // Should a regression let `local up|down` run, it meets an empty state dir and no binaries, not the
      // machine's shared environment.
      DR_DRILL_LOCAL_STATE: localState,
      DR_DRILL_BIN_DIR: join(home, 'no-binaries'),
    });
    process.chdir(work);
  });

  after(async () => {
    process.chdir(saved.cwd);
    // main() registers secret-named variables in the process-wide registry; later tests must not inherit them.
    runSecrets.clear();
    for (const k of Object.keys(process.env)) if (!(k in saved.env)) delete process.env[k];
    Object.assign(process.env, saved.env);
    await new Promise((r) => server.close(r));
  });

  function fill(positional: string): string {
    return positional === 'dir' ? work : positional === 'name' ? 'nightly-20260101000000' : scenario;
  }

  const cases: Array<{ name: string; args: string[] }> = [];
  for (const { path, module } of leaves(commands)) {
    const need = required(module);
    const full = [...path, ...need.positionals.map(fill), ...need.options.flatMap((o) => [`--${o}`, '/x'])];
    cases.push({ name: `${path.join(' ')} --no-such-flag`, args: [...full, '--no-such-flag'] });
    cases.push({ name: `${path.join(' ')} --output yaml`, args: [...full, '--output', 'yaml'] });
    if (need.positionals.length || need.options.length)
      cases.push({ name: `${path.join(' ')} without its required arguments`, args: path });
  }
  for (const g of groups(commands)) {
    cases.push({ name: `${g.join(' ')} without a subcommand`, args: g });
    cases.push({ name: `${g.join(' ')} no-such-subcommand`, args: [...g, 'no-such-subcommand'] });
  }
  cases.push({ name: 'no-such-command', args: ['no-such-command'] });

  it('walks a command tree that has every command of the contract', () => {
    const names = leaves(commands).map((l) => l.path.join(' '));
    for (const c of ['validate', 'plan', 'run', 'cleanup', 'local up', 'local down', 'backups list', 'report verify'])
      expect(names).to.include(c);
  });

  for (const c of cases) {
    it(`${c.name}: exit 2, usage on stderr, nothing else happens`, async () => {
      seen.length = 0;
      const r = await runCli(c.args);
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.match(/dr-drill: [^]+\nRun with --help for usage\./);
      expect(r.stderr).to.include('Options:');
      expect(seen, 'requests to the API server / ARM / Blob').to.deep.equal([]);
      expect(readdirSync(work), 'files written in the working directory').to.deep.equal([]);
      expect(existsSync(localState), 'local environment state').to.equal(false);
    });
  }

  // The same harness must see a command that does run, or the assertions above prove nothing.
  it('a valid command line does reach the recorder', async () => {
    seen.length = 0;
    const r = await runCli(['cleanup', '--all']);
    expect(r.code, r.stderr).to.equal(3);
    expect(seen, r.stderr + r.stdout).to.include('connection');
  });
});
