/** `validate <file...>`: check scenario files as written, every problem on its own line, before any cluster. */
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLine } from '../output.js';
import { loadScenario, formatProblem, interpolate, type Problem } from '../../scenario/index.js';
import { compilePlan } from '../../plan/compile.js';
import { isDrillError } from '../../util/errors.js';

/** One file's verdict, as `--output json` prints it. */
export interface ValidationResult {
  file: string;
  valid: boolean;
  problems: Problem[];
}

/**
 * Checks each file as written; with `env`, also resolves `${ENV}` from it as `plan` and `run` would (every unset
 * variable is a problem at its line) and compiles the result, so what CI runs is checked with CI's environment.
 */
export async function validateFiles(
  files: readonly string[],
  opts: { env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<ValidationResult[]> {
  const results: ValidationResult[] = [];
  for (const file of files) {
    const loaded = await loadScenario(file);
    const problems = [...loaded.problems];
    if (loaded.scenario && opts.env) {
      const resolved = interpolate(loaded.scenario, { env: opts.env, file, locate: loaded.locate });
      problems.push(...resolved.problems);
      if (resolved.problems.length === 0) {
        try {
          compilePlan(loaded.scenario, {
            drillId: 'validate',
            file,
            sha256: loaded.sha256,
            env: opts.env,
            locate: loaded.locate,
          });
        } catch (e) {
          if (!isDrillError(e) || e.category !== 'input') throw e;
          problems.push({ file, line: 1, col: 1, path: '(root)', message: `${e.message} (${e.hint})` });
        }
      }
    }
    results.push({ file, valid: problems.length === 0, problems });
  }
  return results;
}

export const validateCommand = defineCommand<{ file: string[]; resolve: boolean }>({
  command: 'validate <file...>',
  describe: 'Check scenario files against the dr-drill/v1 format (exit 0 when all are valid, 2 otherwise)',
  builder: (y) =>
    y
      .positional('file', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'Scenario files (YAML or JSON)',
      })
      .option('resolve', {
        type: 'boolean',
        default: false,
        describe: 'Also resolve ${ENV} from this environment, as plan and run do: an unset variable is a problem',
      }) as never,
  run: async (args) => {
    const results = await validateFiles(args.file, args.resolve ? { env: process.env } : {});
    if (args.output === 'json') printJson(results);
    else {
      for (const r of results) {
        if (r.valid) printLine(`${r.file}: valid`);
        else for (const p of r.problems) printLine(formatProblem(p));
      }
    }
    return results.every((r) => r.valid) ? EXIT.pass : EXIT.input;
  },
});
