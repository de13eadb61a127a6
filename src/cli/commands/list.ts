/**
 * `list [dir|glob…]`: the scenarios of a fleet, one per line, or with `--output json` an array a CI matrix is
 * built from (`jq -c '{include: .}'` in GitHub Actions): file, name, labels, kube contexts and the environment
 * variables each scenario needs. Exit 2 when any listed scenario is invalid, so a matrix is never built from
 * files that would fail before they start.
 */
import { scenarioPaths } from '../flags.js';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLine } from '../output.js';
import { formatProblem } from '../../scenario/index.js';
import { readCatalog } from '../../fleet/catalog.js';
import { parseSelector } from '../../fleet/selector.js';

interface ListArgs {
  paths: string[];
  selector?: string;
}

export const listCommand = defineCommand<ListArgs>({
  command: 'list [paths..]',
  describe: 'List scenarios (a directory, files or globs; default scenarios/) with their labels and needed env',
  builder: (y) =>
    y.positional('paths', scenarioPaths()).option('selector', {
      alias: 'l',
      type: 'string',
      describe: 'Only scenarios whose metadata.labels match, e.g. team=payments,tier!=bronze',
    }) as never,
  run: async (args) => {
    const selector = args.selector !== undefined ? parseSelector(args.selector) : null;
    const entries = await readCatalog(args.paths, selector);
    if (args.output === 'json') {
      printJson(
        entries.map((e) => ({
          scenario: e.file,
          name: e.name,
          labels: e.labels,
          contexts: e.contexts,
          env: e.env,
          valid: e.valid,
          ...(e.valid ? {} : { problems: e.problems.map(formatProblem) }),
        })),
      );
    } else {
      for (const e of entries) {
        if (!e.valid) {
          for (const p of e.problems) printLine(formatProblem(p));
          continue;
        }
        const labels = Object.entries(e.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
        printLine(
          [e.name, e.file, labels || '-', e.env.length ? `env ${e.env.join(',')}` : ''].filter(Boolean).join('  '),
        );
      }
    }
    return entries.every((e) => e.valid) ? EXIT.pass : EXIT.input;
  },
});
