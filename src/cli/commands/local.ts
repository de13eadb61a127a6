/**
 * `dr-drill local up | down | status`: the built-in local DR environment (two kwok clusters, a velero server
 * each, Azurite with TLS). See docs/local-environment.md.
 */
import { defineCommand, defineGroup } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLine } from '../output.js';
import { existingBinDir, localDown, localUp } from '../../local/environment.js';
import { localLayout } from '../../local/layout.js';
import { localStatus, type LocalStatus } from '../../local/status.js';

function progressLine(step: string, detail: string, elapsed: number): void {
  process.stderr.write(`[${elapsed.toFixed(1).padStart(6)}s] ${step}: ${detail}\n`);
}

function printStatusText(s: LocalStatus): void {
  const width = Math.max(...s.components.map((c) => c.name.length));
  for (const c of s.components) {
    const where = [c.pid !== null ? `pid ${c.pid}` : '', c.endpoint ?? ''].filter(Boolean).join(', ');
    printLine(`${c.healthy ? 'ok  ' : 'DOWN'} ${c.name.padEnd(width)}  ${c.detail}${where ? `  (${where})` : ''}`);
  }
  printLine();
  printLine(`kubeconfig: ${s.kubeconfig}`);
  printLine(`contexts:   ${s.contexts.primary} (primary), ${s.contexts.dr} (dr)`);
  printLine(`azurite:    ${s.azurite.url} (CA ${s.azurite.caCert})`);
  printLine();
  printLine(`use it:     export KUBECONFIG=${s.kubeconfig}`);
  printLine(
    `       or:  dr-drill --kubeconfig ${s.kubeconfig} …   /   kubectl --kubeconfig ${s.kubeconfig} --context ${s.contexts.dr} get backups -n velero`,
  );
  printLine(
    `blob:       export NODE_EXTRA_CA_CERTS=${s.azurite.caCert} AZURE_STORAGE_CONNECTION_STRING='${s.azurite.connectionString}'`,
    // Azurite's development key is published by Microsoft; users copy this line.
    { public: true },
  );
}

const up = defineCommand<{ demo: boolean; 'fs-backup'?: boolean }>({
  command: 'up',
  describe: 'Build (once) and start the local environment, or check that it is up',
  builder: (y) =>
    y
      .option('demo', {
        type: 'boolean',
        default: true,
        describe: 'Seed the demo workload in primary (--no-demo to skip)',
      })
      .option('fs-backup', {
        type: 'boolean',
        describe:
          "Run Velero's file-system backup (volume data): a node stand-in per cluster, a node-agent per node. On by default where exec into a pod's volumes can work (root); --no-fs-backup opts out. An environment keeps its choice until `local down`",
      }),
  run: async (args) => {
    const r = await localUp({ onProgress: progressLine, skipDemo: !args.demo, fsBackup: args['fs-backup'] });
    if (args.output === 'json') printJson({ ...r.status, seconds: Math.round(r.seconds * 10) / 10 }, { public: true });
    else {
      printLine(`local environment up in ${r.seconds.toFixed(1)}s`);
      printStatusText(r.status);
    }
    return r.status.healthy ? EXIT.pass : EXIT.error;
  },
});

const down = defineCommand<Record<string, never>>({
  command: 'down',
  describe: 'Stop every process the local environment started (by pid) and remove its state',
  run: async (args) => {
    const r = await localDown({ onProgress: progressLine });
    if (args.output === 'json') printJson(r);
    else
      printLine(
        `stopped: ${r.stopped.length ? r.stopped.join(', ') : 'nothing was running'}; removed ${r.removedStateDir}`,
      );
    return EXIT.pass;
  },
});

const status = defineCommand<Record<string, never>>({
  command: 'status',
  describe: 'Show every component of the local environment and its health',
  run: async (args) => {
    const layout = localLayout();
    const s = await localStatus(layout, existingBinDir(layout));
    if (args.output === 'json') printJson(s, { public: true });
    else printStatusText(s);
    return s.healthy ? EXIT.pass : EXIT.error;
  },
});

/** The `local` command group. */
export const localCommand = defineGroup(
  'local <command>',
  'The built-in local DR environment (kwok clusters, Velero, Azurite)',
  [up, down, status],
);
