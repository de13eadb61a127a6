import { inputError } from '../util/errors.js';
import { parseDuration } from '../util/duration.js';

/** A duration flag such as --timeout 5m, or an input error (exit 2) naming the flag. */
export function durationFlag(flag: string, text: string, example: string): number {
  try {
    return parseDuration(text);
  } catch (e) {
    throw inputError('BAD_DURATION_FLAG', `--${flag}: ${(e as Error).message}`, `e.g. --${flag} ${example}`);
  }
}

/** The scenario paths list and watch take: directories, files or globs, default scenarios/. */
export function scenarioPaths() {
  return {
    type: 'string',
    array: true,
    default: ['scenarios'],
    describe: 'Scenario directories, files or globs',
  } as const;
}
