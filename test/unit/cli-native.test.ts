/** What a user expects of any CLI they install: a version, help with examples, shell completion. */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { runCli } from '../support/run-cli.js';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

describe('cli: native habits', () => {
  it('--version prints the package version and exits 0', async () => {
    const r = await runCli(['--version']);
    expect(r.code).to.equal(0);
    expect(r.stdout.trim()).to.equal(pkg.version);
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
