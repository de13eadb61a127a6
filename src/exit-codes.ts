import type { VerdictT } from './report/schema.js';
import { isDrillError } from './util/errors.js';

/** The fixed contract's exit codes. */
export const EXIT = { pass: 0, fail: 1, input: 2, error: 3, interrupted: 130 } as const;
/** The documented process exit codes (docs and DESIGN.md's fixed contract). */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export function exitCodeForVerdict(verdict: VerdictT): ExitCode {
  return verdict === 'PASS' ? EXIT.pass : verdict === 'FAIL' ? EXIT.fail : EXIT.error;
}

/**
 * A negative control's exit code, inverted on purpose: a FAIL caused only by the planted impossibility proves the
 * drill can fail (0); a PASS, or a FAIL for any other reason, proves nothing (1); an ERROR stays an ERROR (3).
 */
export function exitCodeForNegativeControl(verdict: VerdictT, conclusive: boolean | undefined): ExitCode {
  if (verdict === 'ERROR') return EXIT.error;
  return conclusive ? EXIT.pass : EXIT.fail;
}

export function exitCodeForError(e: unknown): ExitCode {
  if (!isDrillError(e)) return EXIT.error;
  if (e.category === 'input') return EXIT.input;
  if (e.category === 'interrupted') return EXIT.interrupted;
  return EXIT.error;
}
