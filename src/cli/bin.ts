import { main } from './main.js';
import { EXIT } from './exit-codes.js';
import { printError } from './output.js';
import { lazyLoaders } from './lazy-loaders.js';

main(process.argv.slice(2), lazyLoaders).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    printError(e);
    process.exitCode = EXIT.error;
  },
);
