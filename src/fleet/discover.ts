/**
 * Which scenario files a fleet command means: directories (their *.yaml, *.yml and *.json, not recursive),
 * files, and simple globs (`*` and `?` in the last path segment; shells usually expand globs before we see
 * them). Sorted and without duplicates, so a fleet's order is stable from run to run.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { inputError } from '../errors.js';

const SCENARIO_FILE = /\.(ya?ml|json)$/;

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/** The scenario files `args` stand for; an argument that matches nothing is an input error (exit 2). */
export function discoverScenarioFiles(args: readonly string[]): string[] {
  const out = new Set<string>();
  for (const arg of args) {
    if (/[*?]/.test(arg)) {
      const dir = dirname(arg);
      if (/[*?]/.test(dir)) {
        throw inputError(
          'BAD_GLOB',
          `"${arg}": only the last path segment may hold * or ?`,
          'name a directory instead',
        );
      }
      const re = globToRegExp(basename(arg));
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        names = [];
      }
      const hits = names.filter((n) => re.test(n) && SCENARIO_FILE.test(n) && isFile(join(dir, n)));
      if (hits.length === 0) throw nothingMatched(arg);
      for (const n of hits) out.add(join(dir, n));
      continue;
    }
    let isDir = false;
    try {
      isDir = statSync(arg).isDirectory();
    } catch {
      // A missing file is reported by the scenario loader, with the file's name, like `validate` does.
    }
    if (isDir) {
      const hits = readdirSync(arg)
        .filter((n) => SCENARIO_FILE.test(n) && isFile(join(arg, n)))
        .map((n) => join(arg, n));
      if (hits.length === 0) throw nothingMatched(arg);
      for (const h of hits) out.add(h);
    } else {
      out.add(arg);
    }
  }
  return [...out].sort();
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
