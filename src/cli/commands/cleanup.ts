/** `cleanup --drill-id <id> | --all`: remove what drills left behind in the given or current context. */
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLine } from '../output.js';
import { inputError } from '../../util/errors.js';
import { loadKubeConfig, gatewayFor, requireContexts } from '../../kube/kubeconfig.js';
import { cleanupDrill, findDrills, type CleanupResult } from '../../engine/index.js';
import { DRILL_ID_PATTERN } from '../../util/ids.js';
import { durationFlag } from '../flags.js';

export const cleanupCommand = defineCommand<{ 'drill-id'?: string; all: boolean; context?: string; timeout: string }>({
  command: 'cleanup',
  describe: 'Remove what drills left behind (kept copies, teardown leftovers), found by the drill labels',
  builder: (y) =>
    y
      .option('drill-id', { type: 'string', describe: 'The drill whose leftovers to remove' })
      .option('all', { type: 'boolean', default: false, describe: "Every drill's leftovers in the context" })
      .option('timeout', {
        type: 'string',
        default: '5m',
        describe: 'How long to wait for deletions before listing what is left',
      })
      .check((a) => {
        if (!a['drill-id'] === !a.all) throw new Error('give exactly one of --drill-id <id> or --all');
        return true;
      }) as never,
  run: async (args) => {
    const id = args['drill-id'];
    if (id !== undefined && !DRILL_ID_PATTERN.test(id))
      throw inputError(
        'BAD_DRILL_ID',
        `--drill-id "${id}" is not a drill id`,
        'a drill id is 8 characters [a-z0-9], as in the report folder name',
      );
    const timeoutMs = durationFlag('timeout', args.timeout, '5m');
    const kc = loadKubeConfig(args.kubeconfig);
    requireContexts(kc, [args.context ?? null]);
    const gw = gatewayFor(kc, args.context ?? null);
    const ids = id ? [id] : await findDrills(gw);
    const results: CleanupResult[] = [];
    for (const d of ids) results.push(await cleanupDrill(gw, d, timeoutMs));
    if (args.output === 'json') printJson({ context: gw.context, drills: results });
    else {
      if (!ids.length) printLine(`no drill leftovers in ${gw.context}`);
      for (const r of results) {
        printLine(
          `drill ${r.drillId}: deleted ${r.deleted.length}${r.deleted.length ? `: ${r.deleted.join(', ')}` : ''}`,
        );
        for (const l of r.leftBehind) printLine(`  still there: ${l.object}: ${l.reason}`);
      }
    }
    return results.some((r) => r.leftBehind.length) ? EXIT.error : EXIT.pass;
  },
});
