/** `janitor --subscription <id> [--resource-group <rg>] [--dry-run]`: delete expired drill AKS clusters, found by tag. */
import { defineCommand } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLine } from '../output.js';
import { armSettings } from '../../azure/arm.js';
import { AksClusters } from '../../azure/aks-cluster.js';
import { runJanitor } from '../../azure/janitor.js';
import { runnerIdentity } from '../../azure/ownership.js';

export const janitorCommand = defineCommand<{ subscription: string; 'resource-group'?: string; 'dry-run': boolean }>({
  command: 'janitor',
  describe:
    'Delete drill AKS clusters whose dr-drill-expires tag is past (kept with --keep, or left by a crash) and that this identity created',
  builder: (y) =>
    y
      .option('subscription', { type: 'string', demandOption: true, describe: 'Azure subscription id' })
      .option('resource-group', { type: 'string', describe: 'Only this resource group' })
      .option('dry-run', {
        type: 'boolean',
        default: false,
        describe: 'List what would be deleted; delete nothing',
      }) as never,
  run: async (args) => {
    const settings = armSettings();
    const clusters = new AksClusters(settings, args.subscription);
    const runner = await runnerIdentity(settings.credential, settings.scope);
    const entries = await runJanitor(clusters, {
      runner,
      now: new Date(),
      dryRun: args['dry-run'],
      resourceGroup: args['resource-group'],
      onProgress: (m) => process.stderr.write(m + '\n'),
    });
    if (args.output === 'json')
      printJson({ subscription: args.subscription, dryRun: args['dry-run'], clusters: entries });
    else {
      if (!entries.length) printLine(`no drill clusters in subscription ${args.subscription}`);
      for (const e of entries)
        printLine(
          `${e.action.padEnd(12)} ${e.resourceGroup}/${e.name} drill ${e.drillId} expires ${e.expires ?? '?'}${e.reason ? ` (${e.reason})` : ''}${e.error ? `: ${e.error}` : ''}`,
        );
    }
    return entries.some((e) => e.action === 'failed') ? EXIT.error : EXIT.pass;
  },
});
