import type { CommandName } from '../loaders.js';

/**
 * A command as `--help` lists it, before its module is loaded (cli/lazy-loaders.ts). `command` and `describe` repeat
 * the module's own; a unit test keeps them equal.
 */
export interface CommandEntry {
  /** The word that invokes it (the first word of `command`). */
  name: CommandName;
  command: string;
  describe: string;
}

/** Every command, in the order --help lists them. Each file under commands/ adds its entry here and in lazy-loaders.ts. */
export const commandEntries: CommandEntry[] = [
  {
    name: 'local',
    command: 'local <command>',
    describe: 'The built-in local DR environment (kwok clusters, Velero, Azurite)',
  },
  {
    name: 'init',
    command: 'init',
    describe: "Write one scenario per Velero Schedule of a cluster, from the schedule's cadence and what it protects",
  },
  {
    name: 'watch',
    command: 'watch [paths..]',
    describe: 'Drill each scenario when a backup of its Velero Schedule completes, and serve Prometheus metrics',
  },
  {
    name: 'validate',
    command: 'validate <file...>',
    describe: 'Check scenario files against the dr-drill/v1 format (exit 0 when all are valid, 2 otherwise)',
  },
  {
    name: 'list',
    command: 'list [paths..]',
    describe: 'List scenarios (a directory, files or globs; default scenarios/) with their labels and needed env',
  },
  {
    name: 'plan',
    command: 'plan <scenario>',
    describe:
      'Show the compiled plan and run a read-only preflight (contexts, Velero, BSL, backup age, target namespaces, storage classes and zones)',
  },
  {
    name: 'run',
    command: 'run <scenario..>',
    describe:
      'Run a drill: select a backup, restore it into the target, prove it with probes, measure RTO/RPO, tear down, report',
  },
  {
    name: 'cleanup',
    command: 'cleanup',
    describe: 'Remove what drills left behind (kept copies, teardown leftovers), found by the drill labels',
  },
  {
    name: 'manifest',
    command: 'manifest',
    describe: 'File manifests for checksum probes',
  },
  {
    name: 'report',
    command: 'report',
    describe: 'Verify report folders, upload, prune and list drill history',
  },
  {
    name: 'backups',
    command: 'backups',
    describe: 'Velero backups read straight from Blob Storage: list and verify',
  },
  {
    name: 'janitor',
    command: 'janitor',
    describe:
      'Delete drill AKS clusters whose dr-drill-expires tag is past (kept with --keep, or left by a crash) and that this identity created',
  },
];

/** Global options that take a value, so that the word after them is not a command (`--kubeconfig run`). */
const VALUE_OPTIONS = new Set(['--kubeconfig', '--context', '--output', '-o']);

/**
 * The command a command line invokes: the first word that is not an option or an option's value, when it names
 * a command. Only a guess to skip loading the others: main() falls back to loading all when it is wrong.
 */
export function invokedCommand(argv: readonly string[]): CommandEntry | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return undefined;
    if (a.startsWith('-')) {
      if (VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    return commandEntries.find((e) => e.name === a);
  }
  return undefined;
}
