/** Printing for commands: commands return data; these helpers are the only place that writes to the terminal. */
import { isDrillError, describeError } from '../errors.js';

export type OutputFormat = 'text' | 'json';

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

export function printLine(line = ''): void {
  process.stdout.write(line + '\n');
}

export function printError(e: unknown): void {
  if (isDrillError(e)) {
    process.stderr.write(`error ${e.code}: ${e.message}\n`);
    if (e.hint) process.stderr.write(`hint: ${e.hint}\n`);
  } else {
    process.stderr.write(`error: ${describeError(e)}\n`);
  }
}

/** Colour only on a TTY and when NO_COLOR is unset. */
export function useColour(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}
