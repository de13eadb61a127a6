/**
 * `init [--context <ctx>] [--out <dir>]`: one ready-to-review scenario per Velero Schedule of a cluster, written
 * from what the cluster holds (docs/init.md). Read-only against the cluster. An existing file is never
 * overwritten without --force: every clash is named and nothing is written (exit 2).
 */
import { join } from 'node:path';
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLine } from '../output.js';
import { loadKubeConfig, gatewayFor } from '../../kube/kubeconfig.js';
import { initScenarios } from '../../fleet/init-scenarios.js';
import { formatProblem } from '../../scenario/index.js';
import { FILL_IN } from '../../scenario/fill-in-checks.js';
import { formatSeconds } from '../../util/duration.js';

interface InitArgs {
  context?: string;
  out: string;
  'velero-namespace': string;
  'target-context'?: string;
  force: boolean;
}

export const initCommand = defineCommand<InitArgs>({
  command: 'init',
  describe: "Write one scenario per Velero Schedule of a cluster, from the schedule's cadence and what it protects",
  builder: (y) =>
    y
      .option('context', {
        type: 'string',
        describe: 'Kube context to read the Schedules from (default: the current one)',
      })
      .option('out', { type: 'string', default: 'scenarios', describe: 'Folder the scenario files are written to' })
      .option('velero-namespace', { type: 'string', default: 'velero', describe: 'Namespace Velero runs in' })
      .option('target-context', {
        type: 'string',
        describe: 'Restore into this context (another cluster) instead of a scratch namespace next to the source',
      })
      .option('force', { type: 'boolean', default: false, describe: 'Overwrite scenario files that exist' }) as never,
  run: async (args) => {
    const gw = gatewayFor(loadKubeConfig(args.kubeconfig), args.context ?? null);
    const r = await initScenarios(gw, {
      out: args.out,
      veleroNamespace: args['velero-namespace'],
      targetContext: args['target-context'] ?? null,
      force: args.force,
      now: new Date(),
    });
    if (args.output === 'json') {
      printJson({
        context: r.context,
        veleroNamespace: args['velero-namespace'],
        scenarios: r.written.map((w) => ({ ...w, toFillIn: w.toFillIn.map(formatProblem) })),
        skipped: r.skipped,
      });
      return EXIT.pass;
    }
    if (!r.schedules) printLine(`no Velero Schedules in ${r.context} namespace ${args['velero-namespace']}`);
    for (const w of r.written) {
      printLine(
        `wrote ${w.file}: schedule ${w.schedule}, RPO ${formatSeconds(w.rpoSeconds)}, RTO ${formatSeconds(w.rtoSeconds)}`,
      );
      for (const n of w.warnings) printLine(`  note: ${n}`);
      for (const p of w.toFillIn) printLine(`  to fill in: ${formatProblem(p)}`);
    }
    for (const s of r.skipped) printLine(`skipped schedule ${s.schedule}: ${s.reason}`);
    if (r.written.length)
      printLine(`review each file, replace every ${FILL_IN}, then: dr-drill validate ${join(args.out, '*.yaml')}`);
    return EXIT.pass;
  },
});
