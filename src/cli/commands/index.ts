import type { CommandModule } from 'yargs';
import { localCommand } from './local.js';
import { validateCommand } from './validate.js';
import { reportCommand } from './report.js';

/** Every command, in the order --help lists them. Each file under commands/ adds its module here. */
export const commands: CommandModule[] = [
  localCommand,
  validateCommand,
  reportCommand,
];
