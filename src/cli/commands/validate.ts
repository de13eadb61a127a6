/** `validate <file...>`: check scenario files as written, every problem on its own line, before any cluster. */
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLine } from '../output.js';
import { loadScenario, formatProblem, type Problem } from '../../scenario/index.js';

/** One file's verdict, as `--output json` prints it. */
export interface ValidationResult {
  file: string;
  valid: boolean;
  problems: Problem[];
}

/** Checks each file; `${ENV}` is not resolved here (plan and run do that). */
export async function validateFiles(files: readonly string[]): Promise<ValidationResult[]> {
  const results: ValidationResult[] = [];
  for (const file of files) {
    const loaded = await loadScenario(file);
    results.push({ file, valid: loaded.problems.length === 0, problems: loaded.problems });
  }
  return results;
}

export const validateCommand = defineCommand<{ file: string[] }>({
  command: 'validate <file...>',
  describe: 'Check scenario files against the dr-drill/v1 format (exit 0 when all are valid, 2 otherwise)',
  builder: (y) =>
    y.positional('file', {
      type: 'string',
      array: true,
      demandOption: true,
      describe: 'Scenario files (YAML or JSON)',
    }) as never,
  run: async (args) => {
    const results = await validateFiles(args.file);
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
