import { main } from './main.js';
import { EXIT } from './exit-codes.js';
import { printError } from './output.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    printError(e);
    process.exitCode = EXIT.error;
  },
);
