/**
 * The dr-drill command line. Each command lives in commands/<name>.ts, exports a yargs CommandModule and returns
 * an exit code; this file wires them, maps errors to the contract's exit codes, and turns yargs' usage errors
 * (exit 1 by default) into exit 2. Only the invoked command's module is loaded (cli/lazy-loaders.ts).
 */
import yargs, { type CommandModule } from 'yargs';
import { EXIT, exitCodeForError } from './exit-codes.js';
import { printError } from './output.js';
import { commandEntries, invokedCommand, type CommandEntry } from './commands/index.js';
import { takeExitCode } from './command.js';
import type { CliLoaders, WithLoaders } from './loaders.js';
import { TOOL_VERSION } from '../version.js';
import { registerEnvSecrets } from '../util/secrets.js';

/**
 * A rejected command line. Thrown from yargs' fail hook: a hook that only records the failure lets yargs go on
 * to run the command's handler, so `run scenario.yaml --dry-run` would run a real drill.
 */
class UsageError extends Error {}

/** Thrown by a command that was listed but not loaded: the command word was guessed wrong, so load them all. */
class NotLoaded extends Error {}

/** A command listed by name and description only; loading it is left for when it is invoked. */
function listedOnly(e: CommandEntry): CommandModule {
  return {
    command: e.command,
    describe: e.describe,
    builder: (y) => y.strict(false),
    handler: () => {
      throw new NotLoaded(e.name);
    },
  };
}

/** Every command's module, in the order --help lists them. */
export async function loadCommands(loaders: CliLoaders): Promise<CommandModule[]> {
  return Promise.all(commandEntries.map((e) => loaders.command(e.name)));
}

/** Runs one command line; `loaders` is cli/lazy-loaders.ts' lazyLoaders except in in-process tests. */
export async function main(argv: string[], loaders: CliLoaders, loadAll = false): Promise<number> {
  // Secret-named variables (connection strings, ARM tokens, webhook URLs) are masked wherever they would surface.
  registerEnvSecrets(process.env);
  const cli = yargs()
    .scriptName('dr-drill')
    .usage('$0 <command> [options]\n\nRehearse disaster recovery for Kubernetes workloads protected by Velero.')
    .option('kubeconfig', {
      type: 'string',
      describe: 'Kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)',
      global: true,
    })
    .option('context', {
      type: 'string',
      describe:
        "Kube context (default: the kubeconfig's current one; plan/run: the scenario's); --source-context/--target-context for two clusters",
      global: true,
    })
    .option('output', {
      alias: 'o',
      choices: ['text', 'json'] as const,
      default: 'text' as const,
      describe: 'Output format',
      global: true,
    })
    .strict()
    .demandCommand(1, 'name a command (see --help)')
    .recommendCommands()
    .help()
    .alias('help', 'h')
    .version(TOOL_VERSION)
    .completion('completion', 'Print a bash/zsh completion script: dr-drill completion >> ~/.bashrc')
    .example('$0 validate scenarios/*.yaml', 'check scenario files without touching a cluster')
    .example('$0 plan scenarios/payments-nightly.yaml', 'compile a scenario and run the read-only preflight')
    .example('$0 run scenarios/payments-nightly.yaml', 'run a drill; the evidence goes to reports/')
    .example('$0 report verify reports/<scenario>/<drill>', 'check a report folder and its checksums')
    .example('$0 completion >> ~/.bashrc', 'tab completion for bash (zsh: ~/.zshrc)')
    .epilogue('Exit codes: 0 PASS, 1 FAIL, 2 invalid input, 3 ERROR, 130 interrupted. Docs: docs/ in the package.')
    .wrap(Math.min(110, process.stdout.columns || 110))
    .exitProcess(false)
    .fail((msg, err, y) => {
      // A rejected command handler reaches this hook with no message; it is not a usage error.
      if (!msg && err) throw err;
      y.showHelp((usage: string) => process.stderr.write(`${usage}\n\n`));
      process.stderr.write(`dr-drill: ${msg}\nRun with --help for usage.\n`);
      throw new UsageError(msg);
    });
  // Only the invoked command is imported (with its SDKs); shell completion needs every command's options.
  const everything = loadAll || argv.includes('--get-yargs-completions');
  const all = everything ? await loadCommands(loaders) : undefined;
  const invoked = everything ? undefined : invokedCommand(argv);
  for (const [i, e] of commandEntries.entries()) {
    cli.command(all ? all[i]! : e === invoked ? await loaders.command(e.name) : listedOnly(e));
  }
  try {
    const context: WithLoaders = { loaders };
    await cli.parseAsync(argv, context);
    return takeExitCode();
  } catch (e) {
    if (e instanceof NotLoaded) return main(argv, loaders, true);
    if (e instanceof UsageError) return EXIT.input;
    printError(e);
    return exitCodeForError(e);
  }
}
