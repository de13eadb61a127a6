import { TOOL_VERSION } from '../version.js';

const argv = process.argv.slice(2);
// `--version` alone is answered before yargs and the command list load (most of the start-up time); a test runs both
// ways and compares their output (test/unit/cli-native.test.ts).
if (argv.length === 1 && argv[0] === '--version') process.stdout.write(`${TOOL_VERSION}\n`);
else {
  const [{ main }, { EXIT }, { printError }, { lazyLoaders }] = await Promise.all([
    import('./main.js'),
    import('./exit-codes.js'),
    import('./output.js'),
    import('./lazy-loaders.js'),
  ]);
  main(argv, lazyLoaders).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      printError(e);
      process.exitCode = EXIT.error;
    },
  );
}
