/**
 * What the CLI loads only when a command line needs it: each command's module (with the SDKs it imports) and the
 * evidence container code (the Azure SDKs, some 1,300 modules). `dr-drill --help` then imports yargs and little
 * else. main() takes the loaders as a parameter: bin.ts passes the dynamic imports of lazy-loaders.ts; in-process tests pass
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
/** A command the CLI can load (COMMAND_NAMES). */
export type CommandName = (typeof COMMAND_NAMES)[number];

/** Where the CLI's lazily imported code comes from, so --help imports no SDK (tests replace them). */
export interface CliLoaders {
  /** A command's module: imported when the command is invoked. */
  command: (name: CommandName) => Promise<CommandModule>;
  /** The evidence container code: imported by `report verify|history` only with --container. */
  evidence: () => Promise<typeof import('../evidence/index.js')>;
}

/** The loaders a command's handler receives (main() passes them in the parse context). */
export interface WithLoaders {
  loaders: CliLoaders;
}
