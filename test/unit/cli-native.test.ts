/** What a user expects of any CLI they install: a version, help with examples, shell completion. */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { runCli } from '../support/run-cli.js';
import { commandEntries, invokedCommand } from '../../src/cli/commands/index.js';
import { COMMAND_NAMES, type CliLoaders } from '../../src/cli/loaders.js';
import { lazyLoaders } from '../../src/cli/lazy-loaders.js';
import { staticLoaders } from '../support/cli-loaders.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

describe('cli: native habits', () => {
  it('--version prints the package version and exits 0', async () => {
    const r = await runCli(['--version']);
    expect(r.code).to.equal(0);
    expect(r.stdout.trim()).to.equal(pkg.version);
  });

  it('the installed binary answers --version alone without yargs, exactly as yargs answers it', async () => {
    const viaYargs = await runCli(['--version']);
    const viaBin = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', '--version'], {
      encoding: 'utf8',
    });
    expect(viaBin).to.equal(viaYargs.stdout);
    // Anything more than --version alone still goes through yargs.
    const other = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', '--version', '--help'], {
      encoding: 'utf8',
    });
    expect(other).to.equal((await runCli(['--version', '--help'])).stdout);
  });

  it('--help lists the commands with examples and the exit codes', async () => {
    const r = await runCli(['--help']);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/Examples:\n\s+dr-drill validate scenarios\/\*\.yaml/);
    expect(r.stdout).to.contain('dr-drill completion');
    expect(r.stdout).to.contain('2 invalid input');
  });

  it('`completion` prints a bash completion script that asks dr-drill for candidates', async () => {
    const r = await runCli(['completion']);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.contain('complete -o bashdefault -o default -F _dr-drill_yargs_completions dr-drill');
    expect(r.stdout).to.contain('dr-drill --get-yargs-completions');
  });

  const cases = [
    { words: ['r'], expect: ['run', 'report'] },
    { words: ['local', ''], expect: ['up', 'down', 'status'] },
    { words: ['report', ''], expect: ['verify', 'history'] },
  ];
  for (const c of cases) {
    it(`completes \`dr-drill ${c.words.join(' ')}\` with ${c.expect.join(', ')}`, async () => {
      const r = await runCli(['--get-yargs-completions', 'dr-drill', ...c.words]);
      expect(r.code).to.equal(0);
      expect(r.stdout.split('\n')).to.include.members(c.expect);
    });
  }
});

describe('cli: commands load when invoked', () => {
  it("lists every command, in the loaders' order", () => {
    expect(commandEntries.map((e) => e.name)).to.deep.equal([...COMMAND_NAMES]);
  });

  it('lists each command exactly as its module defines it (name, arguments, description)', async () => {
    for (const e of commandEntries) {
      const m = await staticLoaders.command(e.name);
      expect({ command: m.command, describe: m.describe }).to.deep.equal({ command: e.command, describe: e.describe });
      expect(String(m.command).split(' ')[0]).to.equal(e.name);
    }
  });

  it('the installed loaders import the module each command name stands for', async () => {
    for (const e of commandEntries) {
      const m = await lazyLoaders.command(e.name);
      expect({ command: m.command, describe: m.describe }).to.deep.equal({ command: e.command, describe: e.describe });
    }
  });

  /** Runs a command line in-process and records which command modules main() asked for. */
  async function loadedBy(argv: string[]): Promise<{ code: number; loaded: string[] }> {
    const loaded: string[] = [];
    const recording: CliLoaders = {
      ...staticLoaders,
      command: (name) => (loaded.push(name), staticLoaders.command(name)),
    };
    const { code } = await runCli(argv, recording);
    return { code, loaded };
  }

  const loads = [
    { argv: ['--help'], loaded: [] },
    { argv: ['--version'], loaded: [] },
    { argv: ['validate', 'scenarios/local-demo.yaml'], loaded: ['validate'] },
    { argv: ['-o', 'json', 'report', 'history', '--report-dir', 'no-such-dir'], loaded: ['report'] },
  ];
  for (const l of loads) {
    it(`\`${l.argv.join(' ')}\` loads ${l.loaded.length ? l.loaded.join(', ') : 'no command module'}`, async () => {
      const r = await loadedBy(l.argv);
      expect(r.loaded).to.deep.equal(l.loaded);
    });
  }

  const guesses = [
    { argv: ['validate', 'x.yaml'], name: 'validate' },
    { argv: ['--kubeconfig', 'run', 'plan', 's.yaml'], name: 'plan' },
    { argv: ['-o', 'json', 'report', 'verify', 'd'], name: 'report' },
    { argv: ['--help'], name: undefined },
    { argv: ['--', 'run'], name: undefined },
  ];
  for (const g of guesses) {
    it(`loads ${g.name ?? 'no command'} for \`${g.argv.join(' ')}\``, () => {
      expect(invokedCommand(g.argv)?.name).to.equal(g.name);
    });
  }
});
