import { expect } from 'chai';
import { relative } from 'node:path';
import { cycles, folderOf, importsOf, srcDir, tsFilesUnder, type ImportEdge } from '../support/import-graph.js';

// A cycle has no first module: whichever loads first sees the other half-initialised (undefined exports at
// import time), and no one can read either side alone. Type-only and lazy imports count too: they are the
// same knot for a reader, and the next value import along them becomes a run-time cycle.
const files = tsFilesUnder(srcDir);
const edges = files.flatMap((f) => importsOf(f)).filter((e) => e.local && e.to.startsWith(srcDir));

function fileCycles(all: ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of all) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  return cycles(files, (f) => next.get(f) ?? []).map((c) => c.map((f) => relative(srcDir, f)));
}

function folderCycles(all: ImportEdge[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const e of all) {
    const [a, b] = [folderOf(e.from), folderOf(e.to)];
    if (a !== b) next.set(a, (next.get(a) ?? new Set()).add(b));
  }
  return cycles(new Set(files.map(folderOf)), (f) => next.get(f) ?? []);
}

const edge = (from: string, to: string): ImportEdge => ({
  from: `${srcDir}/${from}`,
  to: `${srcDir}/${to}`,
  local: true,
  typeOnly: true,
  dynamic: false,
});

describe('no import cycles in src/', () => {
  it('no file reaches itself through its imports', () => {
    expect(fileCycles(edges)).to.deep.equal([]);
  });

  it('no folder reaches itself through its files’ imports', () => {
    expect(folderCycles(edges)).to.deep.equal([]);
  });

  it('a deliberately added back-import is found as a cycle, with every file on it', () => {
    const found = fileCycles([...edges, edge('util/duration.ts', 'engine/run-drill.ts')]);
    expect(found).to.have.length(1);
    expect(found[0]).to.include.members(['util/duration.ts', 'engine/run-drill.ts']);
  });

  it('a deliberately added folder back-import is found as a folder cycle', () => {
    const found = folderCycles([...edges, edge('velero/types.ts', 'engine/outcome.ts')]);
    expect(found.some((c) => c.includes('velero') && c.includes('engine'))).to.equal(true);
  });
});

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
