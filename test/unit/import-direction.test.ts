import { expect } from 'chai';
import { join, relative } from 'node:path';
import { folderOf, importsOf, srcDir, tsFilesUnder, type ImportEdge } from '../support/import-graph.js';

// STYLE.md 1: imports point one way (cli → scenario → plan → engine/fleet → adapters → report/evidence). A
// reversed import makes the library API (runDrill, runFleet, watch) depend on the command line, or an adapter on
// the engine that drives it; this table keeps the direction checked (import-cycles.test.ts forbids the rest).
const rules: { from: string[]; mustNotImport: string }[] = [
  {
    from: ['engine', 'fleet', 'coordination', 'scenario', 'plan', 'measure', 'report', 'evidence'],
    mustNotImport: 'cli',
  },
  { from: ['scenario'], mustNotImport: 'plan' },
  { from: ['report'], mustNotImport: 'evidence' },
  { from: ['kube', 'velero', 'targets', 'probes'], mustNotImport: 'engine' },
  { from: ['kube', 'velero', 'targets', 'probes'], mustNotImport: 'cli' },
  // Probes run compiled ProbePlans (plan/probe-plan.ts): the scenario file's shapes and defaults stay behind the compiler.
  { from: ['probes'], mustNotImport: 'scenario' },
];

// A folder with a public entry is used through it alone: its other files are internals that may change shape.
const entries: { from: string[]; folder: string; entry: string }[] = [
  { from: ['cli', 'fleet'], folder: 'engine', entry: 'engine/index.ts' },
];

/** What in `edges` breaks a rule for `folder`: an import into a forbidden folder, or past a public entry. */
function broken(folder: string, edges: ImportEdge[]): string[] {
  return edges
    .filter((e) => e.local)
    .flatMap((e) => {
      const to = folderOf(e.to);
      const from = relative(srcDir, e.from);
      const forbidden = rules.some((r) => r.from.includes(folder) && r.mustNotImport === to);
      const entry = entries.find((x) => x.from.includes(folder) && x.folder === to);
      const past = entry !== undefined && relative(srcDir, e.to) !== entry.entry;
      return forbidden || past ? [`${from} → ${relative(srcDir, e.to)}`] : [];
    });
}

describe('import direction (STYLE.md 1)', () => {
  for (const rule of rules)
    for (const folder of rule.from)
      it(`src/${folder} never imports src/${rule.mustNotImport}`, () => {
        const edges = tsFilesUnder(join(srcDir, folder)).flatMap((f) => importsOf(f));
        expect(
          broken(folder, edges).filter((b) => folderOf(join(srcDir, b.split(' → ')[1]!)) === rule.mustNotImport),
        ).to.deep.equal([]);
      });
  for (const x of entries)
    for (const folder of x.from)
      it(`src/${folder} uses src/${x.folder} through ${x.entry} only`, () => {
        const edges = tsFilesUnder(join(srcDir, folder)).flatMap((f) => importsOf(f));
        expect(broken(folder, edges).filter((b) => b.includes(` → ${x.folder}/`))).to.deep.equal([]);
      });
  // The rules' own test: each deliberately added import below must be caught.
  const deliberate = [
    { file: 'cli/commands/run.ts', text: "import { phaseOrder } from '../../engine/hook-steps.js';" },
    { file: 'fleet/run-fleet.ts', text: "import type { DrillContext } from '../engine/context.js';" },
    { file: 'probes/exec.ts', text: "import type { ExecProbe } from '../scenario/schema.js';" },
    { file: 'velero/backups.ts', text: "import { runDrill } from '../engine/index.js';" },
    { file: 'report/verify.ts', text: "import { signFolder } from '../evidence/signing.js';" },
  ];
  for (const d of deliberate)
    it(`a deliberately added ${d.text.replace(/^import (type )?\{ (\w+) \}.*/, '$2')} import in ${d.file} is caught`, () => {
      const found = broken(folderOf(join(srcDir, d.file)), importsOf(join(srcDir, d.file), d.text));
      expect(found).to.have.length(1);
    });
  it('the public entry itself is allowed', () => {
    const text = "import { runDrill } from '../../engine/index.js';";
    expect(broken('cli', importsOf(join(srcDir, 'cli/commands/run.ts'), text))).to.deep.equal([]);
  });
});
