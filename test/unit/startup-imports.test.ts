/**
 * Startup cost is mostly modules loaded: `--help` must not import any command's implementation, and `validate`
 * and `report verify` must not import the Kubernetes or Azure SDKs or typebox. Checked on the static import
 * graph of src/ (`import type` and dynamic `import()` excluded: those load nothing at start); bench/startup.ts
 * measures the time itself.
 */
import { expect } from 'chai';
import { join, resolve } from 'node:path';
import { importsOf } from '../support/import-graph.js';

const HEAVY = ['@kubernetes/client-node', '@azure/', '@sinclair/typebox', 'ajv', 'execa'];

/** Every module a source file loads at start: relative files transitively, packages by name. */
function staticImports(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const e of importsOf(file)) {
      if (e.typeOnly || e.dynamic) continue;
      if (e.local) visit(e.to);
      else if (!e.to.startsWith('node:')) packages.add(e.to);
    }
  };
  visit(resolve(entry));
  return { files, packages };
}

const heavyIn = (packages: Set<string>) => [...packages].filter((p) => HEAVY.some((h) => p.startsWith(h)));

describe('startup: what each command line imports', () => {
  it('--version alone loads only the version (no yargs); --help loads main, the command list and yargs only', () => {
    const bin = staticImports('src/cli/bin.ts');
    expect([...bin.packages]).to.deep.equal([]);
    expect([...bin.files].map((f) => f.split(/[\\/]src[\\/]/).pop())).to.deep.equal(['cli/bin.ts', 'version.ts']);
    const g = staticImports('src/cli/main.ts');
    expect(heavyIn(g.packages)).to.deep.equal([]);
    expect(
      [...g.files].filter((f) => f.includes(join('cli', 'commands', '')) && !f.endsWith('index.ts')),
    ).to.deep.equal([]);
  });

  for (const command of ['validate', 'report']) {
    it(`${command} loads no Kubernetes or Azure SDK, typebox, ajv's compiler or execa`, () => {
      expect(heavyIn(staticImports(`src/cli/commands/${command}.ts`).packages)).to.deep.equal([]);
    });
  }
});
