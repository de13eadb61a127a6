import type { Argv, CommandModule } from 'yargs';
import type { GlobalOptions } from './context.js';

/**
 * A command: a yargs builder plus `run`, which returns the exit code. Keeping the exit code a return value
 * (not process.exit) lets tests call commands in-process and lets teardown finish before the process ends.
 */
export interface DrillCommand<A> {
  command: string | string[];
  describe: string;
  builder?: (y: Argv<GlobalOptions>) => Argv<A>;
  run: (args: A & GlobalOptions) => Promise<number>;
}

let lastExitCode = 0;
export function takeExitCode(): number {
  const c = lastExitCode;
  lastExitCode = 0;
  return c;
}

export function defineCommand<A>(c: DrillCommand<A>): CommandModule {
  return {
    command: c.command,
    describe: c.describe,
    builder: (c.builder ?? ((y: Argv<GlobalOptions>) => y)) as never,
    handler: async (argv: unknown) => {
      lastExitCode = await c.run(argv as A & GlobalOptions);
    },
  };
}

/** A command group: its subcommands are kept on it so that tools and tests can walk the whole command tree. */
export type CommandGroup = CommandModule & { subcommands: CommandModule[] };

/** A command group such as `local up|down|status`: subcommands are required. */
export function defineGroup(command: string, describe: string, subcommands: CommandModule[]): CommandGroup {
  return {
    command,
    subcommands,
    describe,
    builder: (y: Argv) => {
      for (const s of subcommands) y.command(s);
      return y.demandCommand(1, `name a ${command.split(' ')[0]} subcommand (see --help)`);
    },
    handler: () => {},
  };
}
