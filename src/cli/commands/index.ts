import type { CommandModule } from 'yargs';
import { localCommand } from './local.js';
import { planCommand } from './plan.js';
import { runCommand } from './run.js';
import { cleanupCommand } from './cleanup.js';
import { manifestCommand } from './manifest.js';
import { validateCommand } from './validate.js';
import { listCommand } from './list.js';
import { reportCommand } from './report.js';
import { backupsCommand } from './backups.js';
import { janitorCommand } from './janitor.js';

/** Every command, in the order --help lists them. Each file under commands/ adds its module here. */
export const commands: CommandModule[] = [
  localCommand,
  validateCommand,
  listCommand,
  planCommand,
  runCommand,
  cleanupCommand,
  manifestCommand,
  reportCommand,
  backupsCommand,
  janitorCommand,
];
