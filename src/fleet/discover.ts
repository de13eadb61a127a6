/**
 * Which scenario files a fleet command means: directories (their *.yaml, *.yml and *.json, not recursive),
 * files, and globs in the last path segment, with bash's rules (picomatch: `*`, `?`, `[0-9]`, `{a,b}`; shells
 * usually expand globs before we see them, a quoted one reaches us). Sorted and without duplicates, so a fleet's
 * order is stable from run to run.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import picomatch from 'picomatch';
import { inputError } from '../util/errors.js';

const SCENARIO_FILE = /\.(ya?ml|json)$/;

const isGlob = (path: string) => picomatch.scan(path).isGlob;

/** The scenario files `args` stand for; an argument that matches nothing is an input error (exit 2). */
export function discoverScenarioFiles(args: readonly string[]): string[] {
  const out = new Set<string>();
  for (const arg of args) {
    // A path that exists is taken as written, so a folder named `drills (old)` or a file `[a].yaml` is not a glob.
    const kind = pathKind(arg);
    if (kind === null && isGlob(arg)) {
      const dir = dirname(arg);
      if (pathKind(dir) === null && isGlob(dir)) {
        throw inputError(
          'BAD_GLOB',
          `"${arg}": only the last path segment may hold a glob`,
          'name a directory instead',
        );
      }
      // dot: a leading dot is matched like any other character, as the hand-written glob before it did.
      const matches = picomatch(basename(arg), { dot: true });
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        names = [];
      }
      const hits = names.filter((n) => matches(n) && SCENARIO_FILE.test(n) && isFile(join(dir, n)));
      if (hits.length === 0) throw nothingMatched(arg);
      for (const n of hits) out.add(join(dir, n));
    } else if (kind === 'dir') {
      const hits = readdirSync(arg)
        .filter((n) => SCENARIO_FILE.test(n) && isFile(join(arg, n)))
        .map((n) => join(arg, n));
      if (hits.length === 0) throw nothingMatched(arg);
      for (const h of hits) out.add(h);
    } else {
      // A missing file is reported by the scenario loader, with the file's name, like `validate` does.
      out.add(arg);
    }
  }
  return [...out].sort();
}

function pathKind(p: string): 'dir' | 'file' | null {
  try {
    return statSync(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return null;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function nothingMatched(arg: string) {
  return inputError(
    'NO_SCENARIOS',
    `"${arg}" holds no scenario files (*.yaml, *.yml, *.json)`,
    'name a directory of scenarios, a scenario file, or a glob such as scenarios/*.yaml',
  );
}
