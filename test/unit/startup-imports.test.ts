/**
 * Startup cost is mostly modules loaded: `--help` must not import any command's implementation, and `validate`
 * and `report verify` must not import the Kubernetes or Azure SDKs or typebox. Checked on the static import
 * graph of src/ (`import type` and dynamic `import()` excluded: those load nothing at start); bench/startup.ts
 * measures the time itself.
 */
import { expect } from 'chai';
import { join, resolve } from 'node:path';
import { importsOf, srcDir, type ImportEdge } from '../support/import-graph.js';

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

// What the startup graph above counts as loaded at start.
describe('import graph: what counts as an import', () => {
  const cases: { name: string; text: string; want: Partial<ImportEdge> }[] = [
    { name: 'a value import', text: "import { a } from './x.js';", want: { typeOnly: false, dynamic: false } },
    { name: 'import type', text: "import type { A } from './x.js';", want: { typeOnly: true, dynamic: false } },
    { name: 'type-only names (still loaded)', text: "import { type A } from './x.js';", want: { typeOnly: false } },
    { name: 'one value among types', text: "import { a, type B } from './x.js';", want: { typeOnly: false } },
    { name: 'a side-effect import', text: "import './x.js';", want: { typeOnly: false } },
    { name: 'a re-export', text: "export { a } from './x.js';", want: { typeOnly: false } },
    { name: 'a type re-export', text: "export type { A } from './x.js';", want: { typeOnly: true } },
    { name: 'a star re-export', text: "export * from './x.js';", want: { typeOnly: false } },
    { name: 'a lazy import()', text: "const m = await import('./x.js');", want: { typeOnly: false, dynamic: true } },
    { name: 'an import type in a type', text: "let m: typeof import('./x.js');", want: { typeOnly: true } },
  ];
  for (const c of cases)
    it(c.name, () => {
      const found = importsOf(`${srcDir}/engine/a.ts`, c.text);
      expect(found).to.have.length(1);
      expect(found[0]).to.include({ to: `${srcDir}/engine/x.js`, local: true, ...c.want });
    });
});
