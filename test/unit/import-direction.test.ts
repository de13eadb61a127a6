import { expect } from 'chai';
import { join, relative } from 'node:path';
import { folderOf, importsOf, srcDir, tsFilesUnder } from '../support/import-graph.js';

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

describe('import direction (STYLE.md 1)', () => {
  for (const rule of rules)
    for (const folder of rule.from)
      it(`src/${folder} never imports src/${rule.mustNotImport}`, () => {
        const offenders = tsFilesUnder(join(srcDir, folder)).filter((f) =>
          importsOf(f).some((e) => e.local && folderOf(e.to) === rule.mustNotImport),
        );
        expect(offenders.map((f) => relative(srcDir, f))).to.deep.equal([]);
      });
});
