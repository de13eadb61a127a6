import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

// STYLE.md 1: imports point one way (cli → engine/fleet → adapters). A reversed import makes the library API
// (runDrill, runFleet, watch) depend on the command line; this table keeps the direction checked.
const src = resolve('src');
const rules: { from: string[]; mustNotImport: string }[] = [
  {
    from: ['engine', 'fleet', 'coordination', 'scenario', 'plan', 'measure', 'report', 'evidence'],
    mustNotImport: 'cli',
  },
  { from: ['kube', 'velero', 'targets', 'probes'], mustNotImport: 'engine' },
  { from: ['kube', 'velero', 'targets', 'probes'], mustNotImport: 'cli' },
];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function importedFolders(file: string): string[] {
  const specs = [...readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => relative(src, resolve(dirname(file), s)).split(/[\\/]/)[0]!);
}

describe('import direction (STYLE.md 1)', () => {
  for (const rule of rules)
    for (const folder of rule.from)
      it(`src/${folder} never imports src/${rule.mustNotImport}`, () => {
        const offenders = filesUnder(join(src, folder)).filter((f) => importedFolders(f).includes(rule.mustNotImport));
        expect(offenders.map((f) => relative(src, f))).to.deep.equal([]);
      });
});
