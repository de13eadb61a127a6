/**
 * The CLI's loaders for in-process tests: every module imported statically. Under mocha+tsx src/ runs as CommonJS,
 * and the dynamic import() of cli/lazy-loaders.ts' lazyLoaders would load a second copy of every module, with its own
 * DrillError class, exit code and secret registry. bin.ts (and so every spawned CLI) uses lazyLoaders.
 */
import type { CommandModule } from 'yargs';
import type { CliLoaders, CommandName } from '../../src/cli/loaders.js';
import { localCommand } from '../../src/cli/commands/local.js';
import { initCommand } from '../../src/cli/commands/init.js';
import { watchCommand } from '../../src/cli/commands/watch.js';
import { validateCommand } from '../../src/cli/commands/validate.js';
import { listCommand } from '../../src/cli/commands/list.js';
import { planCommand } from '../../src/cli/commands/plan.js';
import { runCommand } from '../../src/cli/commands/run.js';
import { cleanupCommand } from '../../src/cli/commands/cleanup.js';
import { manifestCommand } from '../../src/cli/commands/manifest.js';
import { reportCommand } from '../../src/cli/commands/report.js';
import { backupsCommand } from '../../src/cli/commands/backups.js';
import { janitorCommand } from '../../src/cli/commands/janitor.js';
import * as evidence from '../../src/evidence/index.js';
import { commandEntries } from '../../src/cli/commands/index.js';

const modules: Record<CommandName, CommandModule> = {
  local: localCommand,
  init: initCommand,
  watch: watchCommand,
  validate: validateCommand,
  list: listCommand,
  plan: planCommand,
  run: runCommand,
  cleanup: cleanupCommand,
  manifest: manifestCommand,
  report: reportCommand,
  backups: backupsCommand,
  janitor: janitorCommand,
};

export const staticLoaders: CliLoaders = {
  command: async (name) => modules[name],
  evidence: async () => evidence,
};

/** Every command's module, in the order --help lists them. */
export const staticCommands: CommandModule[] = commandEntries.map((e) => modules[e.name]);
