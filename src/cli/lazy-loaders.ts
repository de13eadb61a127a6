/**
 * The loaders of the installed CLI (bin.ts): dynamic imports, apart from loaders.ts so that the types commands
 * import from there do not lead back to every command module.
 */
import type { CliLoaders } from './loaders.js';

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
