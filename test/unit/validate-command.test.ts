import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/run-cli.js';

/** Runs the CLI in-process and captures what it prints. */
async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  const r = await runCli(args);
  return { code: r.code, stdout: r.stdout };
}

describe('dr-drill validate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dr-drill-validate-'));
  const good = join(import.meta.dirname, '..', '..', 'scenarios', 'local-demo.yaml');
  const bad = join(dir, 'bad.yaml');
  writeFileSync(
    bad,
    'apiVersion: dr-drill/v1\nkind: Scenario\nmetadata: { name: x }\nspec: { objectives: { rto: soon, rpo: 1h } }\n',
  );

  const cases: Array<{ name: string; args: string[]; code: number; stdout: string | RegExp }> = [
    { name: 'a valid file', args: ['validate', good], code: 0, stdout: `${good}: valid\n` },
    {
      name: 'an invalid file, one line per problem',
      args: ['validate', good, bad],
      code: 2,
      stdout: `${good}: valid\n${bad}:4:1 spec: missing required fields \`backup\`, \`target\`, \`probes\`\n${bad}:4:28 spec.objectives.rto: expected a duration such as 90s, 15m, 4h, 1h30m, got "soon"\n`,
    },
    {
      name: 'a missing file',
      args: ['validate', join(dir, 'nope.yaml')],
      code: 2,
      stdout: `${join(dir, 'nope.yaml')}:1:1 (root): file not found\n`,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await cli(c.args);
      expect(r.code).to.equal(c.code);
      if (typeof c.stdout === 'string') expect(r.stdout).to.equal(c.stdout);
      else expect(r.stdout).to.match(c.stdout);
    });
  }

  it('prints JSON with --output json', async () => {
    const r = await cli(['validate', good, bad, '--output', 'json']);
    expect(r.code).to.equal(2);
    const out = JSON.parse(r.stdout) as Array<{
      file: string;
      valid: boolean;
      problems: Array<{ line: number; path: string }>;
    }>;
    expect(out.map((o) => [o.file, o.valid, o.problems.length])).to.deep.equal([
      [good, true, 0],
      [bad, false, 2],
    ]);
    expect(out[1]!.problems[1]).to.deep.include({ file: bad, line: 4, col: 28, path: 'spec.objectives.rto' });
  });
});
