/** Printing for commands: commands return data; these helpers are the only place that writes to the terminal. */
import { isDrillError, describeError } from '../util/errors.js';
import { redact } from '../util/redact.js';

/** --output: human text or JSON. */
export type OutputFormat = 'text' | 'json';

/**
 * How a print treats secrets: masked (default: every known secret and secret-shaped value), or `public` for
 * values that are public on purpose (the local environment's Azurite development key, which users copy).
 */
export interface PrintOptions {
  public?: boolean;
}

export function printJson(value: unknown, opts: PrintOptions = {}): void {
  const text = JSON.stringify(value, null, 2);
  process.stdout.write((opts.public ? text : redact(text)) + '\n');
}

export function printLine(line = '', opts: PrintOptions = {}): void {
  process.stdout.write((opts.public ? line : redact(line)) + '\n');
}

export function printError(e: unknown): void {
  if (isDrillError(e)) {
    process.stderr.write(redact(`error ${e.code}: ${e.message}`) + '\n');
    if (e.hint) process.stderr.write(redact(`hint: ${e.hint}`) + '\n');
  } else {
    process.stderr.write(redact(`error: ${describeError(e)}`) + '\n');
  }
}

/** Colour only on a TTY and when NO_COLOR is unset. */
export function useColour(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}
