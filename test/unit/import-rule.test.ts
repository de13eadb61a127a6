import { expect } from 'chai';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';

// The import rule of src/ is dependency-cruiser with .dependency-cruiser.mjs (issue #17 item 2): the flow
// cli → scenario → plan → engine → adapters → measure → report → evidence, and no cycles. These cases run it on src/
// and on a scratch copy of src/ with deliberate breaks, so a rule that silently stopped matching fails here too.

/**
 * Each violation as `rule: from → to` (a cycle: every file on it), paths relative to `baseDir`, sorted. `start`: the
 * files and folders the cruise starts from; it follows their imports.
 */
async function violations(baseDir: string, start = ['src']): Promise<string[]> {
  const options = await extractDepcruiseOptions(resolve('.dependency-cruiser.mjs'));
  const { output } = await cruise(start, { ...options, baseDir });
  return (output as ICruiseResult).summary.violations
    .map((v) => `${v.rule.name}: ${[v.from, ...(v.cycle ? v.cycle.map((c) => c.name) : [v.to])].join(' → ')}`)
    .sort();
}

describe('import rule (dependency-cruiser, .dependency-cruiser.mjs)', () => {
  it('src/ follows the flow and has no cycle', async function () {
    this.timeout(120_000);
    expect(await violations(process.cwd())).to.deep.equal([]);
  });

  it('the flow table itself has no cycle, so no folder cycle can pass it', async () => {
    const config = pathToFileURL(resolve('.dependency-cruiser.mjs')).href;
    const table = ((await import(config)) as { flow: Record<string, string[]> }).flow;
    const folderOf = (entry: string) => Object.keys(table).find((k) => entry === k || entry.startsWith(k))!;
    const visiting = new Set<string>();
    const done = new Set<string>();
    const loops: string[] = [];
    const visit = (k: string, path: string[]): void => {
      if (done.has(k)) return;
      if (visiting.has(k)) return void loops.push([...path, k].join(' → '));
      visiting.add(k);
      for (const next of table[k]!) visit(folderOf(next), [...path, k]);
      visiting.delete(k);
      done.add(k);
    };
    for (const k of Object.keys(table)) visit(k, []);
    expect(loops).to.deep.equal([]);
  });

  describe('on a scratch copy of src/ with deliberate breaks', () => {
    let found: string[];
    before(async function () {
      this.timeout(120_000);
      const copy = mkdtempSync(join(tmpdir(), 'import-rule-'));
      cpSync('src', join(copy, 'src'), { recursive: true });
      const src = (file: string) => join(copy, 'src', file);
      // A type-only back-import: the Kubernetes adapter must not know Velero (velero/ is built on kube/).
      appendFileSync(src('kube/gateway.ts'), "\nimport type * as velero from '../velero/names.js';\n");
      // The CLI past the engine's public entry.
      appendFileSync(src('cli/step-prompt.ts'), "\nimport { fail } from '../engine/outcome.js';\n");
      // A cycle inside one folder, which no direction rule forbids: size-cap.ts already imports capped-read.ts.
      appendFileSync(src('util/capped-read.ts'), "\nimport { gunzipCapped } from './size-cap.js';\n");
      // The engine spelling Velero's group/version instead of calling velero/ (a value import of velero/types.ts).
      appendFileSync(src('engine/cleanup.ts'), "\nimport { VELERO_API } from '../velero/types.js';\n");
      // A folder the flow table does not place.
      mkdirSync(src('extras'));
      writeFileSync(
        src('extras/helper.ts'),
        "import { newDrillId } from '../util/ids.js';\nexport const id = newDrillId;\n",
      );
      // Cruising from the changed files (the rule sees everything they reach) keeps this case cheap on a busy CI.
      const changed = [
        'kube/gateway.ts',
        'cli/step-prompt.ts',
        'util/capped-read.ts',
        'extras/helper.ts',
        'engine/cleanup.ts',
      ];
      found = await violations(
        copy,
        changed.map((f) => `src/${f}`),
      );
    });

    it('a back-import fails, even a type-only one, naming the rule of the importing folder and both files', () => {
      expect(found).to.include('flow-kube: src/kube/gateway.ts → src/velero/names.ts');
    });

    it('an import of an engine internal from the CLI fails: the engine is used through engine/index.ts', () => {
      expect(found).to.include('flow-cli: src/cli/step-prompt.ts → src/engine/outcome.ts');
    });

    it('a cycle fails no-circular, naming each file on it', () => {
      expect(found).to.include('no-circular: src/util/capped-read.ts → src/util/size-cap.ts → src/util/capped-read.ts');
    });

    it('a folder missing from the flow table fails', () => {
      expect(found).to.include('flow-unplaced: src/extras/helper.ts → src/util/ids.ts');
    });

    it("the engine importing Velero's group/version (any value of velero/types.ts) fails; its types do not", () => {
      expect(found).to.include('engine-velero-types-only: src/engine/cleanup.ts → src/velero/types.ts');
    });

    it('nothing else is reported: each break is caught by the rule meant for it', () => {
      expect(found).to.have.length(5);
    });
  });
});
