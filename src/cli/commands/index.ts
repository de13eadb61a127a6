import type { CommandModule } from 'yargs';

/** Every command, in the order --help lists them. Each file under commands/ adds its module here. */
export const commands: CommandModule[] = [];
