/**
 * What the CLI loads only when a command line needs it: each command's module (with the SDKs it imports) and the
 * evidence container code (the Azure SDKs, some 1,300 modules). `dr-drill --help` then imports yargs and little
 * else. main() takes the loaders as a parameter: bin.ts passes these dynamic imports; in-process tests pass
 * statically imported modules (test/support/cli-loaders.ts), because under mocha+tsx src/ runs as CommonJS and a
 * dynamic import() there loads a second copy of every module (its own DrillError class, exit code, secret registry).
 */
import type { CommandModule } from 'yargs';

/** Every command word, in the order --help lists them. */
export const COMMAND_NAMES = [
  'local',
  'init',
  'watch',
  'validate',
  'list',
  'plan',
  'run',
  'cleanup',
  'manifest',
  'report',
  'backups',
  'janitor',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export interface CliLoaders {
  /** A command's module: imported when the command is invoked. */
  command: (name: CommandName) => Promise<CommandModule>;
  /** The evidence container code: imported by `report verify|history` only with --container. */
  evidence: () => Promise<typeof import('../evidence/index.js')>;
}

/** The loaders of the installed CLI: each module is imported when first needed. */
export const lazyLoaders: CliLoaders = {
  command: async (name) => {
    switch (name) {
      case 'local':
        return (await import('./commands/local.js')).localCommand;
      case 'init':
        return (await import('./commands/init.js')).initCommand;
      case 'watch':
        return (await import('./commands/watch.js')).watchCommand;
      case 'validate':
        return (await import('./commands/validate.js')).validateCommand;
      case 'list':
        return (await import('./commands/list.js')).listCommand;
      case 'plan':
        return (await import('./commands/plan.js')).planCommand;
      case 'run':
        return (await import('./commands/run.js')).runCommand;
      case 'cleanup':
        return (await import('./commands/cleanup.js')).cleanupCommand;
      case 'manifest':
        return (await import('./commands/manifest.js')).manifestCommand;
      case 'report':
        return (await import('./commands/report.js')).reportCommand;
      case 'backups':
        return (await import('./commands/backups.js')).backupsCommand;
      case 'janitor':
        return (await import('./commands/janitor.js')).janitorCommand;
    }
  },
  evidence: () => import('../evidence/index.js'),
};

/** The loaders a command's handler receives (main() passes them in the parse context). */
export interface WithLoaders {
  loaders: CliLoaders;
}
