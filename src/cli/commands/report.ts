/** `report verify <dir>` and `report history`: checking evidence and listing past drills. */
import { defineCommand, defineGroup } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLine } from '../output.js';
import { verifyReportFolder } from '../../report/verify.js';
import { readHistory, renderHistory } from '../../report/history.js';

const verify = defineCommand<{ dir: string }>({
  command: 'verify <dir>',
  describe: 'Check a report folder: SHA256SUMS, report.json against its schema, and the chain to the previous drill',
  builder: (y) => y.positional('dir', { type: 'string', demandOption: true, describe: 'The report folder' }) as never,
  run: async (args) => {
    const result = verifyReportFolder(args.dir);
    if (args.output === 'json') printJson(result);
    else {
      for (const p of result.problems) printLine(`${result.folder}/${p.file}: ${p.message}`);
      for (const n of result.notes) printLine(`note: ${n}`);
      printLine(result.ok
        ? `OK ${result.folder}: ${result.verifiedFiles.length} file(s) match SHA256SUMS, report.json is valid`
        : `FAILED ${result.folder}: ${result.problems.length} problem(s)`);
    }
    return result.ok ? EXIT.pass : EXIT.fail;
  },
});

const history = defineCommand<{ 'report-dir': string; scenario?: string }>({
  command: 'history',
  describe: 'List past drills, newest first, and the last verified restore of each scenario',
  builder: (y) =>
    y
      .option('report-dir', { type: 'string', default: 'reports', describe: 'Where drills write their reports' })
      .option('scenario', { type: 'string', describe: 'Only this scenario' }) as never,
  run: async (args) => {
    const h = readHistory(args['report-dir'], args.scenario === undefined ? {} : { scenario: args.scenario });
    if (args.output === 'json') printJson(h);
    else process.stdout.write(renderHistory(h));
    return EXIT.pass;
  },
});

/** The `report` command group. */
export const reportCommand = defineGroup('report', 'Verify report folders and list drill history', [verify, history]);
